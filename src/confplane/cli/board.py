"""What ``confplane join`` shows: the meeting's members, this device, what happened.

The same events feed both views: printed one per line in a pipe, and drawn as a live
board (members table, device state, recent events) on a terminal.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from confplane.cli import render
from confplane.client.device import Device
from confplane.devices.protocol import Command
from confplane.wire.models import ConferenceInfo, ConferenceUser

_RECENT = 8


@dataclass(frozen=True, slots=True)
class Seen:
    """What the board last knew of one member."""

    nick: str
    attend_status: int
    mic: int
    camera: int

    @classmethod
    def of(cls, user: ConferenceUser) -> Seen:
        return cls(user.nick, user.attend_status, user.mic_status, user.camera_status)

    def describe(self) -> str:
        status = render.ATTEND_STATUS.get(self.attend_status, str(self.attend_status))
        return f"{status}, mic {render.media(self.mic)}, camera {render.media(self.camera)}"


def changes(before: Seen, after: Seen) -> list[str]:
    said = []
    if before.attend_status != after.attend_status:
        said.append(render.ATTEND_STATUS.get(after.attend_status, str(after.attend_status)))
    if before.mic != after.mic:
        said.append(f"mic {render.media(after.mic)}")
    if before.camera != after.camera:
        said.append(f"camera {render.media(after.camera)}")
    return said


def describe_command(command: Command, own_union_id: str | None) -> str:
    data = command.data
    match command.kind:
        case "mute":
            return "the host muted you: microphone off"
        case "unmute":
            return "the host unmuted you: microphone on"
        case "locked":
            return "the meeting is locked"
        case "unlocked":
            return "the meeting is unlocked"
        case "kicked":
            return "you were removed from the meeting"
        case "closed":
            reason = data.get("reason")
            return "the meeting was closed" + (f": {reason}" if reason else "")
        case "role_changed":
            who = "you are" if data.get("unionId") == own_union_id else f"{data.get('unionId')} is"
            role = "the host" if data.get("host") else "a co-host" if data.get("coHost") else ""
            return f"{who} now {role}" if role else f"{who} no longer a co-host"
        case other:
            return f"command {other}"


class Board:
    """Members and events of one joined device; ``emit`` receives each event's text."""

    def __init__(self, device: Device, emit: Callable[[str], None]) -> None:
        self.device = device
        self.info: ConferenceInfo | None = None
        self.members: dict[str, Seen] = {}
        self.recent: deque[str] = deque(maxlen=_RECENT)
        self._emit = emit

    def event(self, text: str) -> None:
        self.recent.append(text)
        self._emit(text)

    def update(self, info: ConferenceInfo) -> None:
        """A fresh view of the meeting: an event per member who came, went or changed."""
        self.info = info
        current = {u.user_id: Seen.of(u) for u in info.user_list}
        told: list[str] = []
        for union_id, now in current.items():
            before = self.members.get(union_id)
            if before is None:
                told.append(f"+ {now.nick} ({union_id}): {now.describe()}")
            else:
                said = changes(before, now)
                if said:
                    told.append(f"~ {now.nick} ({union_id}): {', '.join(said)}")
        for union_id, gone in self.members.items():
            if union_id not in current:
                told.append(f"- {gone.nick} ({union_id})")
        # The members first: each event redraws the board, which must show them already.
        self.members = current
        for text in told:
            self.event(text)

    def render(self) -> RenderableType:
        d = self.device
        title = self.info.title if self.info else ""
        head = Text.assemble(
            ("Meeting ", "bold"), (d.conference_id or "", "bold"), f"  {title}",
            ("  locked" if d.locked else "", "yellow"),
        )  # fmt: skip
        mic = "off (muted by the host)" if d.host_muted else render.media(d.mic)
        you = Text(
            f"You: {d.joined.nick if d.joined else ''} ({d.participant_id})  "
            f"mic {mic}  camera {render.media(d.camera)}"
        )
        table = Table(box=None, header_style="bold", pad_edge=False)
        for column in ("NICK", "UNION ID", "STATUS", "MIC", "CAMERA"):
            table.add_column(column, no_wrap=True)
        for union_id, seen in self.members.items():
            table.add_row(
                seen.nick,
                union_id,
                render.attend_status(seen.attend_status),
                render.media(seen.mic),
                render.media(seen.camera),
            )
        keys = Text("keys: m microphone, c camera, q leave", style="dim")
        events = Text("\n".join(self.recent), style="dim")
        return Group(head, you, Text(""), table, Text(""), events, keys)
