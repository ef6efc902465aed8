"""The emulator controls, as an app's test suite meets them through the official SDK."""

from __future__ import annotations

import asyncio
import random
import sqlite3
import threading
import time
from typing import Any

import httpx
import pytest
from alibabacloud_dingtalk.conference_1_0 import models as cm
from alibabacloud_dingtalk.oauth2_1_0 import models as om
from alibabacloud_dingtalk.oauth2_1_0.client import Client as OAuthClient

from confplane.client.admin import AdminClient, AdminError
from confplane.client.emulator import EmulatorClient
from confplane.testing import ServerProcess
from conftest import Org, api_error, get_token, make_org, runtime, sdk_config
from devices_kit import Kit

QPS_CODE = "Forbidden.AccessDenied.QpsLimitForAppkeyAndApi"
GRACE_S = 30


# The emulated servers and their fixtures (tests/emulated.py), on real time here.
pytest_plugins = ("emulated",)


@pytest.fixture(scope="module")
def emu_server_args() -> list[str]:
    return ["--device-grace", str(GRACE_S)]


@pytest.fixture(scope="module")
def emu_clock_frozen() -> bool:
    return False


def batch_call(org: Org, conference_id: str) -> Any:
    return org.batch([conference_id])


# -- faults --------------------------------------------------------------------------


def test_an_error_fault_reaches_the_sdk_as_its_exception_once(
    emu_org: Org, emulator: EmulatorClient
) -> None:
    cid = emu_org.create(invite=[emu_org.users[1]])
    fault = emulator.add_fault("MuteMembers", error=(403, QPS_CODE, "slow down"))
    err = api_error(emu_org.mute, cid, emu_org.users[1])
    assert (err.status, err.code, err.message) == (403, QPS_CODE, "slow down")
    assert err.body["requestid"]
    # Only the next matching call: the one after it runs.
    assert emu_org.mute(cid, emu_org.users[1]).success is True
    [listed] = emulator.faults()
    assert (listed["id"], listed["hits"], listed["matched"]) == (fault["id"], 1, 1)


def test_a_fault_is_not_a_change_the_call_made(emu_org: Org, emulator: EmulatorClient) -> None:
    cid = emu_org.create(invite=[emu_org.users[1], emu_org.users[2]])
    emulator.add_fault("LockConference", error=(500, "systemError"))
    assert api_error(emu_org.lock, cid).code == "systemError"
    # Not locked: a member can still come in. Once really locked, nobody can.
    assert emu_org.admin.join(cid, emu_org.users[1])["participantId"]
    emu_org.lock(cid)
    with pytest.raises(AdminError) as locked:
        emu_org.admin.join(cid, emu_org.users[2])
    assert locked.value.code == "conferenceLocked"


async def test_an_error_fault_reaches_the_async_sdk(emu_org: Org, emulator: EmulatorClient) -> None:
    emulator.add_fault("CreateVideoConference", error=(500, "systemError"), times=2)
    req = cm.CreateVideoConferenceRequest(user_id=emu_org.host, conf_title="async")
    headers = emu_org.headers(cm.CreateVideoConferenceHeaders)
    for _ in range(2):
        try:
            await emu_org.conference.create_video_conference_with_options_async(
                req, headers, runtime()
            )
        except Exception as exc:
            assert (exc.code, exc.data["statusCode"]) == ("systemError", 500)  # type: ignore[attr-defined]
        else:
            raise AssertionError("the fault did not answer")
    body = (
        await emu_org.conference.create_video_conference_with_options_async(req, headers, runtime())
    ).body
    assert body.conference_id


def test_a_fault_matches_its_app_and_meeting_only(
    emu_server: ServerProcess, emu_org: Org, emulator: EmulatorClient
) -> None:
    with AdminClient(emu_server.base_url, emu_server.admin_token) as admin:
        other = make_org(emu_server, admin)
    mine, theirs = emu_org.create(), other.create()
    second = emu_org.create()
    emulator.add_fault(
        "LockConference",
        error=(500, "systemError"),
        app_key=emu_org.app_key,
        conference_id=mine,
        times=10,
    )
    assert other.lock(theirs).success is True
    assert emu_org.lock(second).success is True
    assert api_error(emu_org.lock, mine).code == "systemError"


def test_a_latency_fault_delays_then_answers(emu_org: Org, emulator: EmulatorClient) -> None:
    cid = emu_org.create()
    emulator.add_fault("QueryConferenceInfoBatch", latency_ms=400)
    started = time.perf_counter()
    assert batch_call(emu_org, cid).infos[0].conference_id == cid
    assert time.perf_counter() - started >= 0.4
    started = time.perf_counter()
    batch_call(emu_org, cid)
    # The next call is not held (a rule hits once unless told otherwise).
    assert time.perf_counter() - started < 0.4


def test_a_drop_fault_closes_the_connection_without_an_answer(
    emu_server: ServerProcess, emu_org: Org, emulator: EmulatorClient
) -> None:
    cid = emu_org.create()
    emulator.add_fault("QueryConferenceInfoBatch", drop=True)
    url = f"{emu_server.base_url}/v1.0/conference/videoConferences/query"
    headers = {"x-acs-dingtalk-access-token": emu_org.token}
    with pytest.raises(httpx.RemoteProtocolError):
        httpx.post(url, json={"conferenceIdList": [cid]}, headers=headers)
    # The official client sees a failed call too, and the next call is answered.
    assert batch_call(emu_org, cid).infos[0].conference_id == cid
    [entry] = emulator.journal(operation="QueryConferenceInfoBatch")[:1]
    assert entry["status"] == 0


def test_a_seeded_fraction_hits_the_same_calls_every_time(
    emu_org: Org, emulator: EmulatorClient
) -> None:
    cid = emu_org.create()

    def pattern() -> list[bool]:
        emulator.clear_faults()
        emulator.add_fault(
            "QueryConferenceInfoBatch", error=(500, "systemError"), fraction=0.5, seed=7
        )
        hits = []
        for _ in range(20):
            try:
                batch_call(emu_org, cid)
                hits.append(False)
            except Exception as exc:
                assert getattr(exc, "code", None) == "systemError"
                hits.append(True)
        return hits

    first = pattern()
    assert first == pattern()
    draws = random.Random(7)
    assert first == [draws.random() < 0.5 for _ in range(20)]
    assert 0 < sum(first) < 20


def test_faults_are_listed_deleted_and_cleared(emu_org: Org, emulator: EmulatorClient) -> None:
    a = emulator.add_fault("LockConference", error=(500, "systemError"))
    b = emulator.add_fault("MuteMembers", latency_ms=5, times=3)
    assert [f["id"] for f in emulator.faults()] == [a["id"], b["id"]]
    assert (b["kind"], b["times"], b["latencyMs"]) == ("latency", 3, 5)
    emulator.delete_fault(a["id"])
    assert [f["id"] for f in emulator.faults()] == [b["id"]]
    with pytest.raises(AdminError) as missing:
        emulator.delete_fault(a["id"])
    assert missing.value.status == 404
    emulator.clear_faults()
    assert emulator.faults() == []
    assert emu_org.lock(emu_org.create()).success is True


@pytest.mark.parametrize(
    ("body", "names"),
    [
        ({}, "operation"),
        ({"operation": "LockConference"}, "latencyMs"),
        ({"operation": "LockConference", "error": {"status": 200, "code": "x"}}, "status"),
        ({"operation": "LockConference", "error": {"status": 500, "code": ""}}, "code"),
        ({"operation": "LockConference", "latencyMs": -1}, "latencyMs"),
        ({"operation": "LockConference", "latencyMs": 5, "times": 0}, "times"),
        ({"operation": "LockConference", "latencyMs": 5, "fraction": 1.5}, "fraction"),
        (
            {"operation": "LockConference", "drop": True, "error": {"status": 500, "code": "x"}},
            "not both",
        ),
    ],
)
def test_a_bad_fault_is_refused_and_adds_nothing(
    emu_server: ServerProcess, emulator: EmulatorClient, body: dict[str, Any], names: str
) -> None:
    answer = httpx.post(
        f"{emu_server.base_url}/confplane/v1/emulator/faults",
        json=body,
        headers={"Authorization": f"Bearer {emu_server.admin_token}"},
    )
    assert answer.status_code == 400
    assert answer.json()["code"] == "paramsError"
    assert names in answer.json()["message"]
    assert emulator.faults() == []


# -- the rate limit --------------------------------------------------------------------


def test_the_rate_limit_trips_per_app_and_operation_and_recovers(
    emu_server: ServerProcess, emu_org: Org, emulator: EmulatorClient
) -> None:
    cid = emu_org.create()
    emulator.set_rate_limit(2)
    assert emulator.rate_limit() == 2
    outcomes = []
    for _ in range(10):
        try:
            batch_call(emu_org, cid)
            outcomes.append("ok")
        except Exception as exc:
            assert (exc.code, exc.data["statusCode"]) == (QPS_CODE, 403)  # type: ignore[attr-defined]
            # No message is documented: the code again, the limit in the detail header.
            assert exc.data["message"] == QPS_CODE  # type: ignore[attr-defined]
            outcomes.append("limited")
    # Ten calls within at most two one-second windows: at most four get through.
    assert outcomes.count("limited") >= 6
    # Another operation and another app have budgets of their own.
    assert emu_org.members(cid).total_count == 1
    with AdminClient(emu_server.base_url, emu_server.admin_token) as admin:
        other = make_org(emu_server, admin)
    assert other.batch([other.create()]).infos
    time.sleep(1.05)
    assert batch_call(emu_org, cid).infos[0].conference_id == cid
    emulator.set_rate_limit(None)
    for _ in range(10):
        batch_call(emu_org, cid)


def test_the_rate_limit_counts_token_calls_by_app_key(
    emu_org: Org, emulator: EmulatorClient
) -> None:
    emulator.set_rate_limit(1)
    client = OAuthClient(sdk_config(emu_org.server))
    request = om.GetAccessTokenRequest(app_key=emu_org.app_key, app_secret=emu_org.app_secret)
    codes = []
    for _ in range(4):
        try:
            client.get_access_token(request)
            codes.append("ok")
        except Exception as exc:
            codes.append(str(getattr(exc, "code", "")))
    assert codes.count(QPS_CODE) >= 2


def test_a_bad_rate_limit_is_refused(emulator: EmulatorClient) -> None:
    with pytest.raises(AdminError) as err:
        emulator.set_rate_limit(0)
    assert (err.value.status, err.value.code) == (400, "paramsError")
    assert emulator.rate_limit() is None


# -- the journal -----------------------------------------------------------------------


def test_the_journal_holds_exactly_the_calls_made(emu_org: Org, emulator: EmulatorClient) -> None:
    emulator.clear_journal()
    token = get_token(emu_org.server, emu_org.app_key, emu_org.app_secret)
    assert token == emu_org.token  # the same token while it lives
    cid = emu_org.create(invite=[emu_org.users[1]])
    emu_org.mute(cid, emu_org.users[1])
    api_error(emu_org.mute, cid, "stranger")
    emu_org.members(cid, max_results=5)
    entries = emulator.journal()
    assert [e["operation"] for e in entries] == [
        "GetAccessToken",
        "CreateVideoConference",
        "MuteMembers",
        "MuteMembers",
        "QueryConferenceMembers",
    ]
    token_call, create, mute, refused, members = entries
    assert token_call["appKey"] == emu_org.app_key
    assert "appSecret" in token_call["request"]
    assert create["conferenceId"] == cid  # from the answer: the path has none
    assert (create["appKey"], create["corpId"], create["status"]) == (
        emu_org.app_key,
        emu_org.corp_id,
        200,
    )
    assert create["request"]["confTitle"] == "weekly sync"
    assert mute["conferenceId"] == cid and mute["code"] is None
    assert (refused["status"], refused["code"]) == (400, "unknownUserError")
    assert members["query"] == {"maxResults": "5"} and members["method"] == "GET"
    assert all(e["requestId"] and e["latencyMs"] >= 0 for e in entries)
    assert [e["seq"] for e in entries] == sorted(e["seq"] for e in entries)
    # Filters.
    assert len(emulator.journal(operation="MuteMembers")) == 2
    assert len(emulator.journal(conference_id=cid)) == 4
    assert emulator.journal(app_key="nobody") == []
    assert emulator.journal(after_seq=mute["seq"]) == [refused, members]
    assert emulator.journal(since=members["time"] + 1) == []
    emulator.clear_journal()
    assert emulator.journal() == []


def test_the_journal_can_be_followed(emu_org: Org, emulator: EmulatorClient) -> None:
    emulator.clear_journal()
    cid = emu_org.create()
    seen: list[dict[str, Any]] = []

    def follow() -> None:
        with EmulatorClient(emu_org.server.base_url, emu_org.server.admin_token) as client:
            for entry in client.follow_journal(operation="LockConference"):
                seen.append(entry)
                if len(seen) == 2:
                    return

    reader = threading.Thread(target=follow, daemon=True)
    reader.start()
    emu_org.lock(cid)
    emu_org.lock(cid, "unlock")
    reader.join(timeout=10)
    assert not reader.is_alive()
    assert [e["request"]["action"] for e in seen] == ["lock", "unlock"]


def test_a_bad_journal_filter_is_refused(emu_server: ServerProcess) -> None:
    answer = httpx.get(
        f"{emu_server.base_url}/confplane/v1/emulator/journal",
        params={"since": "yesterday"},
        headers={"Authorization": f"Bearer {emu_server.admin_token}"},
    )
    assert (answer.status_code, answer.json()["code"]) == (400, "paramsError")


# -- the clock -------------------------------------------------------------------------


def test_advancing_the_clock_expires_a_token_and_a_new_one_is_issued(
    emu_org: Org, emulator: EmulatorClient
) -> None:
    cid = emu_org.create()
    emulator.advance_clock(7_100_000)
    assert batch_call(emu_org, cid).infos  # 7,100 s: still valid
    emulator.advance_clock(101_000)
    err = api_error(batch_call, emu_org, cid)
    assert (err.status, err.code) == (400, "InvalidAuthentication")
    fresh = get_token(emu_org.server, emu_org.app_key, emu_org.app_secret)
    assert fresh != emu_org.token
    emu_org.token = fresh
    assert batch_call(emu_org, cid).infos


def test_a_repeated_token_request_renews_the_same_token(
    emu_org: Org, emulator: EmulatorClient
) -> None:
    cid = emu_org.create()
    emulator.advance_clock(7_000_000)
    assert get_token(emu_org.server, emu_org.app_key, emu_org.app_secret) == emu_org.token
    emulator.advance_clock(7_000_000)  # past the first expiry, within the renewed one
    assert batch_call(emu_org, cid).infos


def test_the_clock_freezes_sets_and_goes_back_to_real_time(
    emu_org: Org, emulator: EmulatorClient
) -> None:
    frozen = emulator.freeze_clock()
    assert frozen["frozen"] is True
    time.sleep(0.05)
    assert emulator.clock()["now"] == frozen["now"]
    emulator.set_clock(at_ms=1_700_000_000_000)
    cid = emu_org.create()
    assert emulator.clock()["now"] == 1_700_000_000_000
    join_at = emu_org.admin.join(cid, emu_org.users[1])
    assert join_at["participantId"]
    emulator.advance_clock(90_000)
    member = next(m for m in emu_org.members(cid).member_models if m.union_id == emu_org.users[1])
    assert member.join_time == 1_700_000_000_000
    assert member.duration == 90_000  # ms in the meeting, on the emulated clock
    real = emulator.real_clock()
    assert real["frozen"] is False and abs(real["offsetMs"]) < 1_000


async def test_advancing_the_clock_ends_a_lost_devices_grace(
    emu_org: Org, emulator: EmulatorClient
) -> None:
    kit = Kit(emu_org)
    try:
        cid = kit.meeting().conference_id
        device = await kit.member(cid, emu_org.users[1])
        await device.drop()
        await asyncio.sleep(0.3)  # the server notices the lost connection
        member = kit.member_model(cid, emu_org.users[1])
        assert member.attend_status == 3  # kept through the grace period
        emulator.advance_clock((GRACE_S + 1) * 1000)
        for _ in range(100):
            if kit.member_model(cid, emu_org.users[1]).attend_status == 6:
                break
            await asyncio.sleep(0.05)
        assert kit.member_model(cid, emu_org.users[1]).attend_status == 6
    finally:
        await kit.close()


@pytest.mark.parametrize(
    "body", [{}, {"set": -1}, {"advanceMs": 2**41}, {"freeze": "yes"}, {"set": "noon"}]
)
def test_a_bad_clock_change_is_refused_and_changes_nothing(
    emu_server: ServerProcess, emulator: EmulatorClient, body: dict[str, Any]
) -> None:
    answer = httpx.post(
        f"{emu_server.base_url}/confplane/v1/emulator/clock",
        json=body,
        headers={"Authorization": f"Bearer {emu_server.admin_token}"},
    )
    assert (answer.status_code, answer.json()["code"]) == (400, "paramsError")
    clock = emulator.clock()
    assert clock["frozen"] is False and abs(clock["offsetMs"]) < 1_000


# -- reset -------------------------------------------------------------------------------


def test_reset_empties_the_server(
    emu_server: ServerProcess, emu_org: Org, emulator: EmulatorClient
) -> None:
    cid = emu_org.create()
    emulator.add_fault("LockConference", latency_ms=5)
    emulator.set_rate_limit(100)
    emulator.advance_clock(60_000)
    answer = emulator.reset()
    assert answer["tookMs"] >= 0 and "demo" not in answer
    assert emulator.faults() == [] and emulator.journal() == []
    assert emulator.rate_limit() is None
    assert abs(emulator.clock()["offsetMs"]) < 1_000
    with AdminClient(emu_server.base_url, emu_server.admin_token) as admin:
        assert admin.list_orgs() == []
    err = api_error(batch_call, emu_org, cid)
    assert err.code == "InvalidAuthentication"  # the app, its token and meeting are gone


def test_reset_to_the_demo_org_hands_out_working_credentials(
    emu_server: ServerProcess, emulator: EmulatorClient
) -> None:
    demo = emulator.reset(demo=True)["demo"]
    assert demo["users"][0]["unionId"] == "demo-host"
    with AdminClient(emu_server.base_url, emu_server.admin_token) as admin:
        org = Org(
            emu_server,
            admin,
            demo["corpId"],
            demo["appKey"],
            demo["appSecret"],
            [u["unionId"] for u in demo["users"]],
        )
        cid = org.create(invite=[org.users[1]])
        assert org.members(cid).total_count == 2


def test_the_controls_need_the_admin_token(emu_server: ServerProcess) -> None:
    answer = httpx.post(
        f"{emu_server.base_url}/confplane/v1/emulator/reset",
        headers={"Authorization": "Bearer wrong"},
    )
    assert answer.status_code == 400 and answer.json()["code"] == "InvalidAuthentication"


def test_without_emulator_the_controls_do_not_exist(server: ServerProcess) -> None:
    answer = httpx.post(
        f"{server.base_url}/confplane/v1/emulator/reset",
        headers={"Authorization": f"Bearer {server.admin_token}"},
    )
    assert (answer.status_code, answer.json()["code"]) == (404, "InvalidAction.NotFound")


def test_token_requests_do_not_grow_the_token_table(emu_org: Org, emulator: EmulatorClient) -> None:
    for _ in range(30):
        assert get_token(emu_org.server, emu_org.app_key, emu_org.app_secret) == emu_org.token
    emulator.advance_clock(7_300_000)
    fresh = {get_token(emu_org.server, emu_org.app_key, emu_org.app_secret) for _ in range(5)}
    assert len(fresh) == 1 and emu_org.token not in fresh
    if emu_org.server.database_url is None:  # SQLite: count the rows themselves
        path = emu_org.server.data_dir / "confplane.db"
        with sqlite3.connect(path) as db:
            (rows,) = db.execute("SELECT count(*) FROM access_tokens").fetchone()
        assert rows == 1  # the expired token went when the new one was issued


def test_a_batch_query_is_matched_and_journaled_by_the_meetings_it_names(
    emu_org: Org, emulator: EmulatorClient
) -> None:
    first, second = emu_org.create(), emu_org.create()
    emulator.clear_journal()
    emulator.add_fault("QueryConferenceInfoBatch", error=(500, "systemError"), conference_id=second)
    assert len(emu_org.batch([first]).infos) == 1
    assert api_error(emu_org.batch, [first, second]).code == "systemError"
    named = emulator.journal(conference_id=second)
    assert [e["conferenceIds"] for e in named] == [[first, second]]
    assert [e["conferenceId"] for e in emulator.journal(conference_id=first)] == [first, first]


def test_a_fault_for_an_operation_this_server_does_not_answer_is_refused(
    emulator: EmulatorClient,
) -> None:
    with pytest.raises(AdminError) as err:
        emulator.add_fault("NoSuchOperation", error=(500, "systemError"))
    assert err.value.code == "paramsError" and "MuteMembers" in err.value.message
    assert emulator.faults() == []


def test_set_and_freeze_in_one_call_stop_at_exactly_that_instant(
    emulator: EmulatorClient,
) -> None:
    for at in range(1_700_000_000_000, 1_700_000_000_020):
        shown = emulator.set_clock(at_ms=at, freeze=True)
        assert (shown["now"], shown["frozen"]) == (at, True)
        emulator.real_clock()


# -- what an error's body leaves out stays in the journal ---------------------------------


def test_the_journal_keeps_the_error_detail_and_every_answer_has_ids(
    emu_server: ServerProcess, emu_org: Org
) -> None:
    cid = emu_org.create()
    err = api_error(
        emu_org.conference.lock_conference_with_options,
        cid,
        cm.LockConferenceRequest(action="freeze"),
        emu_org.headers(cm.LockConferenceHeaders),
        runtime(),
    )
    assert (err.code, err.message) == ("commandError", "commandError")
    admin = {"authorization": f"Bearer {emu_server.admin_token}"}
    with httpx.Client(base_url=emu_server.base_url, headers=admin) as http:
        journal = http.get("/confplane/v1/emulator/journal", params={"operation": "LockConference"})
        (entry,) = journal.json()["entries"]
        assert (entry["code"], entry["detail"]) == (
            "commandError",
            "action must be lock or unlock, not 'freeze'",
        )
        answers = [journal, http.get("/confplane/v1/emulator/clock")]
        with http.stream(
            "GET", "/confplane/v1/emulator/journal", params={"follow": "true"}
        ) as followed:
            answers.append(followed)
    for answer in answers:
        rid = answer.headers["x-acs-request-id"]
        assert rid and answer.headers["x-acs-trace-id"] == rid.lower()
