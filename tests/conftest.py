"""Fixtures: a real confplane server per database back-end, fresh orgs per test."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from alibabacloud_dingtalk.conference_1_0 import models as cm
from alibabacloud_dingtalk.conference_1_0.client import Client as ConferenceClient
from alibabacloud_dingtalk.oauth2_1_0 import models as om
from alibabacloud_dingtalk.oauth2_1_0.client import Client as OAuthClient
from alibabacloud_tea_openapi import models as open_api_models
from alibabacloud_tea_util import models as util_models

from confplane.client.admin import AdminClient
from confplane.testing import ServerProcess, server_on

BACKENDS = ["sqlite", "postgres"]


@pytest.fixture(scope="session", params=BACKENDS)
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerProcess]:
    """One server per back-end for the whole session (tests make their own orgs)."""
    with server_on(request.param, tmp_path_factory.mktemp(f"server-{request.param}")) as proc:
        yield proc


@pytest.fixture(scope="session")
def admin(server: ServerProcess) -> Iterator[AdminClient]:
    with AdminClient(server.base_url, server.admin_token) as client:
        yield client


def sdk_config(server: ServerProcess) -> open_api_models.Config:
    return open_api_models.Config(protocol="http", endpoint=server.endpoint)


def runtime() -> util_models.RuntimeOptions:
    return util_models.RuntimeOptions()


@dataclass
class Org:
    """A fresh org with an internal app holding both permissions and five users."""

    server: ServerProcess
    admin: AdminClient
    corp_id: str
    app_key: str
    app_secret: str
    users: list[str]
    token: str = ""
    conference: ConferenceClient = field(init=False)

    def __post_init__(self) -> None:
        self.conference = ConferenceClient(sdk_config(self.server))
        if not self.token:
            self.token = get_token(self.server, self.app_key, self.app_secret)

    @property
    def host(self) -> str:
        return self.users[0]

    def headers(self, cls: Any) -> Any:
        return cls(x_acs_dingtalk_access_token=self.token)

    def create(
        self,
        title: str = "weekly sync",
        invite: list[str] | None = None,
        creator: str | None = None,
        invite_caller: bool | None = None,
    ) -> str:
        req = cm.CreateVideoConferenceRequest(
            user_id=creator or self.host,
            conf_title=title,
            invite_user_ids=invite,
            invite_caller=invite_caller,
        )
        body = self.conference.create_video_conference_with_options(
            req, self.headers(cm.CreateVideoConferenceHeaders), runtime()
        ).body
        return str(body.conference_id)

    def mute(
        self,
        conference_id: str,
        union_id: str,
        action: str = "mute",
        participant_id: str | None = None,
    ) -> Any:
        req = cm.MuteMembersRequest(
            action=action,
            user_list=[
                cm.MuteMembersRequestUserList(union_id=union_id, participant_id=participant_id)
            ],
        )
        return self.conference.mute_members_with_options(
            conference_id, req, self.headers(cm.MuteMembersHeaders), runtime()
        ).body

    def lock(self, conference_id: str, action: str = "lock") -> Any:
        return self.conference.lock_conference_with_options(
            conference_id,
            cm.LockConferenceRequest(action=action),
            self.headers(cm.LockConferenceHeaders),
            runtime(),
        ).body

    def batch(self, conference_ids: list[str]) -> Any:
        return self.conference.query_conference_info_batch_with_options(
            cm.QueryConferenceInfoBatchRequest(conference_id_list=conference_ids),
            self.headers(cm.QueryConferenceInfoBatchHeaders),
            runtime(),
        ).body

    def members(
        self, conference_id: str, next_token: str | None = None, max_results: int | None = None
    ) -> Any:
        return self.conference.query_conference_members_with_options(
            conference_id,
            cm.QueryConferenceMembersRequest(next_token=next_token, max_results=max_results),
            self.headers(cm.QueryConferenceMembersHeaders),
            runtime(),
        ).body

    def close(self, conference_id: str, union_id: str | None = None) -> Any:
        return self.conference.close_video_conference_with_options(
            conference_id,
            cm.CloseVideoConferenceRequest(union_id=union_id or self.host),
            self.headers(cm.CloseVideoConferenceHeaders),
            runtime(),
        ).body


def get_token(server: ServerProcess, app_key: str, app_secret: str) -> str:
    client = OAuthClient(sdk_config(server))
    body = client.get_access_token(
        om.GetAccessTokenRequest(app_key=app_key, app_secret=app_secret)
    ).body
    return str(body.access_token)


def make_org(
    server: ServerProcess, admin: AdminClient, users: int = 5, permissions: list[str] | None = None
) -> Org:
    corp_id = "ding" + secrets.token_hex(6)
    admin.create_org(f"org {corp_id}", corp_id)
    app = admin.create_app(corp_id, "test app", permissions)
    union_ids = [
        admin.create_user(corp_id, f"user {i}", job_number=f"J{i:03d}")["unionId"]
        for i in range(users)
    ]
    return Org(server, admin, corp_id, app["appKey"], app["appSecret"], union_ids)


@pytest.fixture
def org(server: ServerProcess, admin: AdminClient) -> Org:
    return make_org(server, admin)


@pytest.fixture
def other_org(server: ServerProcess, admin: AdminClient) -> Org:
    return make_org(server, admin)


@pytest.fixture
def tmp_data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@dataclass(frozen=True)
class ApiError:
    status: int
    code: str
    message: str
    body: dict[str, Any]


def api_error(call: Any, *args: Any, **kwargs: Any) -> ApiError:
    """Run an SDK call that must fail; return what the SDK raised, as the app would see it."""
    try:
        call(*args, **kwargs)
    except Exception as exc:  # the SDK raises TeaException subclasses
        data = dict(getattr(exc, "data", None) or {})
        return ApiError(
            int(data.get("statusCode", 0)), str(exc.code), str(data.get("message")), data
        )
    raise AssertionError("the call succeeded but an error was expected")


def join_users(org: Org, conference_id: str, union_ids: list[str]) -> list[str]:
    """Each user joins with one simulated device; returns their participantIds."""
    return [org.admin.join(conference_id, u)["participantId"] for u in union_ids]
