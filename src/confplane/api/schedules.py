"""Scheduled meetings' handlers: parse, call the domain, render."""

from __future__ import annotations

from confplane.api.endpoint import Call
from confplane.api.query_values import integer
from confplane.wire import schedule_render as r
from confplane.wire import schedules as w
from confplane.wire.models import SuccessResponse


async def create_schedule_conference(call: Call) -> w.CreateScheduleConferenceResponse:
    req = await call.body(w.CreateScheduleConferenceRequest)
    service = call.services.schedules
    schedule = await service.create(
        call.principal,
        creator_union_id=req.creator_union_id,
        title=req.title,
        start_time=req.start_time,
        end_time=req.end_time,
        settings=r.settings_of(req.schedule_conf_setting_model),
    )
    return r.created(schedule, service.link(schedule), call.request_id)


async def update_schedule_conference(call: Call) -> SuccessResponse:
    req = await call.body(w.UpdateScheduleConferenceRequest)
    await call.services.schedules.update(
        call.principal,
        req.schedule_conference_id,
        creator_union_id=req.creator_union_id,
        title=req.title,
        start_time=req.start_time,
        end_time=req.end_time,
    )
    return SuccessResponse(success=True)


async def cancel_schedule_conference(call: Call) -> SuccessResponse:
    req = await call.body(w.CancelScheduleConferenceRequest)
    await call.services.schedules.cancel(
        call.principal, req.schedule_conference_id, creator_union_id=req.creator_union_id
    )
    return SuccessResponse(success=True)


async def query_schedule_conference(call: Call) -> w.QueryScheduleConferenceResponse:
    service = call.services.schedules
    view = await service.view(
        call.principal,
        call.path("scheduleConferenceId"),
        request_union_id=call.query("requestUnionId"),
    )
    return r.schedule_info(view, service.link(view.schedule), call.request_id)


async def query_schedule_conference_info(call: Call) -> w.QueryScheduleConferenceInfoResponse:
    view = await call.services.schedules.meetings(
        call.principal,
        call.path("scheduleConferenceId"),
        max_results=integer("maxResults", call.query("maxResults")),
        next_token=call.query("nextToken"),
    )
    return r.meetings_of(view)


async def query_schedule_conf_settings(call: Call) -> w.QueryScheduleConfSettingsResponse:
    view = await call.services.schedules.view(
        call.principal, call.query("scheduleConferenceId") or ""
    )
    return w.QueryScheduleConfSettingsResponse(
        schedule_conf_setting_model=r.setting_model(view.schedule.settings)
    )


async def update_schedule_conf_settings(call: Call) -> SuccessResponse:
    req = await call.body(w.UpdateScheduleConfSettingsRequest)
    await call.services.schedules.update_settings(
        call.principal,
        req.schedule_conference_id,
        creator_union_id=req.creator_union_id,
        settings=r.settings_of(req.schedule_conf_setting_model),
    )
    return SuccessResponse(success=True)
