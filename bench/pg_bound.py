"""How many MuteMembers / LockConference transactions PostgreSQL itself takes here,
and how many of the reads a cached members page or batch answer still makes.

    python -m bench.pg_bound

A bare asyncpg client (no HTTP, no server, no SQLAlchemy) runs the statements confplane
runs for one MuteMembers and one LockConference (the meeting, then the device command
and the app event of each in one statement), each in its own committed transaction,
from 32 connections on a database seeded as for ``python -m bench``. What it reaches is
the most any server could answer with these statements and a commit per write on this
machine; it uses the same cores as a server would (PostgreSQL and this one process).
Beside LockConference, the same transaction with only its first one or two statements,
and with all three but a commit that does not wait for the disk (``synchronous_commit =
off``, for this measurement only): what the bound is made of.
The reads are the one statement a members page or a batch answer served from the read
cache runs (its meetings' revisions), each on its own as Database.read runs it.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import time
from collections.abc import Awaitable, Callable

import asyncpg  # type: ignore[import-untyped]

from bench.seed import seed
from confplane.store.events import APPEND_WITH_COMMAND
from confplane.testing import fresh_postgres_database

Transaction = Callable[[asyncpg.Connection, int], Awaitable[None]]
Work = tuple[Transaction, bool]  # the statements, and whether they need a transaction

# The statements of one MuteMembers, as store.meetings, store.devices and store.commands run them.
LOCK_MEETING = (
    "UPDATE conferences SET revision = revision + 1 WHERE conference_id = $1"
    " RETURNING id, status, org_id, locked"
)
MEMBER_AND_DEVICES = (
    "SELECT m.id, d.participant_id FROM members m"
    " LEFT JOIN devices d ON d.member_id = m.id AND d.active = TRUE"
    " WHERE m.conference_pk = $1 AND m.union_id = $2 ORDER BY d.joined_at, d.participant_id"
)
UPDATE_DEVICES = (
    "UPDATE devices SET mic_status = $1, host_muted = $2 WHERE active = TRUE AND member_id = $3"
)
SET_LOCKED = "UPDATE conferences SET locked = $1 WHERE id = $2"
# What a cached members page / batch answer reads (store.meetings, ConferenceState).
_STATE = "id, conference_id, org_id, status, revision, member_count"
STATE_BY_ID = f"SELECT {_STATE} FROM conferences WHERE conference_id = $1"
STATES_BY_IDS = f"SELECT {_STATE} FROM conferences WHERE conference_id = ANY($1)"


async def _run(url: str, work: Work, connections: int, seconds: float) -> tuple[float, float]:
    """Transactions a second, and this process's CPU seconds per transaction."""
    transaction, transactional = work
    pool = [await asyncpg.connect(url) for _ in range(connections)]
    done = 0
    deadline = time.perf_counter() + seconds

    async def worker(conn: asyncpg.Connection, k: int) -> None:
        nonlocal done
        i = k
        while time.perf_counter() < deadline:
            if transactional:
                async with conn.transaction():
                    await transaction(conn, i)
            else:
                await transaction(conn, i)
            done += 1
            i += connections

    before = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    await asyncio.gather(*(worker(c, k) for k, c in enumerate(pool)))
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_SELF)
    for conn in pool:
        await conn.close()
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return done / elapsed, cpu / max(done, 1)


async def measure(url: str, connections: int, seconds: float) -> None:
    seeded = await seed(url)
    plain = url.replace("postgresql+asyncpg://", "postgresql://")
    conn = await asyncpg.connect(plain)
    rows = await conn.fetch("SELECT id, conference_id FROM conferences")
    org_id = await conn.fetchval("SELECT org_id FROM conferences LIMIT 1")
    pks = {r["conference_id"]: r["id"] for r in rows}
    await conn.close()
    targets = [(cid, pks[cid], union_id) for cid, union_id in seeded.mute_targets]
    locks = [(cid, pks[cid]) for cid in seeded.lock_conferences]

    async def command_and_event(
        conn: asyncpg.Connection, cid: str, pk: int, kind: str, event: str
    ) -> None:
        """The device command and the app event of one write, in one statement."""
        values = {
            "pk": pk,
            "kind": kind,
            "targets": None,
            "data": "{}",
            "created_at": 0,
            "org": org_id,
            "cid": cid,
            "count": 1,
            "types": [event],
            "borns": [0],
            "payloads": ["{}"],
        }
        await conn.fetch(
            APPEND_WITH_COMMAND.postgres, *(values[n] for n in APPEND_WITH_COMMAND.names)
        )

    async def mute(conn: asyncpg.Connection, i: int) -> None:
        cid, pk, union_id = targets[i % len(targets)]
        muting = (i // len(targets)) % 2 == 0
        await conn.fetch(LOCK_MEETING, cid)
        rows = await conn.fetch(MEMBER_AND_DEVICES, pk, union_id)
        await conn.execute(UPDATE_DEVICES, 1 if muting else 2, muting, rows[0]["id"])
        await command_and_event(conn, cid, pk, "mute", "confplane_member_muted")

    async def lock(conn: asyncpg.Connection, i: int) -> None:
        cid, pk = locks[i % len(locks)]
        await conn.fetch(LOCK_MEETING, cid)
        await conn.execute(SET_LOCKED, (i // len(locks)) % 2 == 0, pk)
        await command_and_event(conn, cid, pk, "locked", "confplane_conference_locked")

    # Where a LockConference's bound comes from: the same transaction with fewer
    # statements, and with its commit not waiting for the disk.
    async def take_only(conn: asyncpg.Connection, i: int) -> None:
        await conn.fetch(LOCK_MEETING, locks[i % len(locks)][0])

    async def take_and_set(conn: asyncpg.Connection, i: int) -> None:
        cid, pk = locks[i % len(locks)]
        await conn.fetch(LOCK_MEETING, cid)
        await conn.execute(SET_LOCKED, (i // len(locks)) % 2 == 0, pk)

    async def lock_without_fsync(conn: asyncpg.Connection, i: int) -> None:
        await conn.execute("SET LOCAL synchronous_commit = off")
        await lock(conn, i)

    async def page_state(conn: asyncpg.Connection, _i: int) -> None:
        await conn.fetch(STATE_BY_ID, seeded.page_conference)

    async def batch_states(conn: asyncpg.Connection, _i: int) -> None:
        await conn.fetch(STATES_BY_IDS, seeded.batch_conferences)

    works: list[tuple[str, Work]] = [
        ("MuteMembers", (mute, True)),
        ("LockConference", (lock, True)),
        ("  its 1st statement only", (take_only, True)),
        ("  its first 2", (take_and_set, True)),
        ("  all 3, no fsync", (lock_without_fsync, True)),
        ("page's read", (page_state, False)),
        ("batch's read", (batch_states, False)),
    ]
    for name, work in works:
        rate, cpu = await _run(plain, work, connections, seconds)
        print(f"{name:24} {rate:7.0f} transactions/s   client CPU {cpu * 1e6:4.0f} µs each")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m bench.pg_bound", description=__doc__)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()
    with fresh_postgres_database() as database_url:
        asyncio.run(measure(database_url, args.connections, args.seconds))
