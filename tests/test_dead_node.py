"""A node sharing PostgreSQL gets SIGKILL: its devices that never come back leave the
meeting (attendStatus 6) once the node's heartbeat is older than the node timeout plus
the grace period, ended by the surviving node; a device that resumed on the survivor
within the grace period stays. Seen through the official SDK's QueryConferenceMembers.

Two nodes need PostgreSQL (one SQLite file has one process): there is no SQLite variant.
A single SQLite process keeps its own path (the restarted server gives the devices it
finds their grace period), covered by the device tests.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import pytest

from confplane.client.admin import AdminClient
from confplane.client.device import DeviceError, ws_url
from confplane.domain.model import AttendStatus
from confplane.testing import postgres_pair
from conftest import Org, make_org
from devices_kit import Kit

# Short, so the test waits seconds: the node is dead 1 s after its last heartbeat, and
# its devices' grace period is 4 s (long enough to resume on the other node).
NODE_TIMEOUT_S = 1.0
FAST = ["--node-timeout", str(NODE_TIMEOUT_S), "--device-grace", "4", "--device-heartbeat", "1"]
# How long to wait for what should take about five seconds, on a busy machine.
PATIENCE_S = 60.0
IN_MEETING, LEFT = int(AttendStatus.IN_MEETING), int(AttendStatus.LEFT)


def statuses(org: Org, conference_id: str) -> dict[str, int]:
    models = org.members(conference_id, max_results=300).member_models
    return {m.union_id: m.attend_status for m in models}


async def until_left(org: Org, conference_id: str, union_ids: list[str]) -> dict[str, int]:
    deadline = time.monotonic() + PATIENCE_S
    while True:
        seen = await asyncio.to_thread(statuses, org, conference_id)
        if all(seen.get(u) == LEFT for u in union_ids) or time.monotonic() > deadline:
            return seen
        await asyncio.sleep(0.2)


@pytest.fixture
def pair(tmp_path: Path) -> Any:
    with postgres_pair(tmp_path, extra_args=FAST) as servers:
        yield servers


async def test_a_killed_node_s_devices_leave_unless_they_resume(pair: Any) -> None:
    a, b = pair
    with AdminClient(a.base_url, a.admin_token) as admin:
        org_a = make_org(a, admin)
    org_b = Org(b, org_a.admin, org_a.corp_id, org_a.app_key, org_a.app_secret, org_a.users)
    kit_a, kit_b = Kit(org_a), Kit(org_b)
    try:
        meeting = kit_a.meeting()
        cid = meeting.conference_id
        users = org_a.users
        resumes = await kit_a.member(cid, users[1])
        lost = await kit_a.member(cid, users[2])
        lost_guest = await kit_a.guest(meeting)
        await kit_b.member(cid, users[3])  # held by B all along
        gone = [users[2], lost_guest.union_id or ""]
        before = statuses(org_b, cid)
        assert [before.get(u) for u in [users[1], *gone, users[3]]] == [IN_MEETING] * 4

        assert a.process is not None
        a.process.kill()  # SIGKILL: no goodbye, no grace timers, no last heartbeat
        a.process.wait()

        resumes.url = ws_url(b.base_url)
        assert (await resumes.resume()).resumed is True

        seen = await until_left(org_b, cid, gone)
        assert [seen.get(u) for u in gone] == [LEFT, LEFT]
        # The device that resumed on B and the one B held all along are still in.
        assert seen[users[1]] == IN_MEETING
        assert seen[users[3]] == IN_MEETING
        org_b.mute(cid, users[1])
        assert (await resumes.next_command()).kind == "mute"

        # The lost device comes back too late: its stay has ended.
        lost.url = ws_url(b.base_url)
        with pytest.raises(DeviceError) as refused:
            await lost.resume()
        assert refused.value.code == "resume_expired"
    finally:
        await kit_a.close()
        await kit_b.close()


async def test_a_node_unheard_of_too_long_has_its_devices_resume(pair: Any) -> None:
    """A node whose heartbeat could not be written for longer than the node timeout may
    have been judged dead: it closes its devices with 1012 and they resume (here, since
    no other node could claim it meanwhile, their stays have not ended)."""
    import asyncpg  # type: ignore[import-untyped]

    a, _ = pair
    with AdminClient(a.base_url, a.admin_token) as admin:
        org = make_org(a, admin)
    kit = Kit(org)
    try:
        cid = kit.meeting().conference_id
        device = await kit.member(cid, org.users[1])
        assert a.process is not None and a.database_url is not None
        # Hold A's heartbeat row: A's beats wait, and no other node may claim it.
        conn = await asyncpg.connect(a.database_url)
        try:
            async with conn.transaction():
                held = await conn.fetch(
                    "SELECT node_id FROM server_nodes WHERE node_id LIKE $1 FOR UPDATE",
                    f"%-{a.process.pid}-%",
                )
                assert len(held) == 1
                await asyncio.sleep(3 * NODE_TIMEOUT_S)
        finally:
            await conn.close()
        closed = await device.wait_closed(within=PATIENCE_S)
        assert closed.code == 1012
        assert (await device.resume()).resumed is True
        seen = await asyncio.to_thread(statuses, org, cid)
        assert seen[org.users[1]] == IN_MEETING
    finally:
        await kit.close()
