"""Scheduled meetings through the official SDK (sync and async), on both back-ends.

The server runs with the emulator, its clock frozen: a test books a meeting, moves the
clock over its start and end, and sees the meeting open and close.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from alibabacloud_dingtalk.conference_1_0 import models as cm

from confplane.client.admin import AdminClient, AdminError
from confplane.client.emulator import EmulatorClient
from confplane.domain.model import READ_SCOPE, WRITE_SCOPE
from confplane.testing import ServerProcess
from conftest import Org, api_error, make_org, runtime

# The emulated servers and their fixtures (tests/emulated.py).
pytest_plugins = ("emulated",)

# Ten minutes: tests move the clock in steps well inside an access token's life.
STEP = 600_000
NOT_FOUND = ("paramsError", "error:scheduled meeting not found")
ENDED = ("resourceClose", "The meeting has ended")
FORBIDDEN = "Forbidden.AccessDenied.AccessTokenPermissionDenied"


def now(emulator: EmulatorClient) -> int:
    return int(emulator.clock()["now"])


def settings_model(**fields: Any) -> cm.CreateScheduleConferenceRequestScheduleConfSettingModel:
    return cm.CreateScheduleConferenceRequestScheduleConfSettingModel(**fields)


def create_request(org: Org, start: int, end: int, **fields: Any) -> Any:
    values: dict[str, Any] = {
        "creator_union_id": org.host,
        "title": "quarterly review",
        "start_time": start,
        "end_time": end,
    }
    values.update(fields)
    return cm.CreateScheduleConferenceRequest(**values)


def create(org: Org, start: int, end: int, **fields: Any) -> Any:
    return org.conference.create_schedule_conference_with_options(
        create_request(org, start, end, **fields),
        org.headers(cm.CreateScheduleConferenceHeaders),
        runtime(),
    ).body


def query(org: Org, schedule_id: str, request_union_id: str | None = None) -> Any:
    return org.conference.query_schedule_conference_with_options(
        schedule_id,
        cm.QueryScheduleConferenceRequest(request_union_id=request_union_id),
        org.headers(cm.QueryScheduleConferenceHeaders),
        runtime(),
    ).body


def meetings(org: Org, schedule_id: str, **fields: Any) -> Any:
    return org.conference.query_schedule_conference_info_with_options(
        schedule_id,
        cm.QueryScheduleConferenceInfoRequest(**fields),
        org.headers(cm.QueryScheduleConferenceInfoHeaders),
        runtime(),
    ).body


def update(org: Org, schedule_id: str, **fields: Any) -> Any:
    values: dict[str, Any] = {"creator_union_id": org.host, "schedule_conference_id": schedule_id}
    values.update(fields)
    return org.conference.update_schedule_conference_with_options(
        cm.UpdateScheduleConferenceRequest(**values),
        org.headers(cm.UpdateScheduleConferenceHeaders),
        runtime(),
    ).body


def cancel(org: Org, schedule_id: str, creator: str | None = None) -> Any:
    return org.conference.cancel_schedule_conference_with_options(
        cm.CancelScheduleConferenceRequest(
            creator_union_id=creator or org.host, schedule_conference_id=schedule_id
        ),
        org.headers(cm.CancelScheduleConferenceHeaders),
        runtime(),
    ).body


def query_settings(org: Org, schedule_id: str) -> Any:
    return org.conference.query_schedule_conf_settings_with_options(
        cm.QueryScheduleConfSettingsRequest(schedule_conference_id=schedule_id),
        org.headers(cm.QueryScheduleConfSettingsHeaders),
        runtime(),
    ).body


def update_settings(org: Org, schedule_id: str, creator: str | None = None, **fields: Any) -> Any:
    return org.conference.update_schedule_conf_settings_with_options(
        cm.UpdateScheduleConfSettingsRequest(
            creator_union_id=creator or org.host,
            schedule_conference_id=schedule_id,
            schedule_conf_setting_model=(
                cm.UpdateScheduleConfSettingsRequestScheduleConfSettingModel(**fields)
            ),
        ),
        org.headers(cm.UpdateScheduleConfSettingsHeaders),
        runtime(),
    ).body


def org_list(org: Org) -> list[str]:
    body = org.conference.query_org_conference_list_with_options(
        cm.QueryOrgConferenceListRequest(max_results=100),
        org.headers(cm.QueryOrgConferenceListHeaders),
        runtime(),
    ).body
    return [c.conference_id for c in body.on_going_conf_list or []]


def error_of(call: Any, *args: Any, **kwargs: Any) -> tuple[str, str]:
    err = api_error(call, *args, **kwargs)
    assert err.status in (400, 403, 404)
    return err.code, err.message


# -- booking, opening, closing -------------------------------------------------------


def test_a_booked_meeting_opens_at_its_start_and_closes_at_its_end(
    emu_org: Org, emulator: EmulatorClient, emu_admin: AdminClient
) -> None:
    t = now(emulator)
    booked = create(emu_org, t + STEP, t + 2 * STEP)
    assert len(booked.room_code) == 9 and booked.room_code.isdigit()
    assert booked.url.endswith(f"/j/{booked.room_code}")
    assert booked.phones == []
    assert booked.request_id
    sid = booked.schedule_conference_id

    info = query(emu_org, sid)
    assert (info.title, info.start_time, info.end_time) == (
        "quarterly review",
        t + STEP,
        t + 2 * STEP,
    )
    assert (info.room_code, info.url, info.phones) == (booked.room_code, booked.url, [])
    # Before its start it is not yet a meeting: nothing to list, query or join.
    before = meetings(emu_org, sid)
    assert (before.conference_list, before.total_count) == ([], 0)
    before_ids = org_list(emu_org)

    emulator.advance_clock(STEP)
    opened = meetings(emu_org, sid)
    assert opened.total_count == 1
    [meeting] = opened.conference_list
    assert (meeting.title, meeting.room_code, meeting.status) == (
        "quarterly review",
        booked.room_code,
        0,
    )
    cid = meeting.conference_id
    assert cid not in before_ids and cid in org_list(emu_org)
    [view] = emu_org.batch([cid]).infos
    assert (view.conference_id, view.title, view.status) == (cid, "quarterly review", 0)

    # Joinable like any meeting: the host joins, the meeting starts.
    emu_admin.join(cid, emu_org.host)
    [started] = meetings(emu_org, sid).conference_list
    assert (started.status, started.start_time) == (2, t + STEP)
    members = emu_org.members(cid).member_models
    assert [(m.union_id, m.host, m.attend_status) for m in members] == [(emu_org.host, True, 3)]

    emulator.advance_clock(STEP)
    [ended] = meetings(emu_org, sid).conference_list
    assert (ended.status, ended.end_time) == (1, t + 2 * STEP)
    assert cid not in org_list(emu_org)
    assert error_of(emu_org.batch, [cid]) == ENDED
    [left] = emu_org.members(cid).member_models
    assert (left.attend_status, left.duration) == (6, STEP)
    # The room code is kept by the meeting; its schedule can no longer be changed.
    assert error_of(cancel, emu_org, sid) == ENDED


def test_a_clock_that_jumps_over_the_whole_window_never_opens_the_meeting(
    emu_org: Org, emulator: EmulatorClient
) -> None:
    t = now(emulator)
    sid = create(emu_org, t + STEP, t + 2 * STEP).schedule_conference_id
    emulator.advance_clock(3 * STEP)
    assert meetings(emu_org, sid).conference_list == []
    assert error_of(update, emu_org, sid, title="x", start_time=t, end_time=t + 4 * STEP) == ENDED


def test_a_window_that_has_begun_opens_at_once(emu_org: Org, emulator: EmulatorClient) -> None:
    t = now(emulator)
    sid = create(emu_org, t - 60_000, t + STEP).schedule_conference_id
    [meeting] = meetings(emu_org, sid).conference_list
    assert meeting.status == 0 and meeting.conference_id in org_list(emu_org)


def test_long_titles_are_cut_to_fifty_characters_and_refused_past_256(
    emu_org: Org, emulator: EmulatorClient
) -> None:
    t = now(emulator)
    sid = create(emu_org, t + STEP, t + 2 * STEP, title="a" * 60).schedule_conference_id
    assert query(emu_org, sid).title == "a" * 50
    err = error_of(create, emu_org, t + STEP, t + 2 * STEP, title="a" * 257)
    assert err == ("paramsTitleError", "error:invalid title")


# -- updating and cancelling --------------------------------------------------------


def test_update_changes_title_and_times_and_an_earlier_start_opens_it(
    emu_org: Org, emulator: EmulatorClient
) -> None:
    t = now(emulator)
    sid = create(emu_org, t + STEP, t + 2 * STEP).schedule_conference_id
    assert update(emu_org, sid, title="moved", start_time=t + 3 * STEP, end_time=t + 4 * STEP)
    info = query(emu_org, sid)
    assert (info.title, info.start_time, info.end_time) == ("moved", t + 3 * STEP, t + 4 * STEP)
    emulator.advance_clock(2 * STEP)
    assert meetings(emu_org, sid).conference_list == []  # its old window is gone
    update(emu_org, sid, title="now", start_time=t, end_time=t + 5 * STEP)
    [meeting] = meetings(emu_org, sid).conference_list
    assert meeting.title == "now"
    # Open: the title follows, the start cannot move into the future again.
    update(emu_org, sid, title="renamed", start_time=t, end_time=t + 5 * STEP)
    [view] = emu_org.batch([meeting.conference_id]).infos
    assert view.title == "renamed"
    err = error_of(update, emu_org, sid, title="x", start_time=t + 9 * STEP, end_time=t + 10 * STEP)
    assert err == ("paramsError", "error:invalid parameter")
    assert query(emu_org, sid).start_time == t


def test_cancel_before_the_start_and_during_the_meeting(
    emu_org: Org, emulator: EmulatorClient, emu_admin: AdminClient
) -> None:
    t = now(emulator)
    early = create(emu_org, t + STEP, t + 2 * STEP).schedule_conference_id
    assert cancel(emu_org, early).success is True
    emulator.advance_clock(STEP)
    assert meetings(emu_org, early).conference_list == []
    assert error_of(cancel, emu_org, early) == ENDED

    running = create(emu_org, t + STEP, t + 3 * STEP).schedule_conference_id
    [meeting] = meetings(emu_org, running).conference_list
    device = emu_admin.join(meeting.conference_id, emu_org.users[1])
    assert cancel(emu_org, running).success is True
    [closed] = meetings(emu_org, running).conference_list
    assert closed.status == 1
    assert emu_admin.device(device["participantId"])["active"] is False
    assert error_of(emu_org.batch, [meeting.conference_id]) == ENDED
    assert error_of(update_settings, emu_org, running, lock_room=1) == ENDED


# -- settings -------------------------------------------------------------------------


def test_settings_are_kept_answered_merged_and_shape_the_meeting(
    emu_org: Org, emulator: EmulatorClient, emu_admin: AdminClient
) -> None:
    t = now(emulator)
    host, cohost = emu_org.users[1], emu_org.users[2]
    extra = cm.CreateScheduleConferenceRequestScheduleConfSettingModelMoziConfVirtualExtraSetting(
        waiting_room=2, enable_chat=1, lock_nick=0, join_before_host=1
    )
    sid = create(
        emu_org,
        t + STEP,
        t + 2 * STEP,
        schedule_conf_setting_model=settings_model(
            host_union_id=host,
            cohost_union_ids=[cohost],
            lock_room=0,
            mute_on_join=-1,
            screen_share_forbidden=1,
            mozi_conf_virtual_extra_setting=extra,
        ),
    ).schedule_conference_id
    model = query_settings(emu_org, sid).schedule_conf_setting_model
    assert (model.host_union_id, model.cohost_union_ids) == (host, [cohost])
    assert (model.lock_room, model.mute_on_join, model.screen_share_forbidden) == (0, -1, 1)
    kept = model.mozi_conf_virtual_extra_setting
    assert (kept.waiting_room, kept.enable_chat, kept.lock_nick, kept.join_before_host) == (
        2,
        1,
        0,
        1,
    )

    assert update_settings(emu_org, sid, lock_room=1).success is True
    model = query_settings(emu_org, sid).schedule_conf_setting_model
    assert (model.lock_room, model.host_union_id, model.mute_on_join) == (1, host, -1)

    emulator.advance_clock(STEP)
    [meeting] = meetings(emu_org, sid).conference_list
    members = {m.union_id: m for m in emu_org.members(meeting.conference_id).member_models}
    assert members[host].host is True and members[cohost].co_host is True
    # lockRoom=1: the meeting opens locked.
    with pytest.raises(AdminError) as refused:
        emu_admin.join(meeting.conference_id, emu_org.users[3])
    assert refused.value.code == "conferenceLocked"


def test_bad_settings_are_refused_and_change_nothing(
    emu_org: Org, emulator: EmulatorClient
) -> None:
    t = now(emulator)
    sid = create(
        emu_org, t + STEP, t + 2 * STEP, schedule_conf_setting_model=settings_model(lock_room=0)
    ).schedule_conference_id
    assert error_of(update_settings, emu_org, sid, lock_room=5) == (
        "paramsError",
        "error:invalid parameter",
    )
    assert error_of(update_settings, emu_org, sid, host_union_id="nobody") == (
        "unknownUserError",
        "unknownUserError",
    )
    assert error_of(update_settings, emu_org, sid, creator=emu_org.users[1], lock_room=1) == (
        "permissionError",
        "permissionError:not the creator",
    )
    model = query_settings(emu_org, sid).schedule_conf_setting_model
    assert (model.lock_room, model.host_union_id) == (0, None)
    before = len(org_list(emu_org))
    assert error_of(
        create,
        emu_org,
        t + STEP,
        t + 2 * STEP,
        schedule_conf_setting_model=settings_model(lock_room=3),
    ) == ("paramsError", "error:invalid parameter")
    assert error_of(
        create,
        emu_org,
        t + STEP,
        t + 2 * STEP,
        schedule_conf_setting_model=settings_model(cohost_union_ids=["nobody"]),
    ) == ("unknownUserError", "unknownUserError")
    assert len(org_list(emu_org)) == before


# -- errors ---------------------------------------------------------------------------


def test_bad_bookings_are_refused(emu_org: Org, emulator: EmulatorClient) -> None:
    t = now(emulator)
    bad = ("paramsError", "error:invalid parameter")
    assert error_of(create, emu_org, t + 2 * STEP, t + STEP) == bad
    assert error_of(create, emu_org, t - 2 * STEP, t - STEP) == bad
    assert error_of(create, emu_org, t + STEP, t + 2 * STEP, title="  ") == (
        "paramsTitleError",
        "error:invalid title",
    )
    assert error_of(create, emu_org, t + STEP, t + 2 * STEP, creator_union_id="nobody") == (
        "unknownUserError",
        "unknownUserError",
    )
    assert error_of(create, emu_org, t + STEP, t + 2 * STEP, creator_union_id="") == bad
    assert error_of(create, emu_org, None, t + 2 * STEP) == bad
    assert error_of(query, emu_org, "nope") == NOT_FOUND
    assert error_of(meetings, emu_org, "nope") == NOT_FOUND
    assert error_of(query_settings, emu_org, "nope") == NOT_FOUND
    assert error_of(cancel, emu_org, "nope") == NOT_FOUND
    sid = create(emu_org, t + STEP, t + 2 * STEP).schedule_conference_id
    assert error_of(meetings, emu_org, sid, max_results=0) == bad
    assert error_of(meetings, emu_org, sid, next_token="forged") == bad
    assert error_of(query, emu_org, sid, request_union_id="nobody") == (
        "unknownUserError",
        "unknownUserError",
    )
    assert error_of(cancel, emu_org, sid, creator=emu_org.users[1]) == (
        "permissionError",
        "permissionError:not the creator",
    )
    assert error_of(update, emu_org, sid, title="x", start_time=t + STEP) == bad
    assert query(emu_org, sid).title == "quarterly review"


def test_raw_bodies_that_are_not_bookings_get_a_clean_error(
    emu_org: Org, emu_server: ServerProcess, emulator: EmulatorClient
) -> None:
    url = f"{emu_server.base_url}/v1.0/conference/scheduleConferences"
    headers = {"x-acs-dingtalk-access-token": emu_org.token}
    for body in (b"", b"[]", b"{", b'{"creatorUnionId": 5}', b'{"startTime": "soon"}'):
        answer = httpx.post(url, content=body, headers=headers)
        assert answer.status_code == 400
        assert answer.json()["code"] == "paramsError"
    odd = httpx.get(f"{url}/a%2Fb/infos", headers=headers)
    assert odd.status_code in (400, 404) and odd.json()["code"]


def test_another_orgs_app_gets_org_access_forbidden_and_changes_nothing(
    emu_org: Org, emu_other_org: Org, emulator: EmulatorClient
) -> None:
    t = now(emulator)
    sid = create(emu_org, t + STEP, t + 2 * STEP).schedule_conference_id
    forbidden = ("orgAccessForbidden", "orgAccessForbidden")
    other = emu_other_org
    assert error_of(query, other, sid) == forbidden
    assert error_of(meetings, other, sid) == forbidden
    assert error_of(query_settings, other, sid) == forbidden
    assert error_of(cancel, other, sid) == forbidden
    assert error_of(update_settings, other, sid, lock_room=1) == forbidden
    assert (
        error_of(update, other, sid, title="mine", start_time=t + STEP, end_time=t + 2 * STEP)
        == forbidden
    )
    # The other org's creator is no user of this one.
    assert error_of(create, other, t + STEP, t + 2 * STEP, creator_union_id=emu_org.host) == (
        "unknownUserError",
        "unknownUserError",
    )
    assert query(emu_org, sid).title == "quarterly review"
    assert query_settings(emu_org, sid).schedule_conf_setting_model.lock_room is None


def test_each_operation_needs_its_permission(
    emu_server: ServerProcess, emu_admin: AdminClient, emulator: EmulatorClient
) -> None:
    readers = make_org(emu_server, emu_admin, permissions=[READ_SCOPE])
    writers = make_org(emu_server, emu_admin, permissions=[WRITE_SCOPE])
    t = now(emulator)
    err = api_error(create, readers, t + STEP, t + 2 * STEP)
    assert (err.status, err.code) == (403, FORBIDDEN)
    assert err.body["accessdenieddetail"]["requiredScopes"] == [WRITE_SCOPE]
    sid = create(writers, t + STEP, t + 2 * STEP).schedule_conference_id
    for read in (query, meetings, query_settings):
        err = api_error(read, writers, sid)
        assert (err.status, err.code) == (403, FORBIDDEN)
        assert err.body["accessdenieddetail"]["requiredScopes"] == [READ_SCOPE]
    for write in (cancel, update_settings):
        err = api_error(write, readers, "any")
        assert (err.status, err.code) == (403, FORBIDDEN)


# -- the async client ---------------------------------------------------------------


async def test_the_async_client_books_changes_queries_and_cancels(
    emu_org: Org, emulator: EmulatorClient
) -> None:
    t = now(emulator)
    client, org = emu_org.conference, emu_org
    booked = (
        await client.create_schedule_conference_with_options_async(
            create_request(org, t + STEP, t + 2 * STEP),
            org.headers(cm.CreateScheduleConferenceHeaders),
            runtime(),
        )
    ).body
    sid = booked.schedule_conference_id
    await client.update_schedule_conference_with_options_async(
        cm.UpdateScheduleConferenceRequest(
            creator_union_id=org.host,
            schedule_conference_id=sid,
            title="async",
            start_time=t,
            end_time=t + 2 * STEP,
        ),
        org.headers(cm.UpdateScheduleConferenceHeaders),
        runtime(),
    )
    info = (
        await client.query_schedule_conference_with_options_async(
            sid,
            cm.QueryScheduleConferenceRequest(),
            org.headers(cm.QueryScheduleConferenceHeaders),
            runtime(),
        )
    ).body
    assert (info.title, info.room_code) == ("async", booked.room_code)
    listed = (
        await client.query_schedule_conference_info_with_options_async(
            sid,
            cm.QueryScheduleConferenceInfoRequest(max_results=10),
            org.headers(cm.QueryScheduleConferenceInfoHeaders),
            runtime(),
        )
    ).body
    assert [m.status for m in listed.conference_list] == [0]
    await client.update_schedule_conf_settings_with_options_async(
        cm.UpdateScheduleConfSettingsRequest(
            creator_union_id=org.host,
            schedule_conference_id=sid,
            schedule_conf_setting_model=(
                cm.UpdateScheduleConfSettingsRequestScheduleConfSettingModel(lock_room=1)
            ),
        ),
        org.headers(cm.UpdateScheduleConfSettingsHeaders),
        runtime(),
    )
    settings = (
        await client.query_schedule_conf_settings_with_options_async(
            cm.QueryScheduleConfSettingsRequest(schedule_conference_id=sid),
            org.headers(cm.QueryScheduleConfSettingsHeaders),
            runtime(),
        )
    ).body
    assert settings.schedule_conf_setting_model.lock_room == 1
    cancelled = (
        await client.cancel_schedule_conference_with_options_async(
            cm.CancelScheduleConferenceRequest(
                creator_union_id=org.host, schedule_conference_id=sid
            ),
            org.headers(cm.CancelScheduleConferenceHeaders),
            runtime(),
        )
    ).body
    assert cancelled.success is True
    try:
        await client.cancel_schedule_conference_with_options_async(
            cm.CancelScheduleConferenceRequest(
                creator_union_id=org.host, schedule_conference_id=sid
            ),
            org.headers(cm.CancelScheduleConferenceHeaders),
            runtime(),
        )
    except Exception as exc:
        assert (exc.code, exc.data["message"]) == ENDED  # type: ignore[attr-defined]
    else:
        raise AssertionError("a second cancel succeeded")
