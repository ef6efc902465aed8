"""The meeting details, controls and links as data (see operations.py): QueryConferenceInfo,
QueryConferenceInfoByRoomCode, QueryUserOnGoingConference, InviteUsers, UpdateMemberNick,
UpdateVideoConferenceSetting, UpdateVideoConferenceExtInfo, Focus, CreateAutoLoginUrl and
CreateCustomShortLink."""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import quote

from confplane.client.dingtalk.operations import Call
from confplane.wire import conference_controls as w
from confplane.wire.models import SuccessResponse

_CONFERENCES = "/v1.0/conference/videoConferences"


def _conference(conference_id: str, suffix: str = "") -> str:
    return f"{_CONFERENCES}/{quote(conference_id, safe='')}{suffix}"


def query_conference_info(conference_id: str) -> Call[w.QueryConferenceInfoResponse]:
    return Call(
        "QueryConferenceInfo", "GET", _conference(conference_id), w.QueryConferenceInfoResponse
    )


def query_conference_info_by_room_code(
    room_code: str, next_token: str | None = None, max_results: int | None = None
) -> Call[w.QueryConferenceInfoByRoomCodeResponse]:
    return Call(
        "QueryConferenceInfoByRoomCode",
        "GET",
        f"/v1.0/conference/roomCodes/{quote(room_code, safe='')}/infos",
        w.QueryConferenceInfoByRoomCodeResponse,
        query=w.QueryConferenceInfoByRoomCodeQuery(next_token=next_token, max_results=max_results),
    )


def query_user_on_going_conference(
    union_id: str,
) -> Call[w.QueryUserOnGoingConferenceResponse]:
    return Call(
        "QueryUserOnGoingConference",
        "GET",
        "/v1.0/conference/users/lists",
        w.QueryUserOnGoingConferenceResponse,
        query=w.QueryUserOnGoingConferenceQuery(union_id=union_id),
    )


def invite_users(
    conference_id: str, union_ids: Sequence[str], inviter_union_id: str | None = None
) -> Call[SuccessResponse]:
    return Call(
        "InviteUsers",
        "POST",
        _conference(conference_id, "/users/invite"),
        SuccessResponse,
        body=w.InviteUsersRequest(
            union_id=inviter_union_id,
            invitee_list=[w.InviteeBody(union_id=u) for u in union_ids],
        ),
    )


def update_member_nick(conference_id: str, union_id: str, nick: str) -> Call[SuccessResponse]:
    return Call(
        "UpdateMemberNick",
        "POST",
        _conference(conference_id, "/members/updateNick"),
        SuccessResponse,
        body=w.UpdateMemberNickRequest(union_id=union_id, nick=nick),
    )


def update_video_conference_setting(
    conference_id: str, settings: w.UpdateVideoConferenceSettingRequest
) -> Call[w.CaseCodeResponse]:
    return Call(
        "UpdateVideoConferenceSetting",
        "PUT",
        _conference(conference_id),
        w.CaseCodeResponse,
        body=settings,
    )


def update_video_conference_ext_info(conference_id: str) -> Call[w.CaseCodeResponse]:
    # As the SDKs send it: no body.
    return Call(
        "UpdateVideoConferenceExtInfo",
        "PUT",
        _conference(conference_id, "/extInfo"),
        w.CaseCodeResponse,
    )


def focus(conference_id: str, action: str, union_id: str = "") -> Call[SuccessResponse]:
    return Call(
        "Focus",
        "POST",
        _conference(conference_id, "/focus"),
        SuccessResponse,
        body=w.FocusRequest(action=action, union_id=union_id),
    )


def create_auto_login_url(meeting_url: str, union_id: str) -> Call[w.CreateAutoLoginUrlResponse]:
    return Call(
        "CreateAutoLoginUrl",
        "POST",
        f"{_CONFERENCES}/createAutoLoginUrl",
        w.CreateAutoLoginUrlResponse,
        body=w.CreateAutoLoginUrlRequest(meeting_url=meeting_url, union_id=union_id),
    )


def create_custom_short_link(
    creator_union_id: str,
    schedule_conference_id: str,
    cool_app_code: str,
    extension_app_biz_data: str | None = None,
    use_extension_app: bool | None = None,
) -> Call[w.CreateCustomShortLinkResponse]:
    return Call(
        "CreateCustomShortLink",
        "POST",
        "/v1.0/conference/customShortLinks",
        w.CreateCustomShortLinkResponse,
        body=w.CreateCustomShortLinkRequest(
            creator_union_id=creator_union_id,
            schedule_conference_id=schedule_conference_id,
            cool_app_code=cool_app_code,
            extension_app_biz_data=extension_app_biz_data,
            use_extension_app=use_extension_app,
        ),
    )
