"""confplane's own client (sync and async) for the meeting details, controls and links,
against a real server on SQLite and PostgreSQL."""

from __future__ import annotations

import httpx
import pytest

from confplane.client.dingtalk import (
    AppCredentials,
    AsyncDingTalkClient,
    DingTalkClient,
    DingTalkError,
)
from conftest import Org


def client_for(org: Org) -> DingTalkClient:
    return DingTalkClient(AppCredentials(org.app_key, org.app_secret), endpoint=org.server.base_url)


def test_sync_client(org: Org) -> None:
    with client_for(org) as c:
        cid = c.create_video_conference(org.host, "client review").conference_id
        device = org.admin.join(cid, org.users[1])["participantId"]
        assert c.invite_users(cid, [org.users[2]], inviter=org.host).success is True
        assert c.update_member_nick(cid, org.users[1], "Speaker").success is True
        assert c.focus(cid, org.users[1]).success is True
        answer = c.update_video_conference_setting(
            cid, forbidden_share_screen=True, mute_all=True, allow_unmute_self=False
        )
        assert (answer.case, answer.code) == ("success", "200")
        assert org.admin.device(device)["hostMuted"] is True
        assert c.update_video_conference_ext_info(cid).code == "200"
        conf = c.query_conference_info(cid).conf_info
        assert (conf.title, conf.active_num, conf.invited_num) == ("client review", 1, 1)
        assert (conf.focus_union_id, conf.forbidden_share_screen, conf.mute_all) == (
            org.users[1],
            True,
            True,
        )
        page = c.query_conference_info_by_room_code(conf.room_code, max_results=1)
        assert [x.conference_id for x in page.conference_list] == [cid]
        ongoing = c.query_user_on_going_conference(org.users[1])
        assert ongoing.on_going_conf_id_list == [cid]
        assert ongoing.member_model_map[cid].user_nick == "Speaker"
        link = c.create_custom_short_link(org.host, cid, "COOLAPP-1").result.custom_short_link
        assert httpx.get(link).status_code == 302
        login = c.create_auto_login_url(conf.external_link_url, org.users[3])
        assert login.success and login.login_info.login_url.startswith(org.server.base_url)
        with pytest.raises(DingTalkError) as refused:
            c.focus(cid, action="spotlight")
        assert (refused.value.code, refused.value.status) == ("commandError", 400)


async def test_async_client(org: Org, other_org: Org) -> None:
    async with AsyncDingTalkClient(
        AppCredentials(org.app_key, org.app_secret), endpoint=org.server.base_url
    ) as c:
        cid = (await c.create_video_conference(org.host, "async client")).conference_id
        assert (await c.invite_users(cid, [org.users[1]])).success is True
        conf = (await c.query_conference_info(cid)).conf_info
        assert conf.invited_num == 1
        with pytest.raises(DingTalkError) as refused:
            await c.query_conference_info(other_org.create())
        assert refused.value.code == "orgAccessForbidden"
        with pytest.raises(DingTalkError) as refused:
            await c.invite_users(cid, ["nobody-has-this-id"])
        assert refused.value.code == "unknownUserError"
