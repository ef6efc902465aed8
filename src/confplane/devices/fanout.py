"""Fan-out of committed commands to the hubs of every server process.

The process that made a change hands its commands to its own hub at once. Other
processes only learn "meeting X changed, seq N" over a channel (Redis, or the
database's own notifications) and read the commands from the database, so a lost or
late notification costs latency, never a command.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from confplane.devices.hub import Hub
from confplane.domain.events import Command

log = logging.getLogger("confplane.devices")

REDIS_CHANNEL = "confplane:devices"


class Fanout(Protocol):
    """A backend; it is the domain's Notifier (ConferenceService's ``notifier``)."""

    async def start(self) -> None: ...

    async def publish(self, commands: Sequence[Command]) -> None: ...

    async def problem(self) -> str | None:
        """Why other processes may not hear of this one's commands now, if they may not."""

    async def close(self) -> None: ...


class Channel(Protocol):
    """Short texts between the server processes: Redis pub/sub, PostgreSQL NOTIFY."""

    async def start(
        self, on_message: Callable[[str], None], on_reconnect: Callable[[], None]
    ) -> None: ...

    async def publish(self, text: str) -> None: ...

    async def problem(self) -> str | None: ...

    async def close(self) -> None: ...


class LocalFanout:
    """One server process: the hub is everyone."""

    def __init__(self, hub: Hub) -> None:
        self.hub = hub

    async def start(self) -> None:
        return None

    async def publish(self, commands: Sequence[Command]) -> None:
        self.hub.publish_local(commands)

    async def problem(self) -> str | None:
        return None

    async def close(self) -> None:
        return None


def _latest(commands: Sequence[Command]) -> dict[int, int]:
    latest: dict[int, int] = {}
    for command in commands:
        latest[command.conference_pk] = max(latest.get(command.conference_pk, 0), command.seq)
    return latest


class ChannelFanout:
    """Several server processes: each publishes ``origin pk seq`` on the channel and every
    other process's hub catches the meeting up from the database."""

    def __init__(self, hub: Hub, channel: Channel) -> None:
        self.hub = hub
        self.origin = secrets.token_hex(8)
        self._channel = channel

    async def start(self) -> None:
        # Whatever was published while the channel was down is in the database.
        await self._channel.start(self._received, self.hub.refresh_all)

    def _received(self, text: str) -> None:
        try:
            sender, pk, seq = text.split()
            if sender != self.origin:
                self.hub.notify(int(pk), int(seq))
        except ValueError:
            log.warning("ignoring a malformed fan-out message: %r", text)

    async def publish(self, commands: Sequence[Command]) -> None:
        self.hub.publish_local(commands)
        for pk, seq in _latest(commands).items():
            try:
                await self._channel.publish(f"{self.origin} {pk} {seq}")
            except Exception:
                log.exception("could not announce meeting %s seq %s", pk, seq)

    async def problem(self) -> str | None:
        return await self._channel.problem()

    async def close(self) -> None:
        await self._channel.close()


class RedisChannel:
    """A Redis pub/sub channel, resubscribed after a failure."""

    def __init__(self, url: str, name: str = REDIS_CHANNEL) -> None:
        import redis.asyncio as redis

        self._redis: Any = redis.from_url(url)
        self._name = name
        self._task: asyncio.Task[None] | None = None

    async def start(
        self, on_message: Callable[[str], None], on_reconnect: Callable[[], None]
    ) -> None:
        pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
        await pubsub.subscribe(self._name)
        self._task = asyncio.get_running_loop().create_task(
            self._listen(pubsub, on_message, on_reconnect)
        )

    async def publish(self, text: str) -> None:
        await self._redis.publish(self._name, text)

    async def problem(self) -> str | None:
        try:
            await asyncio.wait_for(self._redis.ping(), timeout=2.0)
        except Exception as exc:
            return f"Redis does not answer ({type(exc).__name__})"
        return None

    async def _listen(
        self, pubsub: Any, on_message: Callable[[str], None], on_reconnect: Callable[[], None]
    ) -> None:
        while True:
            try:
                async for message in pubsub.listen():
                    data = message.get("data")
                    on_message(data.decode() if isinstance(data, bytes) else str(data))
            except asyncio.CancelledError:
                await pubsub.aclose()
                raise
            except Exception:
                log.exception("Redis subscription failed; retrying")
                await asyncio.sleep(1.0)
                on_reconnect()

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        await self._redis.aclose()
