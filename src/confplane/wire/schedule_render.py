"""Scheduled meetings rendered as their wire bodies, and their settings parsed."""

from __future__ import annotations

from confplane.domain.schedule_records import Schedule, ScheduleSettings
from confplane.domain.schedules import ScheduleView
from confplane.wire.schedules import (
    CreateScheduleConferenceResponse,
    QueryScheduleConferenceInfoResponse,
    QueryScheduleConferenceResponse,
    ScheduledMeeting,
    SettingModel,
    VirtualExtraSetting,
)


def settings_of(model: SettingModel | None) -> ScheduleSettings:
    """The settings the request names, as the domain keeps them."""
    if model is None:
        return ScheduleSettings()
    extra = model.mozi_conf_virtual_extra_setting or VirtualExtraSetting()
    return ScheduleSettings(
        host_union_id=model.host_union_id,
        cohost_union_ids=tuple(model.cohost_union_ids or ()),
        conf_allowed_corp_id=model.conf_allowed_corp_id,
        lock_room=model.lock_room,
        screen_share_forbidden=model.screen_share_forbidden,
        mute_on_join=model.mute_on_join,
        waiting_room=extra.waiting_room,
        join_before_host=extra.join_before_host,
        enable_chat=extra.enable_chat,
        lock_nick=extra.lock_nick,
        lock_media_status_mic_mute=extra.lock_media_status_mic_mute,
        enable_web_anonymous_join=extra.enable_web_anonymous_join,
    )


def setting_model(settings: ScheduleSettings) -> SettingModel:
    extra = VirtualExtraSetting(
        enable_chat=settings.enable_chat,
        enable_web_anonymous_join=settings.enable_web_anonymous_join,
        join_before_host=settings.join_before_host,
        lock_media_status_mic_mute=settings.lock_media_status_mic_mute,
        lock_nick=settings.lock_nick,
        waiting_room=settings.waiting_room,
    )
    return SettingModel(
        host_union_id=settings.host_union_id,
        cohost_union_ids=list(settings.cohost_union_ids),
        conf_allowed_corp_id=settings.conf_allowed_corp_id,
        lock_room=settings.lock_room,
        screen_share_forbidden=settings.screen_share_forbidden,
        mute_on_join=settings.mute_on_join,
        mozi_conf_virtual_extra_setting=extra,
    )


def created(schedule: Schedule, url: str, request_id: str) -> CreateScheduleConferenceResponse:
    return CreateScheduleConferenceResponse(
        schedule_conference_id=schedule.schedule_conference_id,
        room_code=schedule.room_code,
        url=url,
        phones=[],
        request_id=request_id,
    )


def schedule_info(view: ScheduleView, url: str, request_id: str) -> QueryScheduleConferenceResponse:
    s = view.schedule
    return QueryScheduleConferenceResponse(
        schedule_conference_id=s.schedule_conference_id,
        title=s.title,
        start_time=s.start_time,
        end_time=s.end_time,
        room_code=s.room_code,
        url=url,
        phones=[],
        request_id=request_id,
    )


def meetings_of(view: ScheduleView) -> QueryScheduleConferenceInfoResponse:
    """The meeting the schedule made, once it has opened (DingTalk answers only the
    last one; a schedule here makes one)."""
    c = view.conference
    if c is None:
        return QueryScheduleConferenceInfoResponse(conference_list=[], total_count=0)
    meeting = ScheduledMeeting(
        conference_id=c.conference_id,
        title=c.title,
        room_code=c.room_code,
        status=c.status,
        start_time=c.start_time,
        end_time=c.end_time,
    )
    return QueryScheduleConferenceInfoResponse(conference_list=[meeting], total_count=1)
