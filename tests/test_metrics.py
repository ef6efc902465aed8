"""GET /metrics against real servers: API calls by operation and code, devices connected,
commands delivered, the read cache and the database pool; a server of two worker
processes adds up both workers' files; ``--no-metrics`` turns it off."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from alibabacloud_dingtalk.conference_1_0 import models as cm
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.parser import text_string_to_metric_families

from confplane.client.admin import AdminClient
from confplane.store.dialect import POSTGRES_POOL_SIZE, SQLITE_POOL_SIZE
from confplane.testing import ServerProcess, fresh_postgres_database
from conftest import Org, api_error, make_org, runtime
from devices_kit import Kit

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]
LOCK = "LockConference"
REQUESTS = "confplane_api_requests_total"
DURATION = "confplane_api_request_duration_seconds"
CONNECTED = "confplane_devices_connected"
DELIVERED = "confplane_device_commands_delivered_total"
LAG = "confplane_fanout_lag_seconds"
# How long a value another process publishes may take to show (it publishes once its
# loop turn ends, or within a second for pool and cache readings).
SETTLE_S = 10.0


def scrape(server: ServerProcess) -> Samples:
    response = httpx.get(f"{server.base_url}/metrics", timeout=10)
    assert response.status_code == 200
    return parse(response.text)


def parse(text: str) -> Samples:
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def settled(read: Callable[[], float], expected: float) -> float:
    """``read()`` once it gives ``expected``, or its last answer after SETTLE_S."""
    deadline = time.monotonic() + SETTLE_S
    while True:
        got = read()
        if got == expected or time.monotonic() > deadline:
            return got
        time.sleep(0.02)


def lock_raw(org: Org, cid: str, action: str, token: str | None = None) -> None:
    org.conference.lock_conference_with_options(
        cid,
        cm.LockConferenceRequest(action=action),
        cm.LockConferenceHeaders(x_acs_dingtalk_access_token=token or org.token),
        runtime(),
    )


# -- one process, on each back-end ---------------------------------------------------


def test_calls_are_counted_by_operation_and_code(org: Org) -> None:
    cid = org.create()
    before = scrape(org.server)
    for _ in range(3):
        assert org.lock(cid).success is True
    assert api_error(lock_raw, org, cid, "bolt").code == "commandError"
    assert api_error(lock_raw, org, cid, "lock", "not-a-token").code == "InvalidAuthentication"
    after = scrape(org.server)

    def grew(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert grew(REQUESTS, operation=LOCK, status="200", code="") == 3
    assert grew(REQUESTS, operation=LOCK, status="400", code="commandError") == 1
    assert grew(REQUESTS, operation=LOCK, status="400", code="InvalidAuthentication") == 1
    assert grew(f"{DURATION}_count", operation=LOCK, code="") == 3
    assert grew(f"{DURATION}_bucket", operation=LOCK, code="", le="+Inf") == 3
    assert grew(f"{DURATION}_count", operation=LOCK, code="commandError") == 1
    assert grew(f"{DURATION}_sum", operation=LOCK, code="") > 0
    # Buckets are cumulative: none holds more calls than the next.
    buckets = sorted(
        (float(dict(labels)["le"]), v)
        for (name, labels), v in after.items()
        if name == f"{DURATION}_bucket" and dict(labels)["operation"] == LOCK
        and dict(labels)["code"] == ""
    )  # fmt: skip
    assert [v for _, v in buckets] == sorted(v for _, v in buckets)


def test_scraping_needs_no_token_and_speaks_openmetrics_when_asked(server: ServerProcess) -> None:
    plain = httpx.get(f"{server.base_url}/metrics")
    assert plain.headers["content-type"].startswith("text/plain; version=0.0.4")
    assert f"# TYPE {CONNECTED} gauge" in plain.text
    open_metrics = httpx.get(
        f"{server.base_url}/metrics",
        headers={"accept": "application/openmetrics-text; version=1.0.0"},
    )
    assert open_metrics.headers["content-type"].startswith("application/openmetrics-text")
    assert open_metrics.text.endswith("# EOF\n")


async def test_devices_connected_and_commands_delivered(org: Org) -> None:
    kit = Kit(org)
    try:
        meeting = kit.meeting(invite=[org.users[1], org.users[2]])
        cid = meeting.conference_id
        before = scrape(org.server)
        connected = value(before, CONNECTED)
        devices = [await kit.member(cid, u) for u in org.users[1:3]]
        assert value(scrape(org.server), CONNECTED) == connected + 2

        org.lock(cid)
        for device in devices:
            assert (await device.next_command()).kind == "locked"
        after = scrape(org.server)
        locked = value(after, DELIVERED, kind="locked") - value(before, DELIVERED, kind="locked")
        assert locked == 2  # one per device
        # One command reached this process's devices once: one lag measured.
        assert value(after, f"{LAG}_count") - value(before, f"{LAG}_count") == 1
        assert value(after, f"{LAG}_bucket", le="+Inf") == value(after, f"{LAG}_count")

        await devices[0].leave()
        assert settled(lambda: value(scrape(org.server), CONNECTED), connected + 1) == connected + 1
        await devices[1].drop()  # lost, not left: it is not connected any more either
        assert settled(lambda: value(scrape(org.server), CONNECTED), connected) == connected
    finally:
        await kit.close()


def test_read_cache_hits_and_misses(org: Org) -> None:
    cid = org.create(invite=org.users[1:])
    before = scrape(org.server)
    org.members(cid)
    org.members(cid)  # the meeting's revision stands: from the cache
    org.batch([cid])
    org.batch([cid])
    org.lock(cid)  # a new revision: the next read misses
    org.members(cid)
    after = scrape(org.server)

    def grew(name: str, cache: str) -> float:
        return value(after, name, cache=cache) - value(before, name, cache=cache)

    assert grew("confplane_read_cache_misses_total", "members") == 2
    assert grew("confplane_read_cache_hits_total", "members") == 1
    assert grew("confplane_read_cache_misses_total", "batch") == 1
    assert grew("confplane_read_cache_hits_total", "batch") == 1


def test_database_pool_use(org: Org) -> None:
    org.members(org.create())  # a read and a write have taken connections
    samples = scrape(org.server)
    size = value(samples, "confplane_db_pool_size")
    assert size == (POSTGRES_POOL_SIZE if org.server.database_url else SQLITE_POOL_SIZE)
    states = {
        state: value(samples, "confplane_db_connections", state=state)
        for state in ("reading", "writing", "idle")
    }
    # The connections opened are idle between calls (background work may hold one).
    assert all(n >= 0 for n in states.values())
    assert states["idle"] >= 1 and sum(states.values()) <= size
    assert value(samples, "confplane_db_reads_waiting") == 0


def test_no_metrics_switch(tmp_path: Path) -> None:
    server = ServerProcess(tmp_path / "data", extra_args=["--no-metrics"])
    server.start()
    try:
        response = httpx.get(f"{server.base_url}/metrics")
        assert response.status_code == 404
        assert response.json()["code"] == "InvalidAction.NotFound"
        with AdminClient(server.base_url, server.admin_token) as admin:
            org = make_org(server, admin, users=1)
        assert org.lock(org.create()).success is True  # the API is unchanged
    finally:
        server.stop()


# -- two worker processes on PostgreSQL ---------------------------------------------


@pytest.fixture(scope="module")
def two_workers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    with fresh_postgres_database() as url:
        server = ServerProcess(
            tmp_path_factory.mktemp("two-workers"),
            database_url=url,
            extra_args=["--workers", "2", "--no-access-log"],
        )
        server.start()
        try:
            yield server
        finally:
            server.stop()


def metrics_dir(server: ServerProcess) -> Path:
    """The directory the workers write to, from a worker's environment."""
    assert server.process is not None
    pid = server.process.pid
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    for child in children:
        environ = Path(f"/proc/{child}/environ").read_bytes().split(b"\0")
        for entry in environ:
            if entry.startswith(b"PROMETHEUS_MULTIPROC_DIR="):
                return Path(entry.split(b"=", 1)[1].decode())
    raise AssertionError("no worker names a metrics directory")


def per_process(directory: Path, kind: str, name: str, **labels: str) -> dict[int, float]:
    """One metric's value in each process's own file."""
    found: dict[int, float] = {}
    for path in directory.glob(f"{kind}_*.db"):
        pid = int(path.stem.rsplit("_", 1)[1])
        merged = MultiProcessCollector.merge([str(path)])  # type: ignore[no-untyped-call]
        samples = [s for metric in merged for s in metric.samples]
        found[pid] = sum(s.value for s in samples if s.name == name and s.labels == labels)
    return found


async def lock_many(org: Org, cid: str, calls: int) -> None:
    """Calls through the async SDK, which opens a connection per call: the kernel hands
    the connections to both workers."""

    async def lock() -> None:
        await org.conference.lock_conference_with_options_async(
            cid,
            cm.LockConferenceRequest(action="lock"),
            org.headers(cm.LockConferenceHeaders),
            runtime(),
        )

    await asyncio.gather(*(lock() for _ in range(calls)))


async def test_two_workers_add_up(two_workers: ServerProcess) -> None:
    with AdminClient(two_workers.base_url, two_workers.admin_token) as admin:
        org = make_org(two_workers, admin)
    cid = org.create()
    directory = metrics_dir(two_workers)

    def served() -> dict[int, float]:
        return per_process(directory, "counter", REQUESTS, operation=LOCK, status="200", code="")

    def total() -> float:
        return value(scrape(two_workers), REQUESTS, operation=LOCK, status="200", code="")

    def connected() -> float:
        return value(scrape(two_workers), CONNECTED)

    def delivered() -> float:
        return value(scrape(two_workers), DELIVERED, kind="locked")

    made = 0
    while made < 2000 and len([n for n in served().values() if n]) < 2:
        await lock_many(org, cid, 20)
        made += 20
    by_worker = served()
    assert len([n for n in by_worker.values() if n]) == 2, f"one worker served all: {by_worker}"

    # Whichever worker answers the scrape counts both workers' calls.
    for _ in range(4):
        assert settled(total, made) == made
    assert sum(served().values()) == made  # the files themselves hold the same

    kit = Kit(org)
    try:
        other = org.create()
        devices = [await kit.member(other, u) for u in org.users[1:5]]
        assert settled(connected, 4) == 4
        org.lock(other)
        made += 1
        for device in devices:
            assert (await device.next_command()).kind == "locked"
        assert settled(delivered, 4) == 4

        # A worker that dies takes its devices with it; what it answered still counts.
        held = per_process(directory, "gauge_livesum", CONNECTED)
        dead = max(held, key=lambda pid: held[pid])
        os.kill(dead, signal.SIGKILL)
        left = sum(n for pid, n in held.items() if pid != dead)
        assert settled(connected, left) == left
        assert settled(total, made) == made
    finally:
        await kit.close()
