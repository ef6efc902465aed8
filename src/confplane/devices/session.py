"""The WebSocket endpoint of devices: one session per connection, frames in, frames out.

A raw ASGI app rather than a Starlette endpoint function: one object less per connection,
and the session can end itself cleanly when its writer is stuck (see Connection.kill).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Protocol

import msgspec
from starlette.types import Receive, Scope, Send

from confplane.devices import protocol
from confplane.devices.connection import Connection
from confplane.devices.hub import Hub
from confplane.devices.peer import client_key
from confplane.devices.protocol import Close
from confplane.domain import errors as e
from confplane.domain import ids
from confplane.domain.clock import now_ms
from confplane.domain.guest_attempts import GuestAttempts, TooManyGuesses
from confplane.domain.model import DeviceMedia
from confplane.domain.presence import Joined, PresenceService
from confplane.domain.tickets import TicketCodec, TicketService

log = logging.getLogger("confplane.devices")

_KNOWN_TYPES = frozenset({"join", "resume", "state", "ping", "leave"})


def describe(err: e.DomainError) -> tuple[str, int]:
    """A refused join or resume as (error code, close code); see docs/device-protocol.md."""
    if isinstance(err, e.InvalidTicket):
        code = {
            "expired": "ticket_expired",
            "other_meeting": "ticket_other_meeting",
        }.get(err.reason, "invalid_ticket")
        return code, Close.UNAUTHORIZED
    table: list[tuple[type[e.DomainError], str, int]] = [
        (e.WrongMeetingPassword, "wrong_password", Close.UNAUTHORIZED),
        (TooManyGuesses, "rate_limited", Close.RATE_LIMITED),
        (e.ConferenceNotFound, "conference_not_found", Close.NOT_FOUND),
        (e.ConferenceEnded, "conference_ended", Close.GONE),
        (e.ConferenceLocked, "conference_locked", Close.LOCKED),
        (e.InternalOnly, "internal_only", Close.FORBIDDEN),
        (e.RejoinForbidden, "rejoin_forbidden", Close.FORBIDDEN),
        (e.UnknownUser, "unknown_user", Close.NOT_FOUND),
        (e.ParticipantLimit, "conference_full", Close.FULL),
        (e.DeviceGone, "resume_expired", Close.GONE),
        (e.InvalidParams, "bad_frame", Close.BAD_REQUEST),
    ]
    for cls, code, close in table:
        if isinstance(err, cls):
            return code, close
    return "internal_error", Close.INTERNAL


class DeviceServices(Protocol):
    """What a device session needs of the server's services."""

    @property
    def hub(self) -> Hub: ...
    @property
    def presence(self) -> PresenceService: ...
    @property
    def tickets(self) -> TicketService: ...
    @property
    def guests(self) -> GuestAttempts: ...


class DeviceEndpoint:
    """ASGI app for ``protocol.PATH``; ``services`` gives the started server's services."""

    def __init__(self, services: Callable[[], DeviceServices]) -> None:
        self._services = services

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "websocket":
            return
        message = await receive()
        if message["type"] != "websocket.connect":
            return
        services = self._services()
        await send({"type": "websocket.accept"})
        # Nothing after the handshake reads the headers; the server's scope would keep
        # them (about 1 KB) for the whole life of the connection.
        scope["headers"] = []
        session = Session(
            services.hub, services.presence, services.tickets.codec, send,
            guests=services.guests, client=scope.get("client"),
        )  # fmt: skip
        await session.run(receive)


class Session:
    __slots__ = ("client", "conn", "guests", "hub", "presence", "tickets")

    def __init__(
        self,
        hub: Hub,
        presence: PresenceService,
        tickets: TicketCodec,
        send: Send,
        *,
        guests: GuestAttempts,
        client: object = None,
    ) -> None:
        self.hub = hub
        self.presence = presence
        self.tickets = tickets
        self.guests = guests
        # The ASGI scope's (host, port): whom guest attempts are counted against.
        self.client = client
        self.conn = Connection(send, hub.now())

    async def run(self, receive: Receive) -> None:
        conn = self.conn
        conn.task = asyncio.current_task()
        self.hub.opened(conn)
        try:
            while True:
                message = await receive()
                if message["type"] != "websocket.receive":
                    break
                if conn.closing is not None:
                    continue  # closing: whatever else the device says is moot
                data = message.get("text")
                if data is None:
                    data = message.get("bytes") or b""
                del message  # not kept alive while idle
                await self._frame(data)
                del data
        except asyncio.CancelledError:
            task = asyncio.current_task()
            if not conn.killed or task is None:
                raise
            task.uncancel()
        finally:
            self.hub.detach(conn)

    async def _frame(self, data: str | bytes) -> None:
        conn = self.conn
        joined = conn.participant_id is not None
        if len(data) > protocol.MAX_FRAME_BYTES:
            conn.error(
                "frame_too_large",
                f"frames are limited to {protocol.MAX_FRAME_BYTES} bytes",
                close=Close.TOO_BIG,
            )
            return
        if not conn.allow(self.hub.now()):
            conn.error("rate_limited", "too many frames", close=Close.RATE_LIMITED)
            return
        try:
            frame = protocol.inbound_decoder.decode(data)
        except msgspec.DecodeError as exc:
            self._bad(data, str(exc), joined)
            return
        except RecursionError:  # JSON nested thousands deep: msgspec gives up
            self._bad(b"", "the frame nests too deeply", joined)
            return
        if isinstance(frame, protocol.Ping):
            conn.send(protocol.encode(protocol.Pong(frame.ref, now_ms())))
        elif isinstance(frame, protocol.State):
            if joined:
                await self._state(frame)
            else:
                self._not_joined()
        elif isinstance(frame, protocol.Join | protocol.Resume):
            if joined:
                conn.error("already_joined", "this connection has joined already")
            elif isinstance(frame, protocol.Join):
                await self._join(frame)
            else:
                await self._resume(frame)
        elif joined:
            await self._leave()
        else:
            self._not_joined()

    def _bad(self, data: str | bytes, problem: str, joined: bool) -> None:
        try:
            kind = protocol.envelope_decoder.decode(data).type
        except msgspec.DecodeError:
            kind = None
        if kind is not None and kind not in _KNOWN_TYPES:
            code, message = "unknown_type", f"unknown frame type {kind!r}"
        else:
            code, message = "bad_frame", problem
        if joined:
            self.conn.error(code, message)
        else:
            self.conn.final = True
            self.conn.error(code, message, close=Close.BAD_REQUEST)

    def _not_joined(self) -> None:
        self.conn.final = True
        self.conn.error(
            "not_joined", "the first frame must be join or resume", close=Close.BAD_REQUEST
        )

    def _refuse(self, err: e.DomainError) -> None:
        code, close = describe(err)
        self.conn.final = True
        self.conn.error(code, err.detail or code, close=close)

    async def _join(self, frame: protocol.Join) -> None:
        if frame.v != protocol.VERSION:
            self.conn.final = True
            self.conn.error(
                "unsupported_version",
                f"this server speaks version {protocol.VERSION}",
                close=Close.BAD_REQUEST,
            )
            return
        try:
            if frame.ticket is not None:
                grant = self.tickets.decode(frame.ticket, frame.conference_id or "")
                joined = await self.presence.join(
                    grant.conference_id,
                    grant.union_id,
                    mic=frame.mic,
                    camera=frame.camera,
                    resumable=True,
                )
            elif frame.room_code is not None:
                async with self.guests.attempt(frame.room_code, client_key(self.client)):
                    joined = await self.presence.join_guest(
                        frame.room_code,
                        frame.password or "",
                        frame.nick or "",
                        mic=frame.mic,
                        camera=frame.camera,
                    )
            else:
                raise e.InvalidParams("join needs a ticket, or a roomCode and a password")
        except e.DomainError as err:
            self._refuse(err)
            return
        self._welcome(joined, joined.seq, resumed=False)

    async def _resume(self, frame: protocol.Resume) -> None:
        try:
            joined = await self.presence.resume(frame.participant_id, frame.resume_token)
        except e.DeviceGone as err:
            ended = await self.hub.replay_to_gone(
                self.conn, frame.participant_id, err.conference_pk, err.conference_id,
                frame.last_seq,
            )  # fmt: skip
            if not ended:
                self._refuse(err)
            return
        except e.DomainError as err:
            self._refuse(err)
            return
        self._welcome(joined, frame.last_seq, resumed=True)

    def _welcome(self, joined: Joined, from_seq: int, *, resumed: bool) -> None:
        assert joined.resume_token is not None
        device, member = joined.device, joined.member
        self.conn.digest = ids.digest(joined.resume_token)
        self.conn.send(
            protocol.encode(
                protocol.Joined(
                    conference_id=joined.conference.conference_id,
                    participant_id=device.participant_id,
                    union_id=device.union_id,
                    nick=member.nick,
                    resume_token=joined.resume_token,
                    seq=joined.seq,
                    mic=device.mic_status,
                    camera=device.camera_status,
                    host_muted=device.host_muted,
                    locked=joined.conference.locked,
                    host=member.host,
                    co_host=member.co_host,
                    heartbeat_s=self.hub.heartbeat_s,
                    grace_s=self.hub.grace_s,
                    resumed=resumed,
                    v=protocol.VERSION,
                )
            )
        )
        self.hub.attach(self.conn, joined, from_seq, resumed)

    async def _state(self, frame: protocol.State) -> None:
        conn = self.conn
        assert conn.participant_id is not None
        try:
            device = await self.presence.report_media(
                conn.participant_id, mic=frame.mic, camera=frame.camera
            )
        except e.InvalidParams as err:
            conn.error("bad_frame", err.detail, ref=frame.ref)
            return
        except e.NotFound:
            return  # kicked or closed meanwhile: that command is on its way
        if frame.mic == DeviceMedia.OPEN and device.mic_status != DeviceMedia.OPEN:
            conn.send(
                protocol.encode(
                    protocol.Correction(
                        mic=device.mic_status,
                        camera=device.camera_status,
                        # Held by the host, or by a meeting that forbids self-unmute.
                        reason="host_muted" if device.host_muted else "unmute_forbidden",
                        ref=frame.ref,
                    )
                )
            )
        elif frame.ref is not None:
            conn.send(
                protocol.encode(
                    protocol.Ack(ref=frame.ref, mic=device.mic_status, camera=device.camera_status)
                )
            )

    async def _leave(self) -> None:
        conn = self.conn
        assert conn.participant_id is not None
        with contextlib.suppress(e.NotFound):  # kicked or closed meanwhile
            await self.presence.leave(conn.participant_id)
        conn.final = True
        conn.end(Close.NORMAL, "left")
