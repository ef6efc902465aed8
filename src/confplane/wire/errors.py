"""Domain errors in DingTalk's words: HTTP status, ``code`` and ``message`` per operation.

Each seed lists its own codes for the same situation (a missing meeting is ``roomNotFound``
for QueryConferenceMembers but ``paramsError`` for MuteMembers), so the table is keyed by
operation first and falls back to a default row.

The ``message`` is the text DingTalk documents for the code, exactly, so an app (or a
test written against the real service) that compares it sees no difference. Where the
documented text has a ``%s`` (``error:%s``), the row fills it with a fixed phrase for the
situation, never a value from the request. What went wrong in this request (the domain
error's ``detail``) travels beside the answer, never in the body: the
``x-confplane-error-detail`` header, the access log and the emulator's journal. A new
operation adds its rows here; docs/api.md lists every row.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from confplane.domain import errors as e


@dataclass(frozen=True, slots=True)
class WireError:
    status: int
    code: str
    message: str
    required_scopes: tuple[str, ...] = ()
    # The reason in this request's own terms; never part of the body an SDK reads.
    detail: str = ""


class Op:
    """Operation names, as the SDKs call them."""

    GET_ACCESS_TOKEN = "GetAccessToken"
    GET_CORP_ACCESS_TOKEN = "GetCorpAccessToken"
    CREATE = "CreateVideoConference"
    MUTE = "MuteMembers"
    MUTE_ALL = "MuteAll"
    LOCK = "LockConference"
    QUERY_BATCH = "QueryConferenceInfoBatch"
    QUERY_MEMBERS = "QueryConferenceMembers"
    QUERY_ORG_LIST = "QueryOrgConferenceList"
    CLOSE = "CloseVideoConference"
    KICK = "KickMembers"
    COHOSTS = "Cohosts"
    JOIN_TICKET = "CreateJoinTicket"
    # Stream mode's gateway (docs/events.md).
    OPEN_CONNECTION = "OpenConnection"
    # Scheduled meetings and statistics (docs/api.md).
    CREATE_SCHEDULE = "CreateScheduleConference"
    UPDATE_SCHEDULE = "UpdateScheduleConference"
    CANCEL_SCHEDULE = "CancelScheduleConference"
    QUERY_SCHEDULE = "QueryScheduleConference"
    QUERY_SCHEDULE_INFO = "QueryScheduleConferenceInfo"
    QUERY_SCHEDULE_SETTINGS = "QueryScheduleConfSettings"
    UPDATE_SCHEDULE_SETTINGS = "UpdateScheduleConfSettings"
    CONF_DATA = "GetConfDataByConferenceId"
    CONF_DETAIL_DATA = "GetConfDetailData"
    HISTORY_CONF_DATA = "GetHistoryConfDataList"
    ADMIN = "Admin"
    QUERY_INFO = "QueryConferenceInfo"
    QUERY_BY_ROOM_CODE = "QueryConferenceInfoByRoomCode"
    QUERY_USER_ONGOING = "QueryUserOnGoingConference"
    INVITE_USERS = "InviteUsers"
    UPDATE_MEMBER_NICK = "UpdateMemberNick"
    UPDATE_SETTING = "UpdateVideoConferenceSetting"
    UPDATE_EXT_INFO = "UpdateVideoConferenceExtInfo"
    FOCUS = "Focus"
    AUTO_LOGIN_URL = "CreateAutoLoginUrl"
    CUSTOM_SHORT_LINK = "CreateCustomShortLink"
    # confplane's own: following a short link or an auto-login URL.
    FOLLOW_LINK = "FollowLink"


# (status, code, message): the message exactly as the answer carries it.
_Row = tuple[int, str, str]

# The table CloseVideoConference and QueryConferenceInfoBatch document, which every
# operation without a table of its own shares; the "error:%s" family filled per situation.
_DEFAULT: dict[type[e.DomainError], _Row] = {
    e.InvalidToken: (400, "InvalidAuthentication", "不合法的access_token"),
    e.InvalidCredentials: (400, "invalidClientIdOrSecret", "无效的clientId或者clientSecret"),
    e.InvalidParams: (400, "paramsError", "error:invalid parameter"),
    e.MissingConferenceId: (400, "paramsError", "error:conferenceId is missing"),
    e.InvalidCommand: (400, "paramsError", "error:invalid action"),
    e.InvalidTitle: (400, "paramsTitleError", "error:invalid confTitle"),
    e.ConferenceNotFound: (400, "paramsError", "error:conference not found"),
    e.ConferenceOfOtherOrg: (400, "orgAccessForbidden", "orgAccessForbidden"),
    e.ConferenceEnded: (400, "resourceClose", "The meeting has ended"),
    e.UnknownUser: (400, "unknownUserError", "unknownUserError"),
    e.NotHost: (404, "permissionError", "permissionError:not the host"),
    e.ParticipantLimit: (404, "waterLimitError", "waterLimitError:participant limit"),
    # Codes confplane adds (no seed documents them): the code is the message.
    e.ConferenceLocked: (400, "conferenceLocked", "conferenceLocked"),
    e.RejoinForbidden: (400, "rejoinForbidden", "rejoinForbidden"),
    e.NotFound: (404, "notFound", "notFound"),
    e.Conflict: (409, "conflict", "conflict"),
    e.InternalOnly: (403, "internalOnly", "internalOnly"),
    e.NoTelephoneGateway: (400, "paramsError", "error:phone invitees are not supported"),
}

_BY_OP: dict[str, dict[type[e.DomainError], _Row]] = {
    Op.MUTE: {
        # The MuteMembers seed knows only unknownUserError and paramsError.
        e.ConferenceEnded: (400, "paramsError", "error:conference has ended"),
    },
    Op.LOCK: {
        e.InvalidParams: (400, "paramsError", "paramsError"),
        e.MissingConferenceId: (400, "paramsError", "paramsError"),
        e.ConferenceNotFound: (400, "paramsError", "paramsError"),
        e.InvalidCommand: (400, "commandError", "commandError"),
        e.ConferenceEnded: (400, "confClosed", "confClosed"),
        e.ConferenceOfOtherOrg: (400, "noPermission", "noPermission"),
    },
    Op.QUERY_MEMBERS: {
        e.MissingConferenceId: (400, "missingRoomId", "MISSING ROOM ID"),
        e.InvalidParams: (400, "paramError", "PARAM ERROR"),
        e.ConferenceOfOtherOrg: (403, "noPermission", "NO PERMISSION"),
        e.ConferenceNotFound: (404, "roomNotFound", "ROOM NOT FOUND"),
    },
    Op.ADMIN: {
        # confplane's own API: the admin token is not an app's access token.
        e.InvalidToken: (400, "InvalidAuthentication", "admin token is missing or wrong"),
    },
}
# confplane's own APIs (admin, emulator) have no documented text to match: their message
# is the detail itself, as the people and scripts reading it want.
_DETAIL_IN_MESSAGE = frozenset({Op.ADMIN})

# The in-meeting controls answer with LockConference's documented table: they are
# documented without one of their own (docs/api.md).
_MEETING_CONTROL: dict[type[e.DomainError], _Row] = {
    **_BY_OP[Op.LOCK],
    e.NoTelephoneGateway: (400, "paramsError", "paramsError"),
}
_MEETING_CONTROL_OPS = (
    Op.INVITE_USERS,
    Op.UPDATE_MEMBER_NICK,
    Op.UPDATE_SETTING,
    Op.UPDATE_EXT_INFO,
    Op.FOCUS,
)
_BY_OP.update(dict.fromkeys(_MEETING_CONTROL_OPS, _MEETING_CONTROL))
_BY_OP[Op.FOLLOW_LINK] = {e.InvalidTicket: (403, "invalidTicket", "invalidTicket")}

# Scheduled meetings are documented without a table of their own: the default table's
# codes, the "error:%s" family filled for a schedule.
_SCHEDULE: dict[type[e.DomainError], _Row] = {
    e.ConferenceNotFound: (400, "paramsError", "error:scheduled meeting not found"),
    e.InvalidTitle: (400, "paramsTitleError", "error:invalid title"),
    e.NotHost: (404, "permissionError", "permissionError:not the creator"),
}
_BY_OP.update(
    {
        op: _SCHEDULE
        for op in (
            Op.CREATE_SCHEDULE,
            Op.UPDATE_SCHEDULE,
            Op.CANCEL_SCHEDULE,
            Op.QUERY_SCHEDULE,
            Op.QUERY_SCHEDULE_INFO,
            Op.QUERY_SCHEDULE_SETTINGS,
            Op.UPDATE_SCHEDULE_SETTINGS,
        )
    }
)

# An unexpected failure: each seed's systemError text ("systemError:%s" where none).
_SYSTEM_MESSAGE = "systemError:internal error"
_SYSTEM_BY_OP: dict[str, str] = {
    Op.LOCK: "systemError",
    Op.QUERY_MEMBERS: "SYSTEM ERROR",
}
_SYSTEM_BY_OP.update(dict.fromkeys(_MEETING_CONTROL_OPS, "systemError"))

PERMISSION_DENIED_CODE = "Forbidden.AccessDenied.AccessTokenPermissionDenied"
NOT_FOUND = WireError(
    404,
    "InvalidAction.NotFound",
    "specified api is not found, please check your url and method.",
)
SYSTEM_ERROR = WireError(500, "systemError", _SYSTEM_MESSAGE)
QPS_LIMIT = WireError(
    403,
    "Forbidden.AccessDenied.QpsLimitForAppkeyAndApi",
    "Forbidden.AccessDenied.QpsLimitForAppkeyAndApi",
)


def system_error(op: str) -> WireError:
    return WireError(500, "systemError", _SYSTEM_BY_OP.get(op, _SYSTEM_MESSAGE))


def to_wire(op: str, error: e.DomainError) -> WireError:
    if isinstance(error, e.PermissionDenied):
        return WireError(
            403,
            PERMISSION_DENIED_CODE,
            f"没有调用该接口的权限，接口权限申请参考：required scope {error.scope}",
            required_scopes=(error.scope,),
            detail=error.detail,
        )
    table = _BY_OP.get(op, {})
    for cls in type(error).__mro__:
        row = table.get(cls) or _DEFAULT.get(cls)
        if row is not None:
            status, code, message = row
            if op in _DETAIL_IN_MESSAGE and error.detail:
                message = error.detail
            return WireError(status, code, message, detail=error.detail)
    return replace(system_error(op), detail=error.detail)
