"""SQLite for the async engine without a thread hop per call.

aiosqlite runs every call (cursor, execute, fetchall, close, commit, rollback) on a
thread of its own and wakes the event loop for each result: a read transaction of one
SELECT made six such round trips, about 2 ms on the benchmark machine, while the SELECT
itself took a few microseconds. This module gives SQLAlchemy's aiosqlite dialect
(through ``async_creator``) a connection with aiosqlite's interface that runs sqlite3 on
the event loop's own thread instead. ``commit`` waits for the disk (fsync under
``synchronous=FULL``): on a disk that answers within a millisecond it runs inline too,
since handing it to a worker thread cost the loop more than the fsync itself; on a slower
disk it goes to a worker thread and the loop keeps serving other requests meanwhile (see
``CommitPace``). The connection is used by one task at a time (the pool hands it out), so
the commit thread never meets another call on the same connection.

A statement that waits for a lock held by another process would block the loop, so one
SQLite file is served by one server process (several processes want PostgreSQL).
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Callable, Generator, Iterable, Sequence
from typing import Any

# The longest a commit may usually take and still run on the event loop's thread. A
# thread hand-off (submit, wake-up, the GIL coming back, the loop woken) cost more loop
# time than an fsync of 0.2-0.5 ms: writes ran 20-30% faster inline on such a disk. On a
# slower disk every request would stall for each fsync, so the commit goes to a thread.
INLINE_COMMIT_MAX_S = 0.001


class CommitPace:
    """How long a database's commits have been taking (a moving average), which decides
    where the next one runs. Shared by the connections of one database file."""

    __slots__ = ("average_s", "limit_s")

    def __init__(self, limit_s: float = INLINE_COMMIT_MAX_S) -> None:
        self.limit_s = limit_s
        self.average_s = 0.0

    @property
    def inline(self) -> bool:
        return self.average_s <= self.limit_s

    def record(self, seconds: float) -> None:
        self.average_s += (seconds - self.average_s) * 0.2


class _Immediate:
    """Stands in for aiosqlite's queue of work: SQLAlchemy puts a (future, function) pair
    on it to change ``isolation_level``; here the function runs at once."""

    def put_nowait(self, item: tuple[asyncio.Future[Any] | None, Callable[[], Any]]) -> None:
        future, function = item
        try:
            result = function()
        except Exception as exc:
            if future is not None:
                future.set_exception(exc)
            return
        if future is not None:
            future.set_result(result)


class InlineCursor:
    """aiosqlite's Cursor interface over a sqlite3 cursor; every call runs at once."""

    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._cursor = cursor

    # ``connection.cursor()`` is both awaited and entered as a context in aiosqlite.
    def __await__(self) -> Generator[Any, None, InlineCursor]:
        return self._self().__await__()

    async def _self(self) -> InlineCursor:
        return self

    async def __aenter__(self) -> InlineCursor:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        self._cursor.close()

    def __aiter__(self) -> InlineCursor:
        return self

    async def __anext__(self) -> Any:
        row = self._cursor.fetchone()
        if row is None:
            raise StopAsyncIteration
        return row

    async def execute(self, sql: str, parameters: Any = None) -> InlineCursor:
        if parameters is None:
            self._cursor.execute(sql)
        else:
            self._cursor.execute(sql, parameters)
        return self

    async def executemany(self, sql: str, parameters: Iterable[Any]) -> InlineCursor:
        self._cursor.executemany(sql, parameters)
        return self

    async def fetchone(self) -> Any:
        return self._cursor.fetchone()

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        if size is None:
            return self._cursor.fetchmany()
        return self._cursor.fetchmany(size)

    async def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    async def close(self) -> None:
        self._cursor.close()

    async def setinputsizes(self, *_sizes: Any) -> None:
        return None

    async def nextset(self) -> None:
        return None

    @property
    def description(self) -> Any:
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    @property
    def arraysize(self) -> int:
        return self._cursor.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cursor.arraysize = value


class InlineConnection:
    """aiosqlite's Connection interface over one sqlite3 connection."""

    def __init__(self, path: str, pace: CommitPace | None = None) -> None:
        self.pace = pace or CommitPace()
        # check_same_thread=False: a commit may run on a worker thread (never concurrently).
        self._conn = sqlite3.connect(path, check_same_thread=False)
        # The attribute names SQLAlchemy's adapter reads on an aiosqlite connection.
        self._connection: sqlite3.Connection | None = self._conn
        self._tx = _Immediate()

    @property
    def raw(self) -> sqlite3.Connection:
        """The sqlite3 connection, for statements run past SQLAlchemy (``store.raw``)."""
        return self._conn

    @property
    def isolation_level(self) -> str | None:
        return self._conn.isolation_level

    @isolation_level.setter
    def isolation_level(self, value: Any) -> None:
        self._conn.isolation_level = value

    @property
    def in_transaction(self) -> bool:
        return self._conn.in_transaction

    def cursor(self) -> InlineCursor:
        return InlineCursor(self._conn.cursor())

    async def execute(self, sql: str, parameters: Sequence[Any] | None = None) -> InlineCursor:
        return await self.cursor().execute(sql, parameters)

    async def commit(self) -> None:
        if not self._conn.in_transaction:
            return
        if self.pace.inline:
            self._timed_commit()
            return
        done = asyncio.ensure_future(asyncio.to_thread(self._timed_commit))
        try:
            await asyncio.shield(done)
        except asyncio.CancelledError:
            # The thread goes on with the commit: nothing may touch this connection (a
            # rollback on close, say) until it has finished.
            await asyncio.wait([done])
            raise

    def _timed_commit(self) -> None:
        started = time.perf_counter()
        try:
            self._conn.commit()
        finally:
            self.pace.record(time.perf_counter() - started)

    async def rollback(self) -> None:
        self._conn.rollback()

    async def create_function(self, *args: Any, **kwargs: Any) -> None:
        self._conn.create_function(*args, **kwargs)

    async def close(self) -> None:
        if self._connection is not None:
            self._connection = None
            self._conn.close()

    def stop(self) -> None:
        if self._connection is not None:
            self._connection = None
            self._conn.close()


def creator(path: str) -> Callable[[], Any]:
    """An ``async_creator`` for ``create_async_engine("sqlite+aiosqlite://...")``."""

    pace = CommitPace()

    async def connect() -> InlineConnection:
        return InlineConnection(path, pace)

    return connect
