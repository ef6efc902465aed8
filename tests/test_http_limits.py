"""Slow, idle and too many connections: the header, body and idle timeouts, the cap on
open connections and the open-files limit, on real server processes with small limits.

Transport behaviour does not depend on the database, so SQLite serves; one case runs
several worker processes on PostgreSQL, where each worker must keep the limits too.
"""

from __future__ import annotations

import asyncio
import json
import resource
import select
import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from alibabacloud_dingtalk.conference_1_0 import models as cm
from alibabacloud_tea_util import models as util_models
from websockets.exceptions import InvalidStatus

from confplane.client.admin import AdminClient
from confplane.client.device import Device
from confplane.client.emulator import EmulatorClient
from confplane.testing import ServerProcess, fresh_postgres_database
from conftest import Org, get_token, make_org
from devices_kit import Kit

HEADER_S = 0.5
BODY_S = 0.5
IDLE_S = 0.3
# How long a test waits for the server to close a connection. The header and body waits
# are generous (without the timeouts the server would wait for ever); the idle wait must
# stay below uvicorn's own keep-alive default (5 s) to tell the setting apart from it.
CLOSE_WAIT_S = 30.0
IDLE_WAIT_S = 4.0
LIST = "/v1.0/conference/orgConferences"
TOKEN_HEADER = "x-acs-dingtalk-access-token"


@pytest.fixture(scope="module")
def quick(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """A server with short HTTP timeouts (and its log at INFO, where timeouts are told)."""
    args = [
        *("--header-timeout", str(HEADER_S), "--body-timeout", str(BODY_S)),
        *("--idle-timeout", str(IDLE_S), "--log-level", "info", "--emulator"),
    ]
    proc = ServerProcess(tmp_path_factory.mktemp("quick-http"), extra_args=args)
    proc.start()
    yield proc
    proc.stop()


@pytest.fixture
def quick_org(quick: ServerProcess) -> Iterator[Org]:
    with AdminClient(quick.base_url, quick.admin_token) as admin:
        yield make_org(quick, admin)


# -- helpers ------------------------------------------------------------------------


def connect(server: ServerProcess, wait: float = CLOSE_WAIT_S) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", server.port))
    sock.settimeout(wait)
    return sock


def read_until_closed(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection (a socket timeout, if
    it never does, fails the test)."""
    received = b""
    while chunk := sock.recv(65536):
        received += chunk
    return received


def read_answer(sock: socket.socket) -> tuple[int, dict[str, str], bytes]:
    """One HTTP response with a content-length, leaving the connection open."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {k.lower(): v.strip() for k, v in (line.split(":", 1) for line in lines)}
    while len(body) < int(headers["content-length"]):
        chunk = sock.recv(65536)
        assert chunk, body
        body += chunk
    return int(status_line.split()[1]), headers, body


def assert_error(raw: bytes, status: int, code: str) -> dict[str, Any]:
    """``raw`` is one whole DingTalk-style error answer that closes the connection."""
    head, _, body = raw.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {k.lower(): v.strip() for k, v in (line.split(":", 1) for line in lines)}
    assert int(status_line.split()[1]) == status, raw[:300]
    assert headers["content-type"].startswith("application/json"), headers
    assert headers["connection"] == "close"
    assert int(headers["content-length"]) == len(body)
    decoded = json.loads(body)
    assert decoded["code"] == code, decoded
    assert decoded["message"] and decoded["requestid"] == headers["x-acs-request-id"]
    return dict(decoded)


def eventually_in_log(server: ServerProcess, text: str, within: float = CLOSE_WAIT_S) -> str:
    """The log line holding ``text`` (the server writes its counts every few seconds)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        for line in server.log_path.read_text(errors="replace").splitlines():
            if text in line:
                return line
        time.sleep(0.1)
    raise AssertionError(f"{text!r} not in {server.log_path.read_text()[-3000:]}")


def org_meetings(org: Org) -> int:
    body = org.conference.query_org_conference_list_with_options(
        cm.QueryOrgConferenceListRequest(max_results=50),
        org.headers(cm.QueryOrgConferenceListHeaders),
        patient(),
    ).body
    return len(body.on_going_conf_list or [])


def patient() -> util_models.RuntimeOptions:
    # Without the cap a flooded server never answers: fail, do not hang.
    return util_models.RuntimeOptions(read_timeout=20_000, connect_timeout=20_000)


def limit_open_files(soft: int, hard: int) -> Callable[[], None]:
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))

    return apply


def open_files_limit(pid: int) -> tuple[int, int]:
    for line in Path(f"/proc/{pid}/limits").read_text().splitlines():
        if line.startswith("Max open files"):
            soft, hard = line.split()[3:5]
            return int(soft), int(hard)
    raise AssertionError("no open-files line")


def closed_by_server(sock: socket.socket) -> bool:
    readable, _, _ = select.select([sock], [], [], 0)
    if not readable:
        return False
    try:
        return sock.recv(1) == b""
    except ConnectionError:
        return True


# -- header timeout -----------------------------------------------------------------


def test_headers_must_arrive_within_the_header_timeout(
    quick: ServerProcess, quick_org: Org
) -> None:
    # Headers in pieces, complete in time: answered, and the connection stays.
    with connect(quick) as sock:
        sock.sendall(f"GET {LIST} HTTP/1.1\r\nHost: x\r\n".encode())
        time.sleep(HEADER_S / 4)
        sock.sendall(f"{TOKEN_HEADER}: {quick_org.token}\r\n\r\n".encode())
        status, headers, body = read_answer(sock)
        assert status == 200 and headers.get("connection") != "close", body
        assert json.loads(body)["totalCount"] == 0
    # Half the headers, then nothing: a DingTalk-style 408, then the close.
    with connect(quick) as sock:
        sock.sendall(f"GET {LIST} HTTP/1.1\r\nHost: x\r\n".encode())
        raw = read_until_closed(sock)
    error = assert_error(raw, 408, "RequestTimeout")
    assert "headers" in error["message"]
    line = eventually_in_log(quick, "no complete request headers")
    assert line.startswith("INFO")


def test_a_connection_that_sends_nothing_is_closed_after_the_header_timeout(
    quick: ServerProcess,
) -> None:
    with connect(quick) as sock:
        assert read_until_closed(sock) == b""


# -- body timeout -------------------------------------------------------------------


def test_a_slow_body_gets_408_and_creates_nothing(quick: ServerProcess, quick_org: Org) -> None:
    payload = json.dumps({"userId": quick_org.host, "confTitle": "never"}).encode()
    head = (
        f"POST /v1.0/conference/videoConferences HTTP/1.1\r\nHost: x\r\n"
        f"{TOKEN_HEADER}: {quick_org.token}\r\ncontent-type: application/json\r\n"
        f"content-length: {len(payload)}\r\n\r\n"
    ).encode()
    with connect(quick) as sock:
        sock.sendall(head + payload[:10])
        raw = read_until_closed(sock)
    body = assert_error(raw, 408, "RequestTimeout")
    assert "body" in body["message"]
    assert org_meetings(quick_org) == 0
    eventually_in_log(quick, "no complete request body")


# -- idle timeout -------------------------------------------------------------------


def test_a_slow_answer_is_kept_and_then_the_idle_connection_closed(
    quick: ServerProcess, quick_org: Org
) -> None:
    """A request in flight has no timeout: an answer that takes longer than every timer
    arrives on its connection, which the idle timeout closes afterwards."""
    slow_ms = int(4 * max(HEADER_S, BODY_S, IDLE_S) * 1000)
    with EmulatorClient(quick.base_url, quick.admin_token) as emulator:
        emulator.add_fault("QueryOrgConferenceList", latency_ms=slow_ms, app_key=quick_org.app_key)
    request = f"GET {LIST} HTTP/1.1\r\nHost: x\r\n{TOKEN_HEADER}: {quick_org.token}\r\n\r\n"
    with connect(quick, wait=IDLE_WAIT_S + slow_ms / 1000) as sock:
        sock.sendall(request.encode())
        status, headers, body = read_answer(sock)
        assert status == 200 and headers.get("connection") != "close", body
        sock.settimeout(IDLE_WAIT_S)
        assert read_until_closed(sock) == b""


# -- devices ------------------------------------------------------------------------


async def test_a_device_outlives_the_http_timeouts(quick: ServerProcess, quick_org: Org) -> None:
    kit = Kit(quick_org)
    try:
        meeting = kit.meeting()
        device = await kit.member(meeting.conference_id, quick_org.users[1])
        # Meanwhile a plain HTTP connection that sends nothing is closed...
        with connect(quick) as sock:
            assert await asyncio.to_thread(read_until_closed, sock) == b""
        await asyncio.sleep(4 * max(HEADER_S, BODY_S, IDLE_S))
        # ...and the device, far past every HTTP timeout, still talks and obeys.
        await device.ping()
        quick_org.mute(meeting.conference_id, quick_org.users[1])
        command = await device.next_command()
        assert command.kind == "mute"
    finally:
        await kit.close()


# -- the cap and the open-files limit -------------------------------------------------


def test_idle_connections_past_the_cap_leave_room_for_sdk_calls(tmp_path: Path) -> None:
    """The audit's case: far more idle connections than file descriptors. The server (at
    256 open files: a cap of 128 connections) closes the oldest idle ones and answers the
    official SDK; it says so once, with a count."""
    server = ServerProcess(
        tmp_path / "capped",
        # Headers may take long: it is the cap, not the header timeout, that makes room.
        extra_args=["--header-timeout", "120"],
        preexec_fn=limit_open_files(256, 256),
    )
    server.start()
    flood: list[socket.socket] = []
    try:
        flood = [connect(server) for _ in range(300)]
        # Every call below opens a new connection, after the flood's.
        with AdminClient(server.base_url, server.admin_token) as admin:
            org = make_org(server, admin)
        assert get_token(server, org.app_key, org.app_secret)
        created = org.conference.create_video_conference_with_options(
            cm.CreateVideoConferenceRequest(user_id=org.host, conf_title="room"),
            org.headers(cm.CreateVideoConferenceHeaders),
            patient(),
        ).body
        assert created.conference_id
        assert org_meetings(org) == 1
        line = eventually_in_log(server, "at the cap of 128 open connections, closed idle ones")
        assert line.startswith("WARNING")
        assert sum(closed_by_server(s) for s in flood) >= len(flood) - 128
    finally:
        for sock in flood:
            sock.close()
        server.stop()


async def test_at_the_cap_devices_stay_and_new_requests_are_refused(tmp_path: Path) -> None:
    cap = 3
    server = ServerProcess(tmp_path / "devices", extra_args=["--max-connections", str(cap)])
    server.start()
    try:
        with AdminClient(server.base_url, server.admin_token) as admin:
            kit = Kit(make_org(server, admin))
        meeting = kit.meeting()
        late_ticket = await kit.ticket(meeting.conference_id, kit.org.users[cap + 1])
        devices: list[Device] = [
            await kit.member(meeting.conference_id, union_id)
            for union_id in kit.org.users[1 : 1 + cap]
        ]
        # Idle connections left by the calls above are closed first; then every place is
        # a device, and a request is answered 503 in DingTalk's shape.
        for _ in range(10):
            answer = await asyncio.to_thread(
                httpx.get, f"{server.base_url}{LIST}", headers={TOKEN_HEADER: kit.org.token}
            )
            if answer.status_code == 503:
                break
        assert answer.status_code == 503, answer.text
        assert answer.json()["code"] == "ServiceUnavailable"
        assert answer.json()["requestid"] == answer.headers["x-acs-request-id"]
        # A device past the cap is refused at its handshake, in the same shape.
        late = kit.device(conference_id=meeting.conference_id, ticket=late_ticket)
        with pytest.raises(InvalidStatus) as refused:
            await late.join()
        assert refused.value.response.status_code == 503
        assert json.loads(refused.value.response.body)["code"] == "ServiceUnavailable"
        for device in devices:
            await device.ping()
        eventually_in_log(server, f"at the cap of {cap} open connections, refused new ones")
        # A device that leaves gives its place back.
        await devices.pop().leave()
        for _ in range(50):
            answer = await asyncio.to_thread(
                httpx.get, f"{server.base_url}{LIST}", headers={TOKEN_HEADER: kit.org.token}
            )
            if answer.status_code == 200:
                break
            await asyncio.sleep(0.1)
        assert answer.status_code == 200, answer.text
        await kit.close()
    finally:
        server.stop()


def test_the_soft_open_files_limit_is_raised_to_the_hard_one(tmp_path: Path) -> None:
    server = ServerProcess(tmp_path / "files", preexec_fn=limit_open_files(256, 4096))
    server.start()
    try:
        assert server.process is not None
        assert open_files_limit(server.process.pid) == (4096, 4096)
        line = eventually_in_log(server, "open files:")
        assert "open files: 4096 (was 256)" in line
        assert f"up to {4096 - 128} connections per process" in line
    finally:
        server.stop()


# -- several worker processes ---------------------------------------------------------


def test_each_worker_process_keeps_the_header_timeout(tmp_path: Path) -> None:
    with fresh_postgres_database() as url:
        server = ServerProcess(
            tmp_path / "workers",
            database_url=url,
            extra_args=["--workers", "2", "--header-timeout", str(HEADER_S)],
        )
        server.start()
        try:
            # Connections land on either worker; each must time out its own.
            socks = [connect(server) for _ in range(6)]
            for sock in socks:
                sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
            for sock in socks:
                with sock:
                    assert_error(read_until_closed(sock), 408, "RequestTimeout")
        finally:
            server.stop()
