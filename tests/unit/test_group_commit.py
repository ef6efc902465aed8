"""SQLite's group commit: the writers share one kept connection; one that fails leaves the
others' work alone, and the connection serves the next writers."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from confplane.store.database import Database
from confplane.store.dialect import dialect_for


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[Database]:
    db = Database(dialect_for(f"sqlite:///{tmp_path / 'group.db'}"))
    async with db.write() as conn:
        await conn.execute(text("CREATE TABLE t (x INTEGER NOT NULL)"))
    yield db
    await db.close()


def _driver(conn: AsyncConnection) -> Any:
    return conn.sync_connection.connection.driver_connection  # type: ignore[union-attr]


async def _stored(db: Database) -> list[int]:
    async with db.read() as conn:
        return [r[0] for r in await conn.execute(text("SELECT x FROM t ORDER BY x"))]


async def test_writes_one_after_another_keep_one_connection(database: Database) -> None:
    seen = []
    for x in (1, 2, 3):
        async with database.write() as conn:
            await conn.execute(text("INSERT INTO t (x) VALUES (:x)"), {"x": x})
            seen.append(_driver(conn))
        use = database.pool_use()
        # Kept between writes, and counted as idle rather than writing.
        assert use.writing == 0 and use.idle >= 1
    assert seen[0] is seen[1] is seen[2]
    assert await _stored(database) == [1, 2, 3]


async def test_a_failing_writer_leaves_the_batch_and_the_next_writes(database: Database) -> None:
    class Refused(Exception):
        pass

    async def write(x: int) -> None:
        async with database.write() as conn:
            await conn.execute(text("INSERT INTO t (x) VALUES (:x)"), {"x": x})
            if x == 3:
                raise Refused

    results = await asyncio.gather(*(write(x) for x in range(8)), return_exceptions=True)
    assert [isinstance(r, Refused) for r in results] == [x == 3 for x in range(8)]
    assert await _stored(database) == [0, 1, 2, 4, 5, 6, 7]
    await write(8)
    assert await _stored(database) == [0, 1, 2, 4, 5, 6, 7, 8]


async def test_closing_gives_the_kept_connection_back(tmp_path: Path) -> None:
    db = Database(dialect_for(f"sqlite:///{tmp_path / 'closed.db'}"))
    async with db.write() as conn:
        await conn.execute(text("CREATE TABLE t (x INTEGER NOT NULL)"))
    pool: Any = db.engine.pool
    assert pool.checkedout() == 1  # the writer's, kept
    await db.close()
    assert pool.checkedout() == 0
