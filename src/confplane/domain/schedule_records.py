"""Records of scheduled meetings and of meeting statistics (plain data)."""

from __future__ import annotations

from dataclasses import dataclass

import msgspec


class ScheduleSettings(msgspec.Struct, frozen=True, omit_defaults=True):
    """What the booker asked of the meeting (scheduleConfSettingModel), kept as given.

    ``host_union_id``, ``cohost_union_ids`` and ``lock_room`` shape the meeting when it
    opens; the rest are kept and answered (confplane has no waiting room, chat or screen
    share to apply them to).
    """

    host_union_id: str | None = None
    cohost_union_ids: tuple[str, ...] = ()
    conf_allowed_corp_id: str | None = None
    lock_room: int | None = None
    screen_share_forbidden: int | None = None
    mute_on_join: int | None = None
    waiting_room: int | None = None
    join_before_host: int | None = None
    enable_chat: int | None = None
    lock_nick: int | None = None
    lock_media_status_mic_mute: int | None = None
    enable_web_anonymous_join: bool | None = None


class Schedule(msgspec.Struct, frozen=True):
    id: int
    schedule_conference_id: str
    org_id: int
    creator_union_id: str
    title: str
    start_time: int
    end_time: int
    room_code: str
    conference_id: str
    conference_password: str
    host_password: str
    # The meeting, once the start time has come.
    conference_pk: int | None
    cancelled_at: int | None
    settings: ScheduleSettings
    created_at: int


@dataclass(frozen=True, slots=True)
class NewSchedule:
    schedule_conference_id: str
    org_id: int
    creator_union_id: str
    title: str
    start_time: int
    end_time: int
    room_code: str
    conference_id: str
    conference_password: str
    host_password: str
    settings: ScheduleSettings
    created_at: int


# -- statistics ------------------------------------------------------------------------


class DeviceStay(msgspec.Struct, frozen=True, array_like=True):
    """One device's stay in a meeting: from its join to its leave (None while in it)."""

    participant_id: str
    union_id: str
    nick: str
    host: bool
    co_host: bool
    outer_org: bool
    pstn: bool
    joined_at: int
    left_at: int | None
    active: bool
    # Held confplane's device WebSocket (a simulated device joined through the admin API
    # does not).
    websocket: bool


@dataclass(frozen=True, slots=True)
class MeetingFigures:
    """What the statistics of one meeting need beside the meeting itself."""

    creator_nick: str
    # Members who were in the meeting at least once.
    user_count: int
