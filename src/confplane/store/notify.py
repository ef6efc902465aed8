"""PostgreSQL's LISTEN/NOTIFY as a channel between the server processes of one database.

It carries short texts (the device fan-out sends "origin meeting seq", far below
NOTIFY's 8 KB); whatever it announces is in the database, so a lost notification costs
latency, never data.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

log = logging.getLogger("confplane.store")

CHANNEL = "confplane_devices"


class PostgresChannel:
    """One connection listens, another publishes; a lost listener is reconnected and
    ``on_reconnect`` tells the subscriber it may have missed messages."""

    def __init__(self, dsn: str, name: str = CHANNEL) -> None:
        self._dsn = dsn
        self._name = name
        self._listener: Any = None
        self._publisher: Any = None
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        self._on_message: Callable[[str], None] = lambda _text: None
        self._on_reconnect: Callable[[], None] = lambda: None

    async def start(
        self, on_message: Callable[[str], None], on_reconnect: Callable[[], None]
    ) -> None:
        self._on_message = on_message
        self._on_reconnect = on_reconnect
        await self._connect()
        self._task = asyncio.get_running_loop().create_task(self._watch())

    async def _connect(self) -> None:
        import asyncpg  # type: ignore[import-untyped]

        self._listener = await asyncpg.connect(self._dsn)
        await self._listener.add_listener(self._name, self._received)
        self._publisher = await asyncpg.connect(self._dsn)

    def _received(self, _conn: Any, _pid: int, _channel: str, payload: str) -> None:
        self._on_message(payload)

    async def publish(self, text: str) -> None:
        async with self._lock:  # one statement at a time on the connection
            await self._publisher.execute("SELECT pg_notify($1, $2)", self._name, text)

    async def problem(self) -> str | None:
        if self._listener is None or self._listener.is_closed():
            return "not listening to PostgreSQL's notifications (reconnecting)"
        return None

    async def _watch(self) -> None:
        """Reconnect a lost listener, then tell the subscriber to catch up."""
        while True:
            await asyncio.sleep(1.0)
            if self._listener is not None and not self._listener.is_closed():
                continue
            try:
                await self._close_connections()
                await self._connect()
                self._on_reconnect()
            except Exception:
                log.exception("PostgreSQL notifications: reconnecting failed; retrying")

    async def _close_connections(self) -> None:
        for conn in (self._listener, self._publisher):
            if conn is not None and not conn.is_closed():
                await conn.close()

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        await self._close_connections()
