"""The join page and the console's meeting page in Chromium, against a real server: a
guest joins through the link, the host acts from the console, the pages follow."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect

from browser_kit import (
    console_sign_in,
    create_meeting,
    expect_in_meeting,
    guest_join,
    launch,
    media_of,
    member_of,
    new_page,
    open_meeting,
    roster_row,
    screenshot,
)
from confplane.client.admin import AdminClient
from confplane.testing import ServerProcess
from conftest import make_org


@pytest.fixture(scope="module")
def browser(server: ServerProcess) -> Iterator[Browser]:
    """One Chromium per back-end's server, started after it (see browser_kit.launch)."""
    yield from launch()


def test_guest_joins_host_mutes_from_console_and_roster_follows(
    browser: Browser, server: ServerProcess, admin: AdminClient
) -> None:
    org = make_org(server, admin)
    meeting = create_meeting(org, "Quarterly planning")
    guest = new_page(browser)
    guest_join(guest, meeting, "Ada Guest")
    expect_in_meeting(guest, "Ada Guest")
    expect(guest.locator("#mic")).to_have_text("Microphone on")
    # The page is a device: the API reports it present with its microphone open.
    model = member_of(org, meeting.conference_id, "Ada Guest")
    assert (model.attend_status, model.outer_org_member) == (3, True)

    host = new_page(browser)
    console_sign_in(host, server)
    open_meeting(host, meeting)
    row = roster_row(host, "Ada Guest")
    expect(row).to_have_attribute("data-attend", "3")
    expect(row.locator("td.mic")).to_contain_text("mic on")

    row.locator('button[data-action="mute"]').click()
    expect(guest.locator("#mic")).to_have_text("Microphone off")
    expect(guest.locator("#mic-note")).to_contain_text("The host muted you")
    expect(row.locator("td.mic")).to_contain_text("held")
    # The guest tries to unmute: the server refuses and the page keeps it closed.
    expect(guest.locator("#mic")).to_have_attribute("aria-disabled", "true")
    guest.locator("#mic").click(force=True)  # a person can still press it
    expect(guest.locator("#join")).to_have_attribute("data-correction", "host_muted")
    expect(guest.locator("#mic")).to_have_text("Microphone off")
    expect(guest.locator("#mic-note")).to_contain_text("cannot unmute yourself")
    assert media_of(org, meeting.conference_id, "Ada Guest").mic_status == 1

    # A second guest comes and the first goes: the console follows without a reload.
    second = new_page(browser)
    guest_join(second, meeting, "Bo Second")
    expect_in_meeting(second, "Bo Second")
    expect(roster_row(host, "Bo Second")).to_have_attribute("data-attend", "3")
    expect(guest.locator("#roster li", has_text="Bo Second")).to_be_visible()
    screenshot(host, "console-meeting.png")
    screenshot(guest, "join-page.png")
    guest.get_by_role("button", name="Leave the meeting").click()
    expect(guest.locator("#ended-title")).to_have_text("You left the meeting")
    expect(row).to_have_attribute("data-attend", "6")
    expect(second.locator("#roster li", has_text="Ada Guest")).to_have_count(0)
    assert member_of(org, meeting.conference_id, "Ada Guest").attend_status == 6
    for page in (guest, second, host):
        page.context.close()


def test_lock_refuses_a_late_guest_and_kick_and_close_end_pages(
    browser: Browser, server: ServerProcess, admin: AdminClient
) -> None:
    org = make_org(server, admin)
    meeting = create_meeting(org)
    first, other = new_page(browser), new_page(browser)
    guest_join(first, meeting, "First Guest")
    expect_in_meeting(first, "First Guest")
    guest_join(other, meeting, "Other Guest")
    expect_in_meeting(other, "Other Guest")
    host = new_page(browser)
    console_sign_in(host, server)
    open_meeting(host, meeting)

    host.get_by_role("button", name="Lock", exact=True).click()
    expect(first.locator("#meeting-state")).to_contain_text("locked")
    late = new_page(browser)
    guest_join(late, meeting, "Late Guest")
    expect(late.locator("#join-error")).to_have_text(
        "The meeting is locked: the host is not letting anyone in right now."
    )
    expect(late.locator("#guest-form")).to_be_visible()
    assert [u.nick for u in org.batch([meeting.conference_id]).infos[0].user_list].count(
        "Late Guest"
    ) == 0

    roster_row(host, "First Guest").locator('button[data-action="kick-forbid"]').click()
    expect(first.locator("#ended-title")).to_have_text("You were removed from the meeting")
    expect(first.locator("#ended-reason")).to_have_text(
        "The host removed you from the meeting. You may not rejoin it."
    )
    expect(roster_row(host, "First Guest")).to_have_attribute("data-attend", "5")

    host.once("dialog", lambda dialog: dialog.accept())
    host.get_by_role("button", name="Close the meeting").click()
    expect(other.locator("#ended-title")).to_have_text("The meeting is over")
    expect(other.locator("#ended-reason")).to_have_text(
        "The meeting was closed: the host closed the meeting."
    )
    expect(host.locator("#meeting-tools")).to_contain_text("This meeting has ended.")
    for page in (first, other, late, host):
        page.context.close()
