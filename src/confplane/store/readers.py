"""Connections kept out of SQLAlchemy's pool, for reads.

Checking a connection out of SQLAlchemy's pool and back cost as much as the rest of a
cached read; a connection given back with ``async with engine.connect()`` is even closed
in a task of its own, after every other ready task, so under load the pool ran dry. Reads
therefore take a connection from this small set, opened on first need and kept; when all
are busy a read waits its turn here, on the event loop, instead of in the pool.
"""

from __future__ import annotations

import asyncio

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine


class ReaderPool:
    """At most ``size`` connections taken from ``engine``'s pool and kept for reads."""

    def __init__(self, engine: AsyncEngine, size: int) -> None:
        self._engine = engine
        self._turns = asyncio.Semaphore(size)
        self._idle: list[AsyncConnection] = []
        self._closed = False
        # Reads holding a connection, and reads waiting for one (read by the metrics).
        self.busy = 0
        self.waiting = 0

    @property
    def kept_idle(self) -> int:
        return len(self._idle)

    async def acquire(self) -> AsyncConnection:
        self.waiting += 1
        try:
            await self._turns.acquire()
        finally:
            self.waiting -= 1
        try:
            conn = self._idle.pop() if self._idle else await self._engine.connect()
        except BaseException:
            self._turns.release()
            raise
        self.busy += 1
        return conn

    async def release(self, conn: AsyncConnection, *, healthy: bool) -> None:
        """Kept for the next read; closed instead if it failed mid-statement or broke."""
        try:
            keep = healthy and not conn.invalidated and not self._closed
            if keep and conn.in_transaction():  # a statement through SQLAlchemy began one
                try:
                    await conn.rollback()
                except DBAPIError:
                    keep = False
            if keep:
                self._idle.append(conn)
            else:
                await conn.close()
        finally:
            self.busy -= 1
            self._turns.release()

    async def close(self) -> None:
        self._closed = True
        while self._idle:
            await self._idle.pop().close()
