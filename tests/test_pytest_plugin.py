"""The pytest plugin (confplane.pytest_plugin), through its fixtures as an app's tests use
them; loaded by the pytest11 entry point, not by this suite's conftest."""

from __future__ import annotations

import pytest
from alibabacloud_dingtalk.conference_1_0 import models as cm
from alibabacloud_dingtalk.conference_1_0.client import Client as ConferenceClient
from alibabacloud_dingtalk.oauth2_1_0 import models as om
from alibabacloud_dingtalk.oauth2_1_0.client import Client as OAuthClient
from alibabacloud_tea_openapi.models import Config
from alibabacloud_tea_util.models import RuntimeOptions

from confplane.client.admin import AdminClient, AdminError
from confplane.client.dingtalk import AsyncDingTalkClient, DingTalkClient, DingTalkError
from confplane.client.emulator import EmulatorClient
from confplane.pytest_plugin import Confplane, Devices

# What the first test leaves behind for the next (tests run in file order).
LEFT_BEHIND: list[tuple[str, str]] = []


def test_the_handle_and_a_meeting_to_leave_behind(
    confplane: Confplane, confplane_client: DingTalkClient
) -> None:
    assert confplane.base_url == f"http://{confplane.endpoint}"
    assert confplane.corp_id == "dingdemo"
    assert confplane.users[0] == confplane.host == "demo-host" and len(confplane.users) == 5
    assert 0 <= confplane.reset_ms < 1000
    meeting = confplane_client.create_video_conference(confplane.host, "left behind")
    LEFT_BEHIND.append((meeting.conference_id, confplane.app_key))


def test_the_next_test_sees_a_fresh_server(
    confplane: Confplane,
    confplane_client: DingTalkClient,
    confplane_admin: AdminClient,
    confplane_emulator: EmulatorClient,
) -> None:
    assert len(LEFT_BEHIND) == 1, "runs after the test before it"
    conference_id, old_app_key = LEFT_BEHIND[0]
    with pytest.raises(DingTalkError) as gone:
        confplane_client.query_conference_members(conference_id)
    assert gone.value.code == "roomNotFound"
    assert confplane_client.query_org_conference_list().on_going_conf_list == []
    # A new demo app: the old one went with the reset.
    assert confplane.app_key != old_app_key
    with pytest.raises(AdminError):
        confplane_admin.get_app(old_app_key)
    assert [a["appKey"] for a in confplane_admin.list_apps()] == [confplane.app_key]
    assert confplane_emulator.faults() == []
    assert operations(confplane_emulator.journal()) == [
        "GetAccessToken",
        "QueryConferenceMembers",
        "QueryOrgConferenceList",
    ]


def operations(entries: list[dict[str, object]]) -> list[object]:
    return [e["operation"] for e in entries]


async def test_the_async_client(
    confplane: Confplane, confplane_async_client: AsyncDingTalkClient
) -> None:
    client = confplane_async_client
    meeting = await client.create_video_conference(
        confplane.host, "async", invite_user_ids=confplane.users[1:3]
    )
    members = [
        m.union_id
        async for page in client.iter_conference_members(meeting.conference_id, page_size=2)
        for m in page.member_models
    ]
    assert members == confplane.users[:3]


def test_the_sdk_config_with_the_official_sdk(
    confplane: Confplane, confplane_sdk_config: Config
) -> None:
    token = (
        OAuthClient(confplane_sdk_config)
        .get_access_token(
            om.GetAccessTokenRequest(app_key=confplane.app_key, app_secret=confplane.app_secret)
        )
        .body.access_token
    )
    created = (
        ConferenceClient(confplane_sdk_config)
        .create_video_conference_with_options(
            cm.CreateVideoConferenceRequest(user_id=confplane.host, conf_title="official"),
            cm.CreateVideoConferenceHeaders(x_acs_dingtalk_access_token=token),
            RuntimeOptions(),
        )
        .body
    )
    assert len(created.conference_id) == 24 and created.room_code


async def test_the_devices_factory_joins_a_present_member(
    confplane: Confplane,
    confplane_async_client: AsyncDingTalkClient,
    confplane_devices: Devices,
    confplane_emulator: EmulatorClient,
) -> None:
    client = confplane_async_client
    meeting = await client.create_video_conference(
        confplane.host, "devices", invite_user_ids=[confplane.users[1]]
    )
    device = await confplane_devices(meeting.conference_id, confplane.users[1], mic=1)
    assert device.joined is not None and device.union_id == confplane.users[1]
    page = await client.query_conference_members(meeting.conference_id)
    status = {m.union_id: m.attend_status for m in page.member_models}
    assert status == {confplane.host: 1, confplane.users[1]: 3}
    batch = await client.query_conference_info_batch([meeting.conference_id])
    user = next(u for u in batch.infos[0].user_list if u.user_id == confplane.users[1])
    assert user.mic_status == 1
    # The helper app that asks for tickets keeps out of the demo app's journal.
    assert operations(confplane_emulator.journal(app_key=confplane.app_key)) == [
        "GetAccessToken",
        "CreateVideoConference",
        "QueryConferenceMembers",
        "QueryConferenceInfoBatch",
    ]
    await client.mute_members(meeting.conference_id, confplane.users[1])
    assert (await device.next_command()).kind == "mute"


async def test_the_devices_factory_waits_out_the_rate_limit_and_the_clock(
    confplane: Confplane,
    confplane_client: DingTalkClient,
    confplane_devices: Devices,
    confplane_emulator: EmulatorClient,
) -> None:
    meeting = confplane_client.create_video_conference(confplane.host, "limits")
    confplane_emulator.set_rate_limit(1)
    first = await confplane_devices(meeting.conference_id, confplane.users[1])
    second = await confplane_devices(meeting.conference_id, confplane.users[2])
    confplane_emulator.advance_clock(7_201_000)  # the helper's token expires
    third = await confplane_devices(meeting.conference_id, confplane.users[3])
    assert [d.union_id for d in (first, second, third)] == confplane.users[1:4]
    tickets = confplane_emulator.journal(operation="CreateJoinTicket")
    assert [e["status"] for e in tickets].count(200) == 3
    assert {e["code"] for e in tickets if e["status"] != 200} == {
        "Forbidden.AccessDenied.QpsLimitForAppkeyAndApi",
        "InvalidAuthentication",
    }
