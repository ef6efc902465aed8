"""uvicorn's sans-I/O WebSocket protocol, made lean for tens of thousands of idle devices.

uvicorn keeps, for each connection's whole life, an asyncio.Queue (three deques), an
asyncio.Event (one more) and the handshake's request and response with their headers:
about 5 KB of an idle device's 20 KB budget. This subclass swaps the queue and the event
for list-based equivalents with the same methods and drops the handshake objects once the
handshake is done. Behaviour is uvicorn's; ``server.py`` selects this class when this
uvicorn has the sans-I/O protocol (``PROTOCOL`` is None otherwise).
"""

from __future__ import annotations

import asyncio
from typing import Any

try:
    from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
except ImportError:  # pragma: no cover - an older uvicorn: use its default
    WebSocketsSansIOProtocol = None  # type: ignore[assignment,misc]


# Where an app leaves, in a WebSocket's scope, a text frame (bytes) to be sent if the
# server shuts down while the connection is open (Stream mode's SYSTEM disconnect, after
# which the SDK opens a new connection at once, to a process that runs).
FAREWELL = "confplane.farewell"


class Inbox:
    """The part of asyncio.Queue uvicorn uses (put_nowait, get, empty), on a list."""

    __slots__ = ("_items", "_waiter")

    def __init__(self) -> None:
        self._items: list[Any] = []
        self._waiter: asyncio.Future[None] | None = None

    def put_nowait(self, item: Any) -> None:
        self._items.append(item)
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def get(self) -> Any:
        while not self._items:
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        return self._items.pop(0)

    def empty(self) -> bool:
        return not self._items

    def qsize(self) -> int:
        return len(self._items)


class Flag:
    """The part of asyncio.Event uvicorn uses (set, clear, is_set, wait), on a list."""

    __slots__ = ("_value", "_waiters")

    def __init__(self, value: bool = False) -> None:
        self._value = value
        self._waiters: list[asyncio.Future[None]] | None = None

    def is_set(self) -> bool:
        return self._value

    def set(self) -> None:
        self._value = True
        waiters, self._waiters = self._waiters, None
        for waiter in waiters or ():
            if not waiter.done():
                waiter.set_result(None)

    def clear(self) -> None:
        self._value = False

    async def wait(self) -> bool:
        if self._value:
            return True
        waiter = asyncio.get_running_loop().create_future()
        if self._waiters is None:
            self._waiters = []
        self._waiters.append(waiter)
        try:
            await waiter
        finally:
            if self._waiters is not None and waiter in self._waiters:
                self._waiters.remove(waiter)
        return True


if WebSocketsSansIOProtocol is not None:

    class LeanWebSocketProtocol(WebSocketsSansIOProtocol):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.queue = Inbox()  # type: ignore[assignment]
            self.writable = Flag(True)  # type: ignore[assignment]

        def shutdown(self) -> None:
            # The server is stopping: first the frame the app left in the scope for
            # this moment, if any, then uvicorn's close (1012).
            farewell = self.scope.get(FAREWELL) if self.handshake_complete else None
            if isinstance(farewell, bytes) and not self.close_sent:
                self.conn.send_text(farewell)
                self.transport.write(b"".join(self.conn.data_to_send()))
            super().shutdown()

        async def send(self, message: Any) -> None:
            await super().send(message)
            if message["type"] == "websocket.accept" and self.handshake_complete:
                # The handshake is over: its request and response are never read again.
                self.request = None  # type: ignore[assignment]
                self.response = None  # type: ignore[assignment]

    PROTOCOL: str | None = "confplane.devices.uvicorn_ws:LeanWebSocketProtocol"
else:  # pragma: no cover
    PROTOCOL = None
