"""Meeting statistics rendered as their wire bodies."""

from __future__ import annotations

from confplane.domain.statistics import HistoryPage, MeetingData, StayPage
from confplane.wire.statistics import (
    ConfData,
    ConfDetail,
    GetConfDetailDataResponse,
    GetHistoryConfDataListResponse,
)

# What confplane cannot know without media or an org chart (docs/semantics.md).
NO_DEPARTMENT = ""
NO_FREE_TYPE = ""
NO_SCENE = ""
NO_CLIENT_VERSION = ""
NETWORK_QUALITY_UNKNOWN = "unknown"


def conf_data(data: MeetingData) -> ConfData:
    c = data.conference
    return ConfData(
        conference_id=c.conference_id,
        creator_id=c.host_union_id,
        creator_nick=data.figures.creator_nick,
        dept_name=NO_DEPARTMENT,
        free_type=NO_FREE_TYPE,
        scene=NO_SCENE,
        title=c.title,
        time_length=data.length_ms,
        user_count=data.figures.user_count,
        start_time=c.start_time,
        end_time=c.end_time,
    )


def conf_details(page: StayPage) -> GetConfDetailDataResponse:
    return GetConfDetailDataResponse(
        details=[
            ConfDetail(
                conference_id=page.conference_id,
                session_id=s.stay.participant_id,
                union_id=s.stay.union_id,
                nick=s.stay.nick,
                role=s.role.value,
                status="in" if s.left_at is None else "left",
                device_type=s.kind.value,
                join_time=s.stay.joined_at,
                duration=s.duration_ms,
                network_quality=NETWORK_QUALITY_UNKNOWN,
                version=NO_CLIENT_VERSION,
                belong_org=s.belong_org,
                leave_time=s.left_at,
            )
            for s in page.stays
        ],
        next_token=page.next_token,
    )


def history(page: HistoryPage) -> GetHistoryConfDataListResponse:
    return GetHistoryConfDataListResponse(
        meetings=[conf_data(m) for m in page.meetings], next_token=page.next_token
    )
