"""One device's live WebSocket: a bounded outbox drained by a writer task, so a device
that stops reading only ever blocks its own writer, never the hub or other devices."""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from confplane.devices import protocol
from confplane.devices.protocol import Close
from confplane.domain import events
from confplane.domain.events import Command

log = logging.getLogger("confplane.devices")

Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]

# Frames waiting for one device. A burst (one API call may make hundreds of commands) is
# fine while the writer keeps going; past SOFT_OUTBOX a writer stuck for STUCK_S means the
# device is not reading, and past HARD_OUTBOX it is disconnected whatever the reason.
# Broadcast frames are one shared string, so an entry costs a pointer, not a frame.
SOFT_OUTBOX = 1024
HARD_OUTBOX = 16384
STUCK_S = 1.0
# Flood control: a device may send RATE frames a second, in bursts of up to BURST.
RATE = 20.0
BURST = 60.0
# How long an empty allowance takes to fill again.
REFILL_S = BURST / RATE


class Connection:
    """What the hub knows of one connection. Slotted: there may be tens of thousands."""

    __slots__ = (
        "_send",
        "close_sent",
        "closing",
        "closing_at",
        "conference_id",
        "conference_pk",
        "digest",
        "final",
        "held",
        "killed",
        "last_seen",
        "opened_at",
        "outbox",
        "participant_id",
        "replaying",
        "sending_since",
        "seq",
        "task",
        "tokens",
        "writer",
    )

    def __init__(self, send: Send, now: float) -> None:
        self._send = send
        self.participant_id: str | None = None
        self.conference_pk = 0
        self.conference_id = ""
        # The highest command seq this device has been sent (or was current at join).
        self.seq = 0
        self.digest: str | None = None
        self.outbox: deque[str] | None = None
        self.writer: asyncio.Task[None] | None = None
        # When the send in progress started (0.0: none): a send that never ends is a
        # device that stopped reading.
        self.sending_since = 0.0
        self.task: asyncio.Task[Any] | None = None
        self.opened_at = now
        self.last_seen = now
        self.tokens = BURST
        self.replaying = False
        self.held: list[tuple[Command, str]] | None = None
        self.closing: tuple[int, str] | None = None
        self.closing_at = 0.0
        self.close_sent = False
        # Set when the session ends for good (left, kicked, closed, replaced, refused):
        # no grace period follows.
        self.final = False
        self.killed = False

    # -- input -------------------------------------------------------------------

    def allow(self, now: float) -> bool:
        """Token bucket: False when the device sends faster than RATE for too long."""
        self.tokens = min(BURST, self.tokens + (now - self.last_seen) * RATE)
        self.last_seen = now
        if self.tokens < 1.0:
            return False
        self.tokens -= 1.0
        return True

    def inherit_allowance(self, last_seen: float, tokens: float) -> None:
        """Go on from the allowance the device's previous connection left (a resume)."""
        self.last_seen = last_seen
        self.tokens = tokens

    # -- output ------------------------------------------------------------------

    def send(self, text: str) -> None:
        """Queue one frame; never blocks. A device too far behind is disconnected."""
        if self.closing is not None:
            return
        if self.outbox is None:
            self.outbox = deque()
        if len(self.outbox) >= SOFT_OUTBOX and self._overflowing():
            log.warning("device %s is not reading; disconnecting it", self.participant_id)
            self.kill()
            return
        self.outbox.append(text)
        if self.writer is None:
            self.writer = asyncio.get_running_loop().create_task(self._drain())

    def _overflowing(self) -> bool:
        assert self.outbox is not None
        if len(self.outbox) >= HARD_OUTBOX:
            return True
        return self.stuck_for(asyncio.get_running_loop().time()) > STUCK_S

    def stuck_for(self, now: float) -> float:
        """How long the current send has waited for the device (0.0 when none)."""
        return now - self.sending_since if self.sending_since else 0.0

    def error(
        self, code: str, message: str, *, ref: protocol.Ref = None, close: int | None = None
    ) -> None:
        self.send(protocol.encode(protocol.Error(code, message, ref, close)))
        if close is not None:
            self.end(close, code)

    def push(self, command: Command, frame: str) -> bool:
        """Deliver a command unless this device already has it (or is still replaying);
        True when it was queued to be sent now."""
        if command.seq <= self.seq:
            return False
        if self.replaying:
            assert self.held is not None
            self.held.append((command, frame))
            return False
        self.take(command, frame)
        return True

    def take(self, command: Command, frame: str) -> None:
        self.seq = command.seq
        self.send(frame)
        if command.kind == events.CLOSED:
            self.end(Close.GONE, str(command.data.get("reason", "the meeting was closed")), True)
        elif command.kind == events.KICKED:
            self.end(Close.FORBIDDEN, "kicked", True)

    def end(self, code: int, reason: str, final: bool = False) -> None:
        """Close after the frames already queued have gone out."""
        self.final = self.final or final
        if self.closing is not None:
            return
        self.closing = (code, reason[:120])
        self.closing_at = asyncio.get_running_loop().time()
        if self.writer is None:
            self.writer = asyncio.get_running_loop().create_task(self._drain())

    def kill(self) -> None:
        """Drop a connection that cannot be written to: stop its writer and its session."""
        if self.killed:
            return
        self.killed = True
        self.closing = self.closing or (Close.SLOW_CONSUMER, "slow consumer")
        if self.writer is not None:
            self.writer.cancel()
        if self.task is not None:
            self.task.cancel()
        # A peer that reads nothing keeps a closed socket's unsent bytes (megabytes) in
        # the kernel for as long as it keeps its window shut: reset the connection.
        # uvicorn's send() is a method of the connection's protocol, which has it.
        transport = getattr(getattr(self._send, "__self__", None), "transport", None)
        if transport is not None:
            transport.abort()

    async def _drain(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            while self.outbox:
                text = self.outbox.popleft()
                self.sending_since = loop.time()
                await self._send({"type": "websocket.send", "text": text})
                self.sending_since = 0.0
            # An idle device keeps no deque (a deque costs over 600 bytes).
            self.outbox = None
            if self.closing is not None and not self.close_sent:
                self.close_sent = True
                code, reason = self.closing
                await self._send({"type": "websocket.close", "code": code, "reason": reason})
        except (OSError, RuntimeError):
            # The peer is gone; the session sees the disconnect and cleans up.
            if self.outbox:
                self.outbox.clear()
        finally:
            self.writer = None
            self.sending_since = 0.0
