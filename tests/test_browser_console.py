"""The console in Chromium against a real server: sign-in, orgs and apps, a member's
join link, a page resuming after a network drop, the event log and the emulator's views."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from alibabacloud_dingtalk.oauth2_1_0 import models as om
from alibabacloud_dingtalk.oauth2_1_0.client import Client as OAuthClient
from playwright.sync_api import Browser, expect

from browser_kit import (
    CuttableLink,
    browser,
    console_sign_in,
    create_meeting,
    expect_in_meeting,
    member_of,
    new_page,
    open_meeting,
    roster_row,
    screenshot,
)
from confplane.client.admin import AdminClient
from confplane.testing import ServerProcess
from conftest import api_error, make_org, sdk_config

__all__ = ["browser"]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """A server with the emulator on, so its console views are served too."""
    proc = ServerProcess(tmp_path_factory.mktemp("console"), extra_args=["--emulator"])
    proc.start()
    yield proc
    proc.stop()


@pytest.fixture(scope="module")
def site_admin(site: ServerProcess) -> Iterator[AdminClient]:
    with AdminClient(site.base_url, site.admin_token) as client:
        yield client


# -- signing in ----------------------------------------------------------------------


def test_sign_in_is_refused_with_a_wrong_token(browser: Browser, site: ServerProcess) -> None:
    page = new_page(browser)
    console_sign_in(page, site, token="not-the-admin-token")
    expect(page.locator("#sign-in-error")).to_contain_text("Sign-in refused: wrong admin token")
    expect(page.get_by_role("navigation", name="Console")).to_be_hidden()
    assert page.context.cookies() == []
    page.get_by_label("Admin token").fill(site.admin_token)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("navigation", name="Console")).to_be_visible()
    (cookie,) = page.context.cookies()
    assert (cookie["httpOnly"], cookie["sameSite"], cookie["path"]) == (True, "Strict", "/console")
    # The token is in no URL the page went to, and no script can read the session.
    assert site.admin_token not in page.url
    assert page.evaluate("document.cookie") == ""
    page.context.close()


# -- orgs, apps and users ----------------------------------------------------------------


def test_console_creates_an_app_and_rotates_its_secret_shown_once(
    browser: Browser, site: ServerProcess, site_admin: AdminClient
) -> None:
    org = make_org(site, site_admin)
    page = new_page(browser)
    console_sign_in(page, site)
    page.get_by_role("link", name="Orgs, apps and users").click()
    page.get_by_role("link", name=f"org {org.corp_id}").click()
    page.get_by_label("Name").fill("console app")
    page.locator("#app-form").get_by_role("button", name="Create app").click()
    first_secret = page.locator("#shown-secret").inner_text()
    row = page.locator("#app-body tr", has_text="console app")
    app_key = row.get_attribute("data-app-key")
    assert app_key and first_secret
    page.locator("#user-nick").fill("Console User")
    page.get_by_role("button", name="Create user").click()
    expect(page.locator("#user-body")).to_contain_text("Console User")

    page.once("dialog", lambda dialog: dialog.accept())
    row.locator('button[data-action="rotate"]').click()
    expect(page.locator("#shown-secret")).not_to_have_text(first_secret)
    new_secret = page.locator("#shown-secret").inner_text()
    oauth = OAuthClient(sdk_config(site))
    token = oauth.get_access_token(om.GetAccessTokenRequest(app_key=app_key, app_secret=new_secret))
    assert token.body.access_token
    old = api_error(
        oauth.get_access_token, om.GetAccessTokenRequest(app_key=app_key, app_secret=first_secret)
    )
    assert old.code == "invalidClientIdOrSecret"
    # Shown once: the page after a reload, and the API, hold it nowhere.
    page.reload()
    expect(page.locator("#app-body")).to_contain_text("console app")
    assert new_secret not in page.content()
    page.context.close()


# -- a member's join link, resuming, the event log and the emulator's views ----------------


def test_member_joins_with_a_link_from_the_console_and_resumes_after_a_drop(
    browser: Browser, site: ServerProcess, site_admin: AdminClient
) -> None:
    org = make_org(site, site_admin)
    meeting = create_meeting(org, "Member link")
    host = new_page(browser)
    console_sign_in(host, site)
    open_meeting(host, meeting)
    host.get_by_label("Member", exact=True).select_option(org.users[2])
    host.get_by_role("button", name="Make a join link").click()
    link = host.locator("#member-link a").get_attribute("href")
    assert link and link.startswith(site.base_url + "/l/")

    # The member's browser reaches the server over a link the test can cut.
    network = CuttableLink(site.port)
    member = new_page(browser)
    member.goto(link.replace(site.base_url, network.base_url))  # the auto-login URL...
    # ...leads to the join page with the ticket.
    assert f"/j/{meeting.room_code}?ticket=" in member.url
    expect(member.locator("#member-name")).to_have_text("user 2")
    member.locator("#member-form").get_by_label("Camera on").uncheck()
    member.get_by_role("button", name="Join the meeting").click()
    expect_in_meeting(member, "user 2")
    expect(member.locator("#camera")).to_have_text("Camera off")
    participant = member.locator("#join").get_attribute("data-participant-id")
    expect(roster_row(host, "user 2")).to_have_attribute("data-attend", "3")

    # The network goes away and comes back: the page resumes as the same device.
    network.cut()
    expect(member.locator("#connection")).to_contain_text("Reconnected as user 2")
    assert member.locator("#join").get_attribute("data-participant-id") == participant
    assert member_of(org, meeting.conference_id, "user 2").attend_status == 3

    # Made a co-host from the console: the page and the API both say so.
    roster_row(host, "user 2").locator('button[data-action="add-cohost"]').click()
    expect(member.locator("#notice")).to_have_text("You are now a co-host.")
    expect(member.locator("#roster li", has_text="user 2 (you)")).to_contain_text("co-host")
    assert member_of(org, meeting.conference_id, "user 2").co_host is True

    host.get_by_role("link", name="Event log").click()
    expect(host.locator("#event-body")).to_contain_text(meeting.conference_id)
    host.get_by_role("link", name="Emulator").click()
    expect(host.locator("#clock")).to_contain_text("Server clock")
    expect(host.locator("#journal-body")).to_contain_text("CreateVideoConference")
    screenshot(host, "console-emulator.png")
    for page in (host, member):
        page.context.close()
    network.close()
