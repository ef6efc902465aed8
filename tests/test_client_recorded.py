"""The wire client against recorded answers of the real service (tests/recordings).

It must read the real service's answers and errors, and send what the official SDK
sends: same method, path, query and JSON body, the token in the same header.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from alibabacloud_dingtalk.conference_1_0 import models as cm
from alibabacloud_dingtalk.conference_1_0.client import Client as SdkConference
from alibabacloud_dingtalk.oauth2_1_0 import models as om
from alibabacloud_dingtalk.oauth2_1_0.client import Client as SdkOAuth
from alibabacloud_tea_openapi import models as open_api_models
from alibabacloud_tea_util import models as util_models

from confplane.client.dingtalk import (
    AppCredentials,
    AsyncDingTalkClient,
    DingTalkClient,
    DingTalkError,
    StaticToken,
    SuiteCredentials,
)
from recordings.stub import RecordedDingTalk, Seen

APP = AppCredentials("dingrecordedappkey", "recorded-app-secret")
TOKEN = "5e0cbb39a1b23a7d9f7e4c2d8b6a1f30"
CID = "644272f14ba3310a1b2c3d4e"
HOST = "27SaQ3iiHLN0uwqcPiE"
GUEST = "qzR1iSMDvzR9iP7P0ZKZ"
EVERY_ANSWER = [
    "get_access_token",
    "get_access_token_wrong_secret",
    "get_corp_access_token",
    "create_video_conference",
    "query_conference_info_batch",
    "query_conference_members_page2",
    "query_conference_members_page1",
    "query_org_conference_list",
    "mute_members",
    "lock_conference",
    "kick_members",
    "cohosts",
    "close_video_conference",
]


@pytest.fixture
def dingtalk() -> Iterator[RecordedDingTalk]:
    with RecordedDingTalk(EVERY_ANSWER) as stub:
        yield stub


def client(stub: RecordedDingTalk, creds: Any = APP, **kw: Any) -> DingTalkClient:
    return DingTalkClient(creds, endpoint=stub.base_url, **kw)


def conference_calls(stub: RecordedDingTalk) -> list[Seen]:
    return [s for s in stub.seen if s.path.startswith("/v1.0/conference")]


def test_reads_every_recorded_answer(dingtalk: RecordedDingTalk) -> None:
    with client(dingtalk) as c:
        created = c.create_video_conference(HOST, "Weekly sync", invite_user_ids=[GUEST])
        assert (created.conference_id, created.room_code, created.phone_numbers) == (
            CID,
            "781920345",
            [],
        )
        info = c.query_conference_info_batch([CID]).infos[0]
        assert (info.status, info.start_time) == (2, 1718000000000)
        assert [u.nick for u in info.user_list] == ["Ding Sanduo", "Li Lei"]
        pages = list(c.iter_conference_members(CID, page_size=2))
        assert [len(p.member_models) for p in pages] == [2, 1]
        last = pages[1].member_models[0]
        assert (last.user_nick, last.co_host, last.pstn_join, last.outer_org_member) == (
            "韩梅梅",
            True,
            True,
            True,
        )
        assert pages[0].member_models[1].join_time is None
        (listing,) = list(c.iter_org_conferences(page_size=20))
        assert listing.total_count == 1
        assert listing.on_going_conf_list[0].creator_nick == "Ding Sanduo"
        assert c.mute_members(CID, GUEST).success is True
        assert c.lock_conference(CID).success is True
        closed = c.close_video_conference(CID, HOST)
        assert (closed.code, closed.cause) == (200, "success")
    # One token for all of it, sent raw in DingTalk's header on every call.
    tokens = [s for s in dingtalk.seen if s.path == "/v1.0/oauth2/accessToken"]
    assert len(tokens) == 1
    assert tokens[0].body == {"appKey": APP.app_key, "appSecret": APP.app_secret}
    calls = conference_calls(dingtalk)
    assert len(calls) == 8
    assert {s.headers["x-acs-dingtalk-access-token"] for s in calls} == {TOKEN}


def test_sends_what_the_official_sdk_sends(dingtalk: RecordedDingTalk) -> None:
    """Each operation once through the official SDK and once through ours: the server
    sees the same method, path, query, body and token. Every recorded call is answered
    (a 404 would mean a path or body the recording does not know)."""
    sdk = SdkConference(open_api_models.Config(protocol="http", endpoint=dingtalk.endpoint))
    rt = util_models.RuntimeOptions()

    def h(cls: Any) -> Any:
        return cls(x_acs_dingtalk_access_token=TOKEN)

    sdk.create_video_conference_with_options(
        cm.CreateVideoConferenceRequest(
            user_id=HOST, conf_title="Weekly sync", invite_user_ids=[GUEST]
        ),
        h(cm.CreateVideoConferenceHeaders),
        rt,
    )
    sdk.query_conference_info_batch_with_options(
        cm.QueryConferenceInfoBatchRequest(conference_id_list=[CID]),
        h(cm.QueryConferenceInfoBatchHeaders),
        rt,
    )
    sdk.query_conference_members_with_options(
        CID,
        cm.QueryConferenceMembersRequest(max_results=2, next_token="bWVtYmVyczoy"),
        h(cm.QueryConferenceMembersHeaders),
        rt,
    )
    sdk.query_org_conference_list_with_options(
        cm.QueryOrgConferenceListRequest(max_results=20),
        h(cm.QueryOrgConferenceListHeaders),
        rt,
    )
    sdk.mute_members_with_options(
        CID,
        cm.MuteMembersRequest(
            action="mute", user_list=[cm.MuteMembersRequestUserList(union_id=GUEST)]
        ),
        h(cm.MuteMembersHeaders),
        rt,
    )
    sdk.lock_conference_with_options(
        CID, cm.LockConferenceRequest(action="lock"), h(cm.LockConferenceHeaders), rt
    )
    sdk.kick_members_with_options(
        CID,
        cm.KickMembersRequest(
            forbidden_rejoin=True, user_list=[cm.KickMembersRequestUserList(union_id=GUEST)]
        ),
        h(cm.KickMembersHeaders),
        rt,
    )
    sdk.cohosts_with_options(
        CID,
        cm.CohostsRequest(action="add", user_list=[cm.CohostsRequestUserList(union_id=GUEST)]),
        h(cm.CohostsHeaders),
        rt,
    )
    sdk.close_video_conference_with_options(
        CID,
        cm.CloseVideoConferenceRequest(union_id=HOST),
        h(cm.CloseVideoConferenceHeaders),
        rt,
    )
    by_sdk = conference_calls(dingtalk)
    dingtalk.seen.clear()

    with client(dingtalk, StaticToken(TOKEN)) as c:
        c.create_video_conference(HOST, "Weekly sync", invite_user_ids=[GUEST])
        c.query_conference_info_batch([CID])
        c.query_conference_members(CID, max_results=2, next_token="bWVtYmVyczoy")
        c.query_org_conference_list(max_results=20)
        c.mute_members(CID, GUEST)
        c.lock_conference(CID)
        assert c.kick_members(CID, GUEST, forbidden_rejoin=True).success
        assert c.cohosts(CID, [GUEST]).success
        c.close_video_conference(CID, HOST)
    by_us = conference_calls(dingtalk)

    def shape(s: Seen) -> tuple[Any, ...]:
        has_body = bool(s.raw_body)
        return (
            s.method,
            s.path,
            s.query,
            s.body,
            s.headers["x-acs-dingtalk-access-token"],
            s.headers.get("accept"),
            s.headers.get("content-type", "").startswith("application/json") if has_body else None,
        )

    assert [shape(s) for s in by_us] == [shape(s) for s in by_sdk]
    # Compact JSON with unset fields left out, never null.
    assert all(b"null" not in s.raw_body and b": " not in s.raw_body for s in by_us)


def test_token_calls_read_like_the_official_sdk(dingtalk: RecordedDingTalk) -> None:
    sdk = SdkOAuth(open_api_models.Config(protocol="http", endpoint=dingtalk.endpoint))
    sdk.get_access_token(om.GetAccessTokenRequest(app_key=APP.app_key, app_secret=APP.app_secret))
    sdk.get_corp_access_token(
        om.GetCorpAccessTokenRequest(
            suite_key="suiterecordedkey",
            suite_secret="recorded-suite-secret",
            auth_corp_id="dingrecordedcorp",
            suite_ticket="recorded-ticket",
        )
    )
    by_sdk = [(s.method, s.path, s.body) for s in dingtalk.seen]
    dingtalk.seen.clear()
    with client(dingtalk, None) as c:
        app = c.get_access_token(APP.app_key, APP.app_secret)
        corp = c.get_corp_access_token(
            "suiterecordedkey", "recorded-suite-secret", "dingrecordedcorp", "recorded-ticket"
        )
    assert (app.access_token, app.expire_in) == (TOKEN, 7200)
    assert corp.expire_in == 7200
    assert [(s.method, s.path, s.body) for s in dingtalk.seen] == by_sdk
    # The token calls carry no token header.
    assert all("x-acs-dingtalk-access-token" not in s.headers for s in dingtalk.seen)


def test_suite_credentials_use_the_corp_token(dingtalk: RecordedDingTalk) -> None:
    creds = SuiteCredentials(
        "suiterecordedkey", "recorded-suite-secret", "dingrecordedcorp", "recorded-ticket"
    )
    with client(dingtalk, creds) as c:
        assert c.access_token() == "9b7f2e41c0d84a6e8a3f5c1b2d7e6f48"
    assert [s.path for s in dingtalk.seen] == ["/v1.0/oauth2/corpAccessToken"]


def test_wrong_secret(dingtalk: RecordedDingTalk) -> None:
    with (
        client(dingtalk, AppCredentials(APP.app_key, "wrong-secret")) as c,
        pytest.raises(DingTalkError) as caught,
    ):
        c.query_org_conference_list()
    err = caught.value
    assert (err.status, err.code) == (400, "invalidClientIdOrSecret")
    assert err.request_id == "3E8D1C77-2F0A-7B5E-8E11-0C9A4F6B2D02"
    # No conference call was attempted without a token.
    assert conference_calls(dingtalk) == []


def test_invalid_authentication() -> None:
    with RecordedDingTalk(["invalid_authentication"]) as stub:
        with client(stub, StaticToken("expired")) as c, pytest.raises(DingTalkError) as caught:
            c.query_org_conference_list()
        # A static token is never refreshed, so the error reaches the caller after one call.
        assert len(stub.seen) == 1
    err = caught.value
    assert (err.status, err.code, err.message) == (
        400,
        "InvalidAuthentication",
        "不合法的access_token",
    )
    assert err.request_id == "9E0F1A2B-3C4D-7E5F-A6B7-C8D9E0F1A212"
    assert "InvalidAuthentication" in str(err) and err.request_id in str(err)


def test_invalid_authentication_with_a_cached_token_fetches_a_new_one_once() -> None:
    with RecordedDingTalk(["get_access_token", "invalid_authentication"]) as stub:
        with client(stub) as c, pytest.raises(DingTalkError) as caught:
            c.query_org_conference_list()
        paths = [s.path for s in stub.seen]
    assert caught.value.code == "InvalidAuthentication"
    # Fresh token refused: no retry (it would be refused again).
    assert paths == ["/v1.0/oauth2/accessToken", "/v1.0/conference/orgConferences"]


def test_permission_denied_carries_the_required_scope() -> None:
    with (
        RecordedDingTalk(["permission_denied"]) as stub,
        client(stub, StaticToken(TOKEN)) as c,
        pytest.raises(DingTalkError) as caught,
    ):
        c.mute_members(CID, GUEST)
    err = caught.value
    assert (err.status, err.code) == (403, "Forbidden.AccessDenied.AccessTokenPermissionDenied")
    assert err.required_scopes == ["VideoConference.Conference.Write"]
    assert err.access_denied_detail == {"requiredScopes": ["VideoConference.Conference.Write"]}


def test_unknown_route() -> None:
    with (
        RecordedDingTalk([]) as stub,
        client(stub, StaticToken(TOKEN)) as c,
        pytest.raises(DingTalkError) as caught,
    ):
        c.lock_conference(CID)
    assert (caught.value.status, caught.value.code) == (404, "InvalidAction.NotFound")


def test_html_from_a_gateway_is_an_error_not_a_crash() -> None:
    with (
        RecordedDingTalk(["gateway_error"]) as stub,
        client(stub, StaticToken(TOKEN)) as c,
        pytest.raises(DingTalkError) as caught,
    ):
        c.query_org_conference_list()
    assert (caught.value.status, caught.value.code) == (502, "InvalidResponse")
    assert "502 Bad Gateway" in caught.value.message


def test_token_replaced_before_it_expires(dingtalk: RecordedDingTalk) -> None:
    """expireIn 7200 with the default 300 s margin: reused until 6900 s, then replaced."""
    now = [1000.0]
    with client(dingtalk, clock=lambda: now[0]) as c:
        c.query_org_conference_list()
        now[0] += 6899
        c.query_org_conference_list()
        now[0] += 2
        c.query_org_conference_list()
    assert [s.path.rsplit("/", 1)[1] for s in dingtalk.seen] == [
        "accessToken",
        "orgConferences",
        "orgConferences",
        "accessToken",
        "orgConferences",
    ]


async def test_async_client_reads_the_same_answers(dingtalk: RecordedDingTalk) -> None:
    async with AsyncDingTalkClient(APP, endpoint=dingtalk.base_url) as c:
        created = await c.create_video_conference(HOST, "Weekly sync", invite_user_ids=[GUEST])
        pages = [p async for p in c.iter_conference_members(created.conference_id, page_size=2)]
        assert sum(len(p.member_models) for p in pages) == 3
        assert (await c.close_video_conference(CID, HOST)).cause == "success"
        with pytest.raises(DingTalkError) as caught:
            await c.lock_conference("no-such-conference")
    assert caught.value.code == "InvalidAction.NotFound"
    assert len([s for s in dingtalk.seen if s.path == "/v1.0/oauth2/accessToken"]) == 1
