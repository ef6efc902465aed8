"""Every error of every served operation, through the official SDK, answers the message
DingTalk documents for its code, exactly; the request's own reason is only in the
``x-confplane-error-detail`` header (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import httpx
import pytest
from alibabacloud_dingtalk.conference_1_0 import models as cm
from alibabacloud_dingtalk.oauth2_1_0 import models as om
from alibabacloud_dingtalk.oauth2_1_0.client import Client as OAuthClient

from confplane.client.admin import AdminClient
from confplane.testing import ServerProcess, fresh_postgres_database
from conftest import ApiError, Org, api_error, make_org, runtime, sdk_config

READ = "VideoConference.Conference.Read"
WRITE = "VideoConference.Conference.Write"
DETAIL = "x-confplane-error-detail"


# -- each operation as an app calls it ---------------------------------------------------


def create(
    org: Org, user_id: str | None, title: str | None, invite: list[str] | None = None
) -> Any:
    return org.conference.create_video_conference_with_options(
        cm.CreateVideoConferenceRequest(user_id=user_id, conf_title=title, invite_user_ids=invite),
        org.headers(cm.CreateVideoConferenceHeaders),
        runtime(),
    )


def mute(org: Org, cid: str, union_id: str | None, action: str | None = "mute") -> Any:
    users = [] if union_id is None else [cm.MuteMembersRequestUserList(union_id=union_id)]
    return org.conference.mute_members_with_options(
        cid,
        cm.MuteMembersRequest(action=action, user_list=users),
        org.headers(cm.MuteMembersHeaders),
        runtime(),
    )


def lock(org: Org, cid: str, action: str | None = "lock") -> Any:
    return org.conference.lock_conference_with_options(
        cid,
        cm.LockConferenceRequest(action=action),
        org.headers(cm.LockConferenceHeaders),
        runtime(),
    )


def mute_all(org: Org, cid: str, action: str | None = "mute") -> Any:
    return org.conference.mute_all_with_options(
        cid, cm.MuteAllRequest(action=action), org.headers(cm.MuteAllHeaders), runtime()
    )


def kick(org: Org, cid: str, union_id: str | None) -> Any:
    users = [] if union_id is None else [cm.KickMembersRequestUserList(union_id=union_id)]
    return org.conference.kick_members_with_options(
        cid, cm.KickMembersRequest(user_list=users), org.headers(cm.KickMembersHeaders), runtime()
    )


def cohosts(org: Org, cid: str, union_id: str, action: str = "add") -> Any:
    return org.conference.cohosts_with_options(
        cid,
        cm.CohostsRequest(action=action, user_list=[cm.CohostsRequestUserList(union_id=union_id)]),
        org.headers(cm.CohostsHeaders),
        runtime(),
    )


def org_list(org: Org, next_token: str | None = None) -> Any:
    return org.conference.query_org_conference_list_with_options(
        cm.QueryOrgConferenceListRequest(next_token=next_token),
        org.headers(cm.QueryOrgConferenceListHeaders),
        runtime(),
    )


def close(org: Org, cid: str, union_id: str | None) -> Any:
    return org.conference.close_video_conference_with_options(
        cid,
        cm.CloseVideoConferenceRequest(union_id=union_id),
        org.headers(cm.CloseVideoConferenceHeaders),
        runtime(),
    )


def token(server: ServerProcess, key: str | None, secret: str | None) -> Any:
    return OAuthClient(sdk_config(server)).get_access_token(
        om.GetAccessTokenRequest(app_key=key, app_secret=secret)
    )


def corp_token(server: ServerProcess, **fields: str | None) -> Any:
    return OAuthClient(sdk_config(server)).get_corp_access_token(
        om.GetCorpAccessTokenRequest(**fields)
    )


# -- the situations: (operation, HTTP status, code, documented message, the call) -----------


class Meetings:
    """A live meeting, an ended one and another org's, made once per test."""

    def __init__(self, org: Org, other: Org) -> None:
        self.org, self.other = org, other
        self.live = org.create(invite=[org.users[1]])
        self.ended = org.create()
        org.close(self.ended)
        self.foreign = other.create()


Case = tuple[str, int, str, str, Callable[[Meetings], Any]]

PARAMS = "error:invalid parameter"
ENDED = "The meeting has ended"
NOT_FOUND = "error:conference not found"
MISSING = "error:conferenceId is missing"
BAD_ACTION = "error:invalid action"
SYS = "systemError:internal error"

CASES: list[Case] = [
    # CreateVideoConference (the close/batch seed's table)
    ("CreateVideoConference", 400, "paramsError", PARAMS, lambda m: create(m.org, None, "t")),
    ("CreateVideoConference", 400, "paramsTitleError", "error:invalid confTitle",
     lambda m: create(m.org, m.org.host, "")),
    ("CreateVideoConference", 400, "unknownUserError", "unknownUserError",
     lambda m: create(m.org, "nobody-here", "t")),
    ("CreateVideoConference", 404, "waterLimitError", "waterLimitError:participant limit",
     lambda m: create(m.org, m.org.host, "t", [f"u{i}" for i in range(501)])),
    # QueryConferenceInfoBatch
    ("QueryConferenceInfoBatch", 400, "paramsError", PARAMS, lambda m: m.org.batch([])),
    ("QueryConferenceInfoBatch", 400, "resourceClose", ENDED, lambda m: m.org.batch([m.ended])),
    ("QueryConferenceInfoBatch", 400, "orgAccessForbidden", "orgAccessForbidden",
     lambda m: m.org.batch([m.foreign])),
    # MuteMembers: unknownUserError and the error:%s family
    ("MuteMembers", 400, "unknownUserError", "unknownUserError",
     lambda m: mute(m.org, m.live, m.org.users[4])),
    ("MuteMembers", 400, "paramsError", PARAMS, lambda m: mute(m.org, m.live, None)),
    ("MuteMembers", 400, "paramsError", BAD_ACTION,
     lambda m: mute(m.org, m.live, m.org.host, "shout")),
    ("MuteMembers", 400, "paramsError", MISSING, lambda m: mute(m.org, "", m.org.host)),
    ("MuteMembers", 400, "paramsError", NOT_FOUND, lambda m: mute(m.org, "f" * 24, m.org.host)),
    ("MuteMembers", 400, "paramsError", "error:conference has ended",
     lambda m: mute(m.org, m.ended, m.org.host)),
    ("MuteMembers", 400, "orgAccessForbidden", "orgAccessForbidden",
     lambda m: mute(m.org, m.foreign, m.org.host)),
    # LockConference: the code is the message
    ("LockConference", 400, "paramsError", "paramsError", lambda m: lock(m.org, "f" * 24)),
    ("LockConference", 400, "paramsError", "paramsError", lambda m: lock(m.org, "")),
    ("LockConference", 400, "paramsError", "paramsError", lambda m: lock(m.org, m.live, None)),
    ("LockConference", 400, "commandError", "commandError",
     lambda m: lock(m.org, m.live, "freeze")),
    ("LockConference", 400, "confClosed", "confClosed", lambda m: lock(m.org, m.ended)),
    ("LockConference", 400, "noPermission", "noPermission", lambda m: lock(m.org, m.foreign)),
    # MuteAll
    ("MuteAll", 400, "paramsError", BAD_ACTION, lambda m: mute_all(m.org, m.live, "shout")),
    ("MuteAll", 400, "paramsError", PARAMS, lambda m: mute_all(m.org, m.live, None)),
    ("MuteAll", 400, "paramsError", NOT_FOUND, lambda m: mute_all(m.org, "f" * 24)),
    ("MuteAll", 400, "paramsError", MISSING, lambda m: mute_all(m.org, "")),
    ("MuteAll", 400, "resourceClose", ENDED, lambda m: mute_all(m.org, m.ended)),
    ("MuteAll", 400, "orgAccessForbidden", "orgAccessForbidden",
     lambda m: mute_all(m.org, m.foreign)),
    # KickMembers
    ("KickMembers", 400, "paramsError", PARAMS, lambda m: kick(m.org, m.live, None)),
    ("KickMembers", 400, "unknownUserError", "unknownUserError",
     lambda m: kick(m.org, m.live, m.org.users[4])),
    ("KickMembers", 400, "paramsError", NOT_FOUND, lambda m: kick(m.org, "f" * 24, m.org.host)),
    ("KickMembers", 400, "resourceClose", ENDED, lambda m: kick(m.org, m.ended, m.org.host)),
    ("KickMembers", 400, "orgAccessForbidden", "orgAccessForbidden",
     lambda m: kick(m.org, m.foreign, m.org.host)),
    # Cohosts
    ("Cohosts", 400, "paramsError", BAD_ACTION,
     lambda m: cohosts(m.org, m.live, m.org.users[1], "promote")),
    ("Cohosts", 400, "paramsError", PARAMS, lambda m: cohosts(m.org, m.live, m.org.host)),
    ("Cohosts", 400, "unknownUserError", "unknownUserError",
     lambda m: cohosts(m.org, m.live, m.org.users[4])),
    ("Cohosts", 400, "paramsError", NOT_FOUND, lambda m: cohosts(m.org, "f" * 24, m.org.host)),
    ("Cohosts", 400, "resourceClose", ENDED, lambda m: cohosts(m.org, m.ended, m.org.host)),
    # QueryConferenceMembers: the seed's capitals
    ("QueryConferenceMembers", 400, "missingRoomId", "MISSING ROOM ID",
     lambda m: m.org.members("")),
    ("QueryConferenceMembers", 400, "paramError", "PARAM ERROR",
     lambda m: m.org.members(m.live, next_token="not-a-token")),
    ("QueryConferenceMembers", 403, "noPermission", "NO PERMISSION",
     lambda m: m.org.members(m.foreign)),
    ("QueryConferenceMembers", 404, "roomNotFound", "ROOM NOT FOUND",
     lambda m: m.org.members("f" * 24)),
    # QueryOrgConferenceList
    ("QueryOrgConferenceList", 400, "paramsError", PARAMS,
     lambda m: org_list(m.org, "not-a-token")),
    # CloseVideoConference
    ("CloseVideoConference", 400, "unknownUserError", "unknownUserError",
     lambda m: close(m.org, m.live, "nobody-here")),
    ("CloseVideoConference", 404, "permissionError", "permissionError:not the host",
     lambda m: close(m.org, m.live, m.org.users[1])),
    ("CloseVideoConference", 400, "resourceClose", ENDED,
     lambda m: close(m.org, m.ended, m.org.host)),
    ("CloseVideoConference", 400, "orgAccessForbidden", "orgAccessForbidden",
     lambda m: close(m.org, m.foreign, m.org.host)),
    ("CloseVideoConference", 400, "paramsError", NOT_FOUND,
     lambda m: close(m.org, "f" * 24, m.org.host)),
    ("CloseVideoConference", 400, "paramsError", MISSING, lambda m: close(m.org, "", m.org.host)),
    ("CloseVideoConference", 400, "paramsError", PARAMS, lambda m: close(m.org, m.live, None)),
    # The token calls
    ("GetAccessToken", 400, "invalidClientIdOrSecret", "无效的clientId或者clientSecret",
     lambda m: token(m.org.server, m.org.app_key, "wrong")),
    ("GetAccessToken", 400, "invalidClientIdOrSecret", "无效的clientId或者clientSecret",
     lambda m: token(m.org.server, "no-such-app", "wrong")),
    ("GetAccessToken", 400, "paramsError", PARAMS,
     lambda m: token(m.org.server, m.org.app_key, None)),
    ("GetCorpAccessToken", 400, "invalidClientIdOrSecret", "无效的clientId或者clientSecret",
     lambda m: corp_token(m.org.server, suite_key="no-such-suite", suite_secret="s",
                          auth_corp_id=m.org.corp_id, suite_ticket="t")),
    ("GetCorpAccessToken", 400, "paramsError", PARAMS,
     lambda m: corp_token(m.org.server, suite_key="no-such-suite")),
]  # fmt: skip


@pytest.mark.parametrize(
    ("operation", "status", "code", "message", "call"),
    CASES,
    ids=[f"{c[0]}-{c[2]}-{i}" for i, c in enumerate(CASES)],
)
def test_each_error_answers_its_documented_message(
    org: Org,
    other_org: Org,
    operation: str,
    status: int,
    code: str,
    message: str,
    call: Callable[[Meetings], Any],
) -> None:
    meetings = Meetings(org, other_org)
    err = api_error(call, meetings)
    assert (err.status, err.code, err.message) == (status, code, message), operation


GLOBAL_CALLS: list[tuple[str, Callable[[Meetings], Any]]] = [
    (WRITE, lambda m: create(m.org, m.org.host, "t")),
    (READ, lambda m: m.org.batch([m.live])),
    (WRITE, lambda m: mute(m.org, m.live, m.org.host)),
    (WRITE, lambda m: lock(m.org, m.live)),
    (WRITE, lambda m: mute_all(m.org, m.live)),
    (WRITE, lambda m: kick(m.org, m.live, m.org.users[1])),
    (WRITE, lambda m: cohosts(m.org, m.live, m.org.users[1])),
    (READ, lambda m: m.org.members(m.live)),
    (READ, lambda m: org_list(m.org)),
    (WRITE, lambda m: close(m.org, m.live, m.org.host)),
]


@pytest.mark.parametrize(("scope", "call"), GLOBAL_CALLS, ids=[str(i) for i in range(10)])
def test_every_conference_operation_answers_the_global_errors(
    org: Org,
    other_org: Org,
    server: ServerProcess,
    admin: AdminClient,
    scope: str,
    call: Callable[[Meetings], Any],
) -> None:
    meetings = Meetings(org, other_org)
    org.token = "not-a-token"
    err = api_error(call, meetings)
    assert (err.status, err.code, err.message) == (
        400,
        "InvalidAuthentication",
        "不合法的access_token",
    )
    # An app without the operation's permission: the message names the permission.
    granted = [READ if scope == WRITE else WRITE]
    meetings.org = make_org(server, admin, users=2, permissions=granted)
    err = api_error(call, meetings)
    assert (err.status, err.code, err.message) == (
        403,
        "Forbidden.AccessDenied.AccessTokenPermissionDenied",
        f"没有调用该接口的权限，接口权限申请参考：required scope {scope}",
    )
    assert err.body["accessdenieddetail"] == {"requiredScopes": [scope]}


# -- the detail travels beside the answer ----------------------------------------------------


def test_the_detail_is_in_a_header_not_in_the_body(org: Org) -> None:
    cid = org.create()
    answer = httpx.post(
        f"{org.server.base_url}/v1.0/conference/videoConferences/{cid}/lock",
        json={"action": "freeze"},
        headers={"x-acs-dingtalk-access-token": org.token},
    )
    assert answer.status_code == 400
    assert answer.json()["message"] == "commandError"
    assert answer.headers[DETAIL] == "action must be lock or unlock, not 'freeze'"
    assert "freeze" not in answer.text
    # No detail on a success.
    ok = httpx.post(
        f"{org.server.base_url}/v1.0/conference/videoConferences/{cid}/lock",
        json={"action": "lock"},
        headers={"x-acs-dingtalk-access-token": org.token},
    )
    assert ok.status_code == 200 and DETAIL not in ok.headers


def test_the_detail_header_is_ascii_and_bounded(org: Org) -> None:
    # The unknown unionId (non-ASCII, a control character, very long) comes back escaped.
    who = "用户\x07" + "x" * 2000
    answer = httpx.post(
        f"{org.server.base_url}/v1.0/conference/videoConferences",
        json={"userId": who, "confTitle": "t"},
        headers={"x-acs-dingtalk-access-token": org.token},
    )
    assert answer.json()["message"] == "unknownUserError"
    detail = answer.headers[DETAIL]
    assert detail.isascii() and detail.isprintable()
    assert detail.startswith("userId \\u7528\\u6237\\u0007xxx")
    assert len(detail) <= 300 and detail.endswith("...")


def test_the_unknown_user_detail_names_the_id(org: Org) -> None:
    cid = org.create()
    answer = httpx.post(
        f"{org.server.base_url}/v1.0/conference/videoConferences/{cid}/members/mute",
        json={"action": "mute", "userList": [{"unionId": org.users[3]}]},
        headers={"x-acs-dingtalk-access-token": org.token},
    )
    assert answer.json()["message"] == "unknownUserError"
    assert org.users[3] in answer.headers[DETAIL]


# -- systemError: a server whose database lost its tables --------------------------------


def _drop_all_tables(server: ServerProcess) -> None:
    if server.database_url is None:
        with sqlite3.connect(server.data_dir / "confplane.db") as db:
            names = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
            for name in names:
                db.execute(f'DROP TABLE IF EXISTS "{name}"')
        return

    async def drop() -> None:
        conn = await asyncpg.connect(server.database_url)
        try:
            await conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        finally:
            await conn.close()

    asyncio.run(drop())


@pytest.fixture(params=["sqlite", "postgres"])
def broken(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Org]:
    """An org whose server's database has since lost every table."""

    def run(url: str | None) -> Iterator[Org]:
        server = ServerProcess(tmp_path / "data", database_url=url)
        server.start()
        try:
            with AdminClient(server.base_url, server.admin_token) as admin:
                org = make_org(server, admin, users=2)
            _drop_all_tables(server)
            yield org
        finally:
            server.stop()

    if request.param == "sqlite":
        yield from run(None)
        return
    with fresh_postgres_database() as url:
        yield from run(url)


def test_system_error_in_each_operations_words(broken: Org) -> None:
    org = broken
    expected: list[tuple[str, Callable[[], Any]]] = [
        (SYS, lambda: create(org, org.host, "t")),
        (SYS, lambda: org.batch(["f" * 24])),
        (SYS, lambda: mute(org, "f" * 24, org.host)),
        ("systemError", lambda: lock(org, "f" * 24)),
        (SYS, lambda: mute_all(org, "f" * 24)),
        (SYS, lambda: kick(org, "f" * 24, org.host)),
        (SYS, lambda: cohosts(org, "f" * 24, org.host)),
        ("SYSTEM ERROR", lambda: org.members("f" * 24)),
        (SYS, lambda: org_list(org)),
        (SYS, lambda: close(org, "f" * 24, org.host)),
        (SYS, lambda: token(org.server, org.app_key, org.app_secret)),
    ]
    for message, call in expected:
        err: ApiError = api_error(call)
        assert (err.status, err.code, err.message) == (500, "systemError", message)


def test_the_access_log_keeps_the_detail(org: Org) -> None:
    # The access log is the server's stderr, which the fixture writes to server.log.
    cid = org.create()
    err = api_error(lock, org, cid, "thaw")
    assert err.message == "commandError"
    wanted = "detail=\"action must be lock or unlock, not 'thaw'\""
    for _ in range(100):  # the log is written once per loop turn: wait for it
        if wanted in org.server.log_path.read_text():
            break
        time.sleep(0.05)
    assert wanted in org.server.log_path.read_text()
