"""The HTTP edge as the official clients and stranger ones speak to it.

Chunked bodies, empty GET/DELETE bodies with odd content types, the async SDK, the shape
of every error answer, refused bodies that change nothing, odd conference ids in the
path, query-string spellings, tokens and permissions, and a seeded fuzz of every route.
"""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from alibabacloud_dingtalk.conference_1_0 import models as cm
from alibabacloud_dingtalk.conference_1_0.client import Client as ConferenceClient
from alibabacloud_dingtalk.oauth2_1_0 import models as om
from alibabacloud_dingtalk.oauth2_1_0.client import Client as OAuthClient

from confplane.client.admin import AdminClient
from confplane.domain.conferences import WALK_SLICE
from confplane.domain.model import AttendStatus
from confplane.domain.storage import NewMember
from confplane.store.sql import SqlStore
from confplane.testing import ServerProcess
from conftest import Org, get_token, make_org, runtime, sdk_config

READ = "VideoConference.Conference.Read"
WRITE = "VideoConference.Conference.Write"
CONF = "/v1.0/conference/videoConferences"
TOKEN_HEADER = "x-acs-dingtalk-access-token"
TWO_MIB = 2 << 20


# -- helpers ------------------------------------------------------------------------------


@pytest.fixture
def http(server: ServerProcess) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.base_url, timeout=30.0) as client:
        yield client


def auth(org: Org, **extra: str) -> dict[str, str]:
    return {TOKEN_HEADER: org.token, **extra}


def error_body(response: httpx.Response, status: int | None = None, code: str | None = None) -> Any:
    """Assert the answer is a DingTalk-style error; return its body."""
    assert 400 <= response.status_code <= 599, (response.status_code, response.text[:300])
    if status is not None:
        assert response.status_code == status, response.text[:300]
    content_type = response.headers.get("content-type", "")
    assert content_type.startswith("application/json"), (content_type, response.text[:300])
    body = json.loads(response.content)
    assert isinstance(body, dict), body
    for key in ("code", "message", "requestid"):
        assert isinstance(body.get(key), str) and body[key], (key, body)
    assert response.headers.get("x-acs-request-id") == body["requestid"]
    if code is not None:
        assert body["code"] == code, body
    return body


def ok_body(response: httpx.Response) -> Any:
    assert response.status_code == 200, response.text[:300]
    assert response.headers.get("content-type", "").startswith("application/json")
    assert response.headers.get("x-acs-request-id")
    body = json.loads(response.content)
    assert isinstance(body, dict), body
    return body


def chunks(payload: bytes, size: int = 7) -> Iterator[bytes]:
    """A generator body: httpx sends it with Transfer-Encoding: chunked, no Content-Length."""
    for start in range(0, len(payload), size):
        yield payload[start : start + size]


def assert_chunked(response: httpx.Response) -> None:
    assert response.request.headers.get("transfer-encoding") == "chunked"
    assert "content-length" not in response.request.headers


def infos(org: Org, conference_ids: list[str]) -> list[Any]:
    return list(org.batch(conference_ids).infos or [])


def still_unlocked(org: Org, conference_id: str) -> None:
    """A lock that did not happen: somebody new can still join."""
    org.admin.join(conference_id, org.users[4])


# -- chunked request bodies (the Node client sends them) -----------------------------------


def test_chunked_bodies_for_every_post_operation(org: Org, http: httpx.Client) -> None:
    u = org.users
    created = http.post(
        CONF,
        content=chunks(
            json.dumps(
                {"userId": org.host, "confTitle": "chunked", "inviteUserIds": [u[1]]}
            ).encode()
        ),
        headers=auth(org, **{"content-type": "application/json; charset=utf-8"}),
    )
    assert_chunked(created)
    cid = ok_body(created)["conferenceId"]
    pid = org.admin.join(cid, u[1])["participantId"]

    muted = http.post(
        f"{CONF}/{cid}/members/mute",
        content=chunks(json.dumps({"action": "mute", "userList": [{"unionId": u[1]}]}).encode()),
        headers=auth(org),
    )
    assert_chunked(muted)
    assert ok_body(muted) == {"success": True}
    assert org.admin.device(pid)["micStatus"] == 1

    queried = http.post(
        f"{CONF}/query",
        content=chunks(json.dumps({"conferenceIdList": [cid]}).encode(), size=3),
        headers=auth(org),
    )
    assert_chunked(queried)
    [info] = ok_body(queried)["infos"]
    assert info["conferenceId"] == cid and info["title"] == "chunked"

    locked = http.post(
        f"{CONF}/{cid}/lock", content=chunks(b'{"action":"lock"}', 1), headers=auth(org)
    )
    assert_chunked(locked)
    assert ok_body(locked) == {"success": True}
    with pytest.raises(Exception, match="conferenceLocked"):
        org.admin.join(cid, u[2])


def test_chunked_token_request(org: Org, http: httpx.Client) -> None:
    body = json.dumps({"appKey": org.app_key, "appSecret": org.app_secret}).encode()
    answer = http.post("/v1.0/oauth2/accessToken", content=chunks(body))
    assert_chunked(answer)
    token = ok_body(answer)
    assert token["expireIn"] == 7200
    org.token = token["accessToken"]
    assert org.create()


def test_empty_chunked_body_is_a_params_error(org: Org, http: httpx.Client) -> None:
    cid = org.create()
    answer = http.post(f"{CONF}/{cid}/lock", content=iter([b""]), headers=auth(org))
    error_body(answer, 400, "paramsError")
    still_unlocked(org, cid)


# -- GET and DELETE with the async client's empty octet-stream body ------------------------

OCTET_EMPTY = {"content-type": "application/octet-stream", "content-length": "0"}


def test_get_members_with_octet_stream_and_zero_length(org: Org, http: httpx.Client) -> None:
    cid = org.create(invite=[org.users[1]])
    answer = http.get(f"{CONF}/{cid}/members", headers=auth(org, **OCTET_EMPTY))
    assert answer.request.headers["content-length"] == "0"
    body = ok_body(answer)
    assert body["totalCount"] == 2
    assert [m["unionId"] for m in body["memberModels"]] == [org.host, org.users[1]]


def test_delete_close_with_octet_stream_and_zero_length(org: Org, http: httpx.Client) -> None:
    cid = org.create()
    answer = http.delete(
        f"{CONF}/{cid}", params={"unionId": org.host}, headers=auth(org, **OCTET_EMPTY)
    )
    assert ok_body(answer) == {"code": 200, "cause": "success"}
    error_body(
        http.delete(
            f"{CONF}/{cid}", params={"unionId": org.host}, headers=auth(org, **OCTET_EMPTY)
        ),
        400,
        "resourceClose",
    )


def test_get_and_delete_ignore_a_stray_json_body(org: Org, http: httpx.Client) -> None:
    cid = org.create()
    members = http.request(
        "GET", f"{CONF}/{cid}/members", content=b'{"nextToken":"junk"}', headers=auth(org)
    )
    assert ok_body(members)["totalCount"] == 1
    closed = http.request(
        "DELETE",
        f"{CONF}/{cid}",
        params={"unionId": org.host},
        content=b"garbage",
        headers=auth(org),
    )
    assert ok_body(closed)["code"] == 200


# -- the async SDK, every operation -------------------------------------------------------


async def test_async_sdk_every_operation(org: Org) -> None:
    config = sdk_config(org.server)
    oauth = OAuthClient(config)
    token_answer = await oauth.get_access_token_async(
        om.GetAccessTokenRequest(app_key=org.app_key, app_secret=org.app_secret)
    )
    token = token_answer.body.access_token
    assert token and token_answer.body.expire_in == 7200
    token_answer = await oauth.get_access_token_with_options_async(
        om.GetAccessTokenRequest(app_key=org.app_key, app_secret=org.app_secret), {}, runtime()
    )
    assert token_answer.body.access_token == token  # the same while it lives (DingTalk's rule)

    client = ConferenceClient(config)
    created = await client.create_video_conference_with_options_async(
        cm.CreateVideoConferenceRequest(
            user_id=org.host, conf_title="async", invite_user_ids=[org.users[1]], invite_caller=True
        ),
        cm.CreateVideoConferenceHeaders(x_acs_dingtalk_access_token=token),
        runtime(),
    )
    cid = created.body.conference_id
    assert created.status_code == 200
    assert created.body.room_code and created.body.external_link_url.endswith(
        created.body.room_code
    )
    pid = org.admin.join(cid, org.users[1])["participantId"]

    muted = await client.mute_members_with_options_async(
        cid,
        cm.MuteMembersRequest(
            action="mute",
            user_list=[cm.MuteMembersRequestUserList(union_id=org.users[1], participant_id=pid)],
        ),
        cm.MuteMembersHeaders(x_acs_dingtalk_access_token=token),
        runtime(),
    )
    assert muted.body.success is True
    assert org.admin.device(pid)["micStatus"] == 1

    batch = await client.query_conference_info_batch_with_options_async(
        cm.QueryConferenceInfoBatchRequest(conference_id_list=[cid]),
        cm.QueryConferenceInfoBatchHeaders(x_acs_dingtalk_access_token=token),
        runtime(),
    )
    [info] = batch.body.infos
    assert (info.conference_id, info.status, info.media_status) == (cid, 2, 1)
    assert [(u.user_id, u.attend_status, u.mic_status) for u in info.user_list] == [
        (org.host, 1, 0),
        (org.users[1], 3, 1),
    ]

    members = await client.query_conference_members_with_options_async(
        cid,
        cm.QueryConferenceMembersRequest(max_results=1, next_token="0"),
        cm.QueryConferenceMembersHeaders(x_acs_dingtalk_access_token=token),
        runtime(),
    )
    assert members.body.total_count == 2
    assert [m.union_id for m in members.body.member_models] == [org.host]
    rest = await client.query_conference_members_with_options_async(
        cid,
        cm.QueryConferenceMembersRequest(max_results=5, next_token=members.body.next_token),
        cm.QueryConferenceMembersHeaders(x_acs_dingtalk_access_token=token),
        runtime(),
    )
    assert [m.union_id for m in rest.body.member_models] == [org.users[1]]
    assert rest.body.next_token is None

    locked = await client.lock_conference_with_options_async(
        cid,
        cm.LockConferenceRequest(action="lock"),
        cm.LockConferenceHeaders(x_acs_dingtalk_access_token=token),
        runtime(),
    )
    assert locked.body.success is True

    closed = await client.close_video_conference_with_options_async(
        cid,
        cm.CloseVideoConferenceRequest(union_id=org.host),
        cm.CloseVideoConferenceHeaders(x_acs_dingtalk_access_token=token),
        runtime(),
    )
    assert (closed.body.code, closed.body.cause) == (200, "success")
    with pytest.raises(Exception) as raised:
        await client.close_video_conference_with_options_async(
            cid,
            cm.CloseVideoConferenceRequest(union_id=org.host),
            cm.CloseVideoConferenceHeaders(x_acs_dingtalk_access_token=token),
            runtime(),
        )
    exc: Any = raised.value
    assert (exc.code, exc.statusCode) == ("resourceClose", 400)
    assert exc.data["requestid"] and exc.data["requestid"] in exc.message


# -- the shape of errors, and what the SDK makes of them -----------------------------------


def test_sdk_error_attributes(org: Org) -> None:
    with pytest.raises(Exception) as raised:
        org.lock("000000000000000000000000")
    exc: Any = raised.value
    assert exc.code == "paramsError"
    assert exc.statusCode == 400
    assert exc.data["statusCode"] == 400
    assert exc.data["requestid"]
    assert exc.message.startswith("code: 400, ")
    assert exc.message.endswith(f"request id: {exc.data['requestid']}")

    with pytest.raises(Exception) as raised:
        org.members("000000000000000000000000")
    exc = raised.value
    assert (exc.code, exc.statusCode) == ("roomNotFound", 404)
    assert exc.data["message"] == "ROOM NOT FOUND"


def test_success_answers_carry_request_ids(org: Org, http: httpx.Client) -> None:
    cid = org.create()
    first = http.get(f"{CONF}/{cid}/members", headers=auth(org))
    second = http.get(f"{CONF}/{cid}/members", headers=auth(org))
    ok_body(first)
    ok_body(second)
    assert first.headers["x-acs-request-id"] != second.headers["x-acs-request-id"]
    assert first.headers.get("x-acs-trace-id")


def test_streamed_member_page_is_the_same_json(org: Org, http: httpx.Client) -> None:
    cid = org.create(invite=org.users[1:])
    org.admin.join(cid, org.users[2])
    small = ok_body(http.get(f"{CONF}/{cid}/members", params={"maxResults": 10}, headers=auth(org)))
    huge = ok_body(
        http.get(f"{CONF}/{cid}/members", params={"maxResults": 2**31 - 1}, headers=auth(org))
    )
    assert huge["totalCount"] == small["totalCount"] == 5
    assert "nextToken" not in huge and "nextToken" not in small
    strip = [{k: v for k, v in m.items() if k != "duration"} for m in huge["memberModels"]]
    assert strip == [{k: v for k, v in m.items() if k != "duration"} for m in small["memberModels"]]
    # An int beyond 32 bits is refused, not streamed.
    error_body(
        http.get(f"{CONF}/{cid}/members", params={"maxResults": 2**31}, headers=auth(org)),
        400,
        "paramError",
    )


def add_members_in_the_database(server: ServerProcess, conference_id: str, count: int) -> None:
    """Many members at once, written to the server's own database beside it (no HTTP)."""

    async def insert() -> None:
        url = server.database_url or f"sqlite:///{server.data_dir.resolve() / 'confplane.db'}"
        store = SqlStore(url)
        try:
            async with store.write() as tx:
                row = await tx.meetings.by_id(conference_id)
                assert row is not None
                invited = AttendStatus.INITIALISED
                await tx.meetings.add_members(
                    row.id,
                    [NewMember(f"bulk{i:05d}", f"bulk {i}", None, invited) for i in range(count)],
                )
        finally:
            await store.close()

    asyncio.run(insert())


def test_streamed_pages_of_several_slices(org: Org, http: httpx.Client) -> None:
    """Pages above WALK_SLICE members are streamed slice by slice: still one JSON object."""
    cid = org.create()
    extra = 2 * WALK_SLICE + 100
    add_members_in_the_database(org.server, cid, extra)
    expected = [org.host] + [f"bulk{i:05d}" for i in range(extra)]
    url = f"{CONF}/{cid}/members"

    whole = ok_body(http.get(url, params={"maxResults": 5 * WALK_SLICE}, headers=auth(org)))
    assert whole["totalCount"] == extra + 1
    assert "nextToken" not in whole
    assert [m["unionId"] for m in whole["memberModels"]] == expected
    assert all(m["conferenceId"] == cid for m in whole["memberModels"])

    first = ok_body(
        http.get(url, params={"maxResults": WALK_SLICE + WALK_SLICE // 2}, headers=auth(org))
    )
    assert len(first["memberModels"]) == WALK_SLICE + WALK_SLICE // 2
    params = {"maxResults": WALK_SLICE, "nextToken": first["nextToken"]}
    rest = ok_body(http.get(url, params=params, headers=auth(org)))
    assert "nextToken" not in rest
    walked = [m["unionId"] for m in first["memberModels"] + rest["memberModels"]]
    assert walked == expected
    # The SDK reads the streamed answer like any other.
    page = org.members(cid, max_results=WALK_SLICE + 1)
    assert len(page.member_models) == WALK_SLICE + 1
    assert page.total_count == extra + 1 and page.next_token


# -- refused bodies change nothing -------------------------------------------------------

GENERIC_BAD_BODIES: dict[str, bytes] = {
    "malformed": b'{"action": "lock"',
    "not-json": b"action=lock",
    "array": b'[{"action": "lock"}]',
    "string": b'"lock"',
    "number": b"1",
    "null": b"null",
    "empty": b"",
    "whitespace": b" \r\n\t",
    "invalid-utf8-unknown-field": b'{"\xff\xfe": 1}',
    "trailing-garbage": b'{"action": "lock"} x',
    "two-objects": b'{"action": "lock"}{"action": "lock"}',
    "bom": b'\xef\xbb\xbf{"action": "lock"}',
}


def bad_bodies(op: str, org: Org, cid: str) -> dict[str, bytes]:
    u = org.users
    specific: dict[str, dict[str, Any]] = {
        "create": {
            "wrong-type-user": {"userId": 1, "confTitle": "t"},
            "wrong-type-title": {"userId": org.host, "confTitle": ["t"]},
            "wrong-type-invitees": {"userId": org.host, "confTitle": "t", "inviteUserIds": u[1]},
            "wrong-type-invitee": {"userId": org.host, "confTitle": "t", "inviteUserIds": [1]},
            "wrong-type-caller": {"userId": org.host, "confTitle": "t", "inviteCaller": "yes"},
            "null-user": {"userId": None, "confTitle": "t"},
            "null-title": {"userId": org.host, "confTitle": None},
            "missing-user": {"confTitle": "t"},
            "missing-title": {"userId": org.host},
            "missing-all": {},
        },
        "mute": {
            "wrong-type-action": {"action": 1, "userList": [{"unionId": u[1]}]},
            "wrong-type-list": {"action": "mute", "userList": {"unionId": u[1]}},
            "wrong-type-union": {"action": "mute", "userList": [{"unionId": 5}]},
            "wrong-type-participant": {
                "action": "mute",
                "userList": [{"unionId": u[1], "participantId": 5}],
            },
            "null-action": {"action": None, "userList": [{"unionId": u[1]}]},
            "null-list": {"action": "mute", "userList": None},
            "null-user": {"action": "mute", "userList": [None]},
            "null-union": {"action": "mute", "userList": [{"unionId": None}]},
            "missing-action": {"userList": [{"unionId": u[1]}]},
            "missing-list": {"action": "mute"},
            "missing-union": {"action": "mute", "userList": [{}]},
            "empty-list": {"action": "mute", "userList": []},
            "two-users": {"action": "mute", "userList": [{"unionId": u[1]}, {"unionId": u[1]}]},
        },
        "lock": {
            "wrong-type-int": {"action": 1},
            "wrong-type-bool": {"action": True},
            "wrong-type-list": {"action": ["lock"]},
            "wrong-type-object": {"action": {"lock": True}},
            "null-action": {"action": None},
            "missing-action": {},
            "other-fields-only": {"foo": "lock"},
            "empty-action": {"action": ""},
        },
        "batch": {
            "wrong-type-list": {"conferenceIdList": cid},
            "wrong-type-item": {"conferenceIdList": [1]},
            "null-list": {"conferenceIdList": None},
            "null-item": {"conferenceIdList": [None]},
            "missing-list": {},
            "empty-list": {"conferenceIdList": []},
        },
        "token": {
            "wrong-type": {"appKey": 1, "appSecret": "x"},
            "null-secret": {"appKey": org.app_key, "appSecret": None},
            "missing-secret": {"appKey": org.app_key},
            "missing-all": {},
        },
    }
    bodies = dict(GENERIC_BAD_BODIES)
    bodies.update({name: json.dumps(value).encode() for name, value in specific[op].items()})
    return bodies


def post_path(op: str, cid: str) -> str:
    return {
        "create": CONF,
        "mute": f"{CONF}/{cid}/members/mute",
        "lock": f"{CONF}/{cid}/lock",
        "batch": f"{CONF}/query",
        "token": "/v1.0/oauth2/accessToken",
    }[op]


@pytest.mark.parametrize("op", ["create", "mute", "lock", "batch", "token"])
def test_refused_bodies_are_params_errors_and_change_nothing(
    org: Org, http: httpx.Client, op: str
) -> None:
    cid = org.create(invite=[org.users[1]])
    pid = org.admin.join(cid, org.users[1])["participantId"]
    path = post_path(op, cid)
    for name, body in bad_bodies(op, org, cid).items():
        for content in (body, chunks(body, 5)):
            answer = http.post(
                path, content=content, headers=auth(org, **{"content-type": "application/json"})
            )
            got = error_body(answer, 400)
            assert got["code"] == "paramsError", (name, got)
    # Nothing happened: the device's microphone is open and the meeting unlocked.
    assert org.admin.device(pid)["micStatus"] == 2
    [info] = infos(org, [cid])
    assert info.title == "weekly sync"
    still_unlocked(org, cid)


INVALID_UTF8 = {
    "create": b'{"userId": "\xff\xfe", "confTitle": "t"}',
    "mute": b'{"action": "\xff", "userList": [{"unionId": "u"}]}',
    "lock": b'{"action": "lo\xc3"}',
    "batch": b'{"conferenceIdList": ["\xed\xa0\x80"]}',
    "token": b'{"appKey": "\xff", "appSecret": "x"}',
}


@pytest.mark.parametrize("op", list(INVALID_UTF8))
def test_invalid_utf8_in_a_field_is_a_params_error(org: Org, http: httpx.Client, op: str) -> None:
    cid = org.create()
    answer = http.post(post_path(op, cid), content=INVALID_UTF8[op], headers=auth(org))
    error_body(answer, 400, "paramsError")


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
@pytest.mark.parametrize("op", ["create", "mute", "lock", "batch", "token"])
def test_two_mib_bodies_are_refused(org: Org, http: httpx.Client, op: str, chunked: bool) -> None:
    cid = org.create(invite=[org.users[1]])
    pid = org.admin.join(cid, org.users[1])["participantId"]
    bodies: dict[str, dict[str, Any]] = {
        "create": {"userId": org.host, "confTitle": "big"},
        "mute": {"action": "mute", "userList": [{"unionId": org.users[1]}]},
        "lock": {"action": "lock"},
        "batch": {"conferenceIdList": [cid]},
        "token": {"appKey": org.app_key, "appSecret": org.app_secret},
    }
    valid = bodies[op]
    # A request that would succeed if the padding were not there.
    payload = json.dumps({**valid, "padding": "p" * TWO_MIB}).encode()
    assert len(payload) > TWO_MIB
    content: Any = chunks(payload, 64 * 1024) if chunked else payload
    answer = http.post(post_path(op, cid), content=content, headers=auth(org))
    if chunked:
        assert_chunked(answer)
    else:
        assert answer.request.headers["content-length"] == str(len(payload))
    error_body(answer, 400, "paramsError")
    # The same client goes on: no unread body is taken for the next request.
    assert ok_body(http.get(f"{CONF}/{cid}/members", headers=auth(org)))["totalCount"] == 2
    assert org.admin.device(pid)["micStatus"] == 2
    still_unlocked(org, cid)


def test_unknown_fields_are_ignored(org: Org, http: httpx.Client) -> None:
    cid = org.create()
    answer = http.post(
        f"{CONF}/{cid}/lock",
        json={"action": "lock", "reason": "x", "n": [1, {}]},
        headers=auth(org),
    )
    assert ok_body(answer) == {"success": True}


def test_close_without_union_id_changes_nothing(org: Org, http: httpx.Client) -> None:
    cid = org.create()
    for params in ({}, {"unionId": ""}, {"unionid": org.host}):
        error_body(
            http.delete(f"{CONF}/{cid}", params=params, headers=auth(org)), 400, "paramsError"
        )
    assert infos(org, [cid])[0].status == 0


# -- routes that do not exist ------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/"),
        ("GET", "/v1.0/conference"),
        ("POST", "/v1.0/conference/videoConference"),
        ("GET", CONF),
        ("PUT", CONF),
        # GET {CONF}/query is QueryConferenceInfo of a meeting "query" (tested there).
        ("PATCH", f"{CONF}/query"),
        ("GET", f"{CONF}/CID/lock"),
        ("PUT", f"{CONF}/CID/lock"),
        ("DELETE", f"{CONF}/CID/lock"),
        ("POST", f"{CONF}/CID/members"),
        ("DELETE", f"{CONF}/CID/members"),
        ("GET", f"{CONF}/CID/members/mute"),
        ("POST", f"{CONF}/CID"),
        ("PATCH", f"{CONF}/CID"),
        ("POST", f"{CONF}/CID/unlock"),
        ("GET", "/v1.0/oauth2/accessToken"),
        ("POST", "/v2.0/oauth2/accessToken"),
        ("OPTIONS", f"{CONF}/CID/lock"),
    ],
)
def test_unknown_routes_and_methods(org: Org, http: httpx.Client, method: str, path: str) -> None:
    cid = org.create()
    answer = http.request(method, path.replace("CID", cid), headers=auth(org))
    body = error_body(answer, 404, "InvalidAction.NotFound")
    assert body["message"] == "specified api is not found, please check your url and method."
    still_unlocked(org, cid)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("DELETE", f"{CONF}/CID/?unionId=HOST"),
        ("POST", f"{CONF}/CID/lock/"),
        ("POST", f"{CONF}/CID/members/mute/"),
        ("GET", f"{CONF}/CID/members/"),
        ("POST", f"{CONF}/query/"),
        ("POST", "/v1.0/oauth2/accessToken/"),
        ("DELETE", f"{CONF}/%2F?unionId=HOST"),  # the id '%2F' decodes to a trailing '/'
    ],
)
def test_trailing_slash_is_not_found(org: Org, http: httpx.Client, method: str, path: str) -> None:
    """Another path, not a redirect: the official clients follow redirects, so '<id>/'
    would otherwise act on meeting <id>."""
    cid = org.create()
    url = path.replace("CID", cid).replace("HOST", org.host)
    body = {"action": "lock", "userList": [{"unionId": org.host}], "conferenceIdList": [cid]}
    answer = http.request(method, url, json=body if method == "POST" else None, headers=auth(org))
    error_body(answer, 404, "InvalidAction.NotFound")


def test_sdk_close_of_id_with_trailing_slash_closes_nothing(org: Org) -> None:
    cid = org.create()
    exc = sdk_error(lambda: org.close(cid + "/"))
    assert (exc.statusCode, exc.code) == (404, "InvalidAction.NotFound")
    [info] = infos(org, [cid])
    assert info.status == 0, "the meeting named without the slash was closed"


# -- odd conference ids in the path -----------------------------------------------------

ODD_IDS = [
    "a/b",
    "a b",
    "a?b",
    "a?unionId=x",
    "a%2Fb",
    "%2F",
    "%",
    "%zz",
    "a#b",
    "会议室",
    "😀",
    ".",
    "..",
    "query",
    "x" * 300,
    "x" * 5000,
    "'; DROP TABLE conferences; --",
    "{conferenceId}",
]


def sdk_error(call: Any) -> Any:
    with pytest.raises(Exception) as raised:
        call()
    exc: Any = raised.value
    # A TeaException built from a DingTalk-style JSON body, never a transport failure.
    assert isinstance(exc.code, str) and exc.code, repr(exc)
    status = getattr(exc, "statusCode", None)
    assert isinstance(status, int) and 400 <= status < 500, repr(exc)
    assert exc.data["requestid"]
    return exc


@pytest.mark.parametrize("odd", ODD_IDS, ids=range(len(ODD_IDS)))
def test_odd_conference_ids_through_the_sdk(org: Org, odd: str) -> None:
    real = org.create()
    sdk_error(lambda: org.members(odd))
    sdk_error(lambda: org.mute(odd, org.host))
    sdk_error(lambda: org.lock(odd))
    sdk_error(lambda: org.close(odd))
    # The real meeting is untouched.
    [info] = infos(org, [real])
    assert info.status == 0
    still_unlocked(org, real)


# '%2F' alone decodes to a trailing slash: see test_trailing_slash_is_not_found.
RAW_ODD_IDS = [i for i in ODD_IDS if i != "%2F"]


@pytest.mark.parametrize("odd", RAW_ODD_IDS, ids=range(len(RAW_ODD_IDS)))
def test_odd_conference_ids_raw(org: Org, http: httpx.Client, odd: str) -> None:
    real = org.create()
    error_body(http.get(f"{CONF}/{odd}/members", headers=auth(org)))
    error_body(
        http.post(
            f"{CONF}/{odd}/members/mute",
            json={"action": "mute", "userList": [{"unionId": org.host}]},
            headers=auth(org),
        )
    )
    error_body(http.post(f"{CONF}/{odd}/lock", json={"action": "lock"}, headers=auth(org)))
    error_body(http.request("DELETE", f"{CONF}/{odd}?unionId={org.host}", headers=auth(org)))
    batch = http.post(f"{CONF}/query", json={"conferenceIdList": [odd]}, headers=auth(org))
    assert ok_body(batch) == {"infos": []}
    still_unlocked(org, real)


def test_odd_ids_in_the_batch_are_left_out(org: Org) -> None:
    real = org.create()
    answer = org.batch([*ODD_IDS[:-2], real])
    assert [i.conference_id for i in answer.infos] == [real]


def test_empty_conference_id(org: Org, http: httpx.Client) -> None:
    error_body(http.get(f"{CONF}//members", headers=auth(org)), 400, "missingRoomId")
    error_body(
        http.post(f"{CONF}//lock", json={"action": "lock"}, headers=auth(org)), 400, "paramsError"
    )
    error_body(
        http.post(
            f"{CONF}//members/mute",
            json={"action": "mute", "userList": [{"unionId": org.host}]},
            headers=auth(org),
        ),
        400,
        "paramsError",
    )


# -- query strings --------------------------------------------------------------------


def test_close_union_id_spellings(org: Org, http: httpx.Client) -> None:
    cid = org.create()
    host = org.host
    # '+' (Python) and '%20' (Node) both mean a space: neither is the host's unionId.
    for raw in (f"{host}+", f"{host}%20", f"+{host}", f"%20{host}", f"{host}%2B"):
        answer = http.request("DELETE", f"{CONF}/{cid}?unionId={raw}", headers=auth(org))
        error_body(answer, 400, "unknownUserError")
    assert infos(org, [cid])[0].status == 0
    # Every character percent-encoded still names the host.
    encoded = "".join(f"%{b:02X}" for b in host.encode())
    answer = http.request("DELETE", f"{CONF}/{cid}?unionId={encoded}", headers=auth(org))
    assert ok_body(answer) == {"code": 200, "cause": "success"}


def test_space_spellings_agree(org: Org, http: httpx.Client) -> None:
    cid = org.create()
    plus = http.request("DELETE", f"{CONF}/{cid}?unionId=a+b", headers=auth(org))
    pct = http.request("DELETE", f"{CONF}/{cid}?unionId=a%20b", headers=auth(org))
    assert error_body(plus, 400)["code"] == error_body(pct, 400)["code"] == "unknownUserError"
    for spelled in ("+1", "%201", "1+", "1%20"):
        answer = http.request(
            "GET", f"{CONF}/{cid}/members?maxResults={spelled}", headers=auth(org)
        )
        error_body(answer, 400, "paramError")


def test_members_query_parameters(org: Org, http: httpx.Client) -> None:
    cid = org.create(invite=org.users[1:3])
    url = f"{CONF}/{cid}/members"
    for params in ({"nextToken": ""}, {"nextToken": "0"}, {"maxResults": ""}, {}):
        assert ok_body(http.get(url, params=params, headers=auth(org)))["totalCount"] == 3
    for bad in ("0", "-1", "1.5", "1e3", "abc", "99999999999999999999"):
        error_body(http.get(url, params={"maxResults": bad}, headers=auth(org)), 400, "paramError")
    for junk in ("junk", "123000000", "a+b", "%%", "0 "):
        error_body(http.get(url, params={"nextToken": junk}, headers=auth(org)), 400, "paramError")
    # A nextToken survives the trip through the query string exactly.
    first = ok_body(http.get(url, params={"maxResults": 1}, headers=auth(org)))
    rest = ok_body(
        http.get(url, params={"maxResults": 5, "nextToken": first["nextToken"]}, headers=auth(org))
    )
    assert [m["unionId"] for m in first["memberModels"] + rest["memberModels"]] == [
        org.host,
        *org.users[1:3],
    ]


def test_max_results_with_unicode_digits(org: Org, http: httpx.Client) -> None:
    """'²' and '１２' are digits to str.isdigit() but not a maxResults."""
    cid = org.create()
    for raw in ("%C2%B2", "%EF%BC%91%EF%BC%92", "%D9%A3"):
        answer = http.get(f"{CONF}/{cid}/members?maxResults={raw}", headers=auth(org))
        error_body(answer, 400, "paramError")


# -- tokens and permissions ----------------------------------------------------------------


def every_operation(cid: str, host: str) -> list[tuple[str, str, dict[str, Any] | None]]:
    return [
        ("POST", CONF, {"userId": host, "confTitle": "t"}),
        ("POST", f"{CONF}/{cid}/members/mute", {"action": "mute", "userList": [{"unionId": host}]}),
        ("POST", f"{CONF}/{cid}/lock", {"action": "lock"}),
        ("POST", f"{CONF}/query", {"conferenceIdList": [cid]}),
        ("GET", f"{CONF}/{cid}/members", None),
        ("DELETE", f"{CONF}/{cid}?unionId={host}", None),
    ]


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {TOKEN_HEADER: ""},
        {TOKEN_HEADER: "nonsense"},
        {TOKEN_HEADER: "0" * 32},
        {"authorization": "Bearer whatever"},
    ],
    ids=["missing", "empty", "unknown", "zeros", "bearer-instead"],
)
def test_missing_or_bad_token(org: Org, http: httpx.Client, headers: dict[str, str]) -> None:
    cid = org.create()
    for method, path, body in every_operation(cid, org.host):
        answer = http.request(method, path, json=body, headers=headers)
        got = error_body(answer, 400, "InvalidAuthentication")
        assert got["message"] == "不合法的access_token"
    assert infos(org, [cid])[0].status == 0
    still_unlocked(org, cid)


def test_token_checked_before_the_body(org: Org, http: httpx.Client) -> None:
    cid = org.create()
    answer = http.post(f"{CONF}/{cid}/lock", content=b"{not json", headers={TOKEN_HEADER: "x"})
    error_body(answer, 400, "InvalidAuthentication")


def test_read_only_app_calling_write_operations(
    server: ServerProcess, admin: AdminClient, org: Org, http: httpx.Client
) -> None:
    cid = org.create()
    reader = admin.create_app(org.corp_id, "reader", permissions=[READ])
    token = get_token(server, reader["appKey"], reader["appSecret"])
    headers = {TOKEN_HEADER: token}
    for method, path, body in every_operation(cid, org.host):
        answer = http.request(method, path, json=body, headers=headers)
        if path.endswith("/query") or path.endswith("/members"):
            ok_body(answer)
            continue
        got = error_body(answer, 403, "Forbidden.AccessDenied.AccessTokenPermissionDenied")
        assert got["accessdenieddetail"] == {"requiredScopes": [WRITE]}
    still_unlocked(org, cid)
    assert infos(org, [cid])[0].status == 2  # joined above, not closed


def test_write_only_app_calling_read_operations(
    server: ServerProcess, admin: AdminClient, org: Org, http: httpx.Client
) -> None:
    cid = org.create()
    writer = admin.create_app(org.corp_id, "writer", permissions=[WRITE])
    headers = {TOKEN_HEADER: get_token(server, writer["appKey"], writer["appSecret"])}
    for path, method, body in [
        (f"{CONF}/query", "POST", {"conferenceIdList": [cid]}),
        (f"{CONF}/{cid}/members", "GET", None),
    ]:
        got = error_body(http.request(method, path, json=body, headers=headers), 403)
        assert got["accessdenieddetail"] == {"requiredScopes": [READ]}


def test_permission_denied_through_the_sdk(server: ServerProcess, admin: AdminClient) -> None:
    reader = make_org(server, admin, users=2, permissions=[READ])
    with pytest.raises(Exception) as raised:
        reader.create()
    exc: Any = raised.value
    assert exc.code == "Forbidden.AccessDenied.AccessTokenPermissionDenied"
    assert exc.statusCode == 403
    # The retry wrapper of tea-openapi 0.4 keeps the body in .data, not accessDeniedDetail.
    assert exc.data["accessdenieddetail"] == {"requiredScopes": [WRITE]}
    assert exc.data["requestid"]


def test_permission_changes_apply_to_live_tokens_at_once(
    admin: AdminClient, org: Org, http: httpx.Client
) -> None:
    """Grants are cached per process; a change made through this server is seen at once."""
    cid = org.create()
    lock = f"{CONF}/{cid}/lock"
    assert ok_body(http.post(lock, json={"action": "lock"}, headers=auth(org)))["success"]
    admin.set_permissions(org.app_key, [READ])
    got = error_body(http.post(lock, json={"action": "unlock"}, headers=auth(org)), 403)
    assert got["accessdenieddetail"] == {"requiredScopes": [WRITE]}
    assert ok_body(http.get(f"{CONF}/{cid}/members", headers=auth(org)))["totalCount"] == 1
    admin.set_permissions(org.app_key, [])
    error_body(http.get(f"{CONF}/{cid}/members", headers=auth(org)), 403)
    admin.set_permissions(org.app_key, [READ, WRITE])
    assert ok_body(http.post(lock, json={"action": "unlock"}, headers=auth(org)))["success"]
    still_unlocked(org, cid)


def test_token_of_another_org_cannot_touch_a_meeting(org: Org, other_org: Org) -> None:
    cid = org.create()
    assert sdk_error(lambda: other_org.lock(cid)).code == "noPermission"
    assert sdk_error(lambda: other_org.members(cid)).code == "noPermission"
    assert sdk_error(lambda: other_org.close(cid, other_org.host)).code == "orgAccessForbidden"
    assert sdk_error(lambda: other_org.batch([cid])).code == "orgAccessForbidden"
    still_unlocked(org, cid)


def test_wrong_app_secret(org: Org, http: httpx.Client) -> None:
    answer = http.post(
        "/v1.0/oauth2/accessToken", json={"appKey": org.app_key, "appSecret": "wrong"}
    )
    error_body(answer, 400, "invalidClientIdOrSecret")


# -- NUL characters and over-long strings reach the database -------------------------------


def nul_requests(org: Org, cid: str) -> dict[str, tuple[str, str, bytes | None]]:
    host = org.host
    return {
        "members-path": ("GET", f"{CONF}/a%00b/members", None),
        "lock-path": ("POST", f"{CONF}/a%00b/lock", b'{"action":"lock"}'),
        "mute-path": (
            "POST",
            f"{CONF}/a%00b/members/mute",
            json.dumps({"action": "mute", "userList": [{"unionId": host}]}).encode(),
        ),
        "close-path": ("DELETE", f"{CONF}/a%00b?unionId={host}", None),
        "close-union": ("DELETE", f"{CONF}/{cid}?unionId=a%00b", None),
        "create-user": ("POST", CONF, b'{"userId":"a\\u0000b","confTitle":"t"}'),
        "create-title": (
            "POST",
            CONF,
            json.dumps({"userId": host, "confTitle": "t\u0000"}).encode(),
        ),
        "create-invitee": (
            "POST",
            CONF,
            json.dumps({"userId": host, "confTitle": "t", "inviteUserIds": ["\u0000"]}).encode(),
        ),
        "mute-union": (
            "POST",
            f"{CONF}/{cid}/members/mute",
            b'{"action":"mute","userList":[{"unionId":"\\u0000"}]}',
        ),
        "batch-id": ("POST", f"{CONF}/query", b'{"conferenceIdList":["\\u0000"]}'),
        "token-key": ("POST", "/v1.0/oauth2/accessToken", b'{"appKey":"\\u0000","appSecret":"x"}'),
        "corp-token-key": (
            "POST",
            "/v1.0/oauth2/corpAccessToken",
            b'{"suiteKey":"\\u0000","suiteSecret":"x","authCorpId":"x","suiteTicket":"x"}',
        ),
    }


NUL_SITES = [
    "members-path",
    "lock-path",
    "mute-path",
    "close-path",
    "close-union",
    "create-user",
    "create-title",
    "create-invitee",
    "mute-union",
    "batch-id",
    "token-key",
    "corp-token-key",
]


@pytest.mark.parametrize("site", NUL_SITES)
def test_nul_characters_are_a_params_error(org: Org, http: httpx.Client, site: str) -> None:
    """PostgreSQL text cannot hold U+0000: both back-ends refuse it alike, at the edge."""
    cid = org.create()
    method, path, body = nul_requests(org, cid)[site]
    answer = http.request(method, path, content=body, headers=auth(org))
    got = error_body(answer, 400)
    assert got["code"] == ("paramError" if site == "members-path" else "paramsError"), got
    assert [i.conference_id for i in infos(org, [cid])] == [cid]
    still_unlocked(org, cid)


def test_escaped_backslash_before_u0000_is_not_a_nul(org: Org, http: httpx.Client) -> None:
    title = "C:\\u0000 and back"  # a backslash, then the letters u0000
    body = json.dumps({"userId": org.host, "confTitle": title}).encode()
    assert b"\\\\u0000" in body and "\x00" not in title
    cid = ok_body(http.post(CONF, content=body, headers=auth(org)))["conferenceId"]
    assert infos(org, [cid])[0].title == title


ADMIN_LONG = [
    ("org-name", "POST", "/orgs", {"name": "n" * 300}),
    ("app-name", "POST", "/orgs/CORP/apps", {"name": "n" * 300}),
    ("suite-name", "POST", "/suites", {"name": "n" * 300}),
    ("user-job-number", "POST", "/orgs/CORP/users", {"nick": "x", "jobNumber": "j" * 65}),
]


@pytest.mark.parametrize(
    ("name", "method", "path", "body"), ADMIN_LONG, ids=[a[0] for a in ADMIN_LONG]
)
def test_admin_refuses_strings_longer_than_their_columns(
    server: ServerProcess,
    org: Org,
    http: httpx.Client,
    name: str,
    method: str,
    path: str,
    body: Any,
) -> None:
    answer = http.request(
        method,
        "/confplane/v1/admin" + path.replace("CORP", org.corp_id),
        json=body,
        headers={"authorization": f"Bearer {server.admin_token}"},
    )
    error_body(answer, 400, "paramsError")


# -- a seeded fuzz of every route -----------------------------------------------------------


class Fuzzer:
    """Random bytes, random JSON, and real field names with random values."""

    STRINGS = (
        "",
        " ",
        "0",
        "mute",
        "un_mute",
        "lock",
        "unlock",
        "会议",
        "😀",
        "\u202e",
        "\\",
        '"',
        "a/b",
        "x" * 600,
        "a\x00b",
        "\x00",
        "null",
        "true",
        "-1",
        "1e309",
    )
    KEYS = (
        "action",
        "userList",
        "unionId",
        "participantId",
        "conferenceIdList",
        "userId",
        "confTitle",
        "inviteUserIds",
        "inviteCaller",
        "appKey",
        "appSecret",
        "suiteKey",
        "suiteSecret",
        "authCorpId",
        "suiteTicket",
        "name",
        "nick",
        "corpId",
        "permissions",
        "micStatus",
        "cameraStatus",
        "pstn",
        "description",
        "jobNumber",
    )

    def __init__(self, seed: int, real_strings: list[str]) -> None:
        self.rng = random.Random(seed)
        self.real = real_strings

    def string(self) -> str:
        roll = self.rng.random()
        if roll < 0.3:
            return self.rng.choice(self.real)
        if roll < 0.6:
            return self.rng.choice(self.STRINGS)
        alphabet = "abcXYZ019 _-./?%&=+:;,'\"\\{}[]()<>#@!~`|\t\n会😀é"
        return "".join(self.rng.choice(alphabet) for _ in range(self.rng.randint(0, 40)))

    def value(self, depth: int = 0) -> Any:
        kinds = ["null", "bool", "int", "float", "string"]
        if depth < 3:
            kinds += ["list", "object", "object"]
        kind = self.rng.choice(kinds)
        if kind == "null":
            return None
        if kind == "bool":
            return self.rng.random() < 0.5
        if kind == "int":
            return self.rng.choice([0, 1, 2, 3, -1, 2**31, 2**63, -(2**63) - 1, 2**80])
        if kind == "float":
            return self.rng.choice([0.0, 1.5, -2.5, 1e308, 2.0])
        if kind == "string":
            return self.string()
        if kind == "list":
            return [self.value(depth + 1) for _ in range(self.rng.randint(0, 4))]
        return {
            (self.rng.choice(self.KEYS) if self.rng.random() < 0.8 else self.string()): self.value(
                depth + 1
            )
            for _ in range(self.rng.randint(0, 5))
        }

    def mutate(self, value: Any) -> Any:
        """A valid body with some values, keys or items replaced by random ones."""
        if self.rng.random() < 0.15:
            return self.value(1)
        if isinstance(value, dict):
            out = {k: self.mutate(v) for k, v in value.items() if self.rng.random() > 0.1}
            if self.rng.random() < 0.1:
                out[self.rng.choice(self.KEYS)] = self.value(2)
            return out
        if isinstance(value, list):
            items = [self.mutate(v) for v in value]
            if self.rng.random() < 0.2:
                items.append(self.mutate(value[0]) if value else self.value(2))
            return items
        if isinstance(value, str) and self.rng.random() < 0.3:
            return self.string()
        return value

    def body(self, template: dict[str, Any] | None = None) -> bytes:
        roll = self.rng.random()
        if template is not None and roll < 0.5:
            return json.dumps(self.mutate(template), ensure_ascii=roll < 0.25).encode()
        roll = self.rng.random()
        if roll < 0.15:
            return bytes(self.rng.randrange(256) for _ in range(self.rng.randint(0, 120)))
        if roll < 0.25:
            text = json.dumps(self.value())
            cut = self.rng.randint(0, len(text))
            return text[:cut].encode()  # truncated JSON
        if roll < 0.4:
            return json.dumps(self.value()).encode()
        # An object of real field names: gets past the parser and into the rules.
        obj = {self.rng.choice(self.KEYS): self.value(1) for _ in range(self.rng.randint(1, 6))}
        if self.rng.random() < 0.5:
            obj["userList"] = [
                {"unionId": self.string(), "participantId": self.string()}
                for _ in range(self.rng.randint(0, 2))
            ]
        return json.dumps(obj, ensure_ascii=self.rng.random() < 0.5).encode()

    def query(self) -> dict[str, str]:
        names = ["nextToken", "maxResults", "unionId", "other"]
        values = [*self.STRINGS, "5", "128", "2147483647", "2147483648", "-0", "0x10"]
        return {
            self.rng.choice(names): self.rng.choice(values)
            if self.rng.random() < 0.5
            else self.string()
            for _ in range(self.rng.randint(0, 3))
        }

    def path_id(self) -> str:
        roll = self.rng.random()
        if roll < 0.4:
            return self.rng.choice(self.real)
        chars = "abcdef0123456789-_.~!$&'()*+,;=:@ 会"
        made = "".join(self.rng.choice(chars) for _ in range(self.rng.randint(1, 30)))
        if self.rng.random() < 0.1:
            made += "%00"  # a NUL once the server decodes the path
        return made


Route = tuple[str, str, bool, dict[str, Any] | None]


def fuzz_routes(org: Org, cid: str, pid: str) -> list[Route]:
    """(method, path, sends a body, a valid body); every route, DingTalk and admin."""
    corp, host, guest = org.corp_id, org.host, org.users[1]
    secret = {"appKey": org.app_key, "appSecret": org.app_secret}
    suite = {"suiteKey": "s", "suiteSecret": "s", "authCorpId": corp, "suiteTicket": "t"}
    create = {"userId": host, "confTitle": "fuzz", "inviteUserIds": [guest], "inviteCaller": True}
    mute = {"action": "mute", "userList": [{"unionId": guest, "participantId": pid}]}
    join = {"unionId": guest, "micStatus": 2, "cameraStatus": 1, "pstn": False}
    admin = "/confplane/v1/admin"
    return [
        ("POST", "/v1.0/oauth2/accessToken", True, secret),
        ("POST", "/v1.0/oauth2/corpAccessToken", True, suite),
        ("POST", CONF, True, create),
        ("POST", f"{CONF}/query", True, {"conferenceIdList": [cid, "x"]}),
        ("POST", f"{CONF}/ID/members/mute", True, mute),
        ("POST", f"{CONF}/ID/lock", True, {"action": "unlock"}),
        ("GET", f"{CONF}/ID/members", False, None),
        ("DELETE", f"{CONF}/ID", False, None),
        ("GET", "/v1.0/conference/orgConferences", False, None),
        ("POST", f"{admin}/orgs", True, {"name": "fuzz org", "corpId": "dingfuzz"}),
        (
            "POST",
            f"{admin}/orgs/{corp}/users",
            True,
            {"nick": "n", "unionId": "fz", "jobNumber": "j"},
        ),
        ("POST", f"{admin}/orgs/{corp}/apps", True, {"name": "a", "permissions": [READ]}),
        ("POST", f"{admin}/conferences/ID/join", True, join),
        ("POST", f"{admin}/conferences/ID/decline", True, {"unionId": guest, "description": "d"}),
        ("POST", f"{admin}/devices/ID/media", True, {"micStatus": 1, "cameraStatus": 2}),
        ("POST", f"{admin}/devices/ID/leave", True, None),
        ("GET", f"{admin}/devices/ID", False, None),
    ]


def judge(answer: httpx.Response) -> tuple[str | None, str]:
    """(what is wrong with an answer or None, its code or status)."""
    if answer.status_code >= 500:
        return "5xx", str(answer.status_code)
    try:
        parsed = json.loads(answer.content)
    except ValueError:
        parsed = None
    if not isinstance(parsed, dict):
        return "not a JSON object", str(answer.status_code)
    code = str(parsed.get("code", answer.status_code))
    if answer.status_code >= 400:
        if not all(isinstance(parsed.get(k), str) for k in ("code", "message", "requestid")):
            return "error without code/message/requestid", code
        if answer.headers.get("x-acs-request-id") != parsed["requestid"]:
            return "request id header differs from the body", code
    if not answer.headers.get("content-type", "").startswith("application/json"):
        return "not a JSON content type", code
    return None, code


@pytest.mark.parametrize("seed", [1, 2])
def test_fuzz_every_route_never_answers_5xx(
    server: ServerProcess, org: Org, http: httpx.Client, seed: int
) -> None:
    cid = org.create(invite=org.users[1:3])
    pid = org.admin.join(cid, org.users[1])["participantId"]
    fuzzer = Fuzzer(seed, [cid, pid, org.host, org.users[1], org.corp_id, org.app_key, "0"])
    routes = fuzz_routes(org, cid, pid)
    token_headers = {TOKEN_HEADER: org.token}
    admin_headers = {"authorization": f"Bearer {server.admin_token}"}
    failures: list[str] = []
    codes: set[str] = set()
    sent = 0
    for _ in range(25):
        for method, route, with_body, valid in routes:
            path = route.replace("ID", fuzzer.path_id())
            body = fuzzer.body(valid) if with_body else None
            params = fuzzer.query()
            headers = dict(admin_headers if "/admin/" in path else token_headers)
            if fuzzer.rng.random() < 0.3:
                headers["content-type"] = fuzzer.rng.choice(
                    ["application/json", "text/plain", "application/octet-stream", "x/y; a=b"]
                )
            content: Any = body
            if body is not None and fuzzer.rng.random() < 0.3:
                content = chunks(body, fuzzer.rng.randint(1, 50))
            answer = http.request(method, path, params=params, content=content, headers=headers)
            sent += 1
            problem, code = judge(answer)
            codes.add(code)
            if problem:
                failures.append(
                    f"{problem}: {method} {path} params={params!r} body={body!r:.200} -> "
                    f"{answer.status_code} {answer.text[:200]!r}"
                )
    assert sent > 300
    assert failures == [], "\n".join(failures[:20])
    # The fuzz got past the parser into the rules, not only into paramsError.
    assert len(codes) >= 8, codes
