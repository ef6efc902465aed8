"""Every answer carries the real service's ``x-acs-request-id`` and ``x-acs-trace-id``:
successes, errors, streamed pages, unknown routes and methods, admin calls, health and
readiness (SQLite and PostgreSQL)."""

from __future__ import annotations

import re

import httpx
import pytest

from confplane.testing import ServerProcess
from conftest import Org

REQUEST_ID = re.compile(r"^[0-9A-F]{32}$")


def assert_ids(answer: httpx.Response) -> None:
    rid = answer.headers.get("x-acs-request-id", "")
    assert REQUEST_ID.match(rid), (answer.status_code, answer.request.url, dict(answer.headers))
    assert answer.headers.get("x-acs-trace-id") == rid.lower()
    body = (
        answer.json()
        if answer.headers.get("content-type", "").startswith("application/json")
        else None
    )
    if isinstance(body, dict) and "requestid" in body:
        assert body["requestid"] == rid


def test_dingtalk_answers(org: Org) -> None:
    base = org.server.base_url
    token = {"x-acs-dingtalk-access-token": org.token}
    cid = org.create()
    with httpx.Client(base_url=base, headers=token) as http:
        answers = [
            http.post("/v1.0/oauth2/accessToken", json={"appKey": org.app_key, "appSecret": "x"}),
            http.post(
                "/v1.0/oauth2/accessToken",
                json={"appKey": org.app_key, "appSecret": org.app_secret},
            ),
            http.post(f"/v1.0/conference/videoConferences/{cid}/lock", json={"action": "lock"}),
            http.post(f"/v1.0/conference/videoConferences/{cid}/lock", json={"action": "no"}),
            http.post("/v1.0/conference/videoConferences/query", json={"conferenceIdList": [cid]}),
            # One slice, pre-rendered; and a page large enough to be streamed.
            http.get(f"/v1.0/conference/videoConferences/{cid}/members"),
            http.get(
                f"/v1.0/conference/videoConferences/{cid}/members", params={"maxResults": 5000}
            ),
            http.get("/v1.0/conference/orgConferences"),
            # An unknown token, an unknown route, a known route with another method.
            http.get("/v1.0/conference/orgConferences", headers={token_header(): "nope"}),
            http.get("/v1.0/conference/nothing-here"),
            http.put(f"/v1.0/conference/videoConferences/{cid}/lock"),
        ]
    statuses = [a.status_code for a in answers]
    assert statuses == [400, 200, 200, 400, 200, 200, 200, 200, 400, 404, 404]
    for answer in answers:
        assert_ids(answer)
    assert answers[6].json()["totalCount"] == 1  # the streamed page is whole
    assert len({a.headers["x-acs-request-id"] for a in answers}) == len(answers)


def token_header() -> str:
    return "x-acs-dingtalk-access-token"


def test_admin_health_and_ready_answers(server: ServerProcess, org: Org) -> None:
    admin = {"authorization": f"Bearer {server.admin_token}"}
    with httpx.Client(base_url=server.base_url) as http:
        answers = [
            http.get("/confplane/v1/admin/orgs", headers=admin),
            http.get(f"/confplane/v1/admin/apps/{org.app_key}", headers=admin),
            http.get("/confplane/v1/admin/apps/no-such-app", headers=admin),
            http.get("/confplane/v1/admin/orgs", headers={"authorization": "Bearer wrong"}),
            http.get("/confplane/v1/health"),
            http.get("/confplane/v1/ready"),
        ]
    assert [a.status_code for a in answers] == [200, 200, 404, 400, 200, 200]
    for answer in answers:
        assert_ids(answer)


@pytest.mark.parametrize("path", ["/confplane/v1/health", "/confplane/v1/ready"])
def test_liveness_bodies_are_unchanged(server: ServerProcess, path: str) -> None:
    answer = httpx.get(server.base_url + path)
    assert answer.json()["status"] in ("ok", "ready")
