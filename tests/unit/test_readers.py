"""The connections kept for reads: bounded, reused, and dropped when they fail."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from confplane.store.database import Database
from confplane.store.dialect import dialect_for
from confplane.store.readers import ReaderPool


@pytest.fixture(scope="module")
async def database(database_url: str) -> AsyncIterator[Database]:
    """The engine under the store, on each back-end's database (no schema needed here)."""
    db = Database(dialect_for(database_url))
    yield db
    await db.close()


async def test_at_most_size_connections_and_a_waiting_read_gets_one_back(
    database: Database,
) -> None:
    pool = ReaderPool(database.engine, size=2)
    first, second = await pool.acquire(), await pool.acquire()
    assert first is not second
    third = asyncio.ensure_future(pool.acquire())
    await asyncio.sleep(0.05)
    assert not third.done()  # waits on the loop rather than opening a third
    await pool.release(second, healthy=True)
    assert await asyncio.wait_for(third, 5) is second  # kept, and handed on
    await pool.release(first, healthy=True)
    await pool.release(second, healthy=True)
    latest = await pool.acquire()
    assert latest is second  # the most recently used comes first
    await pool.release(latest, healthy=True)
    await pool.close()
    assert first.closed and second.closed


async def test_a_transaction_begun_by_a_read_is_rolled_back_before_the_next(
    database: Database,
) -> None:
    pool = ReaderPool(database.engine, size=1)
    conn = await pool.acquire()
    await conn.execute(text("SELECT 1"))  # SQLAlchemy begins a transaction here
    assert conn.in_transaction()
    await pool.release(conn, healthy=True)
    again = await pool.acquire()
    assert again is conn and not again.in_transaction()
    await pool.release(again, healthy=True)
    await pool.close()


async def test_a_connection_that_failed_is_closed_not_kept(database: Database) -> None:
    pool = ReaderPool(database.engine, size=1)
    conn = await pool.acquire()
    with pytest.raises(DBAPIError):
        await conn.execute(text("SELECT * FROM no_such_table"))
    await pool.release(conn, healthy=False)
    assert conn.closed
    fresh = await pool.acquire()  # the turn came back with it
    assert fresh is not conn and (await fresh.execute(text("SELECT 1"))).scalar() == 1
    await pool.release(fresh, healthy=True)
    await pool.close()
    assert fresh.closed


async def test_reads_through_the_database_share_the_kept_connections(database: Database) -> None:
    async def one_read() -> int:
        async with database.read() as conn:
            await asyncio.sleep(0.01)  # overlap with the other reads
            return int((await conn.execute(text("SELECT 7"))).scalar_one())

    assert await asyncio.gather(*(one_read() for _ in range(50))) == [7] * 50
