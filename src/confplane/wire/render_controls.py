"""The meeting details of the domain rendered into the bodies of
wire.conference_controls."""

from __future__ import annotations

import msgspec

from confplane.domain.meeting_settings import ConferenceDetails, OngoingMeetings, RoomCodePage
from confplane.domain.model import Conference
from confplane.wire.conference_controls import (
    ConfInfo,
    QueryConferenceInfoByRoomCodeResponse,
    QueryConferenceInfoResponse,
    QueryUserOnGoingConferenceResponse,
    RoomCodeConference,
)
from confplane.wire.render import member_models


def _duration(c: Conference) -> int | None:
    """The meeting's length, once it has ended."""
    if c.end_time is None or c.start_time is None:
        return None
    return max(0, c.end_time - c.start_time)


def conference_info(d: ConferenceDetails) -> QueryConferenceInfoResponse:
    c, s = d.conference, d.settings
    return QueryConferenceInfoResponse(
        conf_info=ConfInfo(
            conference_id=c.conference_id,
            title=c.title,
            status=c.status,
            room_code=c.room_code,
            creator_id=c.host_union_id,
            creator_nick=d.creator_nick,
            external_link_url=d.external_link_url,
            active_num=d.attendance.active,
            attend_num=d.attendance.attended,
            invited_num=d.attendance.invited,
            start_time=c.start_time,
            end_time=c.end_time,
            conf_duration=_duration(c),
            lock_conference=c.locked,
            mute_all=c.mute_all,
            allow_unmute_self=s.allow_unmute_self,
            auto_transfer_host=s.auto_transfer_host,
            forbidden_share_screen=s.forbidden_share_screen,
            only_internal_employees_join=s.only_internal_employees,
            focus_union_id=s.focus_union_id,
            ext_info=msgspec.Raw(s.ext_info.encode()) if s.ext_info is not None else None,
        )
    )


def room_code_page(page: RoomCodePage) -> QueryConferenceInfoByRoomCodeResponse:
    return QueryConferenceInfoByRoomCodeResponse(
        conference_list=[
            RoomCodeConference(
                conference_id=c.conference_id,
                title=c.title,
                status=c.status,
                room_code=c.room_code,
                creator_id=c.host_union_id,
                creator_nick=page.creator_nicks.get(c.host_union_id),
                external_link_url=f"{page.public_url}/j/{c.room_code}",
                start_time=c.start_time,
                end_time=c.end_time,
                conf_duration=_duration(c),
            )
            for c in page.conferences
        ],
        has_more=page.next_token is not None,
        total_count=page.total_count,
        next_token=page.next_token,
    )


def ongoing(found: OngoingMeetings, now: int) -> QueryUserOnGoingConferenceResponse:
    return QueryUserOnGoingConferenceResponse(
        on_going_conf_id_list=found.conference_ids,
        member_model_map={
            cid: member_models([member], cid, now)[0] for cid, member in found.members.items()
        },
    )
