"""QueryConferenceInfo, QueryConferenceInfoByRoomCode and QueryUserOnGoingConference."""

from __future__ import annotations

from alibabacloud_dingtalk.conference_1_0 import models as cm

from confplane.domain.model import READ_SCOPE, WRITE_SCOPE
from conftest import Org, api_error, join_users, make_org, runtime
from controls_kit import (
    api_error_async,
    by_room_code,
    by_room_code_async,
    info,
    info_async,
    invite,
    ongoing,
    ongoing_async,
)


def test_info_of_a_meeting_in_progress(org: Org) -> None:
    cid = org.create(title="design review", invite=[org.users[1], org.users[2]])
    join_users(org, cid, [org.users[1], org.users[3]])
    conf = info(org, cid)
    created = org.batch([cid]).infos[0]
    assert (conf.conference_id, conf.title, conf.status) == (cid, "design review", 2)
    assert conf.creator_id == org.host
    assert conf.creator_nick == "user 0"
    assert conf.room_code.isdigit() and len(conf.room_code) == 9
    assert conf.external_link_url == f"{org.server.base_url}/j/{conf.room_code}"
    assert conf.start_time == created.start_time and conf.start_time is not None
    # Two invited (one came), one came uninvited; nobody has left.
    assert (conf.active_num, conf.attend_num, conf.invited_num) == (2, 2, 2)
    assert conf.end_time is None and conf.conf_duration is None


def test_info_of_an_ended_meeting_has_its_end_and_length(org: Org) -> None:
    cid = org.create()
    [device] = join_users(org, cid, [org.users[1]])
    org.admin.leave(device)
    org.close(cid)
    conf = info(org, cid)
    assert conf.status == 1
    assert conf.end_time is not None and conf.start_time is not None
    assert conf.conf_duration == conf.end_time - conf.start_time
    assert (conf.active_num, conf.attend_num, conf.invited_num) == (0, 1, 0)


async def test_info_async(org: Org) -> None:
    cid = org.create(title="async")
    conf = await info_async(org, cid)
    assert (conf.conference_id, conf.title, conf.active_num) == (cid, "async", 0)


def test_info_errors(org: Org, other_org: Org) -> None:
    foreign = other_org.create()
    err = api_error(info, org, foreign)
    assert (err.status, err.code, err.message) == (400, "orgAccessForbidden", "orgAccessForbidden")
    err = api_error(info, org, "000000000000000000000000")
    assert (err.status, err.code) == (400, "paramsError")
    err = api_error(info, org, "")
    assert (err.status, err.code) == (400, "paramsError")


async def test_info_errors_async(org: Org, other_org: Org) -> None:
    err = await api_error_async(info_async(org, other_org.create()))
    assert (err.status, err.code) == (400, "orgAccessForbidden")


def test_reads_need_the_read_permission(server: object, admin: object, org: Org) -> None:
    writer = make_org(org.server, org.admin, permissions=[WRITE_SCOPE])
    cid = writer.create()
    for call, args in (
        (info, (cid,)),
        (by_room_code, ("123456789",)),
        (ongoing, (writer.host,)),
    ):
        err = api_error(call, writer, *args)
        assert (err.status, err.code) == (
            403,
            "Forbidden.AccessDenied.AccessTokenPermissionDenied",
        )
        assert err.body["accessdenieddetail"] == {"requiredScopes": [READ_SCOPE]}


def test_by_room_code(org: Org) -> None:
    cid = org.create(title="by code")
    room = info(org, cid).room_code
    page = by_room_code(org, room)
    assert (page.total_count, page.has_more, page.next_token) == (1, False, None)
    [found] = page.conference_list
    assert (found.conference_id, found.title, found.room_code) == (cid, "by code", room)
    # Nobody has joined yet: initialised.
    assert (found.creator_id, found.creator_nick, found.status) == (org.host, "user 0", 0)
    assert found.external_link_url == f"{org.server.base_url}/j/{room}"
    # A code no meeting has is an empty list, not an error.
    empty = by_room_code(org, "100000000" if room != "100000000" else "100000001")
    assert (empty.total_count, empty.conference_list, empty.has_more) == (0, [], False)
    # Paging parameters are taken (one meeting fits any page).
    assert by_room_code(org, room, next_token="0", max_results=1).total_count == 1


async def test_by_room_code_async(org: Org) -> None:
    cid = org.create()
    page = await by_room_code_async(org, info(org, cid).room_code, max_results=5)
    assert [c.conference_id for c in page.conference_list] == [cid]


def test_by_room_code_errors(org: Org, other_org: Org) -> None:
    room = info(other_org, other_org.create()).room_code
    err = api_error(by_room_code, org, room)
    assert (err.status, err.code) == (400, "orgAccessForbidden")
    mine = info(org, org.create()).room_code
    for bad in (0, 101):
        err = api_error(by_room_code, org, mine, max_results=bad)
        assert (err.status, err.code) == (400, "paramsError")
    err = api_error(by_room_code, org, mine, next_token="forged-token")
    assert (err.status, err.code) == (400, "paramsError")
    err = api_error(by_room_code, org, "")
    assert (err.status, err.code) == (400, "paramsError")


def test_user_on_going_conferences(org: Org) -> None:
    first = org.create(invite=[org.users[1]])
    second = org.create(creator=org.users[2])
    invited_only = org.create(invite=[org.users[1]])
    join_users(org, first, [org.users[1]])
    join_users(org, second, [org.users[1]])
    found = ongoing(org, org.users[1])
    assert set(found.on_going_conf_id_list) == {first, second}
    assert invited_only not in found.on_going_conf_id_list
    member = found.member_model_map[first]
    assert (member.union_id, member.conference_id, member.user_nick) == (
        org.users[1],
        first,
        "user 1",
    )
    assert (member.attend_status, member.host, member.co_host) == (3, False, False)
    assert member.join_time is not None and member.duration >= 0
    # Closed meetings are no longer in progress.
    org.close(second, org.users[2])
    assert ongoing(org, org.users[1]).on_going_conf_id_list == [first]
    assert ongoing(org, org.users[4]).on_going_conf_id_list == []


async def test_user_on_going_conferences_async(org: Org) -> None:
    cid = org.create()
    join_users(org, cid, [org.users[3]])
    found = await ongoing_async(org, org.users[3])
    assert found.on_going_conf_id_list == [cid]
    assert found.member_model_map[cid].attend_status == 3


def test_user_on_going_errors(org: Org, other_org: Org) -> None:
    err = api_error(ongoing, org, None)
    assert (err.status, err.code) == (400, "paramsError")
    # Another org's user is unknown here, even while in one of their org's meetings.
    cid = other_org.create()
    join_users(other_org, cid, [other_org.users[1]])
    err = api_error(ongoing, org, other_org.users[1])
    assert (err.status, err.code, err.message) == (400, "unknownUserError", "unknownUserError")
    err = api_error(ongoing, org, "nobody-has-this-union-id")
    assert err.code == "unknownUserError"


def test_invited_count_includes_later_invitations(org: Org) -> None:
    cid = org.create()
    invite(org, cid, [org.users[1], org.users[2]])
    assert info(org, cid).invited_num == 2


def test_query_conference_info_path_with_odd_ids(org: Org) -> None:
    for odd in ("a b", "x?y=1", "..", "%2F"):
        err = api_error(
            org.conference.query_conference_info_with_options,
            odd,
            org.headers(cm.QueryConferenceInfoHeaders),
            runtime(),
        )
        assert 400 <= err.status < 500 and err.code
