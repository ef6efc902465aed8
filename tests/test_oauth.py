"""GetAccessToken and GetCorpAccessToken, and the token check every operation makes."""

from __future__ import annotations

import time

import pytest
from alibabacloud_dingtalk.conference_1_0 import models as cm
from alibabacloud_dingtalk.oauth2_1_0 import models as om
from alibabacloud_dingtalk.oauth2_1_0.client import Client as OAuthClient

from confplane.client.admin import AdminClient
from confplane.testing import ServerProcess
from conftest import Org, api_error, get_token, make_org, runtime, sdk_config

READ = "VideoConference.Conference.Read"
WRITE = "VideoConference.Conference.Write"


def oauth(server: ServerProcess) -> OAuthClient:
    return OAuthClient(sdk_config(server))


def test_access_token_for_internal_app(org: Org) -> None:
    body = (
        oauth(org.server)
        .get_access_token(om.GetAccessTokenRequest(app_key=org.app_key, app_secret=org.app_secret))
        .body
    )
    assert body.expire_in == 7200
    assert len(body.access_token) == 32
    # The new token works, and so does the older one: both are live.
    org.token = body.access_token
    assert org.create()


@pytest.mark.parametrize("field", ["appKey", "appSecret"])
def test_wrong_app_credentials(org: Org, field: str) -> None:
    key = "dingnosuchapp" if field == "appKey" else org.app_key
    secret = "wrong" if field == "appSecret" else org.app_secret
    err = api_error(
        oauth(org.server).get_access_token,
        om.GetAccessTokenRequest(app_key=key, app_secret=secret),
    )
    assert (err.status, err.code) == (400, "invalidClientIdOrSecret")


def test_missing_app_secret(org: Org) -> None:
    err = api_error(
        oauth(org.server).get_access_token, om.GetAccessTokenRequest(app_key=org.app_key)
    )
    assert (err.status, err.code, err.message) == (400, "paramsError", "error:invalid parameter")


def test_suite_token_for_authorising_org(server: ServerProcess, admin: AdminClient) -> None:
    org = make_org(server, admin)
    suite = admin.create_suite("classroom tool")
    admin.authorize_suite(suite["appKey"], org.corp_id)
    ticket = admin.new_suite_ticket(suite["appKey"])
    body = (
        oauth(server)
        .get_corp_access_token(
            om.GetCorpAccessTokenRequest(
                suite_key=suite["appKey"],
                suite_secret=suite["appSecret"],
                auth_corp_id=org.corp_id,
                suite_ticket=ticket,
            )
        )
        .body
    )
    assert body.expire_in == 7200
    # The token acts for the authorising org: it can create that org's meetings.
    org.token = body.access_token
    assert org.create()


def test_suite_token_refused(server: ServerProcess, admin: AdminClient) -> None:
    org = make_org(server, admin)
    stranger = make_org(server, admin)
    suite = admin.create_suite("classroom tool")
    admin.authorize_suite(suite["appKey"], org.corp_id)
    ticket = admin.new_suite_ticket(suite["appKey"])
    good = {
        "suite_key": suite["appKey"],
        "suite_secret": suite["appSecret"],
        "auth_corp_id": org.corp_id,
        "suite_ticket": ticket,
    }
    for change in (
        {"suite_secret": "wrong"},
        {"suite_ticket": "stale"},
        {"auth_corp_id": stranger.corp_id},
        {"suite_key": org.app_key},  # an internal app is not a suite
    ):
        err = api_error(
            oauth(server).get_corp_access_token, om.GetCorpAccessTokenRequest(**{**good, **change})
        )
        assert (err.status, err.code) == (400, "invalidClientIdOrSecret"), change
    # A rotated ticket replaces the old one.
    admin.new_suite_ticket(suite["appKey"])
    err = api_error(oauth(server).get_corp_access_token, om.GetCorpAccessTokenRequest(**good))
    assert err.code == "invalidClientIdOrSecret"


@pytest.mark.parametrize("token", ["", "0123456789abcdef0123456789abcdef", "x" * 5000])
def test_unknown_token_is_invalid_authentication(org: Org, token: str) -> None:
    org.token = token
    err = api_error(org.members, "whatever")
    assert (err.status, err.code, err.message) == (
        400,
        "InvalidAuthentication",
        "不合法的access_token",
    )


def test_permission_denied_names_the_scope(server: ServerProcess, admin: AdminClient) -> None:
    reader = make_org(server, admin, permissions=[READ])
    err = api_error(reader.create)
    assert (err.status, err.code) == (403, "Forbidden.AccessDenied.AccessTokenPermissionDenied")
    assert err.body["accessdenieddetail"] == {"requiredScopes": [WRITE]}
    writer = make_org(server, admin, permissions=[WRITE])
    cid = writer.create()
    err = api_error(writer.members, cid)
    assert err.status == 403
    assert err.body["accessdenieddetail"] == {"requiredScopes": [READ]}
    # Granting the permission applies to tokens already issued.
    admin.set_permissions(writer.app_key, [READ, WRITE])
    assert writer.members(cid).total_count == 1


def test_expired_token(tmp_path_factory: pytest.TempPathFactory) -> None:
    proc = ServerProcess(
        tmp_path_factory.mktemp("short-tokens"), extra_args=["--token-lifetime", "1"]
    )
    proc.start()
    try:
        with AdminClient(proc.base_url, proc.admin_token) as admin:
            org = make_org(proc, admin)
            body = (
                oauth(proc)
                .get_access_token(
                    om.GetAccessTokenRequest(app_key=org.app_key, app_secret=org.app_secret)
                )
                .body
            )
            assert body.expire_in == 1
            cid = org.create()
            time.sleep(1.2)
            err = api_error(
                org.conference.query_conference_members_with_options,
                cid,
                cm.QueryConferenceMembersRequest(),
                cm.QueryConferenceMembersHeaders(x_acs_dingtalk_access_token=org.token),
                runtime(),
            )
            assert err.code == "InvalidAuthentication"
            org.token = get_token(proc, org.app_key, org.app_secret)
            assert org.members(cid).total_count == 1
    finally:
        proc.stop()
