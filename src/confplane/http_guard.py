"""uvicorn's httptools HTTP protocol with ``http_limits`` kept on every connection.

One timer per phase of a connection, never one per read: a new connection arms the
header timer; after a read, a request whose headers or body is still arriving arms the
header or body timer (a request that arrives whole in one read arms none); between
requests uvicorn's own keep-alive timer is the idle timeout. A connection upgraded to a
device WebSocket leaves this protocol and its timers behind: from then on the device
protocol's heartbeat says how long it lives. ``server.py`` passes this class to uvicorn
as ``http=``, bound to one ``ConnectionGuard`` (each worker process unpickles its own).
"""

from __future__ import annotations

import asyncio
import heapq
import http
import logging
from typing import Any

from uvicorn._types import ASGIReceiveCallable, ASGISendCallable, Scope
from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.server import ServerState

from confplane.api import responses
from confplane.http_limits import HttpLimits
from confplane.wire import codec
from confplane.wire.models import ErrorBody

log = logging.getLogger("uvicorn.error")

# Closed and refused connections are counted and written as one line per kind at most
# this often: an attack of thousands of connections is a few lines, not thousands.
REPORT_EVERY_S = 2.0
REFUSED_CODE = "ServiceUnavailable"
REFUSED_MESSAGE = "the server has too many open connections; try again later"


class ConnectionGuard:
    """The limits, and one process's count of connections being closed to keep them."""

    def __init__(self, limits: HttpLimits) -> None:
        self.limits = limits
        # Connections closed to make room whose close has not completed yet: they are
        # still in uvicorn's set, but no longer take a place under the cap.
        self.closing = 0
        # How many idle connections one newcomer over the cap closes: a few at a time, so
        # that a flood does not search the whole set for every connection it opens.
        self.batch = max(1, limits.max_connections // 64)
        self._counts: dict[tuple[int, str], int] = {}
        self._report: asyncio.TimerHandle | None = None

    def __reduce__(self) -> tuple[type[ConnectionGuard], tuple[HttpLimits]]:
        # A worker process starts with the limits and counts of its own.
        return (ConnectionGuard, (self.limits,))

    def over_cap(self, open_connections: int) -> bool:
        return open_connections - self.closing > self.limits.max_connections

    def count(self, loop: asyncio.AbstractEventLoop, level: int, what: str, n: int = 1) -> None:
        """Count ``n`` connections under ``what`` (a message with one %d, for the count)."""
        key = (level, what)
        self._counts[key] = self._counts.get(key, 0) + n
        if self._report is None:
            self._report = loop.call_later(REPORT_EVERY_S, self._write_report)

    def _write_report(self) -> None:
        self._report = None
        counts, self._counts = self._counts, {}
        for (level, what), n in counts.items():
            log.log(level, what, n)


def answer(status: int, code: str, message: str) -> bytes:
    """A whole HTTP response in DingTalk's error shape that closes the connection."""
    rid = responses.request_id()
    body = codec.encode(ErrorBody(code=code, message=message, requestid=rid))
    head = [
        f"HTTP/1.1 {status} {http.HTTPStatus(status).phrase}",
        f"content-type: {responses.JSON}",
        f"content-length: {len(body)}",
        "connection: close",
        *(f"{name}: {value}" for name, value in responses.headers(rid).items()),
    ]
    return ("\r\n".join(head) + "\r\n\r\n").encode("ascii") + body


class GuardedHttpProtocol(HttpToolsProtocol):
    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
        *,
        guard: ConnectionGuard,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self.guard = guard
        self.phase_timer: asyncio.TimerHandle | None = None
        self.timing_body = False
        # Loop time of connecting or of the previous response: the header clock's start.
        self.waiting_since = 0.0
        self.reading_headers = False
        self.reading_body = False
        self.upgraded = False
        self.closing_for_room = False
        self.refused = False

    # -- the connection -------------------------------------------------------------

    def connection_made(  # type: ignore[override]
        self, transport: asyncio.Transport
    ) -> None:
        super().connection_made(transport)
        self.waiting_since = self.loop.time()
        self._arm_header_timer()
        if self.guard.over_cap(len(self.connections)):
            self._make_room()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_timer()
        if self.closing_for_room:
            self.closing_for_room = False
            self.guard.closing -= 1
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.upgraded:
            return
        if self.reading_body:
            if not self.timing_body:
                self._stop_timer()
                self.phase_timer = self.loop.call_later(
                    self.guard.limits.body_timeout_s, self._body_timed_out
                )
                self.timing_body = True
        elif self.reading_headers:
            if self.phase_timer is None:
                self._arm_header_timer()
        elif self.phase_timer is not None:
            self._stop_timer()

    def handle_websocket_upgrade(self) -> None:
        self.upgraded = True
        self._stop_timer()
        if self.refused:
            self.transport.write(answer(503, REFUSED_CODE, REFUSED_MESSAGE))
            self.transport.close()
            return
        super().handle_websocket_upgrade()

    # -- the parser's and the response's callbacks: where a phase ends -------------------

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self.reading_headers = True

    def on_headers_complete(self) -> None:
        self.reading_headers = False
        self.reading_body = True
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        self.reading_body = False
        super().on_message_complete()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self.waiting_since = self.loop.time()
        if self.reading_headers and self.phase_timer is None:
            # A pipelined request's headers were arriving while this one was answered.
            self._arm_header_timer()

    # -- timers ---------------------------------------------------------------------

    def _arm_header_timer(self) -> None:
        deadline = self.waiting_since + self.guard.limits.header_timeout_s
        self.phase_timer = self.loop.call_at(deadline, self._headers_timed_out)

    def _stop_timer(self) -> None:
        if self.phase_timer is not None:
            self.phase_timer.cancel()
            self.phase_timer = None
            self.timing_body = False

    def _in_flight(self) -> bool:
        return self.cycle is not None and not self.cycle.response_complete

    def _headers_timed_out(self) -> None:
        self.phase_timer = None
        if self.transport.is_closing() or self._in_flight():
            return  # a pipelined request waits for the one before it to be answered
        limit = self.guard.limits.header_timeout_s
        if self.reading_headers:
            message = f"the request headers did not arrive within {limit:g} s"
            self.transport.write(answer(408, "RequestTimeout", message))
        self.transport.close()
        self.guard.count(
            self.loop,
            logging.INFO,
            f"connections closed for no complete request headers within {limit:g} s: %d",
        )

    def _body_timed_out(self) -> None:
        self.phase_timer = None
        self.timing_body = False
        cycle = self.cycle
        if self.transport.is_closing() or cycle is None:
            return
        limit = self.guard.limits.body_timeout_s
        if not cycle.response_started:
            message = f"the request body did not arrive within {limit:g} s"
            self.transport.write(answer(408, "RequestTimeout", message))
        # The app's read of the body ends as a client that went away; its answer, if it
        # still makes one, goes nowhere.
        cycle.disconnected = True
        cycle.message_event.set()
        self.transport.close()
        self.guard.count(
            self.loop,
            logging.INFO,
            f"connections closed for no complete request body within {limit:g} s: %d",
        )

    # -- the cap --------------------------------------------------------------------

    def _may_close_for_room(self) -> bool:
        """Idle between requests, or still sending headers: nothing would be lost."""
        return not (
            self.upgraded
            or self.closing_for_room
            or self.transport.is_closing()
            or self._in_flight()
        )

    def _close_for_room(self) -> None:
        self.closing_for_room = True
        self.guard.closing += 1
        self._stop_timer()
        self.transport.close()

    def _make_room(self) -> None:
        """Close the longest-waiting connections without a request in flight; if that is
        not room enough (every place is a device or a request being answered), this one's
        request is refused. A refused connection has no request in flight either, so the
        next newcomer closes it: refusals waiting for their headers never pile up."""
        guard = self.guard
        idle = [
            c
            for c in self.connections
            if isinstance(c, GuardedHttpProtocol) and c is not self and c._may_close_for_room()
        ]
        oldest = heapq.nsmallest(guard.batch, idle, key=lambda c: c.waiting_since)
        for connection in oldest:
            connection._close_for_room()
        cap = guard.limits.max_connections
        if oldest:
            what = f"at the cap of {cap} open connections, closed idle ones: %d"
            guard.count(self.loop, logging.WARNING, what, len(oldest))
        if guard.over_cap(len(self.connections)):
            # Answered once its headers are in: closing before reading the request would
            # make the client's kernel reset the connection and lose the answer.
            self.refused = True
            self.app = _refuse
            what = f"at the cap of {cap} open connections, refused new ones: %d"
            guard.count(self.loop, logging.WARNING, what)


async def _refuse(_scope: Scope, _receive: ASGIReceiveCallable, send: ASGISendCallable) -> None:
    rid = responses.request_id()
    body = codec.encode(ErrorBody(code=REFUSED_CODE, message=REFUSED_MESSAGE, requestid=rid))
    headers = [
        (b"content-type", responses.JSON.encode()),
        (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),
        *((name.encode(), value.encode()) for name, value in responses.headers(rid).items()),
    ]
    await send({"type": "http.response.start", "status": 503, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})
