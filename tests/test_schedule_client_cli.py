"""confplane's own client and ``confplane schedule`` against a real server (real clock),
on SQLite and PostgreSQL: bookings ahead, their settings, and meeting statistics."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from cli_runner import app_env, ok, run
from confplane.client.dingtalk import (
    AppCredentials,
    AsyncDingTalkClient,
    DingTalkClient,
    DingTalkError,
)
from confplane.wire import schedules as ws
from conftest import Org

HOUR = 3_600_000


def client_for(org: Org) -> DingTalkClient:
    return DingTalkClient(AppCredentials(org.app_key, org.app_secret), endpoint=org.server.base_url)


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def test_the_client_books_changes_and_cancels(org: Org, other_org: Org) -> None:
    start = now_ms() + HOUR
    with client_for(org) as c:
        booked = c.create_schedule_conference(
            org.host,
            "client booking",
            start,
            start + HOUR,
            settings=ws.SettingModel(lock_room=1, cohost_union_ids=[org.users[1]]),
        )
        sid = booked.schedule_conference_id
        info = c.query_schedule_conference(sid, request_union_id=org.users[2])
        assert (info.title, info.room_code, info.start_time) == (
            "client booking",
            booked.room_code,
            start,
        )
        assert c.query_schedule_conference_info(sid).conference_list == []
        model = c.query_schedule_conf_settings(sid).schedule_conf_setting_model
        assert (model.lock_room, model.cohost_union_ids) == (1, [org.users[1]])
        c.update_schedule_conf_settings(org.host, sid, ws.SettingModel(lock_room=0))
        assert c.query_schedule_conf_settings(sid).schedule_conf_setting_model.lock_room == 0
        c.update_schedule_conference(org.host, sid, "moved", start + HOUR, start + 2 * HOUR)
        assert c.query_schedule_conference(sid).title == "moved"
        assert c.cancel_schedule_conference(org.host, sid).success is True
        with pytest.raises(DingTalkError) as ended:
            c.cancel_schedule_conference(org.host, sid)
        assert (ended.value.code, ended.value.message) == ("resourceClose", "The meeting has ended")
    with client_for(other_org) as c, pytest.raises(DingTalkError) as foreign:
        c.query_schedule_conference(sid)
    assert foreign.value.code == "orgAccessForbidden"


async def test_the_async_client_reads_statistics(org: Org) -> None:
    cid = org.create(title="numbers")
    device = org.admin.join(cid, org.host)["participantId"]
    org.admin.leave(device)
    org.close(cid)
    credentials = AppCredentials(org.app_key, org.app_secret)
    async with AsyncDingTalkClient(credentials, endpoint=org.server.base_url) as c:
        data = await c.get_conf_data_by_conference_id(cid, real_data=True)
        assert (data.conference_id, data.title, data.user_count) == (cid, "numbers", 1)
        page = await c.get_conf_detail_data(cid, max_results=5)
        assert [d.session_id for d in page.details] == [device]
        assert page.details[0].status == "left"
        listed = await c.get_history_conf_data_list(title="numbers")
        assert [m.conference_id for m in listed.meetings] == [cid]
        with pytest.raises(DingTalkError) as missing:
            await c.get_conf_detail_data("nope")
        assert missing.value.code == "paramsError"


# -- the CLI ----------------------------------------------------------------------------


@pytest.fixture
def env(org: Org, tmp_path: Path) -> dict[str, str]:
    return app_env(tmp_path, org)


def test_the_cli_books_lists_moves_and_cancels(org: Org, env: dict[str, str]) -> None:
    start = now_ms() + HOUR
    sid = ok(
        run(
            env,
            "schedule",
            "create",
            "cli booking",
            "--creator",
            org.host,
            "--start",
            str(start),
            "--end",
            str(start + HOUR),
            "--quiet",
        )
    ).stdout.strip()
    assert len(sid) == 24
    listed = ok(run(env, "schedule", "list", sid, "--json")).json()
    [row] = listed
    assert row["schedule"]["title"] == "cli booking"
    assert row["schedule"]["startTime"] == start
    assert (row["conferenceId"], row["status"]) == (None, "not open")
    table = ok(run(env, "schedule", "list", sid)).stdout
    assert sid in table and "cli booking" in table and "not open" in table

    ok(run(env, "schedule", "update", sid, "--creator", org.host, "--title", "renamed"))
    [row] = ok(run(env, "schedule", "list", sid, "--json")).json()
    assert (row["schedule"]["title"], row["schedule"]["startTime"]) == ("renamed", start)

    ok(run(env, "schedule", "cancel", sid, "--creator", org.host))
    again = run(env, "schedule", "cancel", sid, "--creator", org.host)
    assert again.code == 1 and "Error: resourceClose: " in again.stderr
    assert "Traceback" not in again.stderr


def test_the_cli_refuses_bad_times_and_unknown_bookings(org: Org, env: dict[str, str]) -> None:
    bad_time = run(
        env, "schedule", "create", "x", "--creator", org.host, "--start", "soon", "--end", "1"
    )
    assert bad_time.code == 2 and "is not a time" in bad_time.stderr
    past = run(
        env, "schedule", "create", "x", "--creator", org.host, "--start", "1000", "--end", "2000"
    )
    assert past.code == 1 and "Error: paramsError: " in past.stderr
    unknown = run(env, "schedule", "list", "nope")
    assert unknown.code == 1 and "Error: paramsError: " in unknown.stderr
    assert "Traceback" not in unknown.stderr + past.stderr + bad_time.stderr
