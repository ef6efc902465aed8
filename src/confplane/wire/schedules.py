"""Scheduled meetings' request and response bodies, with the SDK's JSON names."""

from __future__ import annotations

from confplane.wire.models import Body


class ExtensionAppSetting(Body):
    auto_open_mode: int | str | None = None
    cool_app_code: str | None = None
    extension_app_biz_data: str | None = None
    client_id: str | None = None


class VirtualExtraSetting(Body):
    """moziConfVirtualExtraSetting; the minutes, recording and push fields are taken
    and not kept (confplane records nothing)."""

    enable_chat: int | None = None
    enable_web_anonymous_join: bool | None = None
    join_before_host: int | None = None
    lock_media_status_mic_mute: int | None = None
    lock_nick: int | None = None
    waiting_room: int | None = None
    mozi_conf_extension_app_settings: list[ExtensionAppSetting] | None = None
    cloud_record_owner_union_id: str | None = None
    hidden_owner_nick: bool | None = None
    minutes_owner_union_id: str | None = None
    minutes_summary_diy_template_version: str | None = None
    minutes_summary_template_id: str | None = None
    minutes_summary_template_type: str | None = None
    push_all_meeting_records: bool | None = None
    push_cloud_record_card: bool | None = None
    push_minutes_card: bool | None = None


class AiAgentSummarySetting(Body):
    allow_all_participants_start: int | None = None
    allow_participant_show_ai_agent_record: bool | None = None
    enable_ai_agent_status: bool | None = None
    receiver_type: int | None = None
    restrict_share_minutes_summary_only: int | None = None
    value: str | None = None


class OpenRecordSetting(Body):
    is_follow_host: bool | None = None
    mode: str | None = None
    record_auto_start: int | None = None
    record_auto_start_type: int | None = None
    restrict_share_minutes_summary_only: int | None = None


class SettingModel(Body):
    """scheduleConfSettingModel, as sent (aiAgentSummarySetting and
    moziConfOpenRecordSetting need recording and are taken, not kept)."""

    host_union_id: str | None = None
    cohost_union_ids: list[str] | None = None
    conf_allowed_corp_id: str | None = None
    lock_room: int | None = None
    screen_share_forbidden: int | None = None
    mute_on_join: int | None = None
    mozi_conf_virtual_extra_setting: VirtualExtraSetting | None = None
    ai_agent_summary_setting: AiAgentSummarySetting | None = None
    mozi_conf_open_record_setting: OpenRecordSetting | None = None


class CreateScheduleConferenceRequest(Body):
    creator_union_id: str
    title: str | None = None
    start_time: int | None = None
    end_time: int | None = None
    schedule_conf_setting_model: SettingModel | None = None


class CreateScheduleConferenceResponse(Body):
    schedule_conference_id: str
    room_code: str
    url: str
    phones: list[str]
    request_id: str


class UpdateScheduleConferenceRequest(Body):
    creator_union_id: str
    schedule_conference_id: str
    title: str | None = None
    start_time: int | None = None
    end_time: int | None = None


class CancelScheduleConferenceRequest(Body):
    creator_union_id: str
    schedule_conference_id: str


class UpdateScheduleConfSettingsRequest(Body):
    creator_union_id: str
    schedule_conference_id: str
    schedule_conf_setting_model: SettingModel


class QueryScheduleConferenceResponse(Body):
    schedule_conference_id: str
    title: str
    start_time: int
    end_time: int
    room_code: str
    url: str
    phones: list[str]
    request_id: str


class ScheduledMeeting(Body):
    conference_id: str
    title: str
    room_code: str
    status: int
    start_time: int | None = None
    end_time: int | None = None


class QueryScheduleConferenceInfoResponse(Body):
    conference_list: list[ScheduledMeeting]
    total_count: int
    next_token: str | None = None


class QueryScheduleConferenceQuery(Body):
    request_union_id: str | None = None


class QueryScheduleConferenceInfoQuery(Body):
    max_results: int | None = None
    next_token: str | None = None


class QueryScheduleConfSettingsQuery(Body):
    schedule_conference_id: str


class QueryScheduleConfSettingsResponse(Body):
    schedule_conf_setting_model: SettingModel
