"""Stream-mode connections of apps to this process, and sending one event over one of
them until the SDK acknowledges it."""

from __future__ import annotations

import asyncio
import itertools
import logging
import secrets
from collections.abc import Awaitable, Callable

import msgspec

from confplane.domain.app_events import Event
from confplane.wire.stream import Ack, AckStatus, Frame

log = logging.getLogger("confplane.events")

SPEC_VERSION = "1.0"
# How long an SDK has to acknowledge an event before it counts as not delivered.
ACK_TIMEOUT_S = 10.0
PING_EVERY_S = 30.0

_encode = msgspec.json.Encoder().encode
_ack = msgspec.json.Decoder(Ack)
_ack_status = msgspec.json.Decoder(AckStatus)

Send = Callable[[str], Awaitable[None]]


class Outcome:
    """How one attempt ended: delivered, or why not."""

    __slots__ = ("delivered", "error")

    def __init__(self, delivered: bool, error: str = "") -> None:
        self.delivered = delivered
        self.error = error


DELIVERED = Outcome(True)


class StreamConnection:
    """One SDK's WebSocket: frames out, acks matched to the frames they answer."""

    def __init__(self, app_id: int, app_key: str, send: Send) -> None:
        self.app_id = app_id
        self.app_key = app_key
        self.connection_id = secrets.token_hex(16)
        self._send = send
        self._waiting: dict[str, asyncio.Future[Ack]] = {}
        self._ids = itertools.count(1)

    async def request(
        self,
        type_: str,
        headers: dict[str, str],
        data: bytes,
        timeout_s: float = ACK_TIMEOUT_S,
    ) -> Ack:
        """Send a frame and wait for its ack (``TimeoutError`` after ``timeout_s``)."""
        message_id = f"{self.connection_id[:8]}-{next(self._ids)}"
        frame = Frame(
            spec_version=SPEC_VERSION,
            type=type_,
            headers={
                **headers,
                "appId": self.app_key,
                "connectionId": self.connection_id,
                "contentType": "application/json",
                "messageId": message_id,
            },
            data=data.decode(),
        )
        waiter: asyncio.Future[Ack] = asyncio.get_running_loop().create_future()
        self._waiting[message_id] = waiter
        try:
            await self._send(_encode(frame).decode())
            return await asyncio.wait_for(waiter, timeout_s)
        finally:
            self._waiting.pop(message_id, None)

    def system_frame(self, topic: str) -> bytes:
        """A SYSTEM frame that needs no answer (``disconnect``)."""
        frame = Frame(
            spec_version=SPEC_VERSION,
            type="SYSTEM",
            headers={
                "appId": self.app_key,
                "connectionId": self.connection_id,
                "contentType": "application/json",
                "messageId": secrets.token_hex(8),
                "topic": topic,
            },
            data="{}",
        )
        return _encode(frame)

    async def ping(self, timeout_s: float) -> bool:
        """A SYSTEM ping; whether the SDK answered it in time."""
        try:
            await self.request("SYSTEM", {"topic": "ping"}, b"{}", timeout_s)
        except (TimeoutError, ConnectionError):
            return False
        return True

    def received(self, raw: str | bytes) -> None:
        """A frame from the SDK: an ack of something we sent, or ignored."""
        try:
            ack = _ack.decode(raw)
        except msgspec.DecodeError:
            log.info("stream connection %s sent a frame that is not an ack", self.connection_id)
            return
        waiter = self._waiting.get(ack.headers.get("messageId", ""))
        if waiter is not None and not waiter.done():
            waiter.set_result(ack)

    def closed(self) -> None:
        for waiter in self._waiting.values():
            if not waiter.done():
                waiter.set_exception(ConnectionError("the connection closed"))


def event_headers(event: Event, app_key: str, now_ms: int) -> dict[str, str]:
    return {
        "topic": "*",
        "time": str(now_ms),
        "eventId": event.event_id,
        "eventType": event.type,
        "eventBornTime": str(event.born_at),
        "eventCorpId": event.corp_id,
        # confplane's apps have no separate unified id: the appKey stands for it.
        "eventUnifiedAppId": app_key,
    }


def judge(ack: Ack) -> Outcome:
    """An ack is a delivery only with code 200 and no ``LATER`` status (Node SDK)."""
    if ack.code != 200:
        return Outcome(False, f"the app answered {ack.code} {ack.message}"[:512])
    if ack.data and ack.data.startswith("{") and '"status"' in ack.data:
        try:
            if _ack_status.decode(ack.data).status == "LATER":
                return Outcome(False, "the app asked for it later")
        except msgspec.DecodeError:
            pass
    return DELIVERED


class StreamHub:
    """The apps' Stream-mode connections held by this process."""

    def __init__(self, *, ping_s: float = PING_EVERY_S) -> None:
        # Seconds between SYSTEM pings; a connection that does not answer one is closed.
        self.ping_s = ping_s
        self._by_app: dict[int, list[StreamConnection]] = {}
        self._turn = itertools.count()
        self._changed: list[Callable[[], None]] = []

    def on_change(self, listener: Callable[[], None]) -> None:
        self._changed.append(listener)

    def add(self, connection: StreamConnection) -> None:
        self._by_app.setdefault(connection.app_id, []).append(connection)
        for listener in self._changed:
            listener()

    def remove(self, connection: StreamConnection) -> None:
        held = self._by_app.get(connection.app_id, [])
        if connection in held:
            held.remove(connection)
        if not held:
            self._by_app.pop(connection.app_id, None)
        connection.closed()

    def app_ids(self) -> list[int]:
        return list(self._by_app)

    def count(self) -> int:
        return sum(len(c) for c in self._by_app.values())

    def count_of(self, app_id: int) -> int:
        return len(self._by_app.get(app_id, ()))

    def pick(self, app_id: int) -> StreamConnection | None:
        """One of the app's connections, in turn: they share its events."""
        held = self._by_app.get(app_id)
        if not held:
            return None
        return held[next(self._turn) % len(held)]

    async def deliver(self, app_id: int, event: Event, now_ms: int) -> Outcome:
        connection = self.pick(app_id)
        if connection is None:
            return Outcome(False, "no connection of the app")
        try:
            ack = await connection.request(
                "EVENT", event_headers(event, connection.app_key, now_ms), _encode(event.payload)
            )
        except TimeoutError:
            return Outcome(False, "no ack in time")
        except ConnectionError as exc:
            return Outcome(False, str(exc))
        return judge(ack)
