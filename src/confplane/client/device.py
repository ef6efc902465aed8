"""An async device of confplane's device protocol (docs/device-protocol.md).

One ``Device`` is one WebSocket: it joins a meeting (with a join ticket, or as a guest with
roomCode and password), reports its microphone and camera, keeps a heartbeat, obeys what
the server pushes, and can resume after a lost connection. It is light enough for a test,
the CLI or a benchmark to run thousands from one process.

    ticket = await request_ticket(base_url, access_token, conference_id, union_id)
    device = Device(base_url, conference_id=conference_id, ticket=ticket["ticket"])
    await device.join()
    command = await device.next_command()   # e.g. kind "mute" after MuteMembers
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import msgspec
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from confplane.devices import protocol
from confplane.devices.protocol import Command

CLOSED = 1
OPEN = 2

OnCommand = Callable[["Device", Command], None]


class DeviceError(Exception):
    """The server refused something: an ``error`` frame (and perhaps a close)."""

    def __init__(self, code: str, message: str, close: int | None = None) -> None:
        super().__init__(f"{code}: {message}" + (f" (close {close})" if close else ""))
        self.code = code
        self.message = message
        self.close = close


class DeviceClosedError(DeviceError):
    """The connection closed while waiting for something (``close`` is its close code;
    a resume that replays a kick or a close ends this way)."""

    def __init__(self, close: int | None, reason: str) -> None:
        super().__init__("connection_closed", reason or "the connection closed", close)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Closed:
    code: int | None
    reason: str


def ws_url(url: str) -> str:
    """``http://host:port`` (the server's base URL) or a ws:// URL, as the device URL."""
    if url.startswith(("ws://", "wss://")):
        return url
    scheme, _, rest = url.rstrip("/").partition("://")
    return ("wss" if scheme == "https" else "ws") + "://" + rest + protocol.PATH


async def request_ticket(
    base_url: str,
    access_token: str,
    conference_id: str,
    union_id: str,
    *,
    ttl_seconds: int | None = None,
    client: httpx.AsyncClient | None = None,
) -> dict[str, Any]:
    """POST /confplane/v1/conferences/{id}/join-tickets with an app's access token."""
    body: dict[str, Any] = {"unionId": union_id}
    if ttl_seconds is not None:
        body["ttlSeconds"] = ttl_seconds
    url = f"{base_url.rstrip('/')}/confplane/v1/conferences/{conference_id}/join-tickets"
    headers = {"x-acs-dingtalk-access-token": access_token}
    if client is None:
        async with httpx.AsyncClient(timeout=10.0) as own:
            response = await own.post(url, json=body, headers=headers)
    else:
        response = await client.post(url, json=body, headers=headers)
    data: dict[str, Any] = response.json()
    if response.status_code >= 400:
        raise DeviceError(str(data.get("code")), str(data.get("message")))
    return data


class Device:
    """One simulated (or scripted) device. Not thread-safe; one event loop."""

    def __init__(
        self,
        url: str,
        *,
        conference_id: str | None = None,
        ticket: str | None = None,
        room_code: str | None = None,
        password: str | None = None,
        nick: str | None = None,
        mic: int = OPEN,
        camera: int = OPEN,
        obey: bool = True,
        heartbeat: bool = True,
        on_command: OnCommand | None = None,
        open_timeout: float = 10.0,
        local_address: str | None = None,
    ) -> None:
        self.url = ws_url(url)
        self.conference_id = conference_id
        self.ticket = ticket
        self.room_code = room_code
        self.password = password
        self.nick = nick
        self.mic = mic
        self.camera = camera
        self.obey = obey
        self.heartbeat = heartbeat
        self.on_command = on_command
        self.open_timeout = open_timeout
        # The address to connect from (e.g. another loopback address), else the system's.
        self.local_address = local_address
        self.participant_id: str | None = None
        self.union_id: str | None = None
        self.resume_token: str | None = None
        self.joined: protocol.Joined | None = None
        # The seq of the last command received: what a resume asks to continue after.
        self.seq = 0
        self.host_muted = False
        self.locked = False
        self.host = False
        self.co_host = False
        self.kicked = False
        self.ended = False
        self.commands: list[Command] = []
        self.errors: list[protocol.Error] = []
        self.closed: Closed | None = None
        self._ws: ClientConnection | None = None
        self._reader: asyncio.Task[None] | None = None
        self._beater: asyncio.Task[None] | None = None
        self._queue: asyncio.Queue[Command] = asyncio.Queue()
        self._error_queue: asyncio.Queue[protocol.Error] = asyncio.Queue()
        self._welcome: asyncio.Future[protocol.Joined] | None = None
        self._pending: dict[int, asyncio.Future[Any]] = {}
        self._refs = itertools.count(1)
        self._closed_event = asyncio.Event()

    # -- connecting --------------------------------------------------------------

    async def join(self) -> protocol.Joined:
        """Connect and join; raises DeviceError if the server refuses."""
        frame = protocol.Join(
            conference_id=self.conference_id,
            ticket=self.ticket,
            room_code=self.room_code,
            password=self.password,
            nick=self.nick,
            mic=self.mic,
            camera=self.camera,
        )
        return await self._enter(protocol.encode(frame))

    async def resume(self) -> protocol.Joined:
        """Reconnect after a lost connection and continue where it left off: the server
        sends the commands missed since ``seq``, in order."""
        if self.participant_id is None or self.resume_token is None:
            raise RuntimeError("resume needs a device that has joined")
        await self.drop()
        frame = protocol.Resume(
            participant_id=self.participant_id,
            resume_token=self.resume_token,
            last_seq=self.seq,
        )
        return await self._enter(protocol.encode(frame))

    async def connect(self) -> None:
        """Open the WebSocket only (tests send their own first frame)."""
        self.closed = None
        self._closed_event = asyncio.Event()
        local: dict[str, Any] = {}
        if self.local_address is not None:
            local["local_addr"] = (self.local_address, 0)
        self._ws = await connect(
            self.url,
            compression=None,
            ping_interval=None,
            open_timeout=self.open_timeout,
            max_size=protocol.MAX_MESSAGE_BYTES,
            proxy=None,
            **local,
        )
        self._reader = asyncio.get_running_loop().create_task(self._read(self._ws))

    async def _enter(self, first_frame: str) -> protocol.Joined:
        await self.connect()
        self._welcome = asyncio.get_running_loop().create_future()
        await self.send_raw(first_frame)
        joined: protocol.Joined = await self._wait(self._welcome)
        self.joined = joined
        self.participant_id = joined.participant_id
        self.union_id = joined.union_id
        self.conference_id = joined.conference_id
        self.resume_token = joined.resume_token
        if not joined.resumed:
            self.seq = joined.seq
        self.mic, self.camera = joined.mic, joined.camera
        self.host_muted, self.locked = joined.host_muted, joined.locked
        self.host, self.co_host = joined.host, joined.co_host
        if self.heartbeat:
            self._beater = asyncio.get_running_loop().create_task(self._beat(joined.heartbeat_s))
        return joined

    # -- talking -----------------------------------------------------------------

    async def send_raw(self, data: str | bytes) -> None:
        if self._ws is None:
            raise RuntimeError("not connected")
        await self._ws.send(data)

    async def report(self, mic: int | None = None, camera: int | None = None) -> Any:
        """Report the microphone and/or camera; returns the server's Ack, or the
        Correction it answered with (a host-muted microphone stays closed)."""
        ref = next(self._refs)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending[ref] = future
        if mic is not None:
            self.mic = mic
        if camera is not None:
            self.camera = camera
        await self.send_raw(protocol.encode(protocol.State(mic=mic, camera=camera, ref=ref)))
        return await self._wait(future)

    async def ping(self) -> protocol.Pong:
        ref = next(self._refs)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending[ref] = future
        await self.send_raw(protocol.encode(protocol.Ping(ref=ref)))
        pong: protocol.Pong = await self._wait(future)
        return pong

    async def leave(self) -> Closed:
        """Leave the meeting for good and wait for the server to close."""
        await self.send_raw(protocol.encode(protocol.Leave()))
        return await self.wait_closed()

    async def drop(self) -> None:
        """Lose the connection without leaving (the server keeps the place for the grace
        period)."""
        self._stop_beating()
        if self._ws is not None:
            await self._ws.close()
        if self._reader is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
        self._ws = None

    async def close(self) -> None:
        await self.drop()

    # -- waiting -----------------------------------------------------------------

    async def next_command(self, within: float | None = 10.0) -> Command:
        """The next command received (in seq order); TimeoutError after ``within`` s."""
        return await asyncio.wait_for(self._queue.get(), within)

    async def next_error(self, within: float | None = 10.0) -> protocol.Error:
        return await asyncio.wait_for(self._error_queue.get(), within)

    async def wait_closed(self, within: float | None = 10.0) -> Closed:
        await asyncio.wait_for(self._closed_event.wait(), within)
        assert self.closed is not None
        return self.closed

    def pending_commands(self) -> list[Command]:
        """Commands received but not yet taken with next_command()."""
        items: list[Command] = []
        while not self._queue.empty():
            items.append(self._queue.get_nowait())
        return items

    async def _wait(self, future: asyncio.Future[Any]) -> Any:
        closed = asyncio.ensure_future(self._closed_event.wait())
        try:
            done, _ = await asyncio.wait(
                {future, closed}, timeout=self.open_timeout, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            closed.cancel()
        if future in done:
            return future.result()
        if not done:
            raise TimeoutError("no answer from the server")
        assert self.closed is not None
        raise DeviceClosedError(self.closed.code, self.closed.reason)

    # -- receiving ---------------------------------------------------------------

    async def _read(self, ws: ClientConnection) -> None:
        try:
            async for message in ws:
                self._dispatch(protocol.outbound_decoder.decode(message))
        except ConnectionClosed:
            pass
        except msgspec.DecodeError as exc:
            self.errors.append(protocol.Error("bad_server_frame", str(exc)))
        finally:
            code = ws.close_code
            self.closed = Closed(code, ws.close_reason or "")
            self._stop_beating()
            for future in [*self._pending.values(), self._welcome]:
                if future is not None and not future.done():
                    future.set_exception(DeviceClosedError(code, self.closed.reason))
            self._pending.clear()
            self._closed_event.set()

    def _dispatch(self, frame: protocol.Outbound) -> None:
        if isinstance(frame, protocol.Command):
            self._obey(frame)
        elif isinstance(frame, protocol.Joined):
            if self._welcome is not None and not self._welcome.done():
                self._welcome.set_result(frame)
        elif isinstance(frame, protocol.Error):
            self.errors.append(frame)
            self._error_queue.put_nowait(frame)
            waiting = self._pending.pop(frame.ref, None) if isinstance(frame.ref, int) else None
            if waiting is None and self._welcome is not None and not self._welcome.done():
                waiting = self._welcome
            if waiting is not None and not waiting.done():
                waiting.set_exception(DeviceError(frame.code, frame.message, frame.close))
        else:
            if isinstance(frame, protocol.Correction) and self.obey:
                self.mic, self.camera = frame.mic, frame.camera
                # unmute_forbidden: the meeting forbids self-unmute; the host holds nothing.
                self.host_muted = frame.reason == "host_muted"
            ref = frame.ref
            future = self._pending.pop(ref, None) if isinstance(ref, int) else None
            if future is not None and not future.done():
                future.set_result(frame)

    def _obey(self, command: Command) -> None:
        self.seq = command.seq
        if self.obey:
            kind, data = command.kind, command.data
            if kind == "mute":
                # A mute-all without force closes the microphone but does not hold it.
                self.mic, self.host_muted = CLOSED, bool(data.get("force", True))
            elif kind == "unmute":
                self.mic, self.host_muted = OPEN, False
            elif kind == "mute_lifted":
                self.host_muted = False
            elif kind in ("locked", "unlocked"):
                self.locked = kind == "locked"
            elif kind == "kicked":
                self.kicked = True
            elif kind == "closed":
                self.ended = True
            elif kind == "role_changed" and data.get("unionId") == self.union_id:
                self.host = bool(data.get("host"))
                self.co_host = bool(data.get("coHost"))
        self.commands.append(command)
        if self.on_command is not None:
            self.on_command(self, command)
        self._queue.put_nowait(command)

    # -- heartbeat ---------------------------------------------------------------

    async def _beat(self, interval: float) -> None:
        ws = self._ws
        frame = protocol.encode(protocol.Ping())
        with contextlib.suppress(ConnectionClosed, asyncio.CancelledError):
            while ws is not None:
                await asyncio.sleep(interval)
                await ws.send(frame)

    def _stop_beating(self) -> None:
        if self._beater is not None:
            self._beater.cancel()
            self._beater = None
