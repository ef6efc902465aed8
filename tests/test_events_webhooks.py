"""Events to apps by webhook: a real local receiver; signatures, retries on failures and
timeouts, dead letters, replay, and a server killed mid-delivery (docs/events.md)."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import signal
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from alibabacloud_dingtalk.conference_1_0.client import Client as ConferenceClient

from confplane.client.admin import AdminClient, AdminError
from confplane.testing import ServerProcess, postgres_pair, server_on
from conftest import Org, make_org, sdk_config

FAST = ["--event-retry-base", "50", "--webhook-timeout", "1"]


class _Server(ThreadingHTTPServer):
    # Several deliveries come at once: the default backlog of 5 would refuse some.
    request_queue_size = 256
    daemon_threads = True


class Receiver:
    """An HTTP server that records each POST and answers by a script: a status code,
    or ``"slow"`` (answers after 2 s, past the server's 1 s timeout); 200 when the
    script is used up."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.script: list[int | str] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with receiver.lock:
                    step = receiver.script.pop(0) if receiver.script else 200
                    receiver.received.append(
                        {"headers": dict(self.headers), "body": body, "answered": step}
                    )
                if step == "slow":
                    time.sleep(2)
                    step = 200
                self.send_response(int(step))
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *_args: Any) -> None:
                return None

        self.httpd = _Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/hook"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def delivered(self) -> list[dict[str, Any]]:
        """Bodies of the POSTs answered 2xx, in the order they came."""
        with self.lock:
            return [json.loads(r["body"]) for r in self.received if r["answered"] == 200]

    def wait_for(self, count: int, timeout: float = 20) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            got = self.delivered()
            if len(got) >= count:
                return got
            time.sleep(0.05)
        raise AssertionError(f"{len(self.delivered())} of {count} events arrived")

    def close(self) -> None:
        self.httpd.shutdown()


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def fast_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerProcess]:
    data_dir = tmp_path_factory.mktemp(f"webhooks-{request.param}")
    with server_on(request.param, data_dir, extra_args=FAST) as proc:
        yield proc


@pytest.fixture
def hook_org(fast_server: ServerProcess) -> Iterator[Org]:
    with AdminClient(fast_server.base_url, fast_server.admin_token) as admin:
        yield make_org(fast_server, admin)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


def test_a_webhook_gets_signed_events_it_can_verify(hook_org: Org, receiver: Receiver) -> None:
    hook = hook_org.admin.add_webhook(hook_org.app_key, receiver.url)
    secret = hook["secret"]
    assert len(secret) >= 32
    cid = hook_org.create()
    hook_org.lock(cid)
    got = receiver.wait_for(2)
    assert [e["eventType"] for e in got] == [
        "confplane_conference_created",
        "confplane_conference_locked",
    ]
    assert [e["eventId"] for e in got] == [f"{cid}-1", f"{cid}-2"]
    assert got[0]["eventCorpId"] == hook_org.corp_id
    assert got[0]["data"]["conferenceId"] == cid
    for post in receiver.received:
        headers, body = post["headers"], post["body"]
        timestamp = headers["X-Confplane-Timestamp"]
        mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
        assert headers["X-Confplane-Signature"] == "v1=" + mac.hexdigest()
        assert headers["X-Confplane-Event-Id"] == json.loads(body)["eventId"]
    # The secret is shown once: the list leaves it out.
    [listed] = hook_org.admin.list_webhooks(hook_org.app_key)
    assert listed["url"] == receiver.url and "secret" not in listed


def test_failures_and_timeouts_are_retried_and_order_per_meeting_holds(
    hook_org: Org, receiver: Receiver
) -> None:
    receiver.script = [500, "slow", 503]
    hook_org.admin.add_webhook(hook_org.app_key, receiver.url)
    cid = hook_org.create()
    hook_org.lock(cid)
    hook_org.lock(cid, "unlock")
    got = receiver.wait_for(3)
    assert [e["seq"] for e in got] == [1, 2, 3]
    attempts = [int(r["headers"]["X-Confplane-Attempt"]) for r in receiver.received]
    # The created event took four attempts (500, timeout, 503, then 200).
    assert attempts[:4] == [1, 2, 3, 4]


def test_after_its_last_attempt_an_event_is_a_dead_letter_until_replayed(
    hook_org: Org, receiver: Receiver
) -> None:
    receiver.script = [500, 500]
    hook = hook_org.admin.add_webhook(hook_org.app_key, receiver.url, max_attempts=2)
    cid = hook_org.create()
    deadline = time.monotonic() + 20
    while not hook_org.admin.dead_letters(hook_org.app_key):
        assert time.monotonic() < deadline, "no dead letter"
        time.sleep(0.05)
    [dead] = hook_org.admin.dead_letters(hook_org.app_key)
    assert dead["webhookId"] == hook["id"]
    assert dead["attempts"] == 2
    assert dead["lastError"] == "the receiver answered 500"
    assert dead["event"]["eventId"] == f"{cid}-1"
    # The meeting's next event is not held back by the dead one.
    hook_org.lock(cid)
    assert [e["eventId"] for e in receiver.wait_for(1)] == [f"{cid}-2"]
    assert hook_org.admin.replay(hook_org.app_key) == 1
    got = receiver.wait_for(2)
    assert got[1]["eventId"] == f"{cid}-1"
    assert hook_org.admin.dead_letters(hook_org.app_key) == []


def test_a_filter_takes_only_the_types_named(hook_org: Org, receiver: Receiver) -> None:
    hook_org.admin.add_webhook(
        hook_org.app_key, receiver.url, event_types=["confplane_conference_locked"]
    )
    cid = hook_org.create()
    hook_org.lock(cid)
    hook_org.lock(cid, "unlock")
    hook_org.lock(cid)
    got = receiver.wait_for(2)
    assert [e["seq"] for e in got] == [2, 4]
    assert {e["eventType"] for e in got} == {"confplane_conference_locked"}


def test_a_create_delivers_each_of_its_events_in_order_through_each_filter(
    hook_org: Org, receiver: Receiver
) -> None:
    invited_only = Receiver()
    try:
        hook_org.admin.add_webhook(hook_org.app_key, receiver.url)
        hook_org.admin.add_webhook(
            hook_org.app_key, invited_only.url, event_types=["confplane_member_invited"]
        )
        invitees = [hook_org.users[2], hook_org.users[1]]
        cid = hook_org.create(invite=invitees)
        got = receiver.wait_for(3)
        assert [(e["seq"], e["eventType"]) for e in got] == [
            (1, "confplane_conference_created"),
            (2, "confplane_member_invited"),
            (3, "confplane_member_invited"),
        ]
        assert [e["data"]["unionId"] for e in got[1:]] == invitees
        assert {e["eventId"] for e in got} == {f"{cid}-1", f"{cid}-2", f"{cid}-3"}
        filtered = invited_only.wait_for(2)
        assert [(e["seq"], e["data"]["unionId"]) for e in filtered] == [
            (2, invitees[0]),
            (3, invitees[1]),
        ]
        # The next write numbers on from the three.
        hook_org.lock(cid)
        assert [e["seq"] for e in receiver.wait_for(4)] == [1, 2, 3, 4]
        assert len(invited_only.delivered()) == 2
    finally:
        invited_only.close()


def test_bad_webhooks_are_refused_and_change_nothing(hook_org: Org) -> None:
    admin, key = hook_org.admin, hook_org.app_key
    for kwargs in (
        {"url": "ftp://example.com/x"},
        {"url": "not a url"},
        {"url": "http://127.0.0.1:1/x", "event_types": ["no_such_event"]},
        {"url": "http://127.0.0.1:1/x", "max_attempts": 0},
        {"url": "http://127.0.0.1:1/x", "secret": "short"},
    ):
        with pytest.raises(AdminError) as err:
            admin.add_webhook(key, **kwargs)  # type: ignore[arg-type]
        assert err.value.status == 400
    with pytest.raises(AdminError) as err:
        admin.add_webhook("no-such-app", "http://127.0.0.1:1/x")
    assert err.value.status == 404
    assert admin.list_webhooks(key) == []
    hook = admin.add_webhook(key, "http://127.0.0.1:1/x")
    admin.remove_webhook(key, hook["id"])
    assert admin.list_webhooks(key) == []
    with pytest.raises(AdminError) as err:
        admin.remove_webhook(key, hook["id"])
    assert err.value.status == 404


def test_the_event_log_lists_and_follows(hook_org: Org) -> None:
    cid = hook_org.create()
    hook_org.lock(cid)
    page = hook_org.admin.events(corp_id=hook_org.corp_id)
    assert [e["eventId"] for e in page["items"]] == [f"{cid}-1", f"{cid}-2"]
    follow = hook_org.admin.follow_events(after=page["lastId"], conference_id=cid)
    hook_org.lock(cid, "unlock")
    assert next(follow)["eventType"] == "confplane_conference_unlocked"


def test_a_kill_9_mid_delivery_loses_no_committed_event(tmp_path: Path, receiver: Receiver) -> None:
    server = ServerProcess(tmp_path / "data", extra_args=FAST)
    server.start()
    try:
        with AdminClient(server.base_url, server.admin_token) as admin:
            org = make_org(server, admin, users=1)
            admin.add_webhook(org.app_key, receiver.url)
            receiver.script = ["slow"] * 5
            made = [org.create(title=f"m{i}") for i in range(20)]
        time.sleep(0.3)
        assert len(receiver.delivered()) < 20, "all delivered before the kill"
        assert server.process is not None
        os.kill(server.process.pid, signal.SIGKILL)
        server.process.wait()
    finally:
        server.stop()
    restarted = ServerProcess(tmp_path / "data", admin_token=server.admin_token, extra_args=FAST)
    restarted.start()
    try:
        deadline = time.monotonic() + 60
        want = {f"{cid}-1" for cid in made}
        while time.monotonic() < deadline:
            if want <= {e["eventId"] for e in receiver.delivered()}:
                break
            time.sleep(0.1)
        assert want <= {e["eventId"] for e in receiver.delivered()}
    finally:
        restarted.stop()


def test_two_processes_share_the_deliveries_without_doubles(
    tmp_path: Path, receiver: Receiver
) -> None:
    """Both processes deliver webhooks; the claims (FOR UPDATE SKIP LOCKED) keep them
    from attempting the same delivery."""
    with postgres_pair(tmp_path, extra_args=FAST) as (a, b):
        with AdminClient(a.base_url, a.admin_token) as admin:
            org = make_org(a, admin, users=1)
            admin.add_webhook(org.app_key, receiver.url)
        made = []
        for i in range(30):
            # Half the meetings are made through each process.
            org.server = a if i % 2 == 0 else b
            org.conference = ConferenceClient(sdk_config(org.server))
            made.append(org.create(title=f"m{i}"))
        got = receiver.wait_for(30)
        time.sleep(1.0)  # anything attempted twice would arrive by now
        ids = [e["eventId"] for e in receiver.delivered()]
        assert sorted(ids) == sorted(f"{cid}-1" for cid in made)
        attempts = {r["headers"].get("X-Confplane-Attempt") for r in receiver.received}
        assert attempts == {"1"}
        assert len(got) == 30


def test_metrics_show_the_outbox_and_the_deliveries(
    fast_server: ServerProcess, hook_org: Org, receiver: Receiver
) -> None:
    from test_metrics import scrape, settled, value

    def read(name: str, **labels: str) -> float:
        return value(scrape(fast_server), name, **labels)

    delivered_before = read("confplane_events_delivered_total")
    failed_before = read("confplane_events_failed_attempts_total")
    dead_before = read("confplane_events_outbox", state="dead")
    receiver.script = [500, 500]
    hook_org.admin.add_webhook(hook_org.app_key, receiver.url, max_attempts=2)
    hook_org.create()
    assert settled(lambda: read("confplane_events_outbox", state="dead"), dead_before + 1) == (
        dead_before + 1
    )
    # At least this event's two (other tests' webhooks share the server).
    assert read("confplane_events_failed_attempts_total") - failed_before >= 2
    assert hook_org.admin.replay(hook_org.app_key) == 1
    receiver.wait_for(1)
    assert settled(lambda: read("confplane_events_delivered_total"), delivered_before + 1) == (
        delivered_before + 1
    )
    assert settled(lambda: read("confplane_events_outbox", state="dead"), dead_before) == (
        dead_before
    )
