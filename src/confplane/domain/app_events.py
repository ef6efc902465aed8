"""Events of meetings for apps (docs/events.md): what happened, written in the transaction
of the change, and the records of their delivery.

DingTalk publishes no event names for meetings, so confplane names them in its own
namespace, ``confplane_conference_*`` and ``confplane_member_*``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from confplane.domain.clock import now_ms

if TYPE_CHECKING:
    from confplane.domain.model import Conference
    from confplane.domain.storage import Writes

CONFERENCE_CREATED = "confplane_conference_created"
CONFERENCE_STARTED = "confplane_conference_started"
CONFERENCE_LOCKED = "confplane_conference_locked"
CONFERENCE_UNLOCKED = "confplane_conference_unlocked"
CONFERENCE_CLOSED = "confplane_conference_closed"
CONFERENCE_MUTE_ALL_ON = "confplane_conference_mute_all_on"
CONFERENCE_MUTE_ALL_OFF = "confplane_conference_mute_all_off"
MEMBER_INVITED = "confplane_member_invited"
MEMBER_JOINED = "confplane_member_joined"
MEMBER_LEFT = "confplane_member_left"
MEMBER_DECLINED = "confplane_member_declined"
MEMBER_KICKED = "confplane_member_kicked"
MEMBER_MUTED = "confplane_member_muted"
MEMBER_UNMUTED = "confplane_member_unmuted"
MEMBER_ROLE_CHANGED = "confplane_member_role_changed"

EVENT_TYPES = (
    CONFERENCE_CREATED,
    CONFERENCE_STARTED,
    CONFERENCE_LOCKED,
    CONFERENCE_UNLOCKED,
    CONFERENCE_CLOSED,
    CONFERENCE_MUTE_ALL_ON,
    CONFERENCE_MUTE_ALL_OFF,
    MEMBER_INVITED,
    MEMBER_JOINED,
    MEMBER_LEFT,
    MEMBER_DECLINED,
    MEMBER_KICKED,
    MEMBER_MUTED,
    MEMBER_UNMUTED,
    MEMBER_ROLE_CHANGED,
)

STREAM = "stream"
WEBHOOK = "webhook"


@dataclass(frozen=True, slots=True)
class NewEvent:
    org_id: int
    conference_pk: int
    conference_id: str
    type: str
    born_at: int
    payload: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Event:
    id: int
    org_id: int
    corp_id: str
    conference_id: str
    # The meeting's own order: 1, 2, 3... with no gaps among committed events.
    seq: int
    type: str
    born_at: int
    payload: dict[str, Any]

    @property
    def event_id(self) -> str:
        """Stable across redeliveries and unique on this server: what apps de-duplicate
        by (the database id alone would repeat after an emulator reset)."""
        return f"{self.conference_id}-{self.seq}"


@dataclass(frozen=True, slots=True)
class Subscriber:
    id: int
    app_id: int
    kind: str
    url: str
    secret: str | None
    # None: every event type.
    event_types: tuple[str, ...] | None
    max_attempts: int
    created_at: int


@dataclass(frozen=True, slots=True)
class Delivery:
    """One event claimed for one subscriber (leased until delivered or failed)."""

    id: int
    subscriber_id: int
    attempts: int
    event: Event


@dataclass(frozen=True, slots=True)
class DeadLetter:
    id: int
    subscriber_id: int
    attempts: int
    last_error: str
    event: Event


class _Person(Protocol):
    """A member, or one about to be added (``NewMember``)."""

    @property
    def union_id(self) -> str: ...
    @property
    def nick(self) -> str: ...
    @property
    def attend_status(self) -> int: ...


def member_payload(conference: Conference, member: _Person, **extra: Any) -> dict[str, Any]:
    """What every member event says, in DingTalk's field names."""
    return {
        "conferenceId": conference.conference_id,
        "unionId": member.union_id,
        "nick": member.nick,
        "attendStatus": int(member.attend_status),
        **extra,
    }


def conference_payload(conference: Conference, **extra: Any) -> dict[str, Any]:
    return {
        "conferenceId": conference.conference_id,
        "title": conference.title,
        "roomCode": conference.room_code,
        **extra,
    }


async def emit(
    tx: Writes,
    conference: Conference,
    type_: str,
    payload: dict[str, Any],
    *,
    now: int | None = None,
) -> None:
    """Record one event inside the caller's transaction: it commits with the change or
    not at all. ``now``: the caller's clock (the emulator's, where it moves)."""
    await emit_many(tx, conference, [(type_, payload)], now=now)


async def emit_many(
    tx: Writes,
    conference: Conference,
    happened: Sequence[tuple[str, dict[str, Any]]],
    *,
    now: int | None = None,
) -> None:
    """Several events of one meeting (type and payload each), numbered in the order given,
    in as few statements as the store can (a new meeting's created and invited events)."""
    born_at = now_ms() if now is None else now
    await tx.events.append_many(
        [
            NewEvent(
                org_id=conference.org_id,
                conference_pk=conference.id,
                conference_id=conference.conference_id,
                type=type_,
                born_at=born_at,
                payload=payload,
            )
            for type_, payload in happened
        ]
    )
