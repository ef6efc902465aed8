"""NodeRegistry on a real store: the heartbeat, and the sweep that ends the stays of the
devices of a process that died, leaving alone those that resumed elsewhere."""

from __future__ import annotations

import asyncio
import secrets

from confplane.domain.model import AttendStatus
from confplane.domain.nodes import SWEEP_DEVICES, NodeRegistry
from confplane.domain.presence import Joined, PresenceService

from .conftest import Tenant, World

TIMEOUT_S = 2.0
GRACE_S = 3.0
DEAD_AFTER_MS = int((TIMEOUT_S + GRACE_S) * 1000)
BEAT_AT = 1_000_000_000_000
# Later than any heartbeat a test writes: a sweep then takes every dead process.
END_OF_TIME = 2**62


class Node:
    """One server process: its presence (recording its node id) and its registry, at a
    time the test sets."""

    def __init__(self, world: World, name: str, now: int = BEAT_AT) -> None:
        self.now = now
        self.node_id = f"{name}-{secrets.token_hex(4)}"
        self.presence = PresenceService(world.store, node_id=self.node_id)
        self.registry = NodeRegistry(
            world.store,
            self.presence,
            self.node_id,
            timeout_s=TIMEOUT_S,
            grace_s=GRACE_S,
            now=lambda: self.now,
        )


async def drain(world: World) -> None:
    """End what earlier tests left of dead processes, so each test sees only its own."""
    sweeper = Node(world, "drain", END_OF_TIME)
    while await sweeper.registry.sweep():
        pass


async def meeting_with_devices(
    world: World, tenant: Tenant, node: Node, count: int
) -> tuple[str, list[Joined]]:
    created = await world.conferences.create(
        tenant.principal, creator_union_id=tenant.host, title="nodes", invitee_union_ids=[]
    )
    cid = created.conference.conference_id
    joined = [await node.presence.join(cid, tenant.union(i), resumable=True) for i in range(count)]
    return cid, joined


async def test_a_dead_process_s_devices_leave_unless_they_resumed(
    world: World, tenant: Tenant
) -> None:
    await drain(world)
    dead, alive = Node(world, "dead"), Node(world, "alive")
    await dead.registry.beat()
    cid, (lost, moved, also_lost) = await meeting_with_devices(world, tenant, dead, 3)
    assert moved.resume_token is not None
    await alive.presence.resume(moved.device.participant_id, moved.resume_token)

    # One grace period after the heartbeat timeout is not over yet: nothing happens.
    alive.now = BEAT_AT + DEAD_AFTER_MS - 1
    await alive.registry.beat()
    assert await alive.registry.sweep() == 0
    assert (await world.member(cid, tenant.union(0))).attend_status == AttendStatus.IN_MEETING

    alive.now = BEAT_AT + DEAD_AFTER_MS + 1
    assert await alive.registry.sweep() == 2
    for index in (0, 2):
        assert (await world.member(cid, tenant.union(index))).attend_status == AttendStatus.LEFT
    for gone in (lost, also_lost):
        assert (await world.device(gone.device.participant_id)).active is False
    # The device that resumed on the living process keeps its place.
    assert (await world.member(cid, tenant.union(1))).attend_status == AttendStatus.IN_MEETING
    assert (await world.device(moved.device.participant_id)).active is True
    # The dead process is forgotten: nothing is left to claim.
    assert await alive.registry.sweep() == 0


async def test_a_living_process_is_never_swept(world: World, tenant: Tenant) -> None:
    await drain(world)
    busy, other = Node(world, "busy"), Node(world, "other")
    await busy.registry.beat()
    cid, _ = await meeting_with_devices(world, tenant, busy, 2)
    # Long after its devices joined, it still beats: its devices stay.
    busy.now = other.now = BEAT_AT + 10 * DEAD_AFTER_MS
    await busy.registry.beat()
    assert await other.registry.sweep() == 0
    # Nor does a process sweep its own devices, however late its last beat.
    busy.now = BEAT_AT + 100 * DEAD_AFTER_MS
    assert await busy.registry.sweep() == 0
    assert (await world.member(cid, tenant.host)).attend_status == AttendStatus.IN_MEETING


async def test_sweepers_at_once_end_each_stay_once(world: World, tenant: Tenant) -> None:
    await drain(world)
    dead = Node(world, "dead")
    await dead.registry.beat()
    cid, _ = await meeting_with_devices(world, tenant, dead, 5)
    sweepers = [Node(world, f"sweeper{i}") for i in range(3)]
    for sweeper in sweepers:
        sweeper.now = BEAT_AT + DEAD_AFTER_MS + 1
    ended = await asyncio.gather(*(s.registry.sweep() for s in sweepers))
    # One claimed the dead process and ended every stay; the others found it claimed.
    assert sorted(ended) == [0, 0, 5]
    for i in range(5):
        assert (await world.member(cid, tenant.union(i))).attend_status == AttendStatus.LEFT
    assert all([await s.registry.sweep() == 0 for s in sweepers])


async def test_a_sweep_does_bounded_work(world: World, tenant: Tenant) -> None:
    await drain(world)
    dead, sweeper = Node(world, "dead"), Node(world, "sweeper")
    await dead.registry.beat()
    cid, _ = await meeting_with_devices(world, tenant, dead, 1)
    # More devices than one sweep ends: a member with many devices.
    for _ in range(SWEEP_DEVICES):
        await dead.presence.join(cid, tenant.host, resumable=True)
    sweeper.now = BEAT_AT + DEAD_AFTER_MS + 1
    assert await sweeper.registry.sweep() == SWEEP_DEVICES
    # The claim is kept for the rest, which the next sweep ends.
    assert await sweeper.registry.sweep() == 1
    assert await sweeper.registry.sweep() == 0
    assert (await world.member(cid, tenant.host)).attend_status == AttendStatus.LEFT
