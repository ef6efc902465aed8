"""Domain records to wire bodies."""

from __future__ import annotations

from collections.abc import Sequence

from confplane.domain.conferences import CreatedConference, OrgConferencePage
from confplane.domain.model import ConferenceView, Member
from confplane.wire import models as w


def created(result: CreatedConference) -> w.CreateVideoConferenceResponse:
    c = result.conference
    return w.CreateVideoConferenceResponse(
        conference_id=c.conference_id,
        conference_password=c.conference_password,
        host_password=c.host_password,
        external_link_url=result.external_link_url,
        room_code=c.room_code,
        phone_numbers=result.phone_numbers,
    )


def conference_infos(views: Sequence[ConferenceView]) -> w.QueryConferenceInfoBatchResponse:
    return w.QueryConferenceInfoBatchResponse(
        infos=[
            w.ConferenceInfo(
                conference_id=v.conference.conference_id,
                title=v.conference.title,
                status=v.conference.status,
                media_status=v.media_status,
                start_time=v.conference.start_time,
                user_list=[
                    w.ConferenceUser(
                        user_id=m.member.union_id,
                        nick=m.member.nick,
                        attend_status=m.member.attend_status,
                        camera_status=m.camera_status,
                        mic_status=m.mic_status,
                        reject_description=m.member.reject_description,
                    )
                    for m in v.members
                ],
            )
            for v in views
        ]
    )


def member_models(members: Sequence[Member], conference_id: str, now: int) -> list[w.MemberModel]:
    return [
        w.MemberModel(
            union_id=m.union_id,
            conference_id=conference_id,
            user_nick=m.nick,
            join_time=m.join_time,
            leave_time=m.leave_time,
            duration=m.duration_at(now),
            host=m.host,
            attend_status=m.attend_status,
            outer_org_member=True if m.outer_org else None,
            pstn_join=m.pstn,
            co_host=m.co_host,
            job_number=m.job_number,
        )
        for m in members
    ]


def org_conferences(page: OrgConferencePage) -> w.QueryOrgConferenceListResponse:
    return w.QueryOrgConferenceListResponse(
        on_going_conf_list=[
            w.OnGoingConference(
                conference_id=c.conference_id,
                title=c.title,
                status=c.status,
                room_code=c.room_code,
                creator_id=c.host_union_id,
                creator_nick=page.host_nicks.get(c.host_union_id),
                start_time=c.start_time,
            )
            for c in page.conferences
        ],
        has_more=page.next_token is not None,
        total_count=page.total_count,
        next_token=page.next_token,
    )
