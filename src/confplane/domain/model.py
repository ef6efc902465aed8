"""Records the domain works with. Plain data: no wire format, no persistence."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum, IntEnum

import msgspec

READ_SCOPE = "VideoConference.Conference.Read"
WRITE_SCOPE = "VideoConference.Conference.Write"
ALL_SCOPES = (READ_SCOPE, WRITE_SCOPE)


class ConferenceStatus(IntEnum):
    INITIALISED = 0
    ENDED = 1
    STARTED = 2


class AttendStatus(IntEnum):
    INITIALISED = 1
    CALLING = 2
    IN_MEETING = 3
    JOIN_FAILED = 4
    KICKED = 5
    LEFT = 6


class DeviceMedia(IntEnum):
    """micStatus / cameraStatus values."""

    UNKNOWN = 0
    CLOSED = 1
    OPEN = 2


class MediaFlag(IntEnum):
    """Bits of a meeting's mediaStatus."""

    MIC_MUTED = 1
    CAMERA_CLOSED = 2
    MUTE_ALL = 4


class MuteAction(Enum):
    """MuteMembers' and MuteAll's action (the wire spells unmute two ways)."""

    MUTE = "mute"
    UNMUTE = "unmute"


class LockAction(Enum):
    LOCK = "lock"
    UNLOCK = "unlock"


class CohostAction(Enum):
    ADD = "add"
    REMOVE = "remove"


class AppKind:
    INTERNAL = "internal"
    SUITE = "suite"


@dataclass(frozen=True, slots=True)
class Org:
    id: int
    corp_id: str
    name: str


@dataclass(frozen=True, slots=True)
class App:
    id: int
    app_key: str
    kind: str
    name: str
    org_id: int | None
    permissions: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class User:
    id: int
    org_id: int
    union_id: str
    user_id: str
    nick: str
    job_number: str | None


@dataclass(frozen=True, slots=True)
class Principal:
    """Who calls: an app acting for one org, with its permissions."""

    app_id: int
    org_id: int
    permissions: frozenset[str]
    # Who, in DingTalk's names (the emulator's journal shows them).
    app_key: str = ""
    corp_id: str = ""


# Meetings, members and devices are read by the hundred per request: msgspec structs are
# built in C (a frozen dataclass's __init__ cost about 2 µs a record, a third of a page of
# 128), and array_like lets the store turn whole lists of rows into records in one call.
class Record(msgspec.Struct, frozen=True, array_like=True, gc=False):
    """Base of the records the store reads in bulk."""


class Conference(Record, frozen=True, array_like=True, gc=False):
    id: int
    conference_id: str
    org_id: int
    title: str
    status: int
    locked: bool
    mute_all: bool
    host_union_id: str
    room_code: str
    conference_password: str
    host_password: str
    created_at: int
    start_time: int | None
    end_time: int | None
    member_count: int
    # Changes with every committed write to the meeting, its members or their devices.
    revision: int


class ConferenceState(Record, frozen=True, array_like=True, gc=False):
    """What a read checks of a meeting before it uses what it has kept of it."""

    id: int
    conference_id: str
    org_id: int
    status: int
    revision: int
    member_count: int


class Member(Record, frozen=True, array_like=True, gc=False):
    id: int
    conference_pk: int
    union_id: str
    nick: str
    job_number: str | None
    attend_status: int
    join_time: int | None
    leave_time: int | None
    duration_ms: int
    present_since: int | None
    host: bool
    co_host: bool
    outer_org: bool
    pstn: bool
    reject_description: str | None

    def duration_at(self, now: int) -> int:
        """Time spent in the meeting, counting the current stay if still present."""
        if self.present_since is None:
            return self.duration_ms
        return self.duration_ms + max(0, now - self.present_since)


class Device(Record, frozen=True, array_like=True, gc=False):
    participant_id: str
    conference_pk: int
    member_id: int
    union_id: str
    mic_status: int
    camera_status: int
    host_muted: bool
    active: bool


@dataclass(frozen=True, slots=True)
class MemberMedia:
    """A member with the combined media state of its active devices."""

    member: Member
    mic_status: int
    camera_status: int


@dataclass(frozen=True, slots=True)
class ConferenceView:
    conference: Conference
    members: list[MemberMedia]
    media_status: int


@dataclass(frozen=True, slots=True)
class MemberPage:
    members: list[Member]
    next_token: str | None
    total_count: int
