"""``confplane emulator ...`` as a child process against a real ``serve --emulator`` (SQLite).

Every test starts from a reset server; what the CLI changes is checked through the
DingTalk API (DingTalkClient) and the emulator controls themselves.
"""

from __future__ import annotations

import json
import queue
import re
import secrets
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any

import httpx
import pytest

from cli_runner import Result, clean_env, ok, run
from confplane.cli.emulator import format_duration, parse_duration
from confplane.client.admin import AdminClient
from confplane.client.dingtalk import AppCredentials, DingTalkClient, DingTalkError
from confplane.client.emulator import EmulatorClient
from confplane.testing import ServerProcess

QPS_CODE = "Forbidden.AccessDenied.QpsLimitForAppkeyAndApi"
UNREACHABLE = "http://127.0.0.1:9"


@pytest.fixture(scope="module")
def emulator_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    proc = ServerProcess(tmp_path_factory.mktemp("emulator"), extra_args=["--emulator"])
    proc.start()
    yield proc
    proc.stop()


@pytest.fixture(scope="module")
def emulator(emulator_server: ServerProcess) -> Iterator[EmulatorClient]:
    with EmulatorClient(emulator_server.base_url, emulator_server.admin_token) as client:
        yield client


@pytest.fixture(scope="module")
def admin(emulator_server: ServerProcess) -> Iterator[AdminClient]:
    with AdminClient(emulator_server.base_url, emulator_server.admin_token) as client:
        yield client


@pytest.fixture
def env(emulator_server: ServerProcess, emulator: EmulatorClient, tmp_path: Path) -> dict[str, str]:
    """The CLI's environment, against a server just reset (no orgs, faults, limit...)."""
    emulator.reset()
    return clean_env(
        tmp_path,
        CONFPLANE_ENDPOINT=emulator_server.base_url,
        CONFPLANE_ADMIN_TOKEN=emulator_server.admin_token,
    )


@dataclass
class App:
    corp_id: str
    app_key: str
    app_secret: str
    users: list[str]
    client: DingTalkClient


def make_app(server: ServerProcess, admin: AdminClient, corp_id: str | None = None) -> App:
    if corp_id is None:
        corp_id = "dingemu" + secrets.token_hex(5)
        admin.create_org("emulated", corp_id)
    app = admin.create_app(corp_id, "app " + secrets.token_hex(3))
    users = [admin.create_user(corp_id, f"user {i}")["unionId"] for i in range(2)]
    client = DingTalkClient(
        AppCredentials(app["appKey"], app["appSecret"]), endpoint=server.base_url
    )
    return App(corp_id, app["appKey"], app["appSecret"], users, client)


@pytest.fixture
def dt(env: dict[str, str], emulator_server: ServerProcess, admin: AdminClient) -> Iterator[App]:
    """An org with an app (both permissions), made after the reset ``env`` does."""
    made = make_app(emulator_server, admin)
    yield made
    made.client.close()


def fields(result: Result) -> dict[str, str]:
    """``label: value`` lines as a dict."""
    pairs = (line.split(":", 1) for line in ok(result).lines if ":" in line)
    return {k.strip(): v.strip() for k, v in pairs}


def json_lines(result: Result) -> list[dict[str, Any]]:
    return [json.loads(line) for line in ok(result).lines]


def create(app: App, title: str = "emulated") -> str:
    return app.client.create_video_conference(app.users[0], title).conference_id


# -- faults -------------------------------------------------------------------------


def test_fault_error_seen_by_the_api_then_listed_deleted(
    env: dict[str, str], dt: App, emulator_server: ServerProcess, admin: AdminClient
) -> None:
    added = fields(
        run(env, "emulator", "faults", "add", "CreateVideoConference",
            "--error", "503:ServiceBusy:try again: later", "--app-key", dt.app_key,
            "--times", "2")
    )  # fmt: skip
    assert added["operation"] == "CreateVideoConference"
    assert added["effect"] == "answer 503 ServiceBusy: try again: later"
    assert added["calls"] == "the next 2 calls"
    assert added["appKey"] == dt.app_key and added["conferenceId"] == "-"
    fault_id = added["id"]

    with pytest.raises(DingTalkError) as caught:
        create(dt)
    assert (caught.value.status, caught.value.code, caught.value.message) == (
        503,
        "ServiceBusy",
        "try again: later",
    )
    listed = ok(run(env, "emulator", "faults", "list", "--json")).json()
    assert [(f["id"], f["hits"], f["matched"], f["times"]) for f in listed] == [(fault_id, 1, 1, 2)]
    assert listed[0]["error"] == {
        "status": 503,
        "code": "ServiceBusy",
        "message": "try again: later",
    }
    table = ok(run(env, "emulator", "faults", "list")).lines
    assert table[0].split() == [
        "ID", "OPERATION", "APP", "KEY", "CONFERENCE", "ID", "HITS", "MATCHED", "EFFECT"
    ]  # fmt: skip
    assert table[1].split()[:6] == [fault_id, "CreateVideoConference", dt.app_key, "-", "1/2", "1"]
    assert table[1].endswith("answer 503 ServiceBusy: try again: later (the next 2 calls)")

    # Another app's calls are not matched; the second hit spends the rule.
    other = make_app(emulator_server, admin, dt.corp_id)
    assert create(other)
    other.client.close()
    with pytest.raises(DingTalkError):
        create(dt)
    assert create(dt)
    assert ok(run(env, "emulator", "faults", "list", "--json")).json()[0]["hits"] == 2

    assert ok(run(env, "emulator", "faults", "delete", fault_id)).stdout == (
        f"Deleted fault {fault_id}.\n"
    )
    assert ok(run(env, "emulator", "faults", "list")).stdout == "No faults.\n"
    assert ok(run(env, "emulator", "faults", "list", "--json")).json() == []
    gone = run(env, "emulator", "faults", "delete", fault_id)
    assert gone.code == 1
    assert f"Error: notFound: fault {fault_id} does not exist" in gone.stderr
    assert "HTTP 404" in gone.stderr


def test_latency_drop_fraction_and_clear(env: dict[str, str], dt: App) -> None:
    conference_id = create(dt)
    slow = ok(
        run(env, "emulator", "faults", "add", "QueryConferenceMembers",
            "--latency-ms", "400", "--conference-id", conference_id, "--json")
    ).json()  # fmt: skip
    assert (slow["kind"], slow["latencyMs"], slow["conferenceId"]) == (
        "latency",
        400,
        conference_id,
    )
    started = time.monotonic()
    page = dt.client.query_conference_members(conference_id)
    assert time.monotonic() - started >= 0.4
    assert page.total_count == 1  # it still ran: the host is a member

    dropped = fields(run(env, "emulator", "faults", "add", "LockConference", "--drop"))
    assert (dropped["effect"], dropped["calls"]) == ("drop the connection", "the next call")
    with pytest.raises(httpx.TransportError):
        dt.client.lock_conference(conference_id)
    dt.client.lock_conference(conference_id)  # spent: the next one goes through
    locks = ok(run(env, "emulator", "journal", "--operation", "LockConference")).lines[1:]
    assert [(r.split()[5], r.split()[7]) for r in locks] == [("0", "(dropped)"), ("200", "-")]

    both = fields(
        run(env, "emulator", "faults", "add", "MuteMembers",
            "--latency-ms", "250", "--error", "500:Boom", "--fraction", "0.5", "--seed", "7")
    )  # fmt: skip
    assert both["effect"] == "wait 250 ms, then answer 500 Boom"
    assert both["calls"] == "50% of calls, seed 7"
    listed = ok(run(env, "emulator", "faults", "list", "--json")).json()
    assert [(f["kind"], f["hits"]) for f in listed] == [("latency", 1), ("drop", 1), ("error", 0)]
    assert (listed[2]["fraction"], listed[2]["seed"], listed[2]["times"]) == (0.5, 7, None)
    rows = ok(run(env, "emulator", "faults", "list")).lines[1:]
    assert [r.split()[4] for r in rows] == ["1/1", "1/1", "0"]
    assert rows[2].endswith("wait 250 ms, then answer 500 Boom (50% of calls, seed 7)")

    assert ok(run(env, "emulator", "faults", "clear")).stdout == "Deleted every fault.\n"
    assert ok(run(env, "emulator", "faults", "list", "--json")).json() == []
    started = time.monotonic()
    dt.client.query_conference_members(conference_id)
    assert time.monotonic() - started < 0.4


def test_server_refusals_exit_1_with_dingtalk_code(env: dict[str, str]) -> None:
    too_fast = run(env, "emulator", "rate-limit", "2000000")
    assert too_fast.code == 1
    assert "Error: paramsError: qps must be 1-1000000" in too_fast.stderr
    assert "HTTP 400" in too_fast.stderr
    assert ok(run(env, "emulator", "rate-limit", "--json")).json() == {"qps": None}


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["faults", "add", "CreateVideoConference", "--error", "999:x"],
         "--error '999:x': the status must be an HTTP error status, 400-599"),
        (["faults", "add", "CreateVideoConference", "--error", "503"],
         "--error '503': expected STATUS:CODE[:MESSAGE]"),
        (["faults", "add", "CreateVideoConference", "--error", "abc:Boom"],
         "expected STATUS:CODE[:MESSAGE]"),
        (["faults", "add", "CreateVideoConference", "--error", "503:"],
         "expected STATUS:CODE[:MESSAGE]"),
        (["faults", "add", "CreateVideoConference"], "say what the fault does"),
        (["faults", "add", "CreateVideoConference", "--error", "500:Boom", "--drop"],
         "give --error or --drop, not both"),
        (["faults", "add", "CreateVideoConference", "--drop", "--fraction", "1.5"],
         "--fraction 1.5: must be above 0 and at most 1"),
        (["faults", "add", "CreateVideoConference", "--drop", "--fraction", "0"],
         "--fraction 0: must be above 0"),
        (["faults", "add", "CreateVideoConference", "--drop", "--seed", "3"],
         "--seed goes with --fraction"),
        (["faults", "add", "CreateVideoConferance", "--drop"],
         "OPERATION: unknown operation 'CreateVideoConferance'; one of CancelScheduleConference,"),
        (["journal", "--operation", "Lock"], "--operation: unknown operation 'Lock'; one of"),
        (["clock", "--advance", "5x"], "--advance: unknown duration '5x'"),
        (["clock", "--advance", "1h 30m"], "unknown duration"),
        (["clock", "--set", "yesterday"], "--set: 'yesterday' is neither milliseconds"),
        (["clock", "--freeze", "--unfreeze"], "give --freeze or --unfreeze, not both"),
        (["clock", "--real", "--advance", "1h"], "--real goes back to real time"),
        (["rate-limit", "5", "--off"], "give a QPS or --off, not both"),
        (["journal", "--clear", "--operation", "LockConference"],
         "--clear empties the whole journal"),
    ],
)  # fmt: skip
def test_bad_input_is_a_usage_error(tmp_path: Path, args: list[str], says: str) -> None:
    # Refused before any connection: the endpoint has no server.
    env = clean_env(tmp_path, CONFPLANE_ENDPOINT=UNREACHABLE, CONFPLANE_ADMIN_TOKEN="x")
    result = run(env, "emulator", *args)
    assert result.code == 2, result.stderr
    assert result.stderr.startswith("Error: ")
    assert says in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize(
    "args",
    [
        ["rate-limit", "0"],
        ["faults", "add", "CreateVideoConference", "--latency-ms", "70000"],
        ["faults", "add", "CreateVideoConference", "--drop", "--times", "0"],
        ["journal", "--since", "yesterday"],
        ["faults", "delete"],
    ],
)
def test_bad_values_typer_refuses(tmp_path: Path, args: list[str]) -> None:
    env = clean_env(tmp_path, CONFPLANE_ENDPOINT=UNREACHABLE, CONFPLANE_ADMIN_TOKEN="x")
    result = run(env, "emulator", *args)
    assert result.code == 2
    assert "Invalid value" in result.stderr or "Missing argument" in result.stderr
    assert "Traceback" not in result.stderr


def test_admin_token_and_connection_problems(env: dict[str, str], tmp_path: Path) -> None:
    wrong = run({**env, "CONFPLANE_ADMIN_TOKEN": "wrong"}, "emulator", "faults", "list")
    assert wrong.code == 1
    assert "Error: InvalidAuthentication: the admin token is wrong" in wrong.stderr
    missing = {k: v for k, v in env.items() if k != "CONFPLANE_ADMIN_TOKEN"}
    no_token = run(missing, "emulator", "clock")
    assert no_token.code == 2
    assert "no admin token: pass --admin-token, set CONFPLANE_ADMIN_TOKEN" in no_token.stderr
    away = run({**env, "CONFPLANE_ENDPOINT": UNREACHABLE}, "emulator", "journal", "--follow")
    assert away.code == 3
    assert f"Error: the server at {UNREACHABLE} cannot be reached" in away.stderr


# -- rate limit ---------------------------------------------------------------------


def test_rate_limit(env: dict[str, str], dt: App) -> None:
    assert ok(run(env, "emulator", "rate-limit")).stdout == "Rate limit: off.\n"
    assert ok(run(env, "emulator", "rate-limit", "2")).stdout == (
        "Rate limit: 2 calls per second per app and operation.\n"
    )
    assert ok(run(env, "emulator", "rate-limit", "--json")).json() == {"qps": 2}

    dt.client.access_token()  # the token call has a window of its own
    outcomes: list[object] = []
    for _ in range(8):
        try:
            dt.client.query_org_conference_list()
            outcomes.append("ok")
        except DingTalkError as err:
            outcomes.append((err.status, err.code))
    assert "ok" in outcomes
    assert (403, QPS_CODE) in outcomes
    assert set(outcomes) == {"ok", (403, QPS_CODE)}
    refused = json_lines(
        run(env, "emulator", "journal", "--operation", "QueryOrgConferenceList", "--json")
    )
    assert sum(e["code"] == QPS_CODE and e["status"] == 403 for e in refused) == outcomes.count(
        (403, QPS_CODE)
    )

    assert ok(run(env, "emulator", "rate-limit", "--off")).stdout == "Rate limit: off.\n"
    for _ in range(8):
        dt.client.query_org_conference_list()


# -- journal ------------------------------------------------------------------------


def test_journal_lists_filters_and_clears(
    env: dict[str, str], dt: App, emulator_server: ServerProcess, admin: AdminClient
) -> None:
    conference_id = create(dt, "journaled")
    with pytest.raises(DingTalkError) as caught:
        dt.client.lock_conference("nosuchmeeting")
    dt.client.query_conference_members(conference_id)
    other = make_app(emulator_server, admin, dt.corp_id)
    create(other, "someone else's")
    other.client.close()

    entries = json_lines(run(env, "emulator", "journal", "--json"))
    assert [(e["operation"], e["appKey"]) for e in entries] == [
        ("GetAccessToken", dt.app_key),
        ("CreateVideoConference", dt.app_key),
        ("LockConference", dt.app_key),
        ("QueryConferenceMembers", dt.app_key),
        ("GetAccessToken", other.app_key),
        ("CreateVideoConference", other.app_key),
    ]
    assert [e["seq"] for e in entries] == sorted(e["seq"] for e in entries)
    made, lock = entries[1], entries[2]
    assert (made["conferenceId"], made["status"], made["code"]) == (conference_id, 200, None)
    assert (lock["status"], lock["code"]) == (caught.value.status, caught.value.code)
    assert lock["conferenceId"] == "nosuchmeeting"

    table = ok(run(env, "emulator", "journal")).lines
    assert table[0].split() == [
        "TIME", "OPERATION", "APP", "KEY", "CONFERENCE", "ID", "STATUS", "LATENCY", "CODE"
    ]  # fmt: skip
    rows = [line.split() for line in table[1:]]
    assert [r[2:6] for r in rows] == [
        [e["operation"], e["appKey"], e["conferenceId"] or "-", str(e["status"])] for e in entries
    ]
    assert rows[2][7] == caught.value.code and rows[1][7] == "-"
    assert all(re.fullmatch(r"\d+\.\dms", r[6]) for r in rows)
    assert (
        " ".join(rows[0][:2])
        == datetime.fromtimestamp(entries[0]["time"] / 1000).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]
    )

    def seqs(*args: str) -> list[int]:
        return [e["seq"] for e in json_lines(run(env, "emulator", "journal", "--json", *args))]

    by_seq = [e["seq"] for e in entries]
    assert seqs("--operation", "CreateVideoConference") == [by_seq[1], by_seq[5]]
    assert seqs("--conference-id", conference_id) == [by_seq[1], by_seq[3]]
    assert seqs("--app-key", other.app_key) == by_seq[4:]
    assert seqs("--app-key", dt.app_key, "--operation", "GetAccessToken") == [by_seq[0]]
    assert seqs("--since", str(entries[-1]["time"] + 1)) == []
    assert seqs("--since", str(entries[0]["time"])) == by_seq
    empty = ok(run(env, "emulator", "journal", "--operation", "KickMembers"))
    assert empty.stdout == "No calls.\n"

    assert ok(run(env, "emulator", "journal", "--clear")).stdout == "Cleared the journal.\n"
    assert ok(run(env, "emulator", "journal")).stdout == "No calls.\n"
    assert ok(run(env, "emulator", "journal", "--json")).stdout == ""
    # The admin API and the emulator controls are not journaled; API calls are again.
    dt.client.query_org_conference_list()
    assert [e["operation"] for e in json_lines(run(env, "emulator", "journal", "--json"))] == [
        "QueryOrgConferenceList"
    ]


def _lines_of(stream: IO[str]) -> queue.Queue[str | None]:
    """The lines a child writes, as they come (read on a thread, so a test can time out),
    then None at the end."""
    lines: queue.Queue[str | None] = queue.Queue()

    def pump() -> None:
        for line in stream:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    return lines


def next_line(lines: queue.Queue[str | None]) -> str:
    line = lines.get(timeout=30)
    assert line is not None, "the follower ended"
    return line


def test_journal_follow_prints_new_calls_until_ctrl_c(env: dict[str, str], dt: App) -> None:
    before = create(dt, "before the follow")
    command = [sys.executable, "-m", "confplane", "emulator", "journal", "--follow"]
    filters = ["--operation", "CreateVideoConference"]
    followers = [
        subprocess.Popen(
            [*command, *filters, *extra],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for extra in (["--json"], [])
    ]
    try:
        as_json, as_table = (_lines_of(p.stdout) for p in followers if p.stdout)
        # The calls so far come first: once they are read, both followers are listening.
        assert json.loads(next_line(as_json))["conferenceId"] == before
        assert next_line(as_table).split()[:2] == ["TIME", "OPERATION"]
        assert next_line(as_table).split()[4] == before

        after = create(dt, "after the follow started")
        line = json.loads(next_line(as_json))
        assert (line["operation"], line["conferenceId"], line["status"]) == (
            "CreateVideoConference",
            after,
            200,
        )
        assert next_line(as_table).split()[2:6] == [
            "CreateVideoConference",
            dt.app_key,
            after,
            "200",
        ]
        dt.client.query_org_conference_list()  # filtered out
        for follower in followers:
            follower.send_signal(signal.SIGINT)
        for follower in followers:
            assert follower.wait(timeout=30) == 0
            assert follower.stderr is not None
            assert follower.stderr.read() == ""
        # Nothing more came (the filtered-out call above), just the end.
        assert as_json.get(timeout=10) is None and as_table.get(timeout=10) is None
    finally:
        for follower in followers:
            if follower.poll() is None:
                follower.kill()
                follower.wait()


# -- clock --------------------------------------------------------------------------


def test_clock(env: dict[str, str], dt: App) -> None:
    shown = fields(run(env, "emulator", "clock"))
    assert shown["frozen"] == "no"
    real = ok(run(env, "emulator", "clock", "--json")).json()
    assert abs(real["offsetMs"]) <= 1  # 0, but see the report: it may read -1
    assert abs(real["now"] - time.time() * 1000) < 5_000

    advanced = fields(run(env, "emulator", "clock", "--advance", "2h"))
    assert advanced["offset"].startswith("+2h (+7")
    assert advanced["frozen"] == "no"
    assert abs(ok(run(env, "emulator", "clock", "--json")).json()["offsetMs"] - 7_200_000) <= 1
    back = ok(run(env, "emulator", "clock", "--advance", "-30m", "--json")).json()
    assert abs(back["offsetMs"] - 5_400_000) <= 1
    assert fields(run(env, "emulator", "clock", "--advance", "90s"))["offset"].startswith(
        "+1h31m30s ("
    )

    frozen = ok(
        run(env, "emulator", "clock", "--set", "1700000000000", "--freeze", "--json")
    ).json()
    assert (frozen["now"], frozen["frozen"]) == (1_700_000_000_000, True)
    time.sleep(0.05)
    shown = fields(run(env, "emulator", "clock"))
    stamp = datetime.fromtimestamp(1_700_000_000).strftime("%Y-%m-%d %H:%M:%S")
    assert shown["now"] == f"{stamp}.000 (1700000000000)"
    assert shown["frozen"] == "yes"
    # The API's timestamps follow the clock, the journal's among them.
    conference_id = create(dt, "in the past")
    (made,) = json_lines(
        run(env, "emulator", "journal", "--json", "--operation", "CreateVideoConference")
    )
    assert (made["time"], made["conferenceId"]) == (1_700_000_000_000, conference_id)
    iso = ok(run(env, "emulator", "clock", "--set", "2023-11-14T22:15:00+00:00", "--json")).json()
    assert (iso["now"], iso["frozen"]) == (1_700_000_100_000, True)

    running = ok(run(env, "emulator", "clock", "--unfreeze", "--json")).json()
    assert running["frozen"] is False and running["now"] >= 1_700_000_100_000
    reset = ok(run(env, "emulator", "clock", "--real", "--json")).json()
    assert reset["frozen"] is False and abs(reset["offsetMs"]) <= 1
    assert abs(reset["now"] - time.time() * 1000) < 5_000


@pytest.mark.parametrize(
    ("text", "ms"),
    [
        ("90s", 90_000),
        ("2h", 7_200_000),
        ("1500ms", 1_500),
        ("1500", 1_500),
        ("15m", 900_000),
        ("1d", 86_400_000),
        ("1h30m", 5_400_000),
        ("1.5s", 1_500),
        ("-5m", -300_000),
        ("+1s", 1_000),
    ],
)
def test_parse_duration(text: str, ms: int) -> None:
    assert parse_duration(text) == ms


@pytest.mark.parametrize(
    ("ms", "text"),
    [
        (7_200_000, "+2h"),
        (-90_000, "-1m30s"),
        (250, "+250ms"),
        (0, "+0ms"),
        (7_199_999, "+2h"),
        (90_061_000, "+1d1h1m1s"),
    ],
)
def test_format_duration(ms: int, text: str) -> None:
    assert format_duration(ms) == text


# -- reset --------------------------------------------------------------------------


def test_reset_empties_the_server(
    env: dict[str, str], dt: App, admin: AdminClient, emulator: EmulatorClient
) -> None:
    create(dt)
    emulator.add_fault("CreateVideoConference", drop=True)
    emulator.set_rate_limit(5)
    emulator.advance_clock(3_600_000)
    assert [o["corpId"] for o in admin.list_orgs()] == [dt.corp_id]

    done = ok(run(env, "emulator", "reset"))
    assert re.fullmatch(r"Reset the server in \d+\.\d ms\.\n", done.stdout)
    assert admin.list_orgs() == []
    assert emulator.faults() == [] and emulator.journal() == []
    assert emulator.rate_limit() is None
    assert abs(emulator.clock()["offsetMs"]) <= 1
    with pytest.raises(DingTalkError) as caught:
        create(dt)  # its app is gone with its org, and so is its token
    assert caught.value.status == 400

    demo = ok(run(env, "emulator", "reset", "--demo")).lines
    assert re.fullmatch(r"Reset the server in \d+\.\d ms\.", demo[0])
    shown = {k.strip(): v.strip() for k, v in (line.split(":", 1) for line in demo if ":" in line)}
    assert shown["corpId"] == "dingdemo"
    header = next(i for i, line in enumerate(demo) if line.split() == ["UNION", "ID", "NICK"])
    users = [line.split(maxsplit=1) for line in demo[header + 1 :]]
    assert users[0] == ["demo-host", "Ding Sanduo"] and len(users) == 5
    assert [o["corpId"] for o in admin.list_orgs()] == ["dingdemo"]
    # The printed credentials are the real ones.
    with DingTalkClient(
        AppCredentials(shown["appKey"], shown["appSecret"]), endpoint=env["CONFPLANE_ENDPOINT"]
    ) as client:
        assert client.create_video_conference("demo-host", "demo").conference_id

    again = ok(run(env, "emulator", "reset", "--demo", "--json")).json()
    assert again["demo"]["corpId"] == "dingdemo" and again["demo"]["appKey"] != shown["appKey"]
    assert [u["unionId"] for u in again["demo"]["users"]][:2] == ["demo-host", "demo-lilei"]
    assert isinstance(again["tookMs"], float | int)
    plain = ok(run(env, "emulator", "reset", "--json")).json()
    assert "demo" not in plain and admin.list_orgs() == []


# -- without --emulator ---------------------------------------------------------------


@pytest.fixture(scope="module")
def plain_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    proc = ServerProcess(tmp_path_factory.mktemp("plain"))
    proc.start()
    yield proc
    proc.stop()


@pytest.mark.parametrize(
    "args",
    [
        ["reset"],
        ["reset", "--demo"],
        ["faults", "add", "CreateVideoConference", "--drop"],
        ["faults", "list"],
        ["faults", "delete", "abc"],
        ["faults", "clear"],
        ["rate-limit"],
        ["rate-limit", "3"],
        ["journal"],
        ["journal", "--follow"],
        ["journal", "--clear"],
        ["clock"],
        ["clock", "--advance", "1h"],
        ["clock", "--real"],
    ],
)
def test_without_emulator_every_command_is_not_found(
    plain_server: ServerProcess, tmp_path: Path, args: list[str]
) -> None:
    env = clean_env(
        tmp_path,
        CONFPLANE_ENDPOINT=plain_server.base_url,
        CONFPLANE_ADMIN_TOKEN=plain_server.admin_token,
    )
    result = run(env, "emulator", *args, timeout=30)
    assert result.code == 1
    assert result.stderr.startswith("Error: InvalidAction.NotFound: specified api is not found")
    assert "HTTP 404" in result.stderr
    assert result.stdout == ""
