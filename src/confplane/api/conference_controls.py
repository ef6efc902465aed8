"""Handlers of the meeting controls and detail reads: parse, call the domain, render."""

from __future__ import annotations

from typing import Any

from confplane.api.endpoint import Call
from confplane.api.query_values import max_results
from confplane.domain.meeting_settings import Invitee, SettingChanges
from confplane.wire import actions, codec, render_controls
from confplane.wire import conference_controls as w
from confplane.wire.models import SuccessResponse


async def query_conference_info(call: Call) -> w.QueryConferenceInfoResponse:
    details = await call.services.controls.details(call.principal, call.path("conferenceId"))
    return render_controls.conference_info(details)


async def query_conference_info_by_room_code(
    call: Call,
) -> w.QueryConferenceInfoByRoomCodeResponse:
    page = await call.services.controls.by_room_code(
        call.principal,
        call.path("roomCode"),
        next_token=call.query("nextToken"),
        max_results=max_results(call.query("maxResults")),
    )
    return render_controls.room_code_page(page)


async def query_user_on_going_conference(call: Call) -> w.QueryUserOnGoingConferenceResponse:
    found = await call.services.controls.ongoing_of_user(
        call.principal, call.query("unionId") or ""
    )
    return render_controls.ongoing(found, call.services.clock.now_ms())


async def invite_users(call: Call) -> SuccessResponse:
    req = await call.body(w.InviteUsersRequest)
    await call.services.controls.invite(
        call.principal,
        call.path("conferenceId"),
        inviter_union_id=req.union_id,
        invitees=[Invitee(i.union_id, i.nick) for i in req.invitee_list or []],
        phone_invitees=len(req.phone_invitee_list or []),
    )
    return SuccessResponse(success=True)


async def update_member_nick(call: Call) -> SuccessResponse:
    req = await call.body(w.UpdateMemberNickRequest)
    await call.services.controls.update_nick(
        call.principal, call.path("conferenceId"), union_id=req.union_id, nick=req.nick
    )
    return SuccessResponse(success=True)


async def update_video_conference_setting(call: Call) -> w.CaseCodeResponse:
    req = await call.body(w.UpdateVideoConferenceSettingRequest)
    await call.services.controls.update_settings(
        call.principal,
        call.path("conferenceId"),
        SettingChanges(
            allow_unmute_self=req.allow_unmute_self,
            auto_transfer_host=req.auto_transfer_host,
            forbidden_share_screen=req.forbidden_share_screen,
            lock_conference=req.lock_conference,
            mute_all=req.mute_all,
            only_internal_employees=req.only_internal_employees_join,
        ),
    )
    return w.SETTINGS_SAVED


async def update_video_conference_ext_info(call: Call) -> w.CaseCodeResponse:
    # The SDKs send no body; an app that sends a JSON object has it kept as it is.
    raw = await call.raw()
    ext_info = None
    if raw.strip():
        ext_info = codec.encode(codec.decode(raw, dict[str, Any])).decode()
    await call.services.controls.update_ext_info(
        call.principal, call.path("conferenceId"), ext_info
    )
    return w.SETTINGS_SAVED


async def focus(call: Call) -> SuccessResponse:
    req = await call.body(w.FocusRequest)
    await call.services.controls.focus(
        call.principal,
        call.path("conferenceId"),
        action=actions.parse(actions.FOCUS, req.action),
        union_id=req.union_id,
    )
    return SuccessResponse(success=True)
