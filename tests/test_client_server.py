"""The wire client against a real confplane server, on SQLite and PostgreSQL."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest

from confplane.client.admin import AdminClient, AdminError
from confplane.client.dingtalk import (
    AppCredentials,
    AsyncDingTalkClient,
    DingTalkClient,
    DingTalkError,
    StaticToken,
    SuiteCredentials,
)
from confplane.client.dingtalk.credentials import TokenCache
from confplane.testing import ServerProcess, free_port
from confplane.wire.models import AccessTokenResponse
from conftest import Org, make_org

READ = "VideoConference.Conference.Read"
WRITE = "VideoConference.Conference.Write"


def client_for(org: Org) -> DingTalkClient:
    return DingTalkClient(AppCredentials(org.app_key, org.app_secret), endpoint=org.server.base_url)


def test_meeting_lifecycle(org: Org) -> None:
    guest = org.users[1]
    with client_for(org) as c:
        created = c.create_video_conference(org.host, "weekly sync", invite_user_ids=[guest])
        cid = created.conference_id
        assert created.room_code and created.external_link_url.endswith(created.room_code)
        device = org.admin.join(cid, guest)["participantId"]

        assert c.mute_members(cid, guest).success is True
        assert org.admin.device(device)["micStatus"] == 1
        assert c.mute_members(cid, guest, action="un_mute", participant_id=device).success
        assert org.admin.device(device)["micStatus"] == 2

        assert c.lock_conference(cid).success is True
        with pytest.raises(AdminError) as refused:
            org.admin.join(cid, org.users[2])
        assert refused.value.code == "conferenceLocked"
        assert c.lock_conference(cid, "unlock").success is True
        org.admin.join(cid, org.users[2])

        info = c.query_conference_info_batch([cid]).infos[0]
        assert (info.title, info.status) == ("weekly sync", 2)
        assert [u.user_id for u in info.user_list] == [org.host, guest, org.users[2]]

        closed = c.close_video_conference(cid, org.host)
        assert (closed.code, closed.cause) == (200, "success")
        with pytest.raises(DingTalkError) as ended:
            c.query_conference_info_batch([cid])
        assert ended.value.code == "resourceClose"
        with pytest.raises(DingTalkError) as locked_after:
            c.lock_conference(cid)
        assert locked_after.value.code == "confClosed"


def test_kick_and_cohosts(org: Org) -> None:
    with client_for(org) as c:
        cid = c.create_video_conference(
            org.host, "roles", invite_user_ids=org.users[1:3]
        ).conference_id
        org.admin.join(cid, org.users[1])
        org.admin.join(cid, org.users[2])
        assert c.cohosts(cid, [org.users[1]]).success is True
        members = {m.union_id: m for m in c.query_conference_members(cid).member_models}
        assert members[org.users[1]].co_host is True
        assert c.cohosts(cid, [org.users[1]], action="remove").success is True
        assert c.kick_members(cid, org.users[2], forbidden_rejoin=True).success is True
        members = {m.union_id: m for m in c.query_conference_members(cid).member_models}
        assert members[org.users[1]].co_host is False
        assert members[org.users[2]].attend_status == 5
        with pytest.raises(AdminError) as refused:
            org.admin.join(cid, org.users[2])
        assert refused.value.code == "rejoinForbidden"
        with pytest.raises(DingTalkError) as bad:
            c.cohosts(cid, [org.users[1]], action="promote")
        assert bad.value.status == 400


def test_members_page_by_page(org: Org) -> None:
    with client_for(org) as c:
        cid = c.create_video_conference(
            org.host, "paged", invite_user_ids=org.users[1:]
        ).conference_id
        pages = list(c.iter_conference_members(cid, page_size=2))
        assert [len(p.member_models) for p in pages] == [2, 2, 1]
        assert [m.union_id for p in pages for m in p.member_models] == org.users
        assert {p.total_count for p in pages} == {5}
        assert pages[-1].next_token is None

        limited = list(c.iter_conference_members(cid, page_size=2, limit=3))
        assert [len(p.member_models) for p in limited] == [2, 1]
        assert [m.union_id for p in limited for m in p.member_models] == org.users[:3]
        assert list(c.iter_conference_members(cid, limit=0)) == []


def test_org_conference_list_newest_first(org: Org) -> None:
    with client_for(org) as c:
        ids = [c.create_video_conference(org.host, f"m{i}").conference_id for i in range(5)]
        c.close_video_conference(ids[1], org.host)
        org.admin.join(ids[4], org.users[1])

        pages = list(c.iter_org_conferences(page_size=2))
        listed = [m for p in pages for m in p.on_going_conf_list]
        assert [m.conference_id for m in listed] == [ids[4], ids[3], ids[2], ids[0]]
        assert [len(p.on_going_conf_list) for p in pages] == [2, 2]
        assert [p.has_more for p in pages] == [True, False]
        assert {p.total_count for p in pages} == {4}
        newest = listed[0]
        assert (newest.title, newest.status, newest.creator_id) == ("m4", 2, org.host)
        assert newest.creator_nick == "user 0" and newest.start_time
        assert listed[1].status == 0 and listed[1].start_time is None

        assert [
            m.conference_id
            for p in c.iter_org_conferences(page_size=3, limit=2)
            for m in p.on_going_conf_list
        ] == [ids[4], ids[3]]


def test_org_conference_list_is_per_org(org: Org, other_org: Org) -> None:
    with client_for(org) as mine, client_for(other_org) as theirs:
        mine.create_video_conference(org.host, "mine")
        assert theirs.query_org_conference_list().total_count == 0
        page = mine.query_org_conference_list(max_results=1)
        assert page.total_count == 1 and page.next_token is None
        # A nextToken of one org's listing is refused in another's.
        mine.create_video_conference(org.host, "mine too")
        token = mine.query_org_conference_list(max_results=1).next_token
        assert token
        with pytest.raises(DingTalkError) as caught:
            theirs.query_org_conference_list(next_token=token)
        assert (caught.value.status, caught.value.code) == (400, "paramsError")


def test_api_errors_carry_code_message_status_and_request_id(org: Org) -> None:
    with client_for(org) as c:
        with pytest.raises(DingTalkError) as missing:
            c.query_conference_members("000000000000000000000000")
        err = missing.value
        assert (err.status, err.code, err.message) == (404, "roomNotFound", "ROOM NOT FOUND")
        assert len(err.request_id) == 32

        with pytest.raises(DingTalkError) as unknown_user:
            cid = c.create_video_conference(org.host, "x").conference_id
            c.mute_members(cid, "nobody")
        assert (unknown_user.value.status, unknown_user.value.code) == (400, "unknownUserError")


def test_wrong_secret(org: Org) -> None:
    creds = AppCredentials(org.app_key, "wrong")
    with (
        DingTalkClient(creds, endpoint=org.server.base_url) as c,
        pytest.raises(DingTalkError) as caught,
    ):
        c.query_org_conference_list()
    assert (caught.value.status, caught.value.code) == (400, "invalidClientIdOrSecret")


def test_permission_denied(server: ServerProcess, admin: AdminClient) -> None:
    reader = make_org(server, admin, users=1, permissions=[READ])
    with client_for(reader) as c:
        assert c.query_org_conference_list().total_count == 0
        with pytest.raises(DingTalkError) as caught:
            c.create_video_conference(reader.host, "not allowed")
    err = caught.value
    assert (err.status, err.code) == (403, "Forbidden.AccessDenied.AccessTokenPermissionDenied")
    assert err.required_scopes == [WRITE]


def test_static_and_suite_credentials(org: Org) -> None:
    with client_for(org) as c:
        token = c.access_token()
        assert c.access_token() == token  # cached
    with DingTalkClient(StaticToken(token), endpoint=org.server.base_url) as c:
        assert c.query_org_conference_list().total_count == 0

    suite = org.admin.create_suite("suite app")
    org.admin.authorize_suite(suite["appKey"], org.corp_id)
    ticket = org.admin.new_suite_ticket(suite["appKey"])
    creds = SuiteCredentials(suite["appKey"], suite["appSecret"], org.corp_id, ticket)
    with DingTalkClient(creds, endpoint=org.server.base_url) as c:
        cid = c.create_video_conference(org.host, "by a suite").conference_id
        # The suite's token acts for the org that authorised it.
        assert [m.conference_id for m in c.query_org_conference_list().on_going_conf_list] == [cid]


def test_server_down_raises_transport_error() -> None:
    with (
        DingTalkClient(AppCredentials("k", "s"), endpoint=f"http://127.0.0.1:{free_port()}") as c,
        pytest.raises(httpx.ConnectError),
    ):
        c.query_org_conference_list()


async def test_async_client(org: Org) -> None:
    creds = AppCredentials(org.app_key, org.app_secret)
    async with AsyncDingTalkClient(creds, endpoint=org.server.base_url) as c:
        cid = (
            await c.create_video_conference(org.host, "async", invite_user_ids=org.users[1:])
        ).conference_id
        pages = [p async for p in c.iter_conference_members(cid, page_size=3)]
        assert [m.union_id for p in pages for m in p.member_models] == org.users
        listed = [p async for p in c.iter_org_conferences()]
        assert listed[0].on_going_conf_list[0].conference_id == cid
        assert (await c.lock_conference(cid)).success
        assert (await c.mute_members(cid, org.users[1])).success
        assert (await c.query_conference_info_batch([cid])).infos[0].title == "async"
        assert (await c.close_video_conference(cid, org.host)).cause == "success"
        with pytest.raises(DingTalkError) as caught:
            await c.close_video_conference(cid, org.host)
        assert caught.value.code == "resourceClose"


# -- token lifetime -----------------------------------------------------------------


@pytest.fixture(scope="module")
def short_tokens(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """A server whose tokens live 2 seconds (set through CONFPLANE_TOKEN_LIFETIME)."""
    proc = ServerProcess(
        tmp_path_factory.mktemp("short-tokens"), env={"CONFPLANE_TOKEN_LIFETIME": "2"}
    )
    proc.start()
    yield proc
    proc.stop()


def short_org(server: ServerProcess) -> Org:
    with AdminClient(server.base_url, server.admin_token) as admin:
        return make_org(server, admin, users=1)


def _recorder(seen: list[tuple[str, int]]) -> httpx.Client:
    def hook(response: httpx.Response) -> None:
        seen.append((response.request.url.path.rsplit("/", 1)[1], response.status_code))

    return httpx.Client(event_hooks={"response": [hook]})


def test_token_refreshed_before_it_expires(short_tokens: ServerProcess) -> None:
    org = short_org(short_tokens)
    seen: list[tuple[str, int]] = []
    creds = AppCredentials(org.app_key, org.app_secret)
    with (
        _recorder(seen) as http,
        DingTalkClient(creds, endpoint=short_tokens.base_url, http=http) as c,
    ):
        first = c.access_token()
        c.query_org_conference_list()
        time.sleep(2.2)  # the first token has expired on the server by now
        c.query_org_conference_list()
        second = c.access_token()
    assert first != second
    # The client replaced the token before using it again: the server never refused one.
    assert seen == [
        ("accessToken", 200),
        ("orgConferences", 200),
        ("accessToken", 200),
        ("orgConferences", 200),
    ]
    # Without the refresh the same call fails: the old token is dead.
    with (
        DingTalkClient(StaticToken(first), endpoint=short_tokens.base_url) as stale,
        pytest.raises(DingTalkError) as caught,
    ):
        stale.query_org_conference_list()
    assert caught.value.code == "InvalidAuthentication"


def test_token_the_server_forgot_is_replaced_once(short_tokens: ServerProcess) -> None:
    """A cache that believes its token fresh (a clock that stands still) meets the
    server's InvalidAuthentication: the client fetches a new token and resends once."""
    org = short_org(short_tokens)
    seen: list[tuple[str, int]] = []
    creds = AppCredentials(org.app_key, org.app_secret)
    with (
        _recorder(seen) as http,
        DingTalkClient(creds, endpoint=short_tokens.base_url, http=http, clock=lambda: 0.0) as c,
    ):
        c.query_org_conference_list()
        time.sleep(2.2)
        assert c.query_org_conference_list().total_count == 0
    assert seen == [
        ("accessToken", 200),
        ("orgConferences", 200),
        ("orgConferences", 400),
        ("accessToken", 200),
        ("orgConferences", 200),
    ]


def test_token_cache_margin_is_at_most_half_the_lifetime() -> None:
    now = [0.0]
    cache = TokenCache(margin=300, clock=lambda: now[0])
    cache.put(AccessTokenResponse(access_token="short", expire_in=2), requested_at=0.0)
    assert cache.get() == "short"
    now[0] = 0.99
    assert cache.get() == "short"
    now[0] = 1.0
    assert cache.get() is None
    cache.put(AccessTokenResponse(access_token="long", expire_in=7200), requested_at=10.0)
    now[0] = 10.0 + 6899
    assert cache.get() == "long"
    now[0] = 10.0 + 6900
    assert cache.get() is None
