"""Events to apps over DingTalk's Stream mode, received by the official dingtalk-stream
SDK (PyPI), unchanged, in a process of its own (docs/events.md)."""

from __future__ import annotations

import contextlib
import json
import os
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from confplane.client.admin import AdminClient
from confplane.testing import ServerProcess
from conftest import Org, join_users, make_org

STREAM_APP = Path(__file__).parent / "events" / "stream_app.py"


class StreamApp:
    """The SDK app as a subprocess; its received events, one JSON object each."""

    def __init__(self, server: ServerProcess, org: Org, fail_once: str = "") -> None:
        env = {**os.environ, "DINGTALK_OPENAPI_ENDPOINT": server.base_url}
        args = [sys.executable, str(STREAM_APP), org.app_key, org.app_secret]
        if fail_once:
            args.append(fail_once)
        self.proc = subprocess.Popen(
            args, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
        )
        self.lines: queue.Queue[dict[str, Any]] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        assert self.next(15) == {"ready": True}

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(json.loads(line))

    def next(self, timeout: float = 15) -> dict[str, Any]:
        return self.lines.get(timeout=timeout)

    def events(self, count: int, timeout: float = 20) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        got = []
        while len(got) < count:
            got.append(self.next(max(0.1, deadline - time.monotonic())))
        return got

    def quiet_for(self, seconds: float) -> list[dict[str, Any]]:
        extra = []
        try:
            while True:
                extra.append(self.lines.get(timeout=seconds))
        except queue.Empty:
            return extra

    def stop(self) -> None:
        self.proc.kill()
        self.proc.wait()


@pytest.fixture
def stream_app(server: ServerProcess, org: Org) -> Iterator[StreamApp]:
    app = StreamApp(server, org)
    wait_connected(server, org)
    yield app
    app.stop()


def wait_connected(server: ServerProcess, org: Org, timeout: float = 15) -> None:
    """Until the server holds a Stream connection of the app (its first events would
    otherwise wait, delivered on connection; the tests want them right away)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        answer = httpx.get(
            f"{server.base_url}/confplane/v1/admin/apps/{org.app_key}/stream",
            headers={"Authorization": f"Bearer {server.admin_token}"},
        )
        if answer.status_code == 200 and answer.json()["connections"] > 0:
            return
        time.sleep(0.1)
    raise AssertionError("the SDK did not connect")


def test_the_official_sdk_receives_a_scripted_meeting_in_order(
    server: ServerProcess, org: Org, stream_app: StreamApp
) -> None:
    cid = org.create(invite=[org.users[1]])
    [pid] = join_users(org, cid, [org.users[1]])
    org.mute(cid, org.users[1])
    org.lock(cid)
    org.lock(cid, "unlock")
    org.admin.leave(pid)
    org.close(cid)
    got = stream_app.events(9)
    assert [e["eventType"] for e in got] == [
        "confplane_conference_created",
        "confplane_member_invited",
        "confplane_conference_started",
        "confplane_member_joined",
        "confplane_member_muted",
        "confplane_conference_locked",
        "confplane_conference_unlocked",
        "confplane_member_left",
        "confplane_conference_closed",
    ]
    assert [e["eventId"] for e in got] == [f"{cid}-{n}" for n in range(1, 10)]
    assert {e["eventCorpId"] for e in got} == {org.corp_id}
    assert {e["appId"] for e in got} == {org.app_key}
    assert all(e["data"]["conferenceId"] == cid for e in got)
    joined = got[3]["data"]
    assert joined["unionId"] == org.users[1]
    assert joined["participantId"] == pid
    assert joined["attendStatus"] == 3
    assert got[4]["data"]["participantIds"] == [pid]
    assert got[7]["data"]["attendStatus"] == 6
    # Delivered once each: nothing comes again.
    assert stream_app.quiet_for(1.0) == []


def test_another_orgs_meetings_are_not_sent(
    server: ServerProcess, org: Org, other_org: Org, stream_app: StreamApp
) -> None:
    other_org.create()
    mine = org.create()
    got = stream_app.events(1)
    assert got[0]["data"]["conferenceId"] == mine
    assert stream_app.quiet_for(1.0) == []


def test_an_event_the_handler_fails_is_delivered_again_and_order_holds(
    server: ServerProcess, org: Org
) -> None:
    app = StreamApp(server, org, fail_once="confplane_conference_created")
    try:
        wait_connected(server, org)
        cid = org.create()
        org.lock(cid)
        got = app.events(2)
        # The lock waited for the create, which the handler failed once.
        assert [e["eventType"] for e in got] == [
            "confplane_conference_created",
            "confplane_conference_locked",
        ]
    finally:
        app.stop()


def test_events_committed_while_the_app_was_away_arrive_when_it_connects(
    server: ServerProcess, org: Org
) -> None:
    first = StreamApp(server, org)
    wait_connected(server, org)
    first.stop()
    cid = org.create()
    org.lock(cid)
    second = StreamApp(server, org)
    try:
        got = second.events(2)
        assert [e["eventId"] for e in got] == [f"{cid}-1", f"{cid}-2"]
    finally:
        second.stop()


def test_connections_of_one_app_share_its_events(server: ServerProcess, org: Org) -> None:
    apps = [StreamApp(server, org), StreamApp(server, org)]
    try:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            answer = httpx.get(
                f"{server.base_url}/confplane/v1/admin/apps/{org.app_key}/stream",
                headers={"Authorization": f"Bearer {server.admin_token}"},
            ).json()
            if answer["connections"] == 2:
                break
            time.sleep(0.1)
        made = [org.create(title=f"meeting {i}") for i in range(6)]
        seen: list[dict[str, Any]] = []
        deadline = time.monotonic() + 20
        while len(seen) < 6 and time.monotonic() < deadline:
            for app in apps:
                seen += app.quiet_for(0.2)
        assert sorted(e["data"]["conferenceId"] for e in seen) == sorted(made)
        # Each event went to one connection, not both.
        assert len(seen) == 6
    finally:
        for app in apps:
            app.stop()


def test_open_with_a_wrong_secret_is_refused(server: ServerProcess, org: Org) -> None:
    answer = httpx.post(
        f"{server.base_url}/v1.0/gateway/connections/open",
        json={"clientId": org.app_key, "clientSecret": "wrong", "subscriptions": []},
    )
    assert answer.status_code == 400
    assert answer.json()["code"] == "invalidClientIdOrSecret"


def test_a_websocket_without_a_valid_ticket_is_refused(server: ServerProcess) -> None:
    import websockets.sync.client as ws

    url = server.base_url.replace("http", "ws") + "/confplane/v1/stream?ticket=forged.1.x.y"
    with pytest.raises(Exception, match=r"4401|403|rejected"), ws.connect(url) as conn:
        conn.recv(timeout=5)


@pytest.fixture
def pinging_server(tmp_path: Path) -> Iterator[ServerProcess]:
    proc = ServerProcess(tmp_path / "data", extra_args=["--stream-ping", "0.3"])
    proc.start()
    yield proc
    proc.stop()


def _open_socket(server: ServerProcess, org: Org) -> Any:
    import websockets.sync.client as ws

    opened = httpx.post(
        f"{server.base_url}/v1.0/gateway/connections/open",
        json={
            "clientId": org.app_key,
            "clientSecret": org.app_secret,
            "subscriptions": [{"type": "EVENT", "topic": "*"}],
        },
    ).json()
    return ws.connect(f"{opened['endpoint']}?ticket={opened['ticket']}")


def test_system_pings_come_and_a_connection_that_stops_answering_is_closed(
    pinging_server: ServerProcess,
) -> None:
    from websockets.exceptions import ConnectionClosed

    with AdminClient(pinging_server.base_url, pinging_server.admin_token) as admin:
        org = make_org(pinging_server, admin, users=1)
        with _open_socket(pinging_server, org) as conn:
            ping = json.loads(conn.recv(timeout=5))
            assert ping["type"] == "SYSTEM" and ping["headers"]["topic"] == "ping"
            assert ping["headers"]["appId"] == org.app_key
            conn.send(
                json.dumps({"code": 200, "headers": ping["headers"], "message": "OK", "data": "{}"})
            )
            again = json.loads(conn.recv(timeout=5))
            assert again["headers"]["topic"] == "ping"
            assert again["headers"]["messageId"] != ping["headers"]["messageId"]
            # Not answered: the server closes the connection.
            with pytest.raises(ConnectionClosed):
                while True:
                    conn.recv(timeout=5)
            assert admin.stream_status(org.app_key)["connections"] == 0


def test_a_server_that_stops_tells_its_stream_connections_to_reconnect(
    pinging_server: ServerProcess,
) -> None:
    with AdminClient(pinging_server.base_url, pinging_server.admin_token) as admin:
        org = make_org(pinging_server, admin, users=1)
        with _open_socket(pinging_server, org) as conn:
            deadline = time.monotonic() + 5
            while admin.stream_status(org.app_key)["connections"] == 0:
                assert time.monotonic() < deadline
                time.sleep(0.05)
            pinging_server.stop()
            frames = []
            with contextlib.suppress(Exception):
                while True:
                    frames.append(json.loads(conn.recv(timeout=5)))
    disconnects = [f for f in frames if f["headers"]["topic"] == "disconnect"]
    assert len(disconnects) == 1
    assert disconnects[0]["type"] == "SYSTEM"
    assert disconnects[0]["headers"]["appId"] == org.app_key
