"""Fan-out of committed commands to the hubs of every server process.

The process that made a change hands its commands to its own hub at once. Other
processes only learn "meeting X changed, seq N" and read the commands from the database,
so a lost or late notification costs latency, never a command.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Sequence
from typing import Any, Protocol

from confplane.devices.hub import Hub
from confplane.domain.events import Command

log = logging.getLogger("confplane.devices")

REDIS_CHANNEL = "confplane:devices"
PG_CHANNEL = "confplane_devices"


class Fanout(Protocol):
    """A backend; it is the domain's Notifier (ConferenceService.notifier)."""

    async def start(self) -> None: ...

    async def publish(self, commands: Sequence[Command]) -> None: ...

    async def close(self) -> None: ...


class LocalFanout:
    """One server process: the hub is everyone."""

    def __init__(self, hub: Hub) -> None:
        self.hub = hub

    async def start(self) -> None:
        return None

    async def publish(self, commands: Sequence[Command]) -> None:
        self.hub.publish_local(commands)

    async def close(self) -> None:
        return None


def _latest(commands: Sequence[Command]) -> dict[int, int]:
    latest: dict[int, int] = {}
    for command in commands:
        latest[command.conference_pk] = max(latest.get(command.conference_pk, 0), command.seq)
    return latest


def _received(hub: Hub, origin: str, data: Any) -> None:
    """``origin pk seq`` from another process: its commands are in the database."""
    try:
        sender, pk, seq = (data.decode() if isinstance(data, bytes) else str(data)).split()
        if sender != origin:
            hub.notify(int(pk), int(seq))
    except ValueError:
        log.warning("ignoring a malformed fan-out message: %r", data)


class RedisFanout:
    """Several server processes: each publishes ``origin pk seq`` on one Redis channel and
    every other process's hub catches the meeting up from the database."""

    def __init__(self, hub: Hub, url: str) -> None:
        import redis.asyncio as redis

        self.hub = hub
        self.origin = secrets.token_hex(8)
        self._redis: Any = redis.from_url(url)
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
        await pubsub.subscribe(REDIS_CHANNEL)
        self._task = asyncio.get_running_loop().create_task(self._listen(pubsub))

    async def publish(self, commands: Sequence[Command]) -> None:
        self.hub.publish_local(commands)
        for pk, seq in _latest(commands).items():
            try:
                await self._redis.publish(REDIS_CHANNEL, f"{self.origin} {pk} {seq}")
            except Exception:
                log.exception("could not publish meeting %s seq %s to Redis", pk, seq)

    async def _listen(self, pubsub: Any) -> None:
        while True:
            try:
                async for message in pubsub.listen():
                    _received(self.hub, self.origin, message.get("data"))
            except asyncio.CancelledError:
                await pubsub.aclose()
                raise
            except Exception:
                log.exception("Redis subscription failed; retrying")
                await asyncio.sleep(1.0)
                # Whatever was published meanwhile is in the database.
                self.hub.refresh_all()

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        await self._redis.aclose()


class PostgresFanout:
    """Several server processes on one PostgreSQL database and no Redis: the same
    ``origin pk seq`` message, over LISTEN/NOTIFY (a few bytes, far below NOTIFY's 8 KB)."""

    def __init__(self, hub: Hub, dsn: str) -> None:
        self.hub = hub
        self.origin = secrets.token_hex(8)
        self._dsn = dsn.replace("postgresql+asyncpg://", "postgresql://")
        self._listener: Any = None
        self._publisher: Any = None
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await self._connect()
        self._task = asyncio.get_running_loop().create_task(self._watch())

    async def _connect(self) -> None:
        import asyncpg  # type: ignore[import-untyped]

        self._listener = await asyncpg.connect(self._dsn)
        await self._listener.add_listener(PG_CHANNEL, self._on_notify)
        self._publisher = await asyncpg.connect(self._dsn)

    def _on_notify(self, _conn: Any, _pid: int, _channel: str, payload: str) -> None:
        _received(self.hub, self.origin, payload)

    async def publish(self, commands: Sequence[Command]) -> None:
        self.hub.publish_local(commands)
        for pk, seq in _latest(commands).items():
            try:
                async with self._lock:  # one statement at a time on the connection
                    await self._publisher.execute(
                        "SELECT pg_notify($1, $2)", PG_CHANNEL, f"{self.origin} {pk} {seq}"
                    )
            except Exception:
                log.exception("could not notify meeting %s seq %s", pk, seq)

    async def _watch(self) -> None:
        """Reconnect a lost listener; catch every meeting up from the database after."""
        while True:
            await asyncio.sleep(1.0)
            if self._listener is not None and not self._listener.is_closed():
                continue
            try:
                await self._close_connections()
                await self._connect()
                self.hub.refresh_all()
            except Exception:
                log.exception("PostgreSQL fan-out: reconnecting failed; retrying")

    async def _close_connections(self) -> None:
        for conn in (self._listener, self._publisher):
            if conn is not None and not conn.is_closed():
                await conn.close()

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        await self._close_connections()
