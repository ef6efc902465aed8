"""A write's events and device commands on a real store: on PostgreSQL the events wait
in the transaction and go with the meeting's next command (one statement), before the
table's next statement, or at commit. Whatever the order, each meeting's events and
commands are numbered 1, 2, 3... and every event is committed with its write."""

from __future__ import annotations

import pytest

from confplane.domain.app_events import NewEvent
from confplane.domain.model import Conference
from confplane.store.sql import SqlStore

from .conftest import Tenant, World


def _event(conference: Conference, kind: str) -> NewEvent:
    return NewEvent(
        org_id=conference.org_id,
        conference_pk=conference.id,
        conference_id=conference.conference_id,
        type=kind,
        born_at=1_000,
        payload={"kind": kind},
    )


async def _meeting(world: World, tenant: Tenant) -> Conference:
    created = await world.conferences.create(
        tenant.principal, creator_union_id=tenant.host, title="outbox"
    )
    return created.conference


async def _log(store: SqlStore, conference: Conference) -> list[tuple[int, str]]:
    async with store.read() as tx:
        events = await tx.events.after(None, 0, 100, conference.conference_id)
    return [(e.seq, e.type) for e in events]


async def _commands(store: SqlStore, conference: Conference) -> list[tuple[int, str]]:
    async with store.read() as tx:
        logged = await tx.commands.after(conference.id, conference.conference_id, 0, 100)
    return [(c.seq, c.kind) for c in logged]


async def test_events_and_commands_of_two_meetings_in_one_write(
    world: World, tenant: Tenant
) -> None:
    a, b = await _meeting(world, tenant), await _meeting(world, tenant)
    async with world.store.write() as tx:
        await tx.events.append(_event(a, "a1"))
        await tx.events.append(_event(a, "a2"))
        # Another meeting's events: a's are sent first.
        await tx.events.append(_event(b, "b1"))
        assert await tx.commands.append(a.id, "ca1", None, {}, 1_000) == 1
        # Goes with b's waiting event.
        assert await tx.commands.append(b.id, "cb1", None, {}, 1_000) == 1
        await tx.events.append(_event(a, "a3"))
        assert await tx.commands.append(a.id, "ca2", None, {}, 1_000) == 2
        await tx.events.append(_event(b, "b2"))  # waits until the commit
    created = [(1, "confplane_conference_created")]
    assert await _log(world.store, a) == [*created, (2, "a1"), (3, "a2"), (4, "a3")]
    assert await _log(world.store, b) == [*created, (2, "b1"), (3, "b2")]
    assert await _commands(world.store, a) == [(1, "ca1"), (2, "ca2")]
    assert await _commands(world.store, b) == [(1, "cb1")]


async def test_a_waiting_event_is_seen_by_the_same_write(world: World, tenant: Tenant) -> None:
    a = await _meeting(world, tenant)
    async with world.store.write() as tx:
        await tx.events.append(_event(a, "seen"))
        found = await tx.events.after(None, 0, 100, a.conference_id)
        assert [e.type for e in found][-1] == "seen"


async def test_a_failed_write_leaves_no_event(world: World, tenant: Tenant) -> None:
    a = await _meeting(world, tenant)
    with pytest.raises(RuntimeError):
        async with world.store.write() as tx:
            await tx.events.append(_event(a, "lost"))
            await tx.commands.append(a.id, "lost", None, {}, 1_000)
            raise RuntimeError("the write fails after both")
    assert await _log(world.store, a) == [(1, "confplane_conference_created")]
    assert await _commands(world.store, a) == []
