"""Scheduled meetings and meeting statistics as data (see operations.py):
CreateScheduleConference, UpdateScheduleConference, CancelScheduleConference,
QueryScheduleConference, QueryScheduleConferenceInfo, QueryScheduleConfSettings,
UpdateScheduleConfSettings, GetConfDataByConferenceId, GetConfDetailData and
GetHistoryConfDataList."""

from __future__ import annotations

from urllib.parse import quote

from confplane.client.dingtalk.operations import Call
from confplane.wire import schedules as ws
from confplane.wire import statistics as wt
from confplane.wire.models import SuccessResponse

_SCHEDULES = "/v1.0/conference/scheduleConferences"
_CONFERENCES = "/v1.0/conference/videoConferences"


def _quoted(value: str) -> str:
    return quote(value, safe="")


def create_schedule_conference(
    request: ws.CreateScheduleConferenceRequest,
) -> Call[ws.CreateScheduleConferenceResponse]:
    return Call(
        "CreateScheduleConference",
        "POST",
        _SCHEDULES,
        ws.CreateScheduleConferenceResponse,
        body=request,
    )


def update_schedule_conference(
    request: ws.UpdateScheduleConferenceRequest,
) -> Call[SuccessResponse]:
    return Call("UpdateScheduleConference", "PUT", _SCHEDULES, SuccessResponse, body=request)


def cancel_schedule_conference(
    creator_union_id: str, schedule_conference_id: str
) -> Call[SuccessResponse]:
    return Call(
        "CancelScheduleConference",
        "POST",
        f"{_SCHEDULES}/cancel",
        SuccessResponse,
        body=ws.CancelScheduleConferenceRequest(
            creator_union_id=creator_union_id, schedule_conference_id=schedule_conference_id
        ),
    )


def query_schedule_conference(
    schedule_conference_id: str, request_union_id: str | None = None
) -> Call[ws.QueryScheduleConferenceResponse]:
    return Call(
        "QueryScheduleConference",
        "GET",
        f"{_SCHEDULES}/{_quoted(schedule_conference_id)}/infos",
        ws.QueryScheduleConferenceResponse,
        query=ws.QueryScheduleConferenceQuery(request_union_id=request_union_id),
    )


def query_schedule_conference_info(
    schedule_conference_id: str, max_results: int | None = None, next_token: str | None = None
) -> Call[ws.QueryScheduleConferenceInfoResponse]:
    return Call(
        "QueryScheduleConferenceInfo",
        "GET",
        f"{_CONFERENCES}/scheduleConferences/{_quoted(schedule_conference_id)}",
        ws.QueryScheduleConferenceInfoResponse,
        query=ws.QueryScheduleConferenceInfoQuery(max_results=max_results, next_token=next_token),
    )


def query_schedule_conf_settings(
    schedule_conference_id: str,
) -> Call[ws.QueryScheduleConfSettingsResponse]:
    return Call(
        "QueryScheduleConfSettings",
        "GET",
        f"{_SCHEDULES}/settings",
        ws.QueryScheduleConfSettingsResponse,
        query=ws.QueryScheduleConfSettingsQuery(schedule_conference_id=schedule_conference_id),
    )


def update_schedule_conf_settings(
    creator_union_id: str, schedule_conference_id: str, settings: ws.SettingModel
) -> Call[SuccessResponse]:
    return Call(
        "UpdateScheduleConfSettings",
        "PUT",
        f"{_SCHEDULES}/settings",
        SuccessResponse,
        body=ws.UpdateScheduleConfSettingsRequest(
            creator_union_id=creator_union_id,
            schedule_conference_id=schedule_conference_id,
            schedule_conf_setting_model=settings,
        ),
    )


def get_conf_data_by_conference_id(
    conference_id: str, real_data: bool | None = None
) -> Call[wt.ConfData]:
    return Call(
        "GetConfDataByConferenceId",
        "GET",
        f"{_CONFERENCES}/{_quoted(conference_id)}/infos",
        wt.ConfData,
        query=wt.GetConfDataByConferenceIdQuery(real_data=real_data),
    )


def get_conf_detail_data(
    conference_id: str, query: wt.GetConfDetailDataQuery
) -> Call[wt.GetConfDetailDataResponse]:
    return Call(
        "GetConfDetailData",
        "GET",
        f"{_CONFERENCES}/{_quoted(conference_id)}/details",
        wt.GetConfDetailDataResponse,
        query=query,
    )


def get_history_conf_data_list(
    query: wt.GetHistoryConfDataListQuery,
) -> Call[wt.GetHistoryConfDataListResponse]:
    return Call(
        "GetHistoryConfDataList",
        "GET",
        f"{_CONFERENCES}/histories/dataLists",
        wt.GetHistoryConfDataListResponse,
        query=query,
    )
