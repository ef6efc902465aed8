"""Bodies of the console's JSON API and of the join page's roster (camelCase, like the
admin API's). They are the pages' own interface, not an API for apps."""

from __future__ import annotations

from confplane.wire.models import Body


class SignInRequest(Body):
    token: str


class SessionBody(Body):
    signed_in: bool
    csrf_token: str | None = None
    emulator: bool = False


class LiveMeetingBody(Body):
    conference_id: str
    title: str
    room_code: str
    corp_id: str
    org_name: str
    host_union_id: str
    member_count: int
    locked: bool
    mute_all: bool
    created_at: int


class LiveMeetingList(Body):
    items: list[LiveMeetingBody]


class DeviceEntry(Body):
    participant_id: str
    mic_status: int
    camera_status: int
    host_muted: bool


class RosterMember(Body):
    union_id: str
    nick: str
    attend_status: int
    host: bool
    co_host: bool
    outer_org: bool
    mic_status: int
    camera_status: int
    devices: list[DeviceEntry]


class RosterBody(Body):
    conference_id: str
    title: str
    room_code: str
    status: int
    locked: bool
    mute_all: bool
    allow_unmute_self: bool
    focus_union_id: str | None
    revision: int
    members: list[RosterMember]
    truncated: bool
    corp_id: str | None = None
    join_url: str | None = None


class Unchanged(Body):
    unchanged: bool
    revision: int


class ParticipantRosterRequest(Body):
    participant_id: str
    resume_token: str
    revision: int | None = None


class MeetingMuteRequest(Body):
    action: str
    union_id: str
    participant_id: str | None = None


class MeetingMuteAllRequest(Body):
    action: str
    force: bool = False


class MeetingKickRequest(Body):
    union_id: str
    participant_id: str | None = None
    forbidden_rejoin: bool = False


class MeetingCohostRequest(Body):
    action: str
    union_id: str


class MeetingLockRequest(Body):
    action: str


class JoinLinkRequest(Body):
    union_id: str
    ttl_seconds: int | None = None


class JoinLinkBody(Body):
    url: str
    expire_in: int
