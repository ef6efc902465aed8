"""Every difference between SQLite and PostgreSQL, answered by one object.

In the manner of synapse's storage engines: the rest of the store asks the dialect a
question (how is a list passed, may RETURNING stand in a WITH clause, are reads grouped,
how does a process hear another) instead of asking which database it runs on. A third
back-end is a third subclass here and nothing else.
"""

from __future__ import annotations

import sqlite3
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from typing import Any

import msgspec
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from confplane.store import sqlite_inline
from confplane.store.group_commit import GroupCommit, PlainCommit, Writer
from confplane.store.notify import PostgresChannel
from confplane.store.raw import Statement

_encode = msgspec.json.Encoder().encode

# Connections per server process, and how many of them may stay out of the pool for
# reads (the rest serve writes).
SQLITE_POOL_SIZE = 8
SQLITE_READERS = 4
POSTGRES_POOL_SIZE = 24
POSTGRES_READERS = 16


def _driver(conn: AsyncConnection) -> Any:
    return conn.sync_connection.connection.driver_connection  # type: ignore[union-attr]


class Dialect(ABC):
    """What one kind of database needs done its own way."""

    #: Connections kept out of the pool for reads (store.readers).
    readers: int
    #: Several server processes may share one database (and so hold devices of one meeting).
    shared_by_processes: bool
    #: A lookup is a network round trip, worth grouping across concurrent requests
    #: (store.group_reads).
    groups_reads: bool
    #: ``WITH x AS (UPDATE ... RETURNING ...) INSERT ...`` is allowed.
    returning_in_cte: bool

    def __init__(self, url: str) -> None:
        self.url = url

    @abstractmethod
    def engine(self) -> AsyncEngine: ...

    @abstractmethod
    def list_param(self, values: Sequence[Any]) -> Any:
        """A list as one parameter of ``Statement.any_of`` (``IN`` / ``= ANY``)."""

    @abstractmethod
    async def fetch(
        self, conn: AsyncConnection, statement: Statement, params: Mapping[str, Any]
    ) -> list[tuple[Any, ...]]:
        """Every row ``statement`` returns (none for a write), as tuples, run on the
        driver inside SQLAlchemy's transaction (see store.raw)."""

    #: Reads open a snapshot of their own (``begin_read`` / ``end_read`` do something).
    snapshots: bool
    #: A read yields to the event loop once done (its statements never waited).
    yields_after_read: bool

    def begin_read(self, conn: AsyncConnection) -> None:  # noqa: B027 (a no-op unless snapshots)
        """Before the statements of one read, so that they see one committed state."""

    def end_read(self, conn: AsyncConnection) -> None:  # noqa: B027
        """After them."""

    @abstractmethod
    def writer(self, engine: AsyncEngine) -> Writer:
        """How write transactions are opened and committed."""

    @abstractmethod
    async def after_bulk_load(self, engine: AsyncEngine) -> None:
        """Bring the planner's statistics up to date after many rows were added."""

    @abstractmethod
    def channel(self) -> PostgresChannel | None:
        """A way for the server processes on this database to notify each other, if any."""


class SQLiteDialect(Dialect):
    readers = SQLITE_READERS
    shared_by_processes = False  # a file lock held by another process would block the loop
    groups_reads = False  # a lookup is an in-process call
    returning_in_cte = False
    # sqlite3 opens no transaction for a SELECT (each would see the state of its own
    # moment), and SQLAlchemy's begin() sends nothing to SQLite either, while costing
    # more than the rest of a cached read. So the snapshot is SQLite's own: BEGIN, then
    # ROLLBACK at the end (a read has nothing to commit).
    snapshots = True
    # SQLite calls never wait, so without a yield a request would run from its first
    # query to its answer in one go and the loop would look at sockets only between
    # whole requests: under load, large answers then waited seconds to be sent.
    yields_after_read = True

    def __init__(self, url: str, *, synchronous: str = "FULL") -> None:
        super().__init__(url)
        self._synchronous = synchronous

    def engine(self) -> AsyncEngine:
        # sqlite3 on the event loop's thread (slow commits on a worker): see sqlite_inline.
        # A fixed set of connections and no overflow: an overflow connection is closed as
        # soon as it is returned to a full pool, so under steady load every request paid
        # for a new connection. Nothing holds one connection while asking for another,
        # so waiting for one cannot deadlock.
        path = make_url(self.url).database or ""
        engine = create_async_engine(
            self.url,
            pool_size=SQLITE_POOL_SIZE,
            max_overflow=0,
            async_creator=sqlite_inline.creator(path),
        )
        synchronous = self._synchronous

        @event.listens_for(engine.sync_engine, "connect")
        def _on_connect(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA synchronous={synchronous}")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=10000")
            cursor.close()

        return engine

    def list_param(self, values: Sequence[Any]) -> Any:
        return _encode(list(values)).decode()  # read by json_each

    async def fetch(
        self, conn: AsyncConnection, statement: Statement, params: Mapping[str, Any]
    ) -> list[tuple[Any, ...]]:
        cursor: sqlite3.Cursor = sqlite3_of(conn).execute(statement.sqlite, params)
        try:
            return cursor.fetchall()
        finally:
            cursor.close()

    def begin_read(self, conn: AsyncConnection) -> None:
        sqlite3_of(conn).execute("BEGIN")

    def end_read(self, conn: AsyncConnection) -> None:
        sqlite = sqlite3_of(conn)
        if sqlite.in_transaction:
            sqlite.execute("ROLLBACK")

    def writer(self, engine: AsyncEngine) -> Writer:
        return GroupCommit(engine, sqlite3_of)

    async def after_bulk_load(self, engine: AsyncEngine) -> None:
        return None  # SQLite's planner does well enough on these indexes without ANALYZE

    def channel(self) -> None:
        return None


class PostgresDialect(Dialect):
    readers = POSTGRES_READERS
    shared_by_processes = True
    groups_reads = True
    returning_in_cte = True
    # Each plain-SQL statement sees what was committed when it started, as under READ
    # COMMITTED inside a transaction; skipping BEGIN and COMMIT saves two round trips.
    snapshots = False
    yields_after_read = False  # its statements wait for the network anyway

    def engine(self) -> AsyncEngine:
        return create_async_engine(self.url, pool_size=POSTGRES_POOL_SIZE, max_overflow=0)

    def list_param(self, values: Sequence[Any]) -> Any:
        return list(values)

    async def fetch(
        self, conn: AsyncConnection, statement: Statement, params: Mapping[str, Any]
    ) -> list[tuple[Any, ...]]:
        # The statement waits for the adapter's lock and, inside a SQLAlchemy transaction,
        # starts the adapter's transaction first if no statement has yet, as SQLAlchemy's
        # own cursor does; asyncpg prepares and caches the statement.
        adapter: Any = conn.sync_connection.connection.dbapi_connection  # type: ignore[union-attr]
        args = [params[name] for name in statement.names]
        async with adapter._execute_mutex:
            # Outside a transaction (reads) the statement runs on its own, as READ
            # COMMITTED would run it inside one, without a BEGIN and a COMMIT.
            if adapter._transaction is None and conn.in_transaction():
                await adapter._start_transaction()
            rows = await _driver(conn).fetch(statement.postgres, *args)
        return [tuple(r) for r in rows]

    def writer(self, engine: AsyncEngine) -> Writer:
        return PlainCommit(engine)

    async def after_bulk_load(self, engine: AsyncEngine) -> None:
        # Autovacuum may be off or late; without statistics the planner may scan.
        async with engine.connect() as conn:
            autocommit = await conn.execution_options(isolation_level="AUTOCOMMIT")
            await autocommit.exec_driver_sql("VACUUM ANALYZE")

    def channel(self) -> PostgresChannel:
        return PostgresChannel(self.url.replace("postgresql+asyncpg://", "postgresql://"))


def sqlite3_of(conn: AsyncConnection) -> sqlite3.Connection:
    """The sqlite3 connection under a SQLite connection (see sqlite_inline)."""
    driver = _driver(conn)
    assert isinstance(driver, sqlite_inline.InlineConnection)
    return driver.raw


def dialect_for(url: str, *, sqlite_synchronous: str = "FULL") -> Dialect:
    """The dialect of a ``sqlite:///`` or ``postgresql://`` URL (async driver picked here)."""
    parsed = make_url(url)
    if parsed.drivername in ("sqlite", "sqlite+aiosqlite"):
        return SQLiteDialect(
            str(parsed.set(drivername="sqlite+aiosqlite")), synchronous=sqlite_synchronous
        )
    if parsed.drivername in ("postgresql", "postgres", "postgresql+asyncpg"):
        async_url = parsed.set(drivername="postgresql+asyncpg")
        return PostgresDialect(async_url.render_as_string(hide_password=False))
    raise ValueError(f"unsupported database URL scheme: {parsed.drivername}")
