"""``confplane join``: this terminal becomes a device in a meeting (confplane only).

It joins over the device WebSocket with a join ticket, obeys what the server pushes
(mute, lock, close...), shows the members as they come and go (QueryConferenceInfoBatch,
polled), and takes keys: m toggles the microphone, c the camera, q leaves.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import termios
import tty
from collections.abc import Iterator
from typing import Annotated

import typer
from rich.live import Live

from confplane.cli.board import Board, describe_command
from confplane.cli.errors import ExitCode, NotFound
from confplane.cli.options import session
from confplane.cli.output import stdout_console
from confplane.cli.session import Session
from confplane.client.device import CLOSED, OPEN, Device, request_ticket
from confplane.client.dingtalk import AsyncDingTalkClient, DingTalkError
from confplane.devices.protocol import Correction

_ENDING = ("closed", "kicked")


def join(
    ctx: typer.Context,
    conference_id: Annotated[
        str, typer.Argument(metavar="CONFERENCE_ID", help="The meeting's conferenceId.")
    ],
    union_id: Annotated[str, typer.Option("--as", help="unionId of the user this device is.")],
    mic: Annotated[bool, typer.Option("--mic/--no-mic", help="Microphone on at first.")] = True,
    camera: Annotated[
        bool, typer.Option("--camera/--no-camera", help="Camera on at first.")
    ] = True,
    refresh: Annotated[
        float, typer.Option("--refresh", min=0.05, help="Seconds between member list reads.")
    ] = 2.0,
) -> None:
    """Join a meeting as a device: see its members live and obey the host (confplane)."""
    asyncio.run(_attend(session(ctx), conference_id, union_id, mic, camera, refresh))


async def _attend(
    current: Session, conference_id: str, union_id: str, mic: bool, camera: bool, refresh: float
) -> None:
    out = stdout_console()
    async with AsyncDingTalkClient(
        current.credentials(), endpoint=current.endpoint, timeout=current.timeout
    ) as api:
        # Reading the meeting first gives DingTalk's error for an unknown or ended one.
        if not (await api.query_conference_info_batch([conference_id])).infos:
            raise NotFound(f"no meeting in progress has conferenceId {conference_id}")
        ticket = await request_ticket(
            current.endpoint, await api.access_token(), conference_id, union_id
        )
        device = Device(
            current.endpoint,
            conference_id=conference_id,
            ticket=str(ticket["ticket"]),
            mic=OPEN if mic else CLOSED,
            camera=OPEN if camera else CLOSED,
        )
        joined = await device.join()
        live = Live(console=out, auto_refresh=False, transient=True) if out.is_terminal else None

        def emit(text: str) -> None:
            if live is None:
                typer.echo(text)
            else:
                live.update(board.render(), refresh=True)

        board = Board(device, emit)
        stop = asyncio.Event()
        with _signals(stop), _keys(device, board, stop), live or contextlib.nullcontext():
            board.event(
                f"Joined meeting {joined.conference_id} as {joined.nick} "
                f"(participant {joined.participant_id})"
            )
            ending = await _until_the_end(api, device, board, stop, refresh)
            if ending is None:  # asked to stop: leave for good
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(device.leave(), 5)
                board.event("Left the meeting")
            elif ending == "lost":
                board.event("The connection to the server was lost")
        if live is not None:  # the board goes; its last words stay
            out.print(board.recent[-1])
        await device.close()
        if ending == "lost":
            raise typer.Exit(ExitCode.CONNECTION)


async def _until_the_end(
    api: AsyncDingTalkClient, device: Device, board: Board, stop: asyncio.Event, refresh: float
) -> str | None:
    """Until the meeting ends for this device ('closed', 'kicked'), the connection is
    lost ('lost'), or the user leaves (None)."""

    async def commands() -> str:
        while True:
            command = await device.next_command(within=None)
            board.event(describe_command(command, device.union_id))
            if command.kind in _ENDING:
                return command.kind

    async def members() -> str:
        while True:
            try:
                answer = await api.query_conference_info_batch([device.conference_id or ""])
            except DingTalkError as err:
                if err.code == "resourceClose":  # ended: the closed command says so
                    await asyncio.Event().wait()
                board.event(f"members: {err.code}: {err.message}")
            else:
                if answer.infos:
                    board.update(answer.infos[0])
            await asyncio.sleep(refresh)

    async def lost() -> str:
        await device.wait_closed(within=None)
        await asyncio.sleep(0.2)  # let a closing command that came first be told first
        return "lost"

    async def asked_to_stop() -> None:
        await stop.wait()

    tasks = [asyncio.ensure_future(c) for c in (commands(), members(), lost(), asked_to_stop())]
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
    result = done.pop().result()
    return result if isinstance(result, str) else None


@contextlib.contextmanager
def _signals(stop: asyncio.Event) -> Iterator[None]:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        yield
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)


@contextlib.contextmanager
def _keys(device: Device, board: Board, stop: asyncio.Event) -> Iterator[None]:
    """m, c and q from stdin: single keys on a terminal, lines in a pipe."""
    loop = asyncio.get_running_loop()
    fd = sys.stdin.fileno() if sys.stdin is not None else -1
    saved = None
    if fd >= 0 and os.isatty(fd):
        saved = termios.tcgetattr(fd)
        tty.setcbreak(fd)

    toggles: set[asyncio.Task[None]] = set()  # kept so they are not collected mid-flight

    def on_input() -> None:
        data = os.read(fd, 1024)
        if not data:
            loop.remove_reader(fd)
            return
        for key in data.decode(errors="ignore").lower():
            if key == "q":
                stop.set()
            elif key in "mc":
                task = loop.create_task(_toggle(device, board, key))
                toggles.add(task)
                task.add_done_callback(toggles.discard)

    try:
        loop.add_reader(fd, on_input)
        reading = True
    except (OSError, ValueError):  # a regular file or /dev/null cannot be watched
        reading = False
    try:
        yield
    finally:
        if reading:
            loop.remove_reader(fd)
        if saved is not None:
            termios.tcsetattr(fd, termios.TCSADRAIN, saved)


async def _toggle(device: Device, board: Board, key: str) -> None:
    if key == "m":
        wanted = CLOSED if device.mic == OPEN else OPEN
        answer = await device.report(mic=wanted)
        what = "microphone"
    else:
        wanted = CLOSED if device.camera == OPEN else OPEN
        answer = await device.report(camera=wanted)
        what = "camera"
    if isinstance(answer, Correction):
        board.event(f"the host has muted you: {what} stays off")
    else:
        board.event(f"you turned your {what} {'on' if wanted == OPEN else 'off'}")
