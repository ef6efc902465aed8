"""What /confplane/v1/openapi.json says of each route: one row per served operation.

A new route is documented by adding its row here (its models and parameters); the
document is generated from these rows and the wire models (``api/openapi.py``), and a
test fails when the app serves a route that has no row.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from confplane.api import metrics_endpoint
from confplane.api.routes import ADMIN, CONF, EMULATOR, HEALTH, ID, READY
from confplane.domain import errors as e
from confplane.domain.model import READ_SCOPE, WRITE_SCOPE
from confplane.wire import admin as a
from confplane.wire import conference_controls as c
from confplane.wire import devices as d
from confplane.wire import emulator as em
from confplane.wire import events as ev
from confplane.wire import models as w
from confplane.wire import schedules as ws
from confplane.wire import statistics as wt
from confplane.wire import stream as st
from confplane.wire.errors import Op

OPENAPI_PATH = "/confplane/v1/openapi.json"


class Guard(enum.Enum):
    """Who may call, which also says which errors every call of the kind can give."""

    # A DingTalk token call: the appKey and secret are in the body (no token header).
    APP_SECRET = "app-secret"
    # A DingTalk operation: `x-acs-dingtalk-access-token`, with a permission.
    ACCESS_TOKEN = "access-token"
    # confplane's admin API and emulator controls: `Authorization: Bearer <admin token>`.
    ADMIN_TOKEN = "admin-token"
    # Health, readiness, metrics, this document, and the links a browser follows.
    NONE = "none"


@dataclass(frozen=True, slots=True)
class Row:
    method: str
    # As routed (Starlette's template: ``{conferenceId:segment}`` is ``{conferenceId}``).
    path: str
    operation_id: str
    summary: str
    guard: Guard
    tag: str
    # The 200 body: a wire Struct, a JSON Schema when there is no Struct, or None when
    # the answer is not JSON (then other_media says what it is).
    response: Any
    # The body: a wire Struct, or a JSON Schema when there is no Struct.
    request: Any = None
    # A Struct whose fields are the query parameters.
    query: type[Any] | None = None
    # The domain errors the operation can raise, answered as wire/errors.py says.
    errors: tuple[type[e.DomainError], ...] = ()
    # The key of the error table (wire/errors.py) the errors are looked up under.
    op: str = Op.ADMIN
    scope: str | None = None
    body_required: bool = True
    # Answers other than 200 and errors: (status, body Struct, description).
    other_answers: tuple[tuple[int, type[Any], str], ...] = ()
    # Media types besides application/json the 200 may have: (media type, description).
    other_media: tuple[tuple[str, str], ...] = ()
    emulator_only: bool = False
    # Where the answer sends the caller, when it is a 302 with a Location instead of a 200.
    redirect: str | None = None


def _dingtalk(
    method: str,
    path: str,
    op: str,
    summary: str,
    scope: str,
    response: type[Any],
    *,
    request: Any = None,
    query: type[Any] | None = None,
    errors: tuple[type[e.DomainError], ...] = (),
    body_required: bool = True,
) -> Row:
    return Row(
        method,
        path,
        op,
        summary,
        Guard.ACCESS_TOKEN,
        "conference_1_0",
        response,
        request=request,
        query=query,
        errors=errors,
        op=op,
        scope=scope,
        body_required=body_required,
    )


def _admin(
    method: str,
    path: str,
    operation_id: str,
    summary: str,
    response: type[Any],
    *,
    request: type[Any] | None = None,
    query: type[Any] | None = None,
    errors: tuple[type[e.DomainError], ...] = (),
    other_media: tuple[tuple[str, str], ...] = (),
    tag: str = "admin",
) -> Row:
    return Row(
        method,
        ADMIN + path,
        operation_id,
        summary,
        Guard.ADMIN_TOKEN,
        tag,
        response,
        request=request,
        query=query,
        errors=errors,
        other_media=other_media,
    )


def _emulator(
    method: str,
    path: str,
    operation_id: str,
    summary: str,
    response: type[Any],
    *,
    request: type[Any] | None = None,
    query: type[Any] | None = None,
    errors: tuple[type[e.DomainError], ...] = (),
    body_required: bool = True,
    other_media: tuple[tuple[str, str], ...] = (),
) -> Row:
    return Row(
        method,
        EMULATOR + path,
        operation_id,
        summary,
        Guard.ADMIN_TOKEN,
        "emulator",
        response,
        request=request,
        query=query,
        errors=errors,
        body_required=body_required,
        other_media=other_media,
        emulator_only=True,
    )


# What acting on one meeting by its conferenceId can meet.
_MEETING = (
    e.MissingConferenceId,
    e.ConferenceNotFound,
    e.ConferenceOfOtherOrg,
    e.ConferenceEnded,
)

DINGTALK: list[Row] = [
    Row(
        "POST",
        "/v1.0/oauth2/accessToken",
        Op.GET_ACCESS_TOKEN,
        "An internal app's access token",
        Guard.APP_SECRET,
        "oauth2_1_0",
        w.AccessTokenResponse,
        request=w.GetAccessTokenRequest,
        errors=(e.InvalidCredentials,),
        op=Op.GET_ACCESS_TOKEN,
    ),
    Row(
        "POST",
        "/v1.0/oauth2/corpAccessToken",
        Op.GET_CORP_ACCESS_TOKEN,
        "A third-party app's access token for one org that authorised it",
        Guard.APP_SECRET,
        "oauth2_1_0",
        w.AccessTokenResponse,
        request=w.GetCorpAccessTokenRequest,
        errors=(e.InvalidCredentials,),
        op=Op.GET_CORP_ACCESS_TOKEN,
    ),
    _dingtalk(
        "POST",
        CONF,
        Op.CREATE,
        "Create a meeting; the creator is its host",
        WRITE_SCOPE,
        w.CreateVideoConferenceResponse,
        request=w.CreateVideoConferenceRequest,
        errors=(e.InvalidTitle, e.UnknownUser, e.ParticipantLimit),
    ),
    _dingtalk(
        "POST",
        f"{CONF}/query",
        Op.QUERY_BATCH,
        "Several meetings with their members",
        READ_SCOPE,
        w.QueryConferenceInfoBatchResponse,
        request=w.QueryConferenceInfoBatchRequest,
        errors=(e.ConferenceOfOtherOrg, e.ConferenceEnded),
    ),
    _dingtalk(
        "POST",
        f"{CONF}/{ID}/members/mute",
        Op.MUTE,
        "Mute or unmute one member",
        WRITE_SCOPE,
        w.SuccessResponse,
        request=w.MuteMembersRequest,
        errors=(*_MEETING, e.InvalidCommand, e.UnknownUser),
    ),
    _dingtalk(
        "POST",
        f"{CONF}/{ID}/lock",
        Op.LOCK,
        "Lock or unlock a meeting against new joins",
        WRITE_SCOPE,
        w.SuccessResponse,
        request=w.LockConferenceRequest,
        errors=(*_MEETING, e.InvalidCommand),
    ),
    _dingtalk(
        "POST",
        f"{CONF}/{ID}/allMembers/mute",
        Op.MUTE_ALL,
        "Mute or unmute everyone but the hosts",
        WRITE_SCOPE,
        w.SuccessResponse,
        request=w.MuteAllRequest,
        errors=(*_MEETING, e.InvalidCommand),
    ),
    _dingtalk(
        "POST",
        f"{CONF}/{ID}/members/kick",
        Op.KICK,
        "Remove members' devices from a meeting",
        WRITE_SCOPE,
        w.SuccessResponse,
        request=w.KickMembersRequest,
        errors=(*_MEETING, e.UnknownUser),
    ),
    _dingtalk(
        "POST",
        f"{CONF}/{ID}/coHosts/set",
        Op.COHOSTS,
        "Make members co-hosts or take it back",
        WRITE_SCOPE,
        w.SuccessResponse,
        request=w.CohostsRequest,
        errors=(*_MEETING, e.InvalidCommand, e.UnknownUser),
    ),
    _dingtalk(
        "GET",
        f"{CONF}/{ID}/members",
        Op.QUERY_MEMBERS,
        "A meeting's members, a page at a time",
        READ_SCOPE,
        w.QueryConferenceMembersResponse,
        query=w.QueryConferenceMembersQuery,
        errors=_MEETING,
    ),
    _dingtalk(
        "GET",
        "/v1.0/conference/orgConferences",
        Op.QUERY_ORG_LIST,
        "The org's meetings in progress, newest first",
        READ_SCOPE,
        w.QueryOrgConferenceListResponse,
        query=w.QueryOrgConferenceListQuery,
    ),
    _dingtalk(
        "DELETE",
        f"{CONF}/{ID}",
        Op.CLOSE,
        "End a meeting (its host only)",
        WRITE_SCOPE,
        w.CloseVideoConferenceResponse,
        query=w.CloseVideoConferenceQuery,
        errors=(*_MEETING, e.UnknownUser, e.NotHost),
    ),
]

# A meeting's details, its controls, and the links into it (api.conference_controls,
# api.links); the controls answer with LockConference's error table (wire/errors.py).
_EXT_INFO = {
    "type": "object",
    "description": "The app's own JSON object about the meeting, kept as sent (at most "
    "4096 bytes); no body leaves it as it is.",
}
CONTROLS: list[Row] = [
    _dingtalk(
        "GET",
        f"{CONF}/{ID}",
        Op.QUERY_INFO,
        "One meeting of the org, in progress or ended, with its settings",
        READ_SCOPE,
        c.QueryConferenceInfoResponse,
        errors=(e.MissingConferenceId, e.ConferenceNotFound, e.ConferenceOfOtherOrg),
    ),
    _dingtalk(
        "GET",
        "/v1.0/conference/roomCodes/{roomCode:segment}/infos",
        Op.QUERY_BY_ROOM_CODE,
        "The meetings a room code names, newest first, a page at a time",
        READ_SCOPE,
        c.QueryConferenceInfoByRoomCodeResponse,
        query=c.QueryConferenceInfoByRoomCodeQuery,
        errors=(e.InvalidParams, e.ConferenceOfOtherOrg),
    ),
    _dingtalk(
        "GET",
        "/v1.0/conference/users/lists",
        Op.QUERY_USER_ONGOING,
        "The org's meetings in progress that a user is in now",
        READ_SCOPE,
        c.QueryUserOnGoingConferenceResponse,
        query=c.QueryUserOnGoingConferenceQuery,
        errors=(e.InvalidParams, e.UnknownUser),
    ),
    _dingtalk(
        "POST",
        f"{CONF}/{ID}/users/invite",
        Op.INVITE_USERS,
        "Call users into a meeting in progress",
        WRITE_SCOPE,
        w.SuccessResponse,
        request=c.InviteUsersRequest,
        errors=(
            *_MEETING,
            e.InvalidParams,
            e.NoTelephoneGateway,
            e.ConferenceLocked,
            e.UnknownUser,
            e.ParticipantLimit,
        ),
    ),
    _dingtalk(
        "POST",
        f"{CONF}/{ID}/members/updateNick",
        Op.UPDATE_MEMBER_NICK,
        "A member's name in this meeting",
        WRITE_SCOPE,
        w.SuccessResponse,
        request=c.UpdateMemberNickRequest,
        errors=(*_MEETING, e.InvalidParams, e.UnknownUser),
    ),
    _dingtalk(
        "PUT",
        f"{CONF}/{ID}",
        Op.UPDATE_SETTING,
        "Change the settings named, in one step",
        WRITE_SCOPE,
        c.CaseCodeResponse,
        request=c.UpdateVideoConferenceSettingRequest,
        errors=(*_MEETING, e.InvalidParams),
    ),
    _dingtalk(
        "PUT",
        f"{CONF}/{ID}/extInfo",
        Op.UPDATE_EXT_INFO,
        "Keep the app's own JSON object about the meeting",
        WRITE_SCOPE,
        c.CaseCodeResponse,
        request=_EXT_INFO,
        errors=(*_MEETING, e.InvalidParams),
        body_required=False,
    ),
    _dingtalk(
        "POST",
        f"{CONF}/{ID}/focus",
        Op.FOCUS,
        "Spotlight one member for everyone, or end the spotlight",
        WRITE_SCOPE,
        w.SuccessResponse,
        request=c.FocusRequest,
        errors=(*_MEETING, e.InvalidParams, e.InvalidCommand, e.UnknownUser),
    ),
    _dingtalk(
        "POST",
        f"{CONF}/createAutoLoginUrl",
        Op.AUTO_LOGIN_URL,
        "A URL that opens a meeting's join page signed in as one user",
        WRITE_SCOPE,
        c.CreateAutoLoginUrlResponse,
        request=c.CreateAutoLoginUrlRequest,
        errors=(e.InvalidParams, e.ConferenceOfOtherOrg, e.ConferenceEnded, e.UnknownUser),
    ),
    _dingtalk(
        "POST",
        "/v1.0/conference/customShortLinks",
        Op.CUSTOM_SHORT_LINK,
        "A short link to a meeting's join page, made by its creator",
        WRITE_SCOPE,
        c.CreateCustomShortLinkResponse,
        request=c.CreateCustomShortLinkRequest,
        errors=(
            e.InvalidParams,
            e.ConferenceNotFound,
            e.ConferenceOfOtherOrg,
            e.ConferenceEnded,
            e.UnknownUser,
            e.NotHost,
        ),
    ),
]

# Where the links lead: no token, a browser follows them.
LINKS: list[Row] = [
    Row(
        "GET",
        "/s/{code:segment}",
        "FollowShortLink",
        "Where a short link leads",
        Guard.NONE,
        "links",
        None,
        errors=(e.NotFound,),
        op=Op.FOLLOW_LINK,
        redirect="To the meeting's join page, `/j/{roomCode}`",
    ),
    Row(
        "GET",
        "/l/{conferenceId:segment}/{ticket:segment}",
        "FollowAutoLoginUrl",
        "Where an auto-login URL leads while its ticket is valid",
        Guard.NONE,
        "links",
        None,
        errors=(e.InvalidTicket, e.NotFound),
        op=Op.FOLLOW_LINK,
        redirect="To the meeting's join page with the ticket, `/j/{roomCode}?ticket=...`",
    ),
]

# Events to apps (docs/events.md): Stream mode's gateway, then the admin API's side.
EVENTS: list[Row] = [
    Row(
        "POST",
        "/v1.0/gateway/connections/open",
        Op.OPEN_CONNECTION,
        "A Stream-mode connection: the WebSocket endpoint and a ticket for it",
        Guard.APP_SECRET,
        "stream",
        st.OpenConnectionResponse,
        request=st.OpenConnectionRequest,
        errors=(e.InvalidCredentials,),
        op=Op.OPEN_CONNECTION,
    ),
    _admin(
        "GET",
        "/events",
        "ListEvents",
        "The event log after an event; with follow=true a stream that goes on",
        ev.EventList,
        query=ev.EventsQuery,
        errors=(e.NotFound,),
        other_media=(("application/x-ndjson", "follow=true: one EventBody a line"),),
        tag="events",
    ),
    _admin(
        "GET",
        "/apps/{appKey}/webhooks",
        "ListWebhooks",
        "An app's webhooks (without their secrets)",
        ev.WebhookList,
        errors=(e.NotFound,),
        tag="events",
    ),
    _admin(
        "POST",
        "/apps/{appKey}/webhooks",
        "AddWebhook",
        "A webhook for the app's events, with its secret (shown this once)",
        ev.WebhookBody,
        request=ev.WebhookRequest,
        errors=(e.NotFound,),
        tag="events",
    ),
    _admin(
        "DELETE",
        "/apps/{appKey}/webhooks/{webhookId}",
        "RemoveWebhook",
        "Remove one of an app's webhooks",
        w.SuccessResponse,
        errors=(e.NotFound,),
        tag="events",
    ),
    _admin(
        "GET",
        "/apps/{appKey}/stream",
        "GetStreamStatus",
        "How many Stream-mode connections of the app the answering process holds",
        ev.StreamStatusBody,
        errors=(e.NotFound,),
        tag="events",
    ),
    _admin(
        "GET",
        "/apps/{appKey}/dead-letters",
        "ListDeadLetters",
        "The app's deliveries that ran out of attempts",
        ev.DeadLetterList,
        errors=(e.NotFound,),
        tag="events",
    ),
    _admin(
        "POST",
        "/apps/{appKey}/dead-letters/replay",
        "ReplayDeadLetters",
        "Deliver the app's dead letters (or those named) again from the first attempt",
        ev.ReplayBody,
        request=ev.ReplayRequest,
        errors=(e.NotFound,),
        tag="events",
    ),
]

# Scheduled meetings and statistics (api.schedule_routes).
_SCHEDULES = "/v1.0/conference/scheduleConferences"
_SCHEDULE = (e.InvalidParams, e.ConferenceNotFound, e.ConferenceOfOtherOrg)
_SCHEDULE_WRITE = (*_SCHEDULE, e.UnknownUser, e.NotHost, e.ConferenceEnded)
_STATISTICS = (e.InvalidParams, e.MissingConferenceId, e.ConferenceNotFound, e.ConferenceOfOtherOrg)
SCHEDULES: list[Row] = [
    _dingtalk(
        "POST",
        _SCHEDULES,
        Op.CREATE_SCHEDULE,
        "Book a meeting: it opens at its start time and closes at its end",
        WRITE_SCOPE,
        ws.CreateScheduleConferenceResponse,
        request=ws.CreateScheduleConferenceRequest,
        errors=(e.InvalidParams, e.InvalidTitle, e.UnknownUser),
    ),
    _dingtalk(
        "PUT",
        _SCHEDULES,
        Op.UPDATE_SCHEDULE,
        "Change a booking's title and times",
        WRITE_SCOPE,
        w.SuccessResponse,
        request=ws.UpdateScheduleConferenceRequest,
        errors=(*_SCHEDULE_WRITE, e.InvalidTitle),
    ),
    _dingtalk(
        "POST",
        f"{_SCHEDULES}/cancel",
        Op.CANCEL_SCHEDULE,
        "Cancel a booking (a meeting it opened is closed)",
        WRITE_SCOPE,
        w.SuccessResponse,
        request=ws.CancelScheduleConferenceRequest,
        errors=_SCHEDULE_WRITE,
    ),
    _dingtalk(
        "GET",
        f"{_SCHEDULES}/settings",
        Op.QUERY_SCHEDULE_SETTINGS,
        "A booking's settings",
        READ_SCOPE,
        ws.QueryScheduleConfSettingsResponse,
        query=ws.QueryScheduleConfSettingsQuery,
        errors=_SCHEDULE,
    ),
    _dingtalk(
        "PUT",
        f"{_SCHEDULES}/settings",
        Op.UPDATE_SCHEDULE_SETTINGS,
        "Change a booking's settings (those named)",
        WRITE_SCOPE,
        w.SuccessResponse,
        request=ws.UpdateScheduleConfSettingsRequest,
        errors=_SCHEDULE_WRITE,
    ),
    _dingtalk(
        "GET",
        f"{_SCHEDULES}/{{scheduleConferenceId:segment}}/infos",
        Op.QUERY_SCHEDULE,
        "A booking: title, times, room code and link",
        READ_SCOPE,
        ws.QueryScheduleConferenceResponse,
        query=ws.QueryScheduleConferenceQuery,
        errors=(*_SCHEDULE, e.UnknownUser),
    ),
    _dingtalk(
        "GET",
        f"{CONF}/scheduleConferences/{{scheduleConferenceId:segment}}",
        Op.QUERY_SCHEDULE_INFO,
        "The meeting a booking opened, once its start has come",
        READ_SCOPE,
        ws.QueryScheduleConferenceInfoResponse,
        query=ws.QueryScheduleConferenceInfoQuery,
        errors=_SCHEDULE,
    ),
    _dingtalk(
        "GET",
        f"{CONF}/histories/dataLists",
        Op.HISTORY_CONF_DATA,
        "The org's ended meetings with their figures",
        READ_SCOPE,
        wt.GetHistoryConfDataListResponse,
        query=wt.GetHistoryConfDataListQuery,
        errors=(e.InvalidParams,),
    ),
    _dingtalk(
        "GET",
        f"{CONF}/{ID}/infos",
        Op.CONF_DATA,
        "A meeting's figures: length, people, creator",
        READ_SCOPE,
        wt.ConfData,
        query=wt.GetConfDataByConferenceIdQuery,
        errors=_STATISTICS,
    ),
    _dingtalk(
        "GET",
        f"{CONF}/{ID}/details",
        Op.CONF_DETAIL_DATA,
        "Every device stay in a meeting: who, when, how long",
        READ_SCOPE,
        wt.GetConfDetailDataResponse,
        query=wt.GetConfDetailDataQuery,
        errors=_STATISTICS,
    ),
]

DEVICES: list[Row] = [
    Row(
        "POST",
        f"/confplane/v1/conferences/{ID}/join-tickets",
        Op.JOIN_TICKET,
        "A ticket a device joins a meeting with (docs/device-protocol.md)",
        Guard.ACCESS_TOKEN,
        "devices",
        d.JoinTicketBody,
        request=d.JoinTicketRequest,
        errors=(*_MEETING, e.UnknownUser),
        op=Op.JOIN_TICKET,
        scope=WRITE_SCOPE,
    ),
]

_ORG = "/orgs/{corpId}"
_DEVICE = "/devices/{participantId}"
_JOIN = (
    e.ConferenceNotFound,
    e.ConferenceEnded,
    e.ConferenceLocked,
    e.UnknownUser,
    e.RejoinForbidden,
    e.ParticipantLimit,
)

ADMIN_API: list[Row] = [
    _admin("GET", "/orgs", "ListOrgs", "Every org", a.OrgList),
    _admin(
        "POST",
        "/orgs",
        "CreateOrg",
        "A new org",
        a.OrgBody,
        request=a.CreateOrgRequest,
        errors=(e.Conflict,),
    ),
    _admin("GET", _ORG, "GetOrg", "One org", a.OrgBody, errors=(e.NotFound,)),
    _admin(
        "POST",
        f"{_ORG}/apps",
        "CreateApp",
        "An internal app of the org, with its secret",
        a.AppBody,
        request=a.CreateAppRequest,
        errors=(e.NotFound,),
    ),
    _admin(
        "GET", f"{_ORG}/users", "ListUsers", "The org's users", a.UserList, errors=(e.NotFound,)
    ),
    _admin(
        "POST",
        f"{_ORG}/users",
        "CreateUser",
        "A new user of the org",
        a.UserBody,
        request=a.CreateUserRequest,
        errors=(e.NotFound, e.Conflict),
    ),
    _admin("GET", "/users/{unionId}", "GetUser", "One user", a.UserBody, errors=(e.NotFound,)),
    _admin("GET", "/apps", "ListApps", "Every app and suite", a.AppList),
    _admin("GET", "/apps/{appKey}", "GetApp", "One app", a.AppBody, errors=(e.NotFound,)),
    _admin(
        "POST",
        "/apps/{appKey}/secret",
        "RotateSecret",
        "A new secret for an app or suite, shown this once (the old one stops working)",
        a.AppBody,
        errors=(e.NotFound,),
    ),
    _admin(
        "PUT",
        "/apps/{appKey}/permissions",
        "SetPermissions",
        "Replace an app's permissions",
        a.AppBody,
        request=a.PermissionsRequest,
        errors=(e.NotFound,),
    ),
    _admin(
        "POST",
        "/suites",
        "CreateSuite",
        "A third-party app (suite), with its secret",
        a.AppBody,
        request=a.CreateAppRequest,
    ),
    _admin(
        "POST",
        "/suites/{suiteKey}/ticket",
        "NewSuiteTicket",
        "A new suiteTicket",
        a.SuiteTicketBody,
        errors=(e.NotFound,),
    ),
    _admin(
        "POST",
        "/suites/{suiteKey}/authorizations",
        "AuthorizeSuite",
        "An org authorises a suite",
        w.SuccessResponse,
        request=a.AuthorizeSuiteRequest,
        errors=(e.NotFound,),
    ),
    _admin(
        "POST",
        "/conferences/{conferenceId}/join",
        "Join",
        "A simulated device of a member joins",
        a.DeviceBody,
        request=a.JoinRequest,
        errors=_JOIN,
    ),
    _admin(
        "POST",
        "/conferences/{conferenceId}/decline",
        "Decline",
        "An invited member declines",
        w.SuccessResponse,
        request=a.DeclineRequest,
        errors=(e.ConferenceNotFound, e.ConferenceEnded, e.UnknownUser),
    ),
    _admin("GET", _DEVICE, "GetDevice", "One device", a.DeviceBody, errors=(e.NotFound,)),
    _admin(
        "POST",
        f"{_DEVICE}/leave",
        "Leave",
        "A device leaves its meeting",
        w.SuccessResponse,
        errors=(e.NotFound,),
    ),
    _admin(
        "POST",
        f"{_DEVICE}/media",
        "ReportMedia",
        "A device reports its microphone and camera",
        a.DeviceBody,
        request=a.MediaRequest,
        errors=(e.NotFound,),
    ),
]

SERVER: list[Row] = [
    Row(
        "GET",
        READY,
        "Ready",
        "Readiness: the database and the fan-out channel answer",
        Guard.NONE,
        "health",
        a.HealthBody,
        other_answers=((503, a.HealthBody, "Not ready; `problems` says why"),),
    ),
    Row("GET", HEALTH, "Health", "Liveness", Guard.NONE, "health", a.HealthBody),
    Row(
        "GET",
        metrics_endpoint.PATH,
        "Metrics",
        "Every metric, with no token (not there with --no-metrics)",
        Guard.NONE,
        "metrics",
        None,
        other_media=(
            ("text/plain", "Prometheus's text exposition format"),
            ("application/openmetrics-text", "OpenMetrics, when the Accept header asks for it"),
        ),
    ),
    Row(
        "GET",
        OPENAPI_PATH,
        "OpenApiDocument",
        "This document",
        Guard.NONE,
        "openapi",
        {"type": "object"},
    ),
]

EMULATOR_CONTROLS: list[Row] = [
    _emulator(
        "POST",
        "/reset",
        "Reset",
        "Back to an empty server (or the demo org)",
        em.ResetBody,
        request=em.ResetRequest,
        body_required=False,
    ),
    _emulator("GET", "/faults", "ListFaults", "The faults set", em.FaultList),
    _emulator(
        "POST",
        "/faults",
        "AddFault",
        "Answer an operation with an error, a delay or a dropped connection",
        em.FaultBody,
        request=em.FaultRequest,
    ),
    _emulator("DELETE", "/faults", "ClearFaults", "Remove every fault", w.SuccessResponse),
    _emulator(
        "DELETE",
        "/faults/{faultId}",
        "DeleteFault",
        "Remove one fault",
        w.SuccessResponse,
        errors=(e.NotFound,),
    ),
    _emulator("GET", "/rate-limit", "GetRateLimit", "The QPS limit", em.RateLimitBody),
    _emulator(
        "PUT",
        "/rate-limit",
        "SetRateLimit",
        "Set or lift the QPS limit",
        em.RateLimitBody,
        request=em.RateLimitBody,
    ),
    _emulator(
        "GET",
        "/journal",
        "Journal",
        "The calls answered; with follow=true a stream that goes on",
        em.JournalBody,
        query=em.JournalQuery,
        other_media=(("application/x-ndjson", "follow=true: one JournalEntryBody a line"),),
    ),
    _emulator("DELETE", "/journal", "ClearJournal", "Empty the journal", w.SuccessResponse),
    _emulator("GET", "/clock", "GetClock", "The server's clock", em.ClockBody),
    _emulator(
        "POST",
        "/clock",
        "SetClock",
        "Set, advance, freeze or release the clock",
        em.ClockBody,
        request=em.ClockRequest,
    ),
    _emulator("DELETE", "/clock", "ResetClock", "Back to real time", em.ClockBody),
]

ROWS: list[Row] = [
    *DINGTALK,
    *CONTROLS,
    *SCHEDULES,
    *LINKS,
    *EVENTS,
    *DEVICES,
    *ADMIN_API,
    *SERVER,
    *EMULATOR_CONTROLS,
]
