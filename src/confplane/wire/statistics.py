"""Meeting statistics' response bodies, with the SDK's JSON names."""

from __future__ import annotations

import msgspec

from confplane.wire.models import Body


class ConfData(Body):
    """GetConfDataByConferenceId's body, and one entry of GetHistoryConfDataList."""

    conference_id: str
    creator_id: str
    creator_nick: str
    dept_name: str
    free_type: str
    scene: str
    title: str
    time_length: int
    user_count: int
    start_time: int | None = None
    end_time: int | None = None


class ConfDetail(Body):
    conference_id: str
    session_id: str
    union_id: str
    nick: str
    role: str
    status: str
    device_type: str
    join_time: int
    duration: int
    network_quality: str
    version: str
    belong_org: str
    leave_time: int | None = None


class GetConfDataByConferenceIdQuery(Body):
    real_data: bool | None = None


class GetConfDetailDataQuery(Body):
    max_results: int | None = None
    next_token: str | None = None
    nick: str | None = None


class GetHistoryConfDataListQuery(Body):
    start_time: int | None = None
    end_time: int | None = None
    title: str | None = None
    creator_nike: str | None = None
    free_type: str | None = None
    scene: str | None = None
    real_data: bool | None = None
    max_results: int | None = None
    next_token: str | None = None


class GetConfDetailDataResponse(Body):
    details: list[ConfDetail] = msgspec.field(name="list")
    next_token: str | None = None


class GetHistoryConfDataListResponse(Body):
    meetings: list[ConfData] = msgspec.field(name="list")
    next_token: str | None = None
