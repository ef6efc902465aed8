"""The roll-call bot against confplane, with nothing but the confplane pytest plugin's
fixtures: every test starts on a server holding only the demo org."""

from __future__ import annotations

import pytest
from rollcall import QPS_LIMIT, RollCall

CLOSED, OPEN = 1, 2  # a device's microphone


@pytest.fixture
def bot(confplane, confplane_sdk_config) -> RollCall:
    """The bot as the app's own code builds it: the official SDK, the demo app's keys."""
    return RollCall(confplane.app_key, confplane.app_secret, confplane_sdk_config)


def operations(entries: list[dict]) -> list[str]:
    return [e["operation"] for e in entries]


@pytest.mark.asyncio  # needed in pytest-asyncio's strict mode; harmless in auto
async def test_roll_call_with_live_devices(confplane, confplane_devices, bot) -> None:
    host, lilei, hanmeimei, wangfang = confplane.users[:4]
    meeting = bot.start(host, [lilei, hanmeimei, wangfang], "Stand-up")
    await confplane_devices(meeting.conference_id, host)
    talking = await confplane_devices(meeting.conference_id, lilei, mic=OPEN)
    quiet = await confplane_devices(meeting.conference_id, hanmeimei, mic=CLOSED)

    report = bot.call_roll(meeting)

    assert report.present == [host, lilei, hanmeimei]
    assert report.absent == [wangfang]
    assert report.muted == [lilei]
    assert (await talking.next_command()).kind == "mute"
    assert talking.mic == CLOSED and talking.host_muted
    assert quiet.pending_commands() == []


def test_nobody_came(confplane, bot) -> None:
    meeting = bot.start(confplane.host, confplane.users[1:3])
    report = bot.call_roll(meeting)
    assert report.present == []
    assert report.absent == confplane.users[:3]


def test_a_system_error_is_retried(confplane, confplane_emulator, bot) -> None:
    confplane_emulator.add_fault(
        "CreateVideoConference", error=(500, "systemError"), app_key=confplane.app_key
    )
    meeting = bot.start(confplane.host, [confplane.users[1]])
    assert meeting.conference_id

    created = confplane_emulator.journal(operation="CreateVideoConference")
    assert [(e["status"], e["code"]) for e in created] == [(500, "systemError"), (200, None)]
    assert [(f["matched"], f["hits"]) for f in confplane_emulator.faults()] == [(1, 1)]


def test_the_rate_limit_is_waited_out(confplane, confplane_admin, confplane_emulator) -> None:
    # Three pages of members at one call a second: some page is refused and retried.
    bot = RollCall(confplane.app_key, confplane.app_secret, confplane.sdk_config(), page_size=2)
    meeting = bot.start(confplane.host, confplane.users[1:])
    for union_id in confplane.users[1:3]:
        confplane_admin.join(meeting.conference_id, union_id, mic_status=CLOSED)
    confplane_emulator.set_rate_limit(1)

    report = bot.call_roll(meeting)

    assert report.present == confplane.users[1:3]
    assert report.absent == [confplane.host, *confplane.users[3:]]
    pages = confplane_emulator.journal(operation="QueryConferenceMembers")
    assert [e["status"] for e in pages].count(200) == 3
    assert {e["code"] for e in pages if e["status"] != 200} == {QPS_LIMIT}


def test_the_journal_holds_exactly_the_apps_calls(
    confplane, confplane_admin, confplane_emulator, bot
) -> None:
    meeting = bot.start(confplane.host, confplane.users[1:3])
    confplane_admin.join(meeting.conference_id, confplane.users[1])  # admin calls: not journaled
    bot.call_roll(meeting)

    journal = confplane_emulator.journal(app_key=confplane.app_key)
    assert operations(journal) == [
        "GetAccessToken",
        "CreateVideoConference",
        "QueryConferenceMembers",
        "QueryConferenceInfoBatch",
        "MuteMembers",
    ]
    assert all(e["status"] == 200 for e in journal)
    create, mute = journal[1], journal[-1]
    assert create["request"] == {
        "userId": confplane.host,
        "confTitle": "Roll call",
        "inviteUserIds": confplane.users[1:3],
    }
    assert mute["conferenceId"] == meeting.conference_id
    assert mute["request"] == {"action": "mute", "userList": [{"unionId": confplane.users[1]}]}


def test_an_expired_token_is_replaced(confplane, confplane_emulator, bot) -> None:
    meeting = bot.start(confplane.host, [confplane.users[1]])
    first_token = bot.access_token()
    start = confplane_emulator.journal()[-1]["seq"]

    # Two hours and a second later the token has expired; the bot still holds it.
    confplane_emulator.advance_clock(7_201_000)
    report = bot.call_roll(meeting)

    assert report.absent == [confplane.host, confplane.users[1]]
    assert bot.access_token() != first_token
    calls = confplane_emulator.journal(after_seq=start)
    assert [(e["operation"], e["status"], e["code"]) for e in calls[:3]] == [
        ("QueryConferenceMembers", 400, "InvalidAuthentication"),
        ("GetAccessToken", 200, None),
        ("QueryConferenceMembers", 200, None),
    ]
