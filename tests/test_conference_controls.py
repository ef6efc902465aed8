"""InviteUsers, UpdateMemberNick, UpdateVideoConferenceSetting, UpdateVideoConferenceExtInfo
and Focus: what they change, what devices are told, and every error."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from confplane.client.admin import AdminError
from confplane.client.device import DeviceError
from confplane.devices import protocol
from confplane.domain.model import READ_SCOPE
from conftest import Org, api_error, join_users, make_org
from controls_kit import (
    api_error_async,
    ext_info,
    ext_info_async,
    focus,
    focus_async,
    invite,
    invite_async,
    nick,
    nick_async,
    raw_info,
    settings,
    settings_async,
)
from devices_kit import Kit, barrier


def member(org: Org, cid: str, union_id: str) -> object:
    return next(m for m in org.members(cid).member_models if m.union_id == union_id)


def attend_statuses(org: Org, cid: str) -> dict[str, int]:
    return {m.union_id: m.attend_status for m in org.members(cid).member_models}


def join_refusal(org: Org, cid: str, union_id: str) -> AdminError:
    try:
        org.admin.join(cid, union_id)
    except AdminError as exc:
        return exc
    raise AssertionError("the join succeeded")


@pytest.fixture
async def kit(org: Org) -> AsyncIterator[Kit]:
    kit = Kit(org)
    yield kit
    await kit.close()


# -- InviteUsers -------------------------------------------------------------------------


def test_invite_calls_new_and_absent_members(org: Org) -> None:
    cid = org.create(invite=[org.users[1]])
    (present,) = join_users(org, cid, [org.users[2]])
    org.admin.decline(cid, org.users[1], "busy")
    answer = invite(
        org, cid, [org.users[1], org.users[2], org.users[3]], inviter=org.host,
        nicks={org.users[3]: "Guest Three"},
    )  # fmt: skip
    assert answer.success is True
    statuses = attend_statuses(org, cid)
    # The one who declined is called again, the one present stays, the new one is called.
    assert statuses[org.users[1]] == 2 and statuses[org.users[2]] == 3
    assert statuses[org.users[3]] == 2
    assert member(org, cid, org.users[3]).user_nick == "Guest Three"  # type: ignore[attr-defined]
    assert org.members(cid).total_count == 4
    assert org.admin.device(present)["active"] is True
    # A called member joins like any invitee.
    assert org.admin.join(cid, org.users[3])["active"] is True


def test_invite_another_orgs_user_makes_an_outer_member(org: Org, other_org: Org) -> None:
    cid = org.create()
    invite(org, cid, [other_org.users[0]])
    outsider = member(org, cid, other_org.users[0])
    assert outsider.outer_org_member is True  # type: ignore[attr-defined]


async def test_invite_async(org: Org) -> None:
    cid = org.create()
    assert (await invite_async(org, cid, [org.users[4]])).success is True
    assert attend_statuses(org, cid)[org.users[4]] == 2


def test_phone_invitees_are_refused_and_change_nothing(org: Org) -> None:
    cid = org.create()
    err = api_error(invite, org, cid, [org.users[1]], phones=["13800000000"])
    assert (err.status, err.code, err.message) == (400, "paramsError", "paramsError")
    assert org.members(cid).total_count == 1


def test_invite_errors(org: Org, other_org: Org) -> None:
    cid = org.create()
    for invitees in (None, [], [""]):
        err = api_error(invite, org, cid, invitees)
        assert (err.status, err.code, err.message) == (400, "paramsError", "paramsError")
    err = api_error(invite, org, cid, [org.users[1], "nobody-has-this-id"])
    assert (err.status, err.code) == (400, "unknownUserError")
    err = api_error(invite, org, cid, [org.users[1]], inviter="nobody-has-this-id")
    assert err.code == "unknownUserError"
    err = api_error(invite, org, cid, [org.users[1]], nicks={org.users[1]: "n" * 65})
    assert err.code == "paramsError"
    # None of the refused calls added anyone.
    assert org.members(cid).total_count == 1
    err = api_error(invite, org, other_org.create(), [org.users[1]])
    assert (err.status, err.code, err.message) == (400, "noPermission", "noPermission")
    org.lock(cid)
    err = api_error(invite, org, cid, [org.users[1]])
    assert (err.status, err.code) == (400, "conferenceLocked")
    org.close(cid)
    err = api_error(invite, org, cid, [org.users[1]])
    assert (err.status, err.code, err.message) == (400, "confClosed", "confClosed")
    err = api_error(invite, org, "000000000000000000000000", [org.users[1]])
    assert (err.status, err.code) == (400, "paramsError")


# -- UpdateMemberNick --------------------------------------------------------------------


async def test_nick_changes_for_the_api_and_the_devices(kit: Kit) -> None:
    org = kit.org
    cid = kit.meeting().conference_id
    device = await kit.member(cid, org.users[1])
    assert nick(org, cid, org.users[1], "  Chair  ").success is True
    assert member(org, cid, org.users[1]).user_nick == "Chair"  # type: ignore[attr-defined]
    assert org.batch([cid]).infos[0].user_list[-1].nick == "Chair"
    command = await device.next_command()
    assert (command.kind, command.data) == (
        "nick_changed",
        {"unionId": org.users[1], "nick": "Chair"},
    )
    assert (await nick_async(org, cid, org.users[1], "Chair 2")).success is True
    assert member(org, cid, org.users[1]).user_nick == "Chair 2"  # type: ignore[attr-defined]


def test_nick_errors_change_nothing(org: Org, other_org: Org) -> None:
    cid = org.create(invite=[org.users[1]])
    for union_id, new in ((None, "x"), (org.users[1], None), (org.users[1], "  "),
                          (org.users[1], "n" * 65)):  # fmt: skip
        err = api_error(nick, org, cid, union_id, new)
        assert (err.status, err.code, err.message) == (400, "paramsError", "paramsError")
    err = api_error(nick, org, cid, org.users[4], "stranger")
    assert (err.status, err.code) == (400, "unknownUserError")
    assert member(org, cid, org.users[1]).user_nick == "user 1"  # type: ignore[attr-defined]
    err = api_error(nick, org, other_org.create(), other_org.host, "x")
    assert (err.status, err.code) == (400, "noPermission")
    org.close(cid)
    err = api_error(nick, org, cid, org.users[1], "late")
    assert (err.status, err.code) == (400, "confClosed")


# -- UpdateVideoConferenceSetting ----------------------------------------------------------


def test_settings_lock_and_mute_all_act_like_their_operations(org: Org) -> None:
    cid = org.create()
    (attendee,) = join_users(org, cid, [org.users[1]])
    answer = settings(org, cid, lock_conference=True)
    assert (answer.case, answer.code) == ("success", "200")
    assert join_refusal(org, cid, org.users[2]).code == "conferenceLocked"
    settings(org, cid, lock_conference=False)
    assert org.admin.join(cid, org.users[2])["active"] is True
    # muteAll while self-unmute is allowed: closed, not held (MuteAll without force).
    settings(org, cid, mute_all=True)
    assert org.admin.device(attendee)["micStatus"] == 1
    assert org.batch([cid]).infos[0].media_status & 4 == 0
    assert org.admin.report_media(attendee, mic_status=2)["micStatus"] == 2
    # With self-unmute forbidden it holds, as MuteAll's forceMute does.
    settings(org, cid, mute_all=True, allow_unmute_self=False)
    state = org.admin.device(attendee)
    assert (state["micStatus"], state["hostMuted"]) == (1, True)
    assert org.batch([cid]).infos[0].media_status & 4 == 4
    settings(org, cid, mute_all=False, allow_unmute_self=True)
    assert org.admin.device(attendee)["hostMuted"] is False
    assert org.admin.report_media(attendee, mic_status=2)["micStatus"] == 2


def test_settings_are_kept_and_shown(org: Org) -> None:
    cid = org.create()
    before = raw_info(org, cid)
    assert (before["allowUnmuteSelf"], before["onlyInternalEmployeesJoin"]) == (True, False)
    settings(
        org, cid, auto_transfer_host=True, forbidden_share_screen=True,
        only_internal_employees_join=True, lock_conference=True,
    )  # fmt: skip
    shown = raw_info(org, cid)
    assert shown["autoTransferHost"] is True and shown["forbiddenShareScreen"] is True
    assert shown["onlyInternalEmployeesJoin"] is True and shown["lockConference"] is True
    assert shown["allowUnmuteSelf"] is True and shown["muteAll"] is False
    # A later change leaves the others as they were.
    settings(org, cid, forbidden_share_screen=False)
    again = raw_info(org, cid)
    assert again["forbiddenShareScreen"] is False and again["autoTransferHost"] is True


async def test_settings_async(org: Org) -> None:
    cid = org.create()
    answer = await settings_async(org, cid, lock_conference=True)
    assert (answer.case, answer.code) == ("success", "200")
    assert raw_info(org, cid)["lockConference"] is True


def test_self_unmute_forbidden_keeps_closed_microphones_closed(org: Org) -> None:
    cid = org.create(invite=[org.users[2]])
    attendee, host = join_users(org, cid, [org.users[1], org.host])
    org.admin.report_media(attendee, mic_status=1)
    org.admin.report_media(host, mic_status=1)
    settings(org, cid, allow_unmute_self=False)
    assert org.admin.report_media(attendee, mic_status=2)["micStatus"] == 1
    # The host leads the meeting and may always speak; an open microphone may close.
    assert org.admin.report_media(host, mic_status=2)["micStatus"] == 2
    # The host's unmute still opens it.
    org.mute(cid, org.users[1], "un_mute")
    assert org.admin.device(attendee)["micStatus"] == 2
    settings(org, cid, allow_unmute_self=True)
    org.admin.report_media(attendee, mic_status=1)
    assert org.admin.report_media(attendee, mic_status=2)["micStatus"] == 2


async def test_devices_see_settings_lock_and_self_unmute_refusal(kit: Kit) -> None:
    org = kit.org
    cid = kit.meeting().conference_id
    attendee = await kit.member(cid, org.users[1], mic=1)
    settings(org, cid, allow_unmute_self=False, lock_conference=True)
    command = await attendee.next_command()
    assert command.kind == "locked"
    command = await attendee.next_command()
    assert command.kind == "settings_changed"
    assert command.data == {
        "allowUnmuteSelf": False,
        "forbiddenShareScreen": False,
        "onlyInternalEmployeesJoin": False,
        "autoTransferHost": False,
    }
    answer = await attendee.report(mic=2)
    assert isinstance(answer, protocol.Correction)
    assert (answer.mic, answer.reason) == (1, "unmute_forbidden")


async def test_internal_only_meetings_refuse_guests_and_outsiders(kit: Kit, other_org: Org) -> None:
    org = kit.org
    meeting = kit.meeting(invite=[other_org.users[0]])
    cid = meeting.conference_id
    settings(org, cid, only_internal_employees_join=True)
    with pytest.raises(DeviceError) as refused:
        await kit.guest(meeting)
    assert (refused.value.code, refused.value.close) == ("internal_only", 4403)
    err = join_refusal(org, cid, other_org.users[0])
    assert (err.status, err.code) == (403, "internalOnly")
    # Members of the org still come in; lifting it lets the others in again.
    assert org.admin.join(cid, org.users[1])["active"] is True
    settings(org, cid, only_internal_employees_join=False)
    guest = await kit.guest(meeting)
    assert guest.participant_id
    assert org.admin.join(cid, other_org.users[0])["active"] is True


def test_settings_errors_change_nothing(org: Org, other_org: Org) -> None:
    cid = org.create()
    err = api_error(settings, org, cid)
    assert (err.status, err.code, err.message) == (400, "paramsError", "paramsError")
    err = api_error(settings, org, other_org.create(), lock_conference=True)
    assert (err.status, err.code) == (400, "noPermission")
    err = api_error(settings, org, "000000000000000000000000", lock_conference=True)
    assert (err.status, err.code) == (400, "paramsError")
    # A body of the wrong types is refused whole.
    response = httpx.put(
        f"{org.server.base_url}/v1.0/conference/videoConferences/{cid}",
        json={"lockConference": "yes", "muteAll": True},
        headers={"x-acs-dingtalk-access-token": org.token},
    )
    assert response.status_code == 400 and response.json()["code"] == "paramsError"
    shown = raw_info(org, cid)
    assert (shown["lockConference"], shown["muteAll"]) == (False, False)
    org.close(cid)
    err = api_error(settings, org, cid, lock_conference=True)
    assert (err.status, err.code) == (400, "confClosed")


def test_writes_need_the_write_permission(org: Org) -> None:
    reader = make_org(org.server, org.admin, permissions=[READ_SCOPE])
    cid = org.create()
    for call, args in (
        (settings, (cid,)),
        (invite, (cid, [reader.host])),
        (nick, (cid, reader.host, "x")),
        (focus, (cid, reader.host)),
        (ext_info, (cid,)),
    ):
        err = api_error(call, reader, *args)
        assert (err.status, err.code) == (
            403,
            "Forbidden.AccessDenied.AccessTokenPermissionDenied",
        )


# -- UpdateVideoConferenceExtInfo --------------------------------------------------------


def test_ext_info(org: Org) -> None:
    cid = org.create()
    # The SDKs send no body: the call succeeds and changes nothing.
    answer = ext_info(org, cid)
    assert (answer.case, answer.code) == ("success", "200")
    assert "extInfo" not in raw_info(org, cid)
    response = httpx.put(
        f"{org.server.base_url}/v1.0/conference/videoConferences/{cid}/extInfo",
        json={"topic": "budget", "n": 3},
        headers={"x-acs-dingtalk-access-token": org.token},
    )
    assert response.status_code == 200 and response.json() == {"case": "success", "code": "200"}
    assert raw_info(org, cid)["extInfo"] == {"topic": "budget", "n": 3}
    for bad in (b"[1, 2]", b"{not json", b'"text"', b"{" + b'"k": "' + b"x" * 5000 + b'"}'):
        response = httpx.put(
            f"{org.server.base_url}/v1.0/conference/videoConferences/{cid}/extInfo",
            content=bad,
            headers={"x-acs-dingtalk-access-token": org.token, "content-type": "application/json"},
        )
        assert response.status_code == 400 and response.json()["code"] == "paramsError"
    assert raw_info(org, cid)["extInfo"] == {"topic": "budget", "n": 3}


async def test_ext_info_async_and_errors(org: Org, other_org: Org) -> None:
    cid = org.create()
    answer = await ext_info_async(org, cid)
    assert answer.code == "200"
    err = await api_error_async(ext_info_async(org, other_org.create()))
    assert (err.status, err.code) == (400, "noPermission")
    org.close(cid)
    err = api_error(ext_info, org, cid)
    assert (err.status, err.code) == (400, "confClosed")


# -- Focus -------------------------------------------------------------------------------


async def test_focus_reaches_every_device(kit: Kit) -> None:
    org = kit.org
    cid = kit.meeting().conference_id
    host = await kit.member(cid, org.host)
    speaker = await kit.member(cid, org.users[1])
    assert focus(org, cid, org.users[1]).success is True
    assert raw_info(org, cid)["focusUnionId"] == org.users[1]
    # Focusing again is no change: no second command.
    assert (await focus_async(org, cid, org.users[1])).success is True
    assert focus(org, cid, None, "un_focus").success is True
    assert "focusUnionId" not in raw_info(org, cid)
    seen = await barrier(org, cid, [host, speaker])
    assert seen == [["focus", "focus", "locked", "unlocked"]] * 2
    assert [c.data for c in host.commands[:2]] == [{"unionId": org.users[1]}, {"unionId": None}]


def test_focus_errors_change_nothing(org: Org, other_org: Org) -> None:
    cid = org.create(invite=[org.users[1]])
    join_users(org, cid, [org.users[2]])
    err = api_error(focus, org, cid, org.users[2], "spotlight")
    assert (err.status, err.code, err.message) == (400, "commandError", "commandError")
    for action in (None, ""):
        err = api_error(focus, org, cid, org.users[2], action)
        assert (err.status, err.code) == (400, "paramsError")
    err = api_error(focus, org, cid, None)
    assert (err.status, err.code) == (400, "paramsError")
    # Invited but not in the meeting; not a member at all.
    err = api_error(focus, org, cid, org.users[1])
    assert (err.status, err.code) == (400, "paramsError")
    err = api_error(focus, org, cid, org.users[4])
    assert (err.status, err.code) == (400, "unknownUserError")
    assert "focusUnionId" not in raw_info(org, cid)
    err = api_error(focus, org, other_org.create(), other_org.host)
    assert (err.status, err.code) == (400, "noPermission")
    org.close(cid)
    err = api_error(focus, org, cid, org.users[2])
    assert (err.status, err.code) == (400, "confClosed")
