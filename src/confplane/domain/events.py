"""Commands the server pushes to devices after a change is committed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

# Command kinds, as devices receive them.
MUTE = "mute"
UNMUTE = "unmute"
MUTE_LIFTED = "mute_lifted"
KICKED = "kicked"
LOCKED = "locked"
UNLOCKED = "unlocked"
CLOSED = "closed"
ROLE_CHANGED = "role_changed"
NICK_CHANGED = "nick_changed"
FOCUS = "focus"
SETTINGS_CHANGED = "settings_changed"


@dataclass(frozen=True, slots=True)
class Command:
    """One instruction for some devices of one meeting.

    ``participant_ids`` None means every device in the meeting. ``seq`` is the meeting's
    sequence number, taken in the transaction that made the change (0: not recorded).
    """

    kind: str
    conference_pk: int
    conference_id: str
    participant_ids: tuple[str, ...] | None = None
    data: dict[str, object] = field(default_factory=dict)
    seq: int = 0
    # Wall-clock ms when it was recorded, in the change's transaction (0: unknown); the
    # hub measures the fan-out lag from it.
    created_at: int = 0


class Notifier(Protocol):
    async def publish(self, commands: Sequence[Command]) -> None: ...


class NullNotifier:
    """Used when no device channel is attached: commands have nowhere to go."""

    async def publish(self, commands: Sequence[Command]) -> None:
        return None
