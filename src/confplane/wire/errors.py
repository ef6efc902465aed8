"""Domain errors in DingTalk's words: HTTP status, ``code`` and ``message`` per operation.

Each seed lists its own codes for the same situation (a missing meeting is ``roomNotFound``
for QueryConferenceMembers but ``paramsError`` for MuteMembers), so the table is keyed by
operation first and falls back to a default row.
"""

from __future__ import annotations

from dataclasses import dataclass

from confplane.domain import errors as e


@dataclass(frozen=True, slots=True)
class WireError:
    status: int
    code: str
    message: str
    required_scopes: tuple[str, ...] = ()


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
    ADMIN = "Admin"


# (status, code, message template); "{}" receives the error's detail.
_Row = tuple[int, str, str]

_DEFAULT: dict[type[e.DomainError], _Row] = {
    e.InvalidToken: (400, "InvalidAuthentication", "不合法的access_token"),
    e.InvalidCredentials: (400, "invalidClientIdOrSecret", "无效的appKey或appSecret: {}"),
    e.InvalidParams: (400, "paramsError", "error:{}"),
    e.MissingConferenceId: (400, "paramsError", "error:{}"),
    e.InvalidCommand: (400, "paramsError", "error:{}"),
    e.InvalidTitle: (400, "paramsTitleError", "error:{}"),
    e.ConferenceNotFound: (400, "paramsError", "error:{}"),
    e.ConferenceOfOtherOrg: (400, "orgAccessForbidden", "orgAccessForbidden"),
    e.ConferenceEnded: (400, "resourceClose", "The meeting has ended"),
    e.ConferenceLocked: (400, "conferenceLocked", "conferenceLocked:{}"),
    e.UnknownUser: (400, "unknownUserError", "unknownUserError"),
    e.NotHost: (404, "permissionError", "permissionError:{}"),
    e.ParticipantLimit: (404, "waterLimitError", "waterLimitError:{}"),
    e.RejoinForbidden: (400, "rejoinForbidden", "rejoinForbidden:{}"),
    e.NotFound: (404, "notFound", "{}"),
    e.Conflict: (409, "conflict", "{}"),
}

_BY_OP: dict[str, dict[type[e.DomainError], _Row]] = {
    Op.MUTE: {
        # The MuteMembers seed knows only unknownUserError and paramsError.
        e.ConferenceEnded: (400, "paramsError", "error:{}"),
    },
    Op.LOCK: {
        e.InvalidParams: (400, "paramsError", "paramsError:{}"),
        e.MissingConferenceId: (400, "paramsError", "paramsError:{}"),
        e.ConferenceNotFound: (400, "paramsError", "paramsError:{}"),
        e.InvalidCommand: (400, "commandError", "commandError:{}"),
        e.ConferenceEnded: (400, "confClosed", "confClosed"),
        e.ConferenceOfOtherOrg: (400, "noPermission", "noPermission"),
    },
    Op.QUERY_MEMBERS: {
        e.MissingConferenceId: (400, "missingRoomId", "MISSING ROOM ID"),
        e.InvalidParams: (400, "paramError", "PARAM ERROR: {}"),
        e.ConferenceOfOtherOrg: (403, "noPermission", "NO PERMISSION"),
        e.ConferenceNotFound: (404, "roomNotFound", "ROOM NOT FOUND"),
    },
}

PERMISSION_DENIED_CODE = "Forbidden.AccessDenied.AccessTokenPermissionDenied"
NOT_FOUND = WireError(
    404,
    "InvalidAction.NotFound",
    "specified api is not found, please check your url and method.",
)
SYSTEM_ERROR = WireError(500, "systemError", "systemError:internal error")


def to_wire(op: str, error: e.DomainError) -> WireError:
    if isinstance(error, e.PermissionDenied):
        return WireError(
            403,
            PERMISSION_DENIED_CODE,
            f"没有调用该接口的权限，接口权限申请参考：required scope {error.scope}",
            required_scopes=(error.scope,),
        )
    table = _BY_OP.get(op, {})
    for cls in type(error).__mro__:
        row = table.get(cls) or _DEFAULT.get(cls)
        if row is not None:
            status, code, template = row
            return WireError(status, code, template.format(error.detail))
    return SYSTEM_ERROR
