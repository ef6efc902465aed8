"""The ``action`` words of the conference API, parsed once into the domain's enums.

MuteMembers spells unmuting ``un_mute`` and MuteAll ``unmute``; the domain sees only
``MuteAction``.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from typing import TypeVar

from confplane.domain.errors import InvalidCommand, InvalidParams
from confplane.domain.meeting_settings import FocusAction
from confplane.domain.model import CohostAction, LockAction, MuteAction

E = TypeVar("E", bound=Enum)

MUTE_MEMBERS: Mapping[str, MuteAction] = {"mute": MuteAction.MUTE, "un_mute": MuteAction.UNMUTE}
MUTE_ALL: Mapping[str, MuteAction] = {"mute": MuteAction.MUTE, "unmute": MuteAction.UNMUTE}
LOCK: Mapping[str, LockAction] = {"lock": LockAction.LOCK, "unlock": LockAction.UNLOCK}
COHOSTS: Mapping[str, CohostAction] = {"add": CohostAction.ADD, "remove": CohostAction.REMOVE}
FOCUS: Mapping[str, FocusAction] = {"focus": FocusAction.FOCUS, "un_focus": FocusAction.UN_FOCUS}


def parse(words: Mapping[str, E], action: str | None, *, required: bool = True) -> E:
    """The enum ``action`` names; an empty action is ``InvalidParams`` when ``required``
    (the seeds' "action is required"), any other unknown word ``InvalidCommand``."""
    if not action and required:
        raise InvalidParams("action is required")
    found = words.get(action or "")
    if found is None:
        raise InvalidCommand(f"action must be {' or '.join(words)}, not {action!r}")
    return found
