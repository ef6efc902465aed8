"""Meeting statistics through the official SDK (sync and async), on both back-ends.

The emulator's clock is frozen, so every join, leave and duration is an exact figure.
"""

from __future__ import annotations

from typing import Any

from alibabacloud_dingtalk.conference_1_0 import models as cm

from confplane.client.admin import AdminClient
from confplane.client.emulator import EmulatorClient
from confplane.domain.model import READ_SCOPE, WRITE_SCOPE
from confplane.testing import ServerProcess
from conftest import Org, api_error, make_org, runtime

# The emulated servers and their fixtures (tests/emulated.py).
pytest_plugins = ("emulated",)

MINUTE = 60_000
BAD = ("paramsError", "error:invalid parameter")
FORBIDDEN = "Forbidden.AccessDenied.AccessTokenPermissionDenied"


def conf_data(org: Org, conference_id: str, real_data: bool | None = None) -> Any:
    return org.conference.get_conf_data_by_conference_id_with_options(
        conference_id,
        cm.GetConfDataByConferenceIdRequest(real_data=real_data),
        org.headers(cm.GetConfDataByConferenceIdHeaders),
        runtime(),
    ).body


def details(org: Org, conference_id: str, **fields: Any) -> Any:
    return org.conference.get_conf_detail_data_with_options(
        conference_id,
        cm.GetConfDetailDataRequest(**fields),
        org.headers(cm.GetConfDetailDataHeaders),
        runtime(),
    ).body


def history(org: Org, **fields: Any) -> Any:
    return org.conference.get_history_conf_data_list_with_options(
        cm.GetHistoryConfDataListRequest(**fields),
        org.headers(cm.GetHistoryConfDataListHeaders),
        runtime(),
    ).body


def error_of(call: Any, *args: Any, **kwargs: Any) -> tuple[str, str]:
    err = api_error(call, *args, **kwargs)
    return err.code, err.message


def held_meeting(org: Org, emulator: EmulatorClient, admin: AdminClient, title: str) -> str:
    """Host joins at t, user 1 at t+1m; the host leaves at t+3m, the meeting closes at
    t+4m with user 1 still in it."""
    cid = org.create(title=title, invite=[org.users[1]])
    host = admin.join(cid, org.host)
    emulator.advance_clock(MINUTE)
    admin.join(cid, org.users[1])
    emulator.advance_clock(2 * MINUTE)
    admin.leave(host["participantId"])
    emulator.advance_clock(MINUTE)
    org.close(cid)
    return cid


def test_a_meetings_figures_follow_its_joins_and_leaves(
    emu_org: Org, emulator: EmulatorClient, emu_admin: AdminClient
) -> None:
    t = int(emulator.clock()["now"])
    cid = emu_org.create(title="figures", invite=[emu_org.users[1], emu_org.users[2]])
    host = emu_admin.join(cid, emu_org.host)
    emulator.advance_clock(MINUTE)
    guest = emu_admin.join(cid, emu_org.users[1], pstn=True)

    live = conf_data(emu_org, cid, real_data=True)
    assert (live.conference_id, live.title, live.creator_id) == (cid, "figures", emu_org.host)
    assert (live.creator_nick, live.user_count, live.time_length) == ("user 0", 2, MINUTE)
    assert (live.start_time, live.end_time) == (t, None)
    assert (live.dept_name, live.free_type, live.scene) == ("", "", "")

    emulator.advance_clock(2 * MINUTE)
    emu_admin.leave(host["participantId"])
    emulator.advance_clock(MINUTE)
    emu_org.close(cid)
    ended = conf_data(emu_org, cid)
    assert (ended.time_length, ended.end_time, ended.user_count) == (4 * MINUTE, t + 4 * MINUTE, 2)

    page = details(emu_org, cid)
    assert page.next_token is None
    by_id = {d.session_id: d for d in page.list}
    first, second = by_id[host["participantId"]], by_id[guest["participantId"]]
    assert (first.union_id, first.nick, first.role, first.status) == (
        emu_org.host,
        "user 0",
        "host",
        "left",
    )
    assert (first.join_time, first.leave_time, first.duration) == (t, t + 3 * MINUTE, 3 * MINUTE)
    assert (second.join_time, second.leave_time, second.duration) == (
        t + MINUTE,
        t + 4 * MINUTE,
        3 * MINUTE,
    )
    assert (second.role, second.device_type, first.device_type) == ("attendee", "pstn", "simulated")
    assert {d.network_quality for d in page.list} == {"unknown"}
    assert {d.version for d in page.list} == {""}
    assert {d.conference_id for d in page.list} == {cid}
    assert first.belong_org == f"org {emu_org.corp_id}"


def test_every_stay_of_a_member_is_kept_and_pages_walk_them(
    emu_org: Org, emulator: EmulatorClient, emu_admin: AdminClient
) -> None:
    cid = emu_org.create(title="comings and goings")
    sessions = []
    for _ in range(3):
        device = emu_admin.join(cid, emu_org.users[2])
        sessions.append(device["participantId"])
        emulator.advance_clock(MINUTE)
        emu_admin.leave(device["participantId"])
    still = emu_admin.join(cid, emu_org.users[3])["participantId"]
    emulator.advance_clock(MINUTE)

    seen, token = [], None
    while True:
        page = details(emu_org, cid, max_results=2, next_token=token)
        assert len(page.list) <= 2
        seen += page.list
        token = page.next_token
        if token is None:
            break
    assert [d.session_id for d in seen] == [*sessions, still]
    assert [d.duration for d in seen] == [MINUTE] * 4
    assert (seen[-1].status, seen[-1].leave_time) == ("in", None)
    only = details(emu_org, cid, nick="USER 3").list
    assert [d.session_id for d in only] == [still]
    assert details(emu_org, cid, nick="nobody").list == []


def test_history_lists_ended_meetings_with_filters_and_pages(
    emu_org: Org, emulator: EmulatorClient, emu_admin: AdminClient
) -> None:
    t = int(emulator.clock()["now"])
    first = held_meeting(emu_org, emulator, emu_admin, "design review")
    second = held_meeting(emu_org, emulator, emu_admin, "Budget review")
    running = emu_org.create(title="still going")
    emu_admin.join(running, emu_org.host)

    listed = history(emu_org)
    assert [m.conference_id for m in listed.list] == [second, first]
    [entry] = [m for m in listed.list if m.conference_id == first]
    assert (entry.title, entry.user_count, entry.time_length) == ("design review", 2, 4 * MINUTE)
    assert (entry.creator_id, entry.creator_nick, entry.start_time) == (emu_org.host, "user 0", t)
    assert [m.conference_id for m in history(emu_org, real_data=True).list] == [
        running,
        second,
        first,
    ]
    assert [m.conference_id for m in history(emu_org, title="budget").list] == [second]
    assert [m.conference_id for m in history(emu_org, creator_nike="USER 0").list] == [
        second,
        first,
    ]
    assert history(emu_org, creator_nike="user 4").list == []
    assert [m.conference_id for m in history(emu_org, start_time=t + MINUTE).list] == [second]
    assert [m.conference_id for m in history(emu_org, end_time=t).list] == [first]
    assert history(emu_org, free_type="1").list == []
    assert history(emu_org, scene="webinar").list == []

    page = history(emu_org, max_results=1)
    assert [m.conference_id for m in page.list] == [second] and page.next_token
    rest = history(emu_org, max_results=1, next_token=page.next_token)
    assert [m.conference_id for m in rest.list] == [first] and rest.next_token is None


def test_bad_statistics_requests_are_refused(
    emu_org: Org, emulator: EmulatorClient, emu_server: ServerProcess
) -> None:
    cid = emu_org.create()
    assert error_of(conf_data, emu_org, "nope") == ("paramsError", "error:conference not found")
    assert error_of(details, emu_org, "nope") == ("paramsError", "error:conference not found")
    assert error_of(details, emu_org, cid, max_results=0) == BAD
    assert error_of(details, emu_org, cid, max_results=101) == BAD
    assert error_of(details, emu_org, cid, next_token="forged") == BAD
    assert error_of(history, emu_org, max_results=0) == BAD
    assert error_of(history, emu_org, start_time=10, end_time=5) == BAD
    assert error_of(history, emu_org, next_token="forged") == BAD
    assert error_of(history, emu_org, title="x" * 300) == BAD
    # A token of one listing is not one of another.
    other_cid = emu_org.create()
    emu_org.admin.join(other_cid, emu_org.host)
    emu_org.admin.join(other_cid, emu_org.users[1])
    token = details(emu_org, other_cid, max_results=1).next_token
    assert token and error_of(details, emu_org, cid, next_token=token) == BAD
    assert error_of(history, emu_org, next_token=token) == BAD


def test_another_orgs_meeting_is_not_shown(
    emu_org: Org, emu_other_org: Org, emulator: EmulatorClient, emu_admin: AdminClient
) -> None:
    cid = held_meeting(emu_org, emulator, emu_admin, "private")
    forbidden = ("orgAccessForbidden", "orgAccessForbidden")
    assert error_of(conf_data, emu_other_org, cid) == forbidden
    assert error_of(details, emu_other_org, cid) == forbidden
    assert history(emu_other_org, real_data=True).list == []


def test_statistics_need_the_read_permission(
    emu_server: ServerProcess, emu_admin: AdminClient, emulator: EmulatorClient
) -> None:
    writers = make_org(emu_server, emu_admin, permissions=[WRITE_SCOPE])
    cid = writers.create()
    for call, args in ((conf_data, (cid,)), (details, (cid,)), (history, ())):
        err = api_error(call, writers, *args)
        assert (err.status, err.code) == (403, FORBIDDEN)
        assert err.body["accessdenieddetail"]["requiredScopes"] == [READ_SCOPE]


async def test_the_async_client_reads_the_same_figures(
    emu_org: Org, emulator: EmulatorClient, emu_admin: AdminClient
) -> None:
    cid = held_meeting(emu_org, emulator, emu_admin, "async figures")
    client, org = emu_org.conference, emu_org
    data = (
        await client.get_conf_data_by_conference_id_with_options_async(
            cid,
            cm.GetConfDataByConferenceIdRequest(real_data=False),
            org.headers(cm.GetConfDataByConferenceIdHeaders),
            runtime(),
        )
    ).body
    assert (data.title, data.user_count, data.time_length) == ("async figures", 2, 4 * MINUTE)
    page = (
        await client.get_conf_detail_data_with_options_async(
            cid,
            cm.GetConfDetailDataRequest(max_results=10),
            org.headers(cm.GetConfDetailDataHeaders),
            runtime(),
        )
    ).body
    assert sorted(d.duration for d in page.list) == [3 * MINUTE, 3 * MINUTE]
    listed = (
        await client.get_history_conf_data_list_with_options_async(
            cm.GetHistoryConfDataListRequest(title="async"),
            org.headers(cm.GetHistoryConfDataListHeaders),
            runtime(),
        )
    ).body
    assert [m.conference_id for m in listed.list] == [cid]
    try:
        await client.get_conf_detail_data_with_options_async(
            "nope",
            cm.GetConfDetailDataRequest(),
            org.headers(cm.GetConfDetailDataHeaders),
            runtime(),
        )
    except Exception as exc:
        assert (exc.code, exc.data["message"]) == (  # type: ignore[attr-defined]
            "paramsError",
            "error:conference not found",
        )
    else:
        raise AssertionError("an unknown conference was answered")
