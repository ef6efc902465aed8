"""Request and response bodies with the exact JSON names the official SDKs use."""

from __future__ import annotations

import msgspec


class Body(msgspec.Struct, rename="camel", omit_defaults=True, forbid_unknown_fields=False):
    """Base of every wire body: camelCase keys, unset (None) fields left out."""


# -- oauth2_1_0 -----------------------------------------------------------------


class GetAccessTokenRequest(Body):
    app_key: str
    app_secret: str


class GetCorpAccessTokenRequest(Body):
    suite_key: str
    suite_secret: str
    auth_corp_id: str
    suite_ticket: str


class AccessTokenResponse(Body):
    access_token: str
    expire_in: int


# -- conference_1_0 ---------------------------------------------------------------


class CreateVideoConferenceRequest(Body):
    user_id: str
    conf_title: str
    invite_user_ids: list[str] | None = None
    invite_caller: bool | None = None


class CreateVideoConferenceResponse(Body):
    conference_id: str
    conference_password: str
    host_password: str
    external_link_url: str
    room_code: str
    phone_numbers: list[str]


class MuteUser(Body):
    union_id: str
    participant_id: str | None = None


class MuteMembersRequest(Body):
    action: str
    user_list: list[MuteUser]


class SuccessResponse(Body):
    success: bool


class MuteAllRequest(Body):
    action: str
    force_mute: bool | None = None


class LockConferenceRequest(Body):
    action: str


class KickUser(Body):
    union_id: str
    participant_id: str | None = None


class KickMembersRequest(Body):
    user_list: list[KickUser]
    forbidden_rejoin: bool | None = None


class CohostUser(Body):
    union_id: str


class CohostsRequest(Body):
    action: str
    user_list: list[CohostUser]


class QueryConferenceInfoBatchRequest(Body):
    conference_id_list: list[str]


class ConferenceUser(Body):
    user_id: str
    nick: str
    attend_status: int
    camera_status: int
    mic_status: int
    reject_description: str | None = None


class ConferenceInfo(Body):
    conference_id: str
    title: str
    status: int
    media_status: int
    user_list: list[ConferenceUser]
    start_time: int | None = None


class QueryConferenceInfoBatchResponse(Body):
    infos: list[ConferenceInfo]


class MemberModel(Body):
    union_id: str
    conference_id: str
    user_nick: str
    duration: int
    host: bool
    attend_status: int
    pstn_join: bool
    co_host: bool
    join_time: int | None = None
    leave_time: int | None = None
    job_number: str | None = None
    # Only sent when true, as the seed says.
    outer_org_member: bool | None = None


class QueryConferenceMembersResponse(Body):
    member_models: list[MemberModel]
    total_count: int
    next_token: str | None = None


class OnGoingConference(Body):
    conference_id: str
    title: str
    status: int
    room_code: str
    creator_id: str
    creator_nick: str | None = None
    start_time: int | None = None
    end_time: int | None = None
    biz_type: str | None = None


class QueryOrgConferenceListResponse(Body):
    on_going_conf_list: list[OnGoingConference]
    has_more: bool
    total_count: int
    next_token: str | None = None


class CloseVideoConferenceResponse(Body):
    code: int
    cause: str


# -- query strings: GET and DELETE carry their parameters there -------------------


class QueryConferenceMembersQuery(Body):
    next_token: str | None = None
    max_results: int | None = None


class QueryOrgConferenceListQuery(Body):
    next_token: str | None = None
    max_results: int | None = None


class CloseVideoConferenceQuery(Body):
    union_id: str


class ErrorBody(Body):
    code: str
    message: str
    requestid: str
    accessdenieddetail: dict[str, list[str]] | None = None
