"""How write transactions are opened and committed: one per writer, or shared (SQLite)."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine


class Writer(Protocol):
    def transaction(self) -> AbstractAsyncContextManager[AsyncConnection]:
        """A transaction committed before the block's caller goes on."""

    @property
    def kept_idle(self) -> int:
        """Connections the writer keeps out of the pool while no write runs."""

    async def close(self) -> None:
        """Give back what the writer keeps."""


class PlainCommit:
    """Each writer its own transaction (PostgreSQL: many writers at once)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    def transaction(self) -> AbstractAsyncContextManager[AsyncConnection]:
        return self._engine.begin()

    @property
    def kept_idle(self) -> int:
        return 0

    async def close(self) -> None:
        return None


class GroupCommit:
    """The writers queued together share one transaction and one fsync.

    SQLite has one writer, and under ``synchronous=FULL`` its commit waits for the disk
    with the write lock held, so writers took turns at one fsync each and the loop sat
    idle. Now the first writer opens a batch and a committer task that queues on the
    write lock behind every writer already waiting; each writer's block runs alone under
    the lock inside a SAVEPOINT of the batch's transaction (a failing block rolls back to
    it and leaves the others' work alone), and every writer of the batch returns only
    after the committer has committed it. So each write is still committed before its
    caller answers anyone.

    Every batch runs on the same connection, kept out of the pool: SQLite drops a
    connection's page cache whenever another connection wrote since its last
    transaction, so batches that took turns over the pool's connections read back, at
    each statement, the pages the previous batch had just written.
    """

    def __init__(
        self, engine: AsyncEngine, sqlite3_of: Callable[[AsyncConnection], sqlite3.Connection]
    ) -> None:
        self._engine = engine
        self._sqlite3_of = sqlite3_of
        # SQLite has one writer at a time; queueing writers here avoids SQLITE_BUSY.
        self._lock = asyncio.Lock()
        self._batch: _Batch | None = None
        self._conn: AsyncConnection | None = None

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncConnection]:
        async with self._lock:
            batch = self._batch
            if batch is None:
                batch = self._batch = await self._open_batch()
            sqlite = self._sqlite3_of(batch.conn)
            savepoint = f"w{batch.writers}"
            batch.writers += 1
            sqlite.execute(f"SAVEPOINT {savepoint}")
            try:
                yield batch.conn
            except BaseException:
                sqlite.execute(f"ROLLBACK TO {savepoint}")
                sqlite.execute(f"RELEASE {savepoint}")
                raise
            sqlite.execute(f"RELEASE {savepoint}")
        await asyncio.shield(batch.done)

    @property
    def kept_idle(self) -> int:
        return 1 if self._conn is not None and self._batch is None else 0

    async def close(self) -> None:
        async with self._lock:
            if self._conn is not None:
                await self._discard(self._conn)

    async def _discard(self, conn: AsyncConnection) -> None:
        """Back to the pool, which rolls back whatever the connection has open."""
        if self._conn is conn:
            self._conn = None
        await conn.close()

    async def _open_batch(self) -> _Batch:
        conn = self._conn
        if conn is None:
            conn = self._conn = await self._engine.connect()
        try:
            await conn.begin()
            # An explicit BEGIN: a SAVEPOINT outside a transaction would start one that
            # its RELEASE commits.
            self._sqlite3_of(conn).execute("BEGIN")
        except BaseException:
            await self._discard(conn)
            raise
        batch = _Batch(conn, asyncio.get_running_loop().create_future())
        # Queued now, behind the writers already waiting: they join this batch.
        batch.committer = asyncio.create_task(self._commit(batch))
        return batch

    async def _commit(self, batch: _Batch) -> None:
        try:
            async with self._lock:
                self._batch = None
                try:
                    await batch.conn.commit()
                except BaseException:
                    await self._discard(batch.conn)
                    raise
        except BaseException as exc:
            batch.done.set_exception(exc)
            batch.done.exception()  # retrieved: the writers may all have gone
            if not isinstance(exc, Exception):
                raise
        else:
            batch.done.set_result(None)


class _Batch:
    """One SQLite transaction shared by the writers queued together."""

    __slots__ = ("committer", "conn", "done", "writers")

    def __init__(self, conn: AsyncConnection, done: asyncio.Future[None]) -> None:
        self.conn = conn
        self.done = done
        self.writers = 0
        self.committer: asyncio.Task[None] | None = None
