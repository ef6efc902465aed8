"""The ten meeting-detail, control and link operations through the official SDK, sync and
async, for the tests of tests/test_conference_info.py, test_conference_controls.py and
test_conference_links.py."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

import httpx
from alibabacloud_dingtalk.conference_1_0 import models as cm

from conftest import ApiError, Org, runtime


def _headers(org: Org, operation: str) -> Any:
    """The SDK's headers of ``operation`` (update_member_nick: UpdateMemberNickHeaders)."""
    name = "".join(part.title() for part in operation.split("_")) + "Headers"
    return org.headers(getattr(cm, name))


def _sdk(org: Org, operation: str, *args: Any) -> Any:
    """The body of ``operation``'s answer, called as the SDK names it, with the org's token."""
    call = getattr(org.conference, f"{operation}_with_options")
    return call(*args, _headers(org, operation), runtime()).body


async def _sdk_async(org: Org, operation: str, *args: Any) -> Any:
    call = getattr(org.conference, f"{operation}_with_options_async")
    return (await call(*args, _headers(org, operation), runtime())).body


def info(org: Org, conference_id: str) -> Any:
    return _sdk(org, "query_conference_info", conference_id).conf_info


async def info_async(org: Org, conference_id: str) -> Any:
    return (await _sdk_async(org, "query_conference_info", conference_id)).conf_info


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
    request = cm.QueryConferenceInfoByRoomCodeRequest(
        next_token=next_token, max_results=max_results
    )
    return _sdk(org, "query_conference_info_by_room_code", room_code, request)


async def by_room_code_async(org: Org, room_code: str, **kwargs: Any) -> Any:
    request = cm.QueryConferenceInfoByRoomCodeRequest(**kwargs)
    return await _sdk_async(org, "query_conference_info_by_room_code", room_code, request)


def ongoing(org: Org, union_id: str | None) -> Any:
    request = cm.QueryUserOnGoingConferenceRequest(union_id=union_id)
    return _sdk(org, "query_user_on_going_conference", request)


async def ongoing_async(org: Org, union_id: str) -> Any:
    request = cm.QueryUserOnGoingConferenceRequest(union_id=union_id)
    return await _sdk_async(org, "query_user_on_going_conference", request)


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
    return _sdk(org, "invite_users", conference_id, _invite_request(invitees, **kwargs))


async def invite_async(org: Org, conference_id: str, invitees: list[str], **kwargs: Any) -> Any:
    request = _invite_request(invitees, **kwargs)
    return await _sdk_async(org, "invite_users", conference_id, request)


def nick(org: Org, conference_id: str, union_id: str | None, new_nick: str | None) -> Any:
    request = cm.UpdateMemberNickRequest(union_id=union_id, nick=new_nick)
    return _sdk(org, "update_member_nick", conference_id, request)


async def nick_async(org: Org, conference_id: str, union_id: str, new_nick: str) -> Any:
    request = cm.UpdateMemberNickRequest(union_id=union_id, nick=new_nick)
    return await _sdk_async(org, "update_member_nick", conference_id, request)


def settings(org: Org, conference_id: str, **changes: bool) -> Any:
    request = cm.UpdateVideoConferenceSettingRequest(**changes)
    return _sdk(org, "update_video_conference_setting", conference_id, request)


async def settings_async(org: Org, conference_id: str, **changes: bool) -> Any:
    request = cm.UpdateVideoConferenceSettingRequest(**changes)
    return await _sdk_async(org, "update_video_conference_setting", conference_id, request)


def ext_info(org: Org, conference_id: str) -> Any:
    return _sdk(org, "update_video_conference_ext_info", conference_id)


async def ext_info_async(org: Org, conference_id: str) -> Any:
    return await _sdk_async(org, "update_video_conference_ext_info", conference_id)


def focus(org: Org, conference_id: str, union_id: str | None, action: str | None = "focus") -> Any:
    return _sdk(org, "focus", conference_id, cm.FocusRequest(action=action, union_id=union_id))


async def focus_async(
    org: Org, conference_id: str, union_id: str | None, action: str = "focus"
) -> Any:
    request = cm.FocusRequest(action=action, union_id=union_id)
    return await _sdk_async(org, "focus", conference_id, request)


def auto_login(org: Org, meeting_url: str | None, union_id: str | None) -> Any:
    request = cm.CreateAutoLoginUrlRequest(meeting_url=meeting_url, union_id=union_id)
    return _sdk(org, "create_auto_login_url", request)


async def auto_login_async(org: Org, meeting_url: str, union_id: str) -> Any:
    request = cm.CreateAutoLoginUrlRequest(meeting_url=meeting_url, union_id=union_id)
    return await _sdk_async(org, "create_auto_login_url", request)


def short_link(
    org: Org,
    conference_id: str | None,
    creator: str | None = None,
    cool_app_code: str | None = "COOLAPP-1-TEST",
    biz_data: str | None = None,
) -> Any:
    request = cm.CreateCustomShortLinkRequest(
        creator_union_id=creator if creator is not None else org.host,
        schedule_conference_id=conference_id,
        cool_app_code=cool_app_code,
        extension_app_biz_data=biz_data,
        use_extension_app=True,
    )
    return _sdk(org, "create_custom_short_link", request)


async def short_link_async(org: Org, conference_id: str) -> Any:
    request = cm.CreateCustomShortLinkRequest(
        creator_union_id=org.host,
        schedule_conference_id=conference_id,
        cool_app_code="COOLAPP-1-TEST",
    )
    return await _sdk_async(org, "create_custom_short_link", request)


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
