"""The ten meeting-detail, control and link operations through the official SDK, sync and
async, for the tests of tests/test_conference_info.py, test_conference_controls.py and
test_conference_links.py."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

import httpx
from alibabacloud_dingtalk.conference_1_0 import models as cm

from conftest import ApiError, Org, runtime


def info(org: Org, conference_id: str) -> Any:
    return org.conference.query_conference_info_with_options(
        conference_id, org.headers(cm.QueryConferenceInfoHeaders), runtime()
    ).body.conf_info


async def info_async(org: Org, conference_id: str) -> Any:
    answer = await org.conference.query_conference_info_with_options_async(
        conference_id, org.headers(cm.QueryConferenceInfoHeaders), runtime()
    )
    return answer.body.conf_info


def raw_info(org: Org, conference_id: str) -> dict[str, Any]:
    """The whole confInfo as sent, with the fields the SDK does not know."""
    response = httpx.get(
        f"{org.server.base_url}/v1.0/conference/videoConferences/{conference_id}",
        headers={"x-acs-dingtalk-access-token": org.token},
    )
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()["confInfo"]
    return found


def by_room_code(
    org: Org, room_code: str, next_token: str | None = None, max_results: int | None = None
) -> Any:
    return org.conference.query_conference_info_by_room_code_with_options(
        room_code,
        cm.QueryConferenceInfoByRoomCodeRequest(next_token=next_token, max_results=max_results),
        org.headers(cm.QueryConferenceInfoByRoomCodeHeaders),
        runtime(),
    ).body


async def by_room_code_async(org: Org, room_code: str, **kwargs: Any) -> Any:
    answer = await org.conference.query_conference_info_by_room_code_with_options_async(
        room_code,
        cm.QueryConferenceInfoByRoomCodeRequest(**kwargs),
        org.headers(cm.QueryConferenceInfoByRoomCodeHeaders),
        runtime(),
    )
    return answer.body


def ongoing(org: Org, union_id: str | None) -> Any:
    return org.conference.query_user_on_going_conference_with_options(
        cm.QueryUserOnGoingConferenceRequest(union_id=union_id),
        org.headers(cm.QueryUserOnGoingConferenceHeaders),
        runtime(),
    ).body


async def ongoing_async(org: Org, union_id: str) -> Any:
    answer = await org.conference.query_user_on_going_conference_with_options_async(
        cm.QueryUserOnGoingConferenceRequest(union_id=union_id),
        org.headers(cm.QueryUserOnGoingConferenceHeaders),
        runtime(),
    )
    return answer.body


def _invite_request(
    invitees: list[str] | None,
    inviter: str | None = None,
    nicks: dict[str, str] | None = None,
    phones: list[str] | None = None,
) -> Any:
    nicks = nicks or {}
    return cm.InviteUsersRequest(
        union_id=inviter,
        invitee_list=None
        if invitees is None
        else [
            cm.InviteUsersRequestInviteeList(union_id=u, nick=nicks.get(u, "")) for u in invitees
        ],
        phone_invitee_list=None
        if phones is None
        else [cm.InviteUsersRequestPhoneInviteeList(phone_number=p, nick="phone") for p in phones],
    )


def invite(org: Org, conference_id: str, invitees: list[str] | None, **kwargs: Any) -> Any:
    return org.conference.invite_users_with_options(
        conference_id,
        _invite_request(invitees, **kwargs),
        org.headers(cm.InviteUsersHeaders),
        runtime(),
    ).body


async def invite_async(org: Org, conference_id: str, invitees: list[str], **kwargs: Any) -> Any:
    answer = await org.conference.invite_users_with_options_async(
        conference_id,
        _invite_request(invitees, **kwargs),
        org.headers(cm.InviteUsersHeaders),
        runtime(),
    )
    return answer.body


def nick(org: Org, conference_id: str, union_id: str | None, new_nick: str | None) -> Any:
    return org.conference.update_member_nick_with_options(
        conference_id,
        cm.UpdateMemberNickRequest(union_id=union_id, nick=new_nick),
        org.headers(cm.UpdateMemberNickHeaders),
        runtime(),
    ).body


async def nick_async(org: Org, conference_id: str, union_id: str, new_nick: str) -> Any:
    answer = await org.conference.update_member_nick_with_options_async(
        conference_id,
        cm.UpdateMemberNickRequest(union_id=union_id, nick=new_nick),
        org.headers(cm.UpdateMemberNickHeaders),
        runtime(),
    )
    return answer.body


def settings(org: Org, conference_id: str, **changes: bool) -> Any:
    return org.conference.update_video_conference_setting_with_options(
        conference_id,
        cm.UpdateVideoConferenceSettingRequest(**changes),
        org.headers(cm.UpdateVideoConferenceSettingHeaders),
        runtime(),
    ).body


async def settings_async(org: Org, conference_id: str, **changes: bool) -> Any:
    answer = await org.conference.update_video_conference_setting_with_options_async(
        conference_id,
        cm.UpdateVideoConferenceSettingRequest(**changes),
        org.headers(cm.UpdateVideoConferenceSettingHeaders),
        runtime(),
    )
    return answer.body


def ext_info(org: Org, conference_id: str) -> Any:
    return org.conference.update_video_conference_ext_info_with_options(
        conference_id, org.headers(cm.UpdateVideoConferenceExtInfoHeaders), runtime()
    ).body


async def ext_info_async(org: Org, conference_id: str) -> Any:
    answer = await org.conference.update_video_conference_ext_info_with_options_async(
        conference_id, org.headers(cm.UpdateVideoConferenceExtInfoHeaders), runtime()
    )
    return answer.body


def focus(org: Org, conference_id: str, union_id: str | None, action: str | None = "focus") -> Any:
    return org.conference.focus_with_options(
        conference_id,
        cm.FocusRequest(action=action, union_id=union_id),
        org.headers(cm.FocusHeaders),
        runtime(),
    ).body


async def focus_async(
    org: Org, conference_id: str, union_id: str | None, action: str = "focus"
) -> Any:
    answer = await org.conference.focus_with_options_async(
        conference_id,
        cm.FocusRequest(action=action, union_id=union_id),
        org.headers(cm.FocusHeaders),
        runtime(),
    )
    return answer.body


def auto_login(org: Org, meeting_url: str | None, union_id: str | None) -> Any:
    return org.conference.create_auto_login_url_with_options(
        cm.CreateAutoLoginUrlRequest(meeting_url=meeting_url, union_id=union_id),
        org.headers(cm.CreateAutoLoginUrlHeaders),
        runtime(),
    ).body


async def auto_login_async(org: Org, meeting_url: str, union_id: str) -> Any:
    answer = await org.conference.create_auto_login_url_with_options_async(
        cm.CreateAutoLoginUrlRequest(meeting_url=meeting_url, union_id=union_id),
        org.headers(cm.CreateAutoLoginUrlHeaders),
        runtime(),
    )
    return answer.body


def short_link(
    org: Org,
    conference_id: str | None,
    creator: str | None = None,
    cool_app_code: str | None = "COOLAPP-1-TEST",
    biz_data: str | None = None,
) -> Any:
    return org.conference.create_custom_short_link_with_options(
        cm.CreateCustomShortLinkRequest(
            creator_union_id=creator if creator is not None else org.host,
            schedule_conference_id=conference_id,
            cool_app_code=cool_app_code,
            extension_app_biz_data=biz_data,
            use_extension_app=True,
        ),
        org.headers(cm.CreateCustomShortLinkHeaders),
        runtime(),
    ).body


async def short_link_async(org: Org, conference_id: str) -> Any:
    answer = await org.conference.create_custom_short_link_with_options_async(
        cm.CreateCustomShortLinkRequest(
            creator_union_id=org.host,
            schedule_conference_id=conference_id,
            cool_app_code="COOLAPP-1-TEST",
        ),
        org.headers(cm.CreateCustomShortLinkHeaders),
        runtime(),
    )
    return answer.body


async def api_error_async(call: Awaitable[Any]) -> ApiError:
    """An awaited SDK call that must fail, as the app would see it."""
    try:
        await call
    except Exception as exc:  # the SDK raises TeaException subclasses
        data = dict(getattr(exc, "data", None) or {})
        return ApiError(
            int(data.get("statusCode", 0)),
            str(getattr(exc, "code", "")),
            str(data.get("message")),
            data,
        )
    raise AssertionError("the call succeeded but an error was expected")
