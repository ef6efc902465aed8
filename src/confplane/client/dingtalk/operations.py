"""Each operation as data: method, path, body, query, the type of its answer.

No I/O here, so the sync and the async client share every line of it. Bodies are the
msgspec structs of ``confplane.wire.models``, the one place that knows DingTalk spelling.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar
from urllib.parse import quote

import msgspec

from confplane.client.dingtalk.errors import INVALID_RESPONSE, DingTalkError, error_from_answer
from confplane.wire import models as w

T = TypeVar("T")

TOKEN_HEADER = "x-acs-dingtalk-access-token"
JSON_BODY = "application/json; charset=utf-8"

_CONFERENCES = "/v1.0/conference/videoConferences"
_encoder = msgspec.json.Encoder()
_decoders: dict[type[Any], msgspec.json.Decoder[Any]] = {}


@dataclass(frozen=True, slots=True)
class Call(Generic[T]):
    """One request to make and how to read its answer."""

    name: str
    method: str
    path: str
    answer: type[T]
    body: w.Body | None = None
    query: w.Body | None = None
    authenticated: bool = True

    def content(self) -> bytes | None:
        return None if self.body is None else _encoder.encode(self.body)

    def params(self) -> dict[str, str]:
        if self.query is None:
            return {}
        raw: dict[str, Any] = msgspec.to_builtins(self.query)
        return {k: str(v) for k, v in raw.items()}

    def headers(self, token: str | None) -> dict[str, str]:
        headers = {"accept": "application/json"}
        if self.body is not None:
            headers["content-type"] = JSON_BODY
        if token is not None:
            headers[TOKEN_HEADER] = token
        return headers

    def read(self, status: int, headers: Mapping[str, str], content: bytes) -> T:
        """The decoded answer, or the DingTalkError it carries."""
        if status >= 400:
            raise error_from_answer(status, headers, content)
        decoder = _decoders.get(self.answer)
        if decoder is None:
            decoder = _decoders[self.answer] = msgspec.json.Decoder(self.answer)
        try:
            decoded: T = decoder.decode(content)
            return decoded
        except (msgspec.DecodeError, msgspec.ValidationError) as exc:
            raise DingTalkError(
                INVALID_RESPONSE,
                f"{self.name} answered HTTP {status} with a body this client cannot read: {exc}",
                status=status,
                request_id=headers.get("x-acs-request-id", ""),
            ) from None


def _conference(conference_id: str, suffix: str = "") -> str:
    # The SDKs paste ids in raw; quoting keeps an odd id inside its own path segment.
    return f"{_CONFERENCES}/{quote(conference_id, safe='')}{suffix}"


# -- oauth2_1_0 -------------------------------------------------------------------


def get_access_token(app_key: str, app_secret: str) -> Call[w.AccessTokenResponse]:
    return Call(
        "GetAccessToken",
        "POST",
        "/v1.0/oauth2/accessToken",
        w.AccessTokenResponse,
        body=w.GetAccessTokenRequest(app_key=app_key, app_secret=app_secret),
        authenticated=False,
    )


def get_corp_access_token(
    suite_key: str, suite_secret: str, auth_corp_id: str, suite_ticket: str
) -> Call[w.AccessTokenResponse]:
    return Call(
        "GetCorpAccessToken",
        "POST",
        "/v1.0/oauth2/corpAccessToken",
        w.AccessTokenResponse,
        body=w.GetCorpAccessTokenRequest(
            suite_key=suite_key,
            suite_secret=suite_secret,
            auth_corp_id=auth_corp_id,
            suite_ticket=suite_ticket,
        ),
        authenticated=False,
    )


# -- conference_1_0 -----------------------------------------------------------------


def create_video_conference(
    user_id: str,
    conf_title: str,
    invite_user_ids: Sequence[str] | None = None,
    invite_caller: bool | None = None,
) -> Call[w.CreateVideoConferenceResponse]:
    return Call(
        "CreateVideoConference",
        "POST",
        _CONFERENCES,
        w.CreateVideoConferenceResponse,
        body=w.CreateVideoConferenceRequest(
            user_id=user_id,
            conf_title=conf_title,
            invite_user_ids=None if invite_user_ids is None else list(invite_user_ids),
            invite_caller=invite_caller,
        ),
    )


def mute_members(
    conference_id: str, action: str, union_id: str, participant_id: str | None = None
) -> Call[w.SuccessResponse]:
    return Call(
        "MuteMembers",
        "POST",
        _conference(conference_id, "/members/mute"),
        w.SuccessResponse,
        body=w.MuteMembersRequest(
            action=action,
            user_list=[w.MuteUser(union_id=union_id, participant_id=participant_id)],
        ),
    )


def lock_conference(conference_id: str, action: str) -> Call[w.SuccessResponse]:
    return Call(
        "LockConference",
        "POST",
        _conference(conference_id, "/lock"),
        w.SuccessResponse,
        body=w.LockConferenceRequest(action=action),
    )


def mute_all(conference_id: str, action: str, force_mute: bool | None) -> Call[w.SuccessResponse]:
    return Call(
        "MuteAll",
        "POST",
        _conference(conference_id, "/allMembers/mute"),
        w.SuccessResponse,
        body=w.MuteAllRequest(action=action, force_mute=force_mute),
    )


def kick_members(
    conference_id: str,
    union_id: str,
    participant_id: str | None = None,
    forbidden_rejoin: bool | None = None,
) -> Call[w.SuccessResponse]:
    return Call(
        "KickMembers",
        "POST",
        _conference(conference_id, "/members/kick"),
        w.SuccessResponse,
        body=w.KickMembersRequest(
            user_list=[w.KickUser(union_id=union_id, participant_id=participant_id)],
            forbidden_rejoin=forbidden_rejoin,
        ),
    )


def cohosts(conference_id: str, action: str, union_ids: Sequence[str]) -> Call[w.SuccessResponse]:
    return Call(
        "Cohosts",
        "POST",
        _conference(conference_id, "/coHosts/set"),
        w.SuccessResponse,
        body=w.CohostsRequest(
            action=action, user_list=[w.CohostUser(union_id=u) for u in union_ids]
        ),
    )


def query_conference_info_batch(
    conference_ids: Sequence[str],
) -> Call[w.QueryConferenceInfoBatchResponse]:
    return Call(
        "QueryConferenceInfoBatch",
        "POST",
        f"{_CONFERENCES}/query",
        w.QueryConferenceInfoBatchResponse,
        body=w.QueryConferenceInfoBatchRequest(conference_id_list=list(conference_ids)),
    )


def query_conference_members(
    conference_id: str, next_token: str | None = None, max_results: int | None = None
) -> Call[w.QueryConferenceMembersResponse]:
    return Call(
        "QueryConferenceMembers",
        "GET",
        _conference(conference_id, "/members"),
        w.QueryConferenceMembersResponse,
        query=w.QueryConferenceMembersQuery(next_token=next_token, max_results=max_results),
    )


def query_org_conference_list(
    next_token: str | None = None, max_results: int | None = None
) -> Call[w.QueryOrgConferenceListResponse]:
    return Call(
        "QueryOrgConferenceList",
        "GET",
        "/v1.0/conference/orgConferences",
        w.QueryOrgConferenceListResponse,
        query=w.QueryOrgConferenceListQuery(next_token=next_token, max_results=max_results),
    )


def close_video_conference(
    conference_id: str, union_id: str
) -> Call[w.CloseVideoConferenceResponse]:
    return Call(
        "CloseVideoConference",
        "DELETE",
        _conference(conference_id),
        w.CloseVideoConferenceResponse,
        query=w.CloseVideoConferenceQuery(union_id=union_id),
    )
