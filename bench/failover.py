"""Kill one of two nodes under load and check that nothing is lost (bench/two_nodes.py runs
it from the command line, tests/test_two_nodes.py in small).

The run, on a Cluster (bench/cluster.py) of nodes A and B:

1. Meetings are created and devices (guests, confplane.client.device) join them, every
   other one through A, the rest through B, so each meeting has devices on both nodes.
2. Writers (confplane's DingTalk client) mute and un-mute devices by participantId and
   lock and unlock meetings, half of them through A and half through B; each writer owns
   its targets and records every call and how it ended (bench/failover_checks.py).
3. A gets SIGKILL. Its devices see their connections end and resume through B with their
   participantId, resume token and last seq; writers whose calls fail move to B.
4. After more load, every writer makes one last call for each of its targets through B.

Then it checks: every device of A resumed on B within the grace period; each device
received exactly the commands the database's command log addressed to it since it
joined, in order, none twice; the log holds exactly what the acknowledged writes made;
and what B's API answers (QueryConferenceInfoBatch through the official SDK, a guest join
for the lock) is the state of the last acknowledged write.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import math
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import httpx
from alibabacloud_dingtalk.conference_1_0 import models as cm
from alibabacloud_dingtalk.conference_1_0.client import Client as ConferenceClient
from alibabacloud_tea_openapi import models as open_api_models
from alibabacloud_tea_util import models as util_models

from bench.cluster import Cluster, Node
from bench.devices import summary
from bench.failover_checks import (
    COMMAND_OF,
    Delivery,
    Outcome,
    Write,
    delivery,
    final_states,
    log_fits,
)
from confplane.client.admin import AdminClient
from confplane.client.device import Device, DeviceError
from confplane.client.dingtalk.aio import AsyncDingTalkClient
from confplane.client.dingtalk.credentials import AppCredentials
from confplane.client.dingtalk.errors import DingTalkError

JOINS_IN_FLIGHT = 32
SETTLE_S = 15.0
MIC_OF = {"mute": 1, "unmute": 2}


@dataclass(frozen=True, slots=True)
class Scenario:
    devices: int = 100
    per_meeting: int = 10
    writers: int = 8
    # One lock or unlock among this many writes of a writer that owns meetings.
    lock_every: int = 8
    before_kill_s: float = 3.0
    after_resume_s: float = 3.0
    # The servers' grace period (seconds), the deadline of every resume.
    grace_s: float = 30.0


@dataclass
class Placed:
    device: Device
    node: str
    meeting: str
    first_seq: int  # the meeting's seq when the device joined
    resumed_after_s: float | None = None
    resume_error: str = ""


@dataclass
class Report:
    scenario: Scenario
    namespaces: bool
    devices: dict[str, int] = field(default_factory=dict)
    resume: dict[str, Any] = field(default_factory=dict)
    writes: dict[str, int] = field(default_factory=dict)
    # Acknowledged writes per node that answered them.
    acked_by_node: dict[str, int] = field(default_factory=dict)
    writes_per_second: float = 0.0
    commands: dict[str, int] = field(default_factory=dict)
    # Targets (devices, meetings) checked, and those whose logged commands or whose state
    # on B do not match their acknowledged writes.
    targets_checked: int = 0
    log_mismatches: int = 0
    state_mismatches: int = 0
    failures: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures

    def as_json(self) -> dict[str, Any]:
        return {
            "scenario": dataclasses.asdict(self.scenario),
            "namespaces": self.namespaces,
            "devices": self.devices,
            "resume": self.resume,
            "writes": self.writes,
            "acked_by_node": self.acked_by_node,
            "writes_per_second": self.writes_per_second,
            "commands": self.commands,
            "targets_checked": self.targets_checked,
            "log_mismatches": self.log_mismatches,
            "state_mismatches": self.state_mismatches,
            "failures": self.failures,
            "ok": self.ok,
        }


@dataclass
class Meeting:
    conference_id: str
    room_code: str
    password: str


class Writers:
    """Writers over disjoint targets; every call is recorded in ``log``."""

    def __init__(self, clients: dict[str, AsyncDingTalkClient], placed: list[Placed]) -> None:
        self.clients = clients
        self.placed = {p.device.participant_id: p for p in placed}
        self.log: dict[str, list[Write]] = defaultdict(list)
        self.stop = asyncio.Event()
        self.started = 0.0
        self.finished = 0.0

    async def run(
        self, count: int, devices: list[Placed], meetings: list[Meeting], lock_every: int
    ) -> None:
        self.started = time.perf_counter()
        await asyncio.gather(
            *(
                self._writer(
                    "a" if w % 2 == 0 else "b",
                    [str(p.device.participant_id) for p in devices[w::count]],
                    [m.conference_id for m in meetings[w::count]],
                    lock_every,
                )
                for w in range(count)
            )
        )
        self.finished = time.perf_counter()

    async def _writer(
        self, node: str, devices: list[str], meetings: list[str], lock_every: int
    ) -> None:
        if not devices:
            return
        turn = 0
        while not self.stop.is_set():
            if meetings and turn % lock_every == lock_every - 1:
                target = meetings[(turn // lock_every) % len(meetings)]
            else:
                target = devices[turn % len(devices)]
            node = await self._write(node, target)
            turn += 1
        # A last call for every target, through whichever node is alive.
        for target in [*devices, *meetings]:
            node = await self._write(node, target)

    async def _write(self, node: str, target: str) -> str:
        """One call for ``target``, alternating its two actions; the node to use next."""
        done = self.log[target]
        placed = self.placed.get(target)
        if placed is None:
            action = "lock" if len(done) % 2 == 0 else "unlock"
        else:
            action = "mute" if len(done) % 2 == 0 else "un_mute"
        client = self.clients[node]
        try:
            if placed is None:
                await client.lock_conference(target, action)
            else:
                await client.mute_members(
                    placed.meeting,
                    str(placed.device.union_id),
                    action=action,
                    participant_id=target,
                )
        except DingTalkError as err:
            done.append(Write(target, action, node, Outcome.REFUSED, f"{err.code}: {err}"))
        except httpx.TransportError as err:
            done.append(Write(target, action, node, Outcome.UNKNOWN, type(err).__name__))
            return "b"  # A is gone: carry on through B
        else:
            done.append(Write(target, action, node, Outcome.ACKED))
        return node


async def _join_all(meetings: list[Meeting], nodes: dict[str, Node], count: int) -> list[Placed]:
    gate = asyncio.Semaphore(JOINS_IN_FLIGHT)

    async def one(i: int) -> Placed:
        meeting = meetings[i % len(meetings)]
        name = "a" if i % 2 == 0 else "b"
        device = Device(
            nodes[name].base_url,
            room_code=meeting.room_code,
            password=meeting.password,
            nick=f"device {i}",
            open_timeout=30.0,
        )
        async with gate:
            joined = await device.join()
        return Placed(device, name, meeting.conference_id, joined.seq)

    return list(await asyncio.gather(*(one(i) for i in range(count))))


async def _resume_on_b(
    placed: Placed, b: Node, killed: asyncio.Future[float], grace_s: float
) -> None:
    """Wait for A's death to end the connection, then resume through B until the grace
    period is over."""
    device = placed.device
    closed = await device.wait_closed(within=None)
    if not killed.done():
        placed.resume_error = f"connection ended before the kill: {closed}"
        return
    t_kill = killed.result()
    device.url = Device(b.base_url).url
    while time.perf_counter() - t_kill < grace_s:
        try:
            await device.resume()
        except (DeviceError, OSError, TimeoutError) as err:
            placed.resume_error = str(err)
            await asyncio.sleep(0.1)
            continue
        placed.resumed_after_s = time.perf_counter() - t_kill
        placed.node = "b"
        placed.resume_error = ""
        return


async def _command_log(database_url: str) -> dict[str, list[tuple[int, str, list[str] | None]]]:
    """Every meeting's commands from the database: (seq, kind, targets or None for all)."""
    conn = await asyncpg.connect(database_url)
    try:
        rows = await conn.fetch(
            "SELECT c.conference_id, d.seq, d.kind, d.targets FROM device_commands d "
            "JOIN conferences c ON c.id = d.conference_pk ORDER BY d.conference_pk, d.seq"
        )
    finally:
        await conn.close()
    log: dict[str, list[tuple[int, str, list[str] | None]]] = defaultdict(list)
    for row in rows:
        targets = None if row["targets"] is None else list(json.loads(row["targets"]))
        log[row["conference_id"]].append((int(row["seq"]), str(row["kind"]), targets))
    return log


def _addressed(
    log: dict[str, list[tuple[int, str, list[str] | None]]], placed: Placed
) -> list[int]:
    pid = placed.device.participant_id
    return [
        seq
        for seq, _, targets in log[placed.meeting]
        if seq > placed.first_seq and (targets is None or pid in targets)
    ]


async def _settle(placed: list[Placed], database_url: str) -> dict[str, Any]:
    """The command log, once every device has received its last command (or the wait
    has run out: then the checks say what is missing)."""
    deadline = time.perf_counter() + SETTLE_S
    while True:
        log = await _command_log(database_url)
        behind = [p for p in placed if (_addressed(log, p) or [0])[-1] > p.device.seq]
        if not behind or time.perf_counter() > deadline:
            return log
        await asyncio.sleep(0.1)


def _sdk_mic_states(endpoint: str, token: str, conference_ids: list[str]) -> dict[str, int]:
    """unionId -> micStatus, read through the official SDK."""
    client = ConferenceClient(open_api_models.Config(protocol="http", endpoint=endpoint))
    states: dict[str, int] = {}
    for start in range(0, len(conference_ids), 50):
        body = client.query_conference_info_batch_with_options(
            cm.QueryConferenceInfoBatchRequest(
                conference_id_list=conference_ids[start : start + 50]
            ),
            cm.QueryConferenceInfoBatchHeaders(x_acs_dingtalk_access_token=token),
            util_models.RuntimeOptions(),
        ).body
        for info in body.infos:
            for user in info.user_list:
                states[user.user_id] = user.mic_status
    return states


async def _locked(b: Node, meeting: Meeting) -> bool:
    """Whether B refuses a new guest because the meeting is locked."""
    probe = Device(b.base_url, room_code=meeting.room_code, password=meeting.password, nick="probe")
    try:
        await probe.join()
    except DeviceError as err:
        if err.code == "conference_locked":
            return True
        raise
    await probe.leave()
    return False


async def run(cluster: Cluster, scenario: Scenario) -> Report:
    report = Report(scenario, cluster.namespaces)
    a, b = cluster.nodes
    nodes = {"a": a, "b": b}
    with AdminClient(a.base_url, cluster.admin_token) as admin:
        admin.create_org("two nodes", "dingtwonodes")
        app = admin.create_app("dingtwonodes", "two nodes")
        host = admin.create_user("dingtwonodes", "host")["unionId"]
    credentials = AppCredentials(app["appKey"], app["appSecret"])
    limits = httpx.Limits(max_connections=scenario.writers * 2)
    https = {n: httpx.AsyncClient(timeout=30.0, trust_env=False, limits=limits) for n in nodes}
    clients = {
        n: AsyncDingTalkClient(credentials, endpoint=nodes[n].base_url, http=https[n])
        for n in nodes
    }
    placed: list[Placed] = []
    try:
        meetings = []
        for i in range(math.ceil(scenario.devices / scenario.per_meeting)):
            made = await clients["a"].create_video_conference(host, f"failover {i}")
            meetings.append(Meeting(made.conference_id, made.room_code, made.conference_password))
        placed = await _join_all(meetings, nodes, scenario.devices)
        on_a = [p for p in placed if p.node == "a"]
        report.devices = {"a": len(on_a), "b": len(placed) - len(on_a), "meetings": len(meetings)}

        loop = asyncio.get_running_loop()
        killed: asyncio.Future[float] = loop.create_future()
        resumers = [loop.create_task(_resume_on_b(p, b, killed, scenario.grace_s)) for p in on_a]
        writers = Writers(clients, placed)
        load = loop.create_task(
            writers.run(scenario.writers, placed, meetings, scenario.lock_every)
        )
        await asyncio.sleep(scenario.before_kill_s)
        t_kill = time.perf_counter()
        a.kill()
        killed.set_result(t_kill)
        await asyncio.wait_for(asyncio.gather(*resumers), scenario.grace_s + 5)
        await asyncio.sleep(scenario.after_resume_s)
        writers.stop.set()
        await load

        log = await _settle(placed, cluster.database_url)
        _judge_resume(report, on_a, placed, scenario.grace_s)
        _judge_delivery(report, log, placed)
        _judge_writes(report, writers, log, placed, meetings)
        token = await clients["b"].access_token()
        endpoint = b.base_url.split("://", 1)[1]
        mics = await asyncio.to_thread(
            _sdk_mic_states, endpoint, token, [m.conference_id for m in meetings]
        )
        _judge_states(report, writers, placed, mics)
        for meeting in meetings:
            states = final_states(writers.log.get(meeting.conference_id, []), "unlocked")
            seen = "locked" if await _locked(b, meeting) else "unlocked"
            if seen not in states:
                report.state_mismatches += 1
                report.failures.append(
                    f"meeting {meeting.conference_id} is {seen} on B, writes say {states}"
                )
    finally:
        for p in placed:
            with contextlib.suppress(Exception):
                await p.device.drop()
        for client in clients.values():
            await client.aclose()
        for http in https.values():
            await http.aclose()
    return report


def _judge_resume(report: Report, on_a: list[Placed], placed: list[Placed], grace_s: float) -> None:
    times = [p.resumed_after_s for p in on_a if p.resumed_after_s is not None]
    report.resume = {"resumed": len(times), "of": len(on_a), "grace_s": grace_s}
    if times:
        report.resume.update(summary(times))
    for p in on_a:
        if p.resumed_after_s is None:
            report.failures.append(
                f"device {p.device.participant_id} of A did not resume on B: {p.resume_error}"
            )
        elif p.resumed_after_s > grace_s:
            report.failures.append(
                f"device {p.device.participant_id} resumed after {p.resumed_after_s:.1f} s, "
                f"past the {grace_s} s grace period"
            )
    for p in placed:
        # B's devices, and A's once resumed, stay connected to the end.
        settled = p not in on_a or p.resumed_after_s is not None
        if settled and p.device.closed is not None:
            report.failures.append(
                f"device {p.device.participant_id} lost its connection to B: {p.device.closed}"
            )


def _judge_delivery(
    report: Report, log: dict[str, list[tuple[int, str, list[str] | None]]], placed: list[Placed]
) -> None:
    expected_total = received_total = lost_total = 0
    for p in placed:
        expected = _addressed(log, p)
        received = [c.seq for c in p.device.commands]
        result: Delivery = delivery(expected, received)
        expected_total += len(expected)
        received_total += len(received)
        lost_total += len(result.lost)
        if not result.ok:
            report.failures.append(
                f"device {p.device.participant_id} ({p.meeting}): lost {list(result.lost)[:10]}, "
                f"extra {list(result.extra)[:10]}, in order: {result.in_order}"
            )
    report.commands = {
        "logged": sum(len(rows) for rows in log.values()),
        "addressed": expected_total,
        "received": received_total,
        "lost": lost_total,
    }


def _judge_writes(
    report: Report,
    writers: Writers,
    log: dict[str, list[tuple[int, str, list[str] | None]]],
    placed: list[Placed],
    meetings: list[Meeting],
) -> None:
    counts: dict[str, int] = defaultdict(int)
    by_node: dict[str, int] = defaultdict(int)
    for writes in writers.log.values():
        for write in writes:
            counts[write.outcome.value] += 1
            if write.outcome is Outcome.ACKED:
                by_node[write.node] += 1
    report.writes = dict(counts)
    report.acked_by_node = dict(by_node)
    elapsed = max(writers.finished - writers.started, 1e-9)
    report.writes_per_second = round(counts[Outcome.ACKED.value] / elapsed, 1)
    refused = [w for ws in writers.log.values() for w in ws if w.outcome is Outcome.REFUSED]
    for write in refused[:10]:
        report.failures.append(
            f"a write was refused: {write.action} {write.target}: {write.detail}"
        )
    device_kinds = {COMMAND_OF["mute"], COMMAND_OF["un_mute"]}
    for p in placed:
        pid = str(p.device.participant_id)
        kinds = [
            kind for _, kind, targets in log[p.meeting]
            if targets == [pid] and kind in device_kinds
        ]  # fmt: skip
        problem = log_fits(writers.log.get(pid, []), kinds, "unmute")
        report.targets_checked += 1
        if problem:
            report.log_mismatches += 1
            report.failures.append(f"device {pid}: {problem}")
    lock_kinds = {COMMAND_OF["lock"], COMMAND_OF["unlock"]}
    for meeting in meetings:
        kinds = [kind for _, kind, _ in log[meeting.conference_id] if kind in lock_kinds]
        problem = log_fits(writers.log.get(meeting.conference_id, []), kinds, "unlocked")
        report.targets_checked += 1
        if problem:
            report.log_mismatches += 1
            report.failures.append(f"meeting {meeting.conference_id}: {problem}")


def _judge_states(
    report: Report, writers: Writers, placed: list[Placed], mics: dict[str, int]
) -> None:
    for p in placed:
        states = final_states(writers.log.get(str(p.device.participant_id), []), "unmute")
        seen = mics.get(str(p.device.union_id))
        if seen not in {MIC_OF[s] for s in states}:
            report.state_mismatches += 1
            report.failures.append(
                f"device {p.device.participant_id}: B answers micStatus {seen}, "
                f"the acknowledged writes say {sorted(states)}"
            )
