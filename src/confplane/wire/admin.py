"""Bodies of the admin API (confplane's own extension, camelCase like the rest)."""

from __future__ import annotations

from confplane.wire.models import Body


class CreateOrgRequest(Body):
    name: str
    corp_id: str | None = None


class OrgBody(Body):
    corp_id: str
    name: str


class CreateAppRequest(Body):
    name: str
    permissions: list[str] | None = None


class AppBody(Body):
    app_key: str
    kind: str
    name: str
    permissions: list[str]
    corp_id: str | None = None
    app_secret: str | None = None


class PermissionsRequest(Body):
    permissions: list[str]


class SuiteTicketBody(Body):
    suite_ticket: str


class AuthorizeSuiteRequest(Body):
    corp_id: str


class CreateUserRequest(Body):
    nick: str
    union_id: str | None = None
    user_id: str | None = None
    job_number: str | None = None


class UserBody(Body):
    union_id: str
    user_id: str
    nick: str
    corp_id: str
    job_number: str | None = None


class JoinRequest(Body):
    union_id: str
    mic_status: int = 2
    camera_status: int = 2
    pstn: bool = False


class DeviceBody(Body):
    participant_id: str
    conference_id: str
    union_id: str
    mic_status: int
    camera_status: int
    host_muted: bool
    active: bool


class MediaRequest(Body):
    mic_status: int | None = None
    camera_status: int | None = None


class DeclineRequest(Body):
    union_id: str
    description: str = ""


class OrgList(Body):
    items: list[OrgBody]


class AppList(Body):
    items: list[AppBody]


class UserList(Body):
    items: list[UserBody]


class HealthBody(Body):
    status: str
    # What keeps a server from being ready (GET /confplane/v1/ready).
    problems: list[str] | None = None
