"""Engine, transactions and migrations, on whichever database the dialect speaks for."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection as SyncConnection
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.pool import QueuePool

from confplane.domain.errors import Conflict
from confplane.store.dialect import Dialect
from confplane.store.readers import ReaderPool
from confplane.store.usage import PoolUse

MIGRATIONS = Path(__file__).parent / "migrations"


class Database:
    """One engine; ``read()`` and ``write()`` each yield a connection inside a transaction."""

    def __init__(self, dialect: Dialect) -> None:
        self.dialect = dialect
        self.engine = dialect.engine()
        self._writer = dialect.writer(self.engine)
        # Connections kept out of the pool for reads (see store.readers).
        self._readers = ReaderPool(self.engine, dialect.readers)
        self._head: str | None = None

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncConnection]:
        """A connection for reads of committed data (see ``Dialect.snapshots``); a
        statement run through SQLAlchemy begins a transaction itself, rolled back before
        the connection serves another read (store.readers)."""
        dialect = self.dialect
        conn = await self._readers.acquire()
        healthy = True
        try:
            if dialect.snapshots:
                dialect.begin_read(conn)
                try:
                    yield conn
                finally:
                    dialect.end_read(conn)
            else:
                yield conn
        except (DBAPIError, asyncio.CancelledError):
            healthy = False  # the connection may be mid-statement or broken
            raise
        finally:
            await self._readers.release(conn, healthy=healthy)
        if dialect.yields_after_read:
            await asyncio.sleep(0)

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncConnection]:
        """A transaction that is committed before the block's caller answers anyone.

        A unique key hit by a concurrent writer (two processes creating the same user)
        is a Conflict, not a crash.
        """
        try:
            async with self._writer.transaction() as conn:
                yield conn
        except IntegrityError as exc:
            raise Conflict("a record with the same key already exists") from exc

    def pool_use(self) -> PoolUse:
        """The pool's connections now: the readers keep theirs out of the pool, so what
        else is out of it is held by a write."""
        readers = self._readers
        pool = self.engine.pool
        if not isinstance(pool, QueuePool):  # no pool to speak of
            return PoolUse(0, readers.busy, 0, readers.kept_idle, readers.waiting)
        writer_idle = self._writer.kept_idle
        kept = readers.busy + readers.kept_idle + writer_idle
        return PoolUse(
            size=pool.size(),
            reading=readers.busy,
            writing=max(0, pool.checkedout() - kept),
            idle=pool.checkedin() + readers.kept_idle + writer_idle,
            waiting_to_read=readers.waiting,
        )

    def head_revision(self) -> str | None:
        """The newest schema revision this code knows."""
        if self._head is None:
            self._head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
        return self._head

    async def migrate(self) -> None:
        """Bring the schema to the newest version (Alembic, run on our own connection)."""
        async with self.engine.begin() as conn:
            await conn.run_sync(_upgrade_to_head)

    async def close(self) -> None:
        await self._writer.close()
        await self._readers.close()
        await self.engine.dispose()


def _alembic_config() -> AlembicConfig:
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def _upgrade_to_head(connection: SyncConnection) -> None:
    config = _alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, "head")
