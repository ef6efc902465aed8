"""Bodies of QueryConferenceInfo, QueryConferenceInfoByRoomCode,
QueryUserOnGoingConference, InviteUsers, UpdateMemberNick, UpdateVideoConferenceSetting,
UpdateVideoConferenceExtInfo, Focus, CreateAutoLoginUrl and CreateCustomShortLink, with
the exact JSON names the official SDKs use (confplane's clients share them)."""

from __future__ import annotations

import msgspec

from confplane.wire.models import Body, MemberModel

# -- requests ------------------------------------------------------------------------


class InviteeBody(Body):
    union_id: str = ""
    nick: str | None = None


class PhoneInviteeBody(Body):
    phone_number: str | None = None
    nick: str | None = None
    invite_client: bool | None = None
    status_code: str | None = None


class InviteUsersRequest(Body):
    union_id: str | None = None
    invitee_list: list[InviteeBody] | None = None
    phone_invitee_list: list[PhoneInviteeBody] | None = None


class UpdateMemberNickRequest(Body):
    union_id: str = ""
    nick: str = ""


class UpdateVideoConferenceSettingRequest(Body):
    allow_unmute_self: bool | None = None
    auto_transfer_host: bool | None = None
    forbidden_share_screen: bool | None = None
    lock_conference: bool | None = None
    mute_all: bool | None = None
    only_internal_employees_join: bool | None = None


class FocusRequest(Body):
    action: str | None = None
    union_id: str = ""


class CreateAutoLoginUrlRequest(Body):
    meeting_url: str = ""
    union_id: str = ""


class CreateCustomShortLinkRequest(Body):
    creator_union_id: str = ""
    schedule_conference_id: str = ""
    cool_app_code: str = ""
    extension_app_biz_data: str | None = None
    use_extension_app: bool | None = None


class QueryConferenceInfoByRoomCodeQuery(Body):
    next_token: str | None = None
    max_results: int | None = None


class QueryUserOnGoingConferenceQuery(Body):
    union_id: str


# -- responses -----------------------------------------------------------------------


class ConfInfo(Body):
    conference_id: str
    title: str
    status: int
    room_code: str
    creator_id: str
    external_link_url: str
    active_num: int
    attend_num: int
    invited_num: int
    creator_nick: str | None = None
    start_time: int | None = None
    end_time: int | None = None
    conf_duration: int | None = None
    # confplane's own: the meeting's settings, focus and ext info (SDKs ignore them).
    lock_conference: bool | None = None
    mute_all: bool | None = None
    allow_unmute_self: bool | None = None
    auto_transfer_host: bool | None = None
    forbidden_share_screen: bool | None = None
    only_internal_employees_join: bool | None = None
    focus_union_id: str | None = None
    ext_info: msgspec.Raw | None = None


class QueryConferenceInfoResponse(Body):
    conf_info: ConfInfo


class RoomCodeConference(Body):
    conference_id: str
    title: str
    status: int
    room_code: str
    creator_id: str
    external_link_url: str
    creator_nick: str | None = None
    start_time: int | None = None
    end_time: int | None = None
    conf_duration: int | None = None


class QueryConferenceInfoByRoomCodeResponse(Body):
    conference_list: list[RoomCodeConference]
    has_more: bool
    total_count: int
    next_token: str | None = None


class QueryUserOnGoingConferenceResponse(Body):
    on_going_conf_id_list: list[str]
    member_model_map: dict[str, MemberModel]


class CaseCodeResponse(Body):
    """UpdateVideoConferenceSetting's and UpdateVideoConferenceExtInfo's answer."""

    case: str
    code: str


class LoginInfo(Body):
    login_url: str


class CreateAutoLoginUrlResponse(Body):
    login_info: LoginInfo
    success: bool


class ShortLinkResult(Body):
    custom_short_link: str


class CreateCustomShortLinkResponse(Body):
    result: ShortLinkResult


SETTINGS_SAVED = CaseCodeResponse(case="success", code="200")
