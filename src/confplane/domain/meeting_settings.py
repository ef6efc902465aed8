"""Records of the meeting controls beyond lock and mute-all: settings, focus, links."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from confplane.domain.model import Conference, Member


class FocusAction(Enum):
    FOCUS = "focus"
    UN_FOCUS = "un_focus"


@dataclass(frozen=True, slots=True)
class MeetingSettings:
    """What UpdateVideoConferenceSetting, Focus and UpdateVideoConferenceExtInfo keep of a
    meeting besides its lock and mute-all; a meeting nobody changed has these defaults."""

    allow_unmute_self: bool = True
    auto_transfer_host: bool = False
    forbidden_share_screen: bool = False
    only_internal_employees: bool = False
    focus_union_id: str | None = None
    # A JSON object, as the app sent it.
    ext_info: str | None = None


DEFAULT_SETTINGS = MeetingSettings()


@dataclass(frozen=True, slots=True)
class SettingChanges:
    """The settings one UpdateVideoConferenceSetting names (None: left as it is)."""

    allow_unmute_self: bool | None = None
    auto_transfer_host: bool | None = None
    forbidden_share_screen: bool | None = None
    lock_conference: bool | None = None
    mute_all: bool | None = None
    only_internal_employees: bool | None = None

    def empty(self) -> bool:
        return all(
            value is None
            for value in (
                self.allow_unmute_self,
                self.auto_transfer_host,
                self.forbidden_share_screen,
                self.lock_conference,
                self.mute_all,
                self.only_internal_employees,
            )
        )


@dataclass(frozen=True, slots=True)
class Attendance:
    """How many members are in the meeting now, ever came in, and were asked in."""

    active: int
    attended: int
    invited: int


@dataclass(frozen=True, slots=True)
class ConferenceDetails:
    """One meeting as QueryConferenceInfo shows it."""

    conference: Conference
    settings: MeetingSettings
    attendance: Attendance
    creator_nick: str | None
    external_link_url: str


@dataclass(frozen=True, slots=True)
class RoomCodePage:
    """Meetings of one room code, newest first (QueryConferenceInfoByRoomCode)."""

    conferences: list[Conference]
    creator_nicks: dict[str, str]
    total_count: int
    next_token: str | None
    public_url: str


@dataclass(frozen=True, slots=True)
class OngoingMeetings:
    """A user's meetings in progress, each with the user's member record in it."""

    conference_ids: list[str]
    members: dict[str, Member]


@dataclass(frozen=True, slots=True)
class Invitee:
    union_id: str
    nick: str | None = None


@dataclass(frozen=True, slots=True)
class NewShortLink:
    code: str
    conference_pk: int
    creator_union_id: str
    cool_app_code: str
    extension_app_biz_data: str | None
    use_extension_app: bool
    created_at: int


@dataclass(frozen=True, slots=True)
class LinkTarget:
    """Where a short link leads: a meeting's join page."""

    conference_id: str
    room_code: str
