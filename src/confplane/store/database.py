"""Engine, transactions and migrations for SQLite (embedded) and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import event
from sqlalchemy.engine import Connection as SyncConnection
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from confplane.domain.errors import Conflict
from confplane.store import raw, sqlite_inline
from confplane.store.readers import ReaderPool

# The connection type every store query takes; the domain names it through here.
Connection = AsyncConnection

__all__ = ["Connection", "Database", "async_url"]

MIGRATIONS = Path(__file__).parent / "migrations"
# Connections per server process.
SQLITE_POOL_SIZE = 8
# Of those, how many may stay out of the pool for reads (the rest serve writes).
SQLITE_READERS = 4
POSTGRES_POOL_SIZE = 24
# Of PostgreSQL's, how many serve reads (at most; the rest serve writes).
POSTGRES_READERS = 16


def async_url(url: str) -> str:
    """Accept plain ``sqlite:///`` and ``postgresql://`` URLs and pick the async driver."""
    parsed = make_url(url)
    if parsed.drivername in ("sqlite", "sqlite+aiosqlite"):
        return str(parsed.set(drivername="sqlite+aiosqlite"))
    if parsed.drivername in ("postgresql", "postgres", "postgresql+asyncpg"):
        return parsed.set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)
    raise ValueError(f"unsupported database URL scheme: {parsed.drivername}")


class Database:
    """One engine; ``read()`` and ``write()`` each yield a connection inside a transaction."""

    def __init__(self, url: str, *, sqlite_synchronous: str = "FULL") -> None:
        self.url = async_url(url)
        self.is_sqlite = self.url.startswith("sqlite")
        # A fixed set of connections and no overflow: an overflow connection is closed as
        # soon as it is returned to a full pool, so under steady load every request paid
        # for a new connection (a thread, the PRAGMAs and a schema parse on SQLite; a
        # backend process on PostgreSQL). Requests past the pool wait for a connection.
        # Nothing holds one connection while asking for another, so waiting cannot deadlock.
        kwargs: dict[str, Any] = {"pool_size": POSTGRES_POOL_SIZE, "max_overflow": 0}
        if self.is_sqlite:
            # sqlite3 on the event loop's thread (slow commits on a worker): see sqlite_inline.
            path = make_url(self.url).database or ""
            kwargs.update(pool_size=SQLITE_POOL_SIZE, async_creator=sqlite_inline.creator(path))
        self.engine: AsyncEngine = create_async_engine(self.url, **kwargs)
        # SQLite has one writer at a time; queueing writers here avoids SQLITE_BUSY.
        self._write_lock = asyncio.Lock() if self.is_sqlite else None
        # Connections kept out of the pool for reads (see read() and store.readers).
        self._readers = ReaderPool(
            self.engine, SQLITE_READERS if self.is_sqlite else POSTGRES_READERS
        )
        self._batch: _Batch | None = None
        if self.is_sqlite:
            self._configure_sqlite(sqlite_synchronous)

    def _configure_sqlite(self, synchronous: str) -> None:
        @event.listens_for(self.engine.sync_engine, "connect")
        def _on_connect(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA synchronous={synchronous}")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=10000")
            cursor.close()

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncConnection]:
        """A connection for reads of committed data.

        On SQLite its statements share one snapshot. On PostgreSQL each sees what was
        committed when it started, as under READ COMMITTED inside a transaction: the
        plain-SQL statements (store.raw) run without one, which saves a BEGIN and a
        COMMIT round trip per read; a statement run through SQLAlchemy begins one itself,
        rolled back before the connection serves another read (store.readers).
        """
        conn = await self._readers.acquire()
        healthy = True
        try:
            if self.is_sqlite:
                async with self._sqlite_snapshot(conn):
                    yield conn
            else:
                yield conn
        except (DBAPIError, asyncio.CancelledError):
            healthy = False  # the connection may be mid-statement or broken
            raise
        finally:
            await self._readers.release(conn, healthy=healthy)
        if self.is_sqlite:
            # SQLite calls never wait, so without this a request would run from its first
            # query to its answer in one go and the loop would look at sockets only between
            # whole requests: under load, large answers then waited seconds to be sent.
            await asyncio.sleep(0)

    @staticmethod
    @asynccontextmanager
    async def _sqlite_snapshot(conn: AsyncConnection) -> AsyncIterator[None]:
        # sqlite3 opens no transaction for a SELECT (each would see the state of its own
        # moment), and SQLAlchemy's begin() sends nothing to SQLite either, while costing
        # more than the rest of a cached read. So the snapshot is SQLite's own: BEGIN here,
        # ROLLBACK at the end (a read has nothing to commit).
        sqlite = raw.sqlite3_of(conn)
        try:
            sqlite.execute("BEGIN")
            yield
        finally:
            if sqlite.in_transaction:
                sqlite.execute("ROLLBACK")

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncConnection]:
        """A transaction that is committed before the block's caller answers anyone.

        A unique key hit by a concurrent writer (two processes creating the same user)
        is a Conflict, not a crash.
        """
        try:
            if self._write_lock is None:
                async with self.engine.begin() as conn:
                    yield conn
                return
            async with self._sqlite_write() as conn:
                yield conn
        except IntegrityError as exc:
            raise Conflict("a record with the same key already exists") from exc

    @asynccontextmanager
    async def _sqlite_write(self) -> AsyncIterator[AsyncConnection]:
        """Group commit: the writers queued together share one transaction and one fsync.

        SQLite has one writer, and under ``synchronous=FULL`` its commit waits for the disk
        (about 0.3-0.5 ms here) with the write lock held, so writers took turns at one
        fsync each and the loop sat idle. Now the first writer opens a batch and a
        committer task that queues on the write lock behind every writer already waiting;
        each writer's block runs alone under the lock inside a SAVEPOINT of the batch's
        transaction (a failing block rolls back to it and leaves the others' work alone),
        and every writer of the batch returns only after the committer has committed it.
        So each write is still committed before its caller answers anyone.
        """
        assert self._write_lock is not None
        async with self._write_lock:
            batch = self._batch
            if batch is None:
                batch = self._batch = await self._open_batch()
            sqlite = raw.sqlite3_of(batch.conn)
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

    async def _open_batch(self) -> _Batch:
        conn = await self.engine.connect()
        try:
            await conn.begin()
            # An explicit BEGIN: a SAVEPOINT outside a transaction would start one that
            # its RELEASE commits.
            raw.sqlite3_of(conn).execute("BEGIN")
        except BaseException:
            await conn.close()
            raise
        batch = _Batch(conn, asyncio.get_running_loop().create_future())
        # Queued now, behind the writers already waiting: they join this batch.
        batch.committer = asyncio.create_task(self._commit_batch(batch))
        return batch

    async def _commit_batch(self, batch: _Batch) -> None:
        assert self._write_lock is not None
        try:
            async with self._write_lock:
                self._batch = None
                try:
                    await batch.conn.commit()
                finally:
                    await batch.conn.close()
        except BaseException as exc:
            batch.done.set_exception(exc)
            batch.done.exception()  # retrieved: the writers may all have gone
            if not isinstance(exc, Exception):
                raise
        else:
            batch.done.set_result(None)

    async def migrate(self) -> None:
        """Bring the schema to the newest version (Alembic, run on our own connection)."""
        async with self.engine.begin() as conn:
            await conn.run_sync(_upgrade_to_head)

    async def close(self) -> None:
        await self._readers.close()
        await self.engine.dispose()


class _Batch:
    """One SQLite transaction shared by the writers queued together (group commit)."""

    __slots__ = ("committer", "conn", "done", "writers")

    def __init__(self, conn: AsyncConnection, done: asyncio.Future[None]) -> None:
        self.conn = conn
        self.done = done
        self.writers = 0
        self.committer: asyncio.Task[None] | None = None


def _upgrade_to_head(connection: SyncConnection) -> None:
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    command.upgrade(config, "head")
