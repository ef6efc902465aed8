"""The console's JSON API and the pages over raw HTTP: the session and its CSRF guard,
sessions across server processes, the browser security headers, and no secret in a page."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest

from browser_kit import create_meeting
from confplane.client.admin import AdminClient
from confplane.testing import ServerProcess, fresh_postgres_database
from conftest import make_org

SECURITY_HEADERS = {
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    proc = ServerProcess(tmp_path_factory.mktemp("console-api"))
    proc.start()
    yield proc
    proc.stop()


@pytest.fixture(scope="module")
def site_admin(site: ServerProcess) -> Iterator[AdminClient]:
    with AdminClient(site.base_url, site.admin_token) as client:
        yield client


def signed_in(server: ServerProcess) -> tuple[httpx.Client, str]:
    client = httpx.Client(base_url=server.base_url)
    answer = client.post("/console/api/session", json={"token": server.admin_token})
    assert answer.status_code == 200, answer.text
    return client, answer.json()["csrfToken"]


def test_a_change_without_the_csrf_token_is_refused_and_changes_nothing(
    site: ServerProcess, site_admin: AdminClient
) -> None:
    org = make_org(site, site_admin)
    meeting = create_meeting(org)
    client, csrf = signed_in(site)
    path = f"/console/api/meetings/{meeting.conference_id}/lock"
    for headers in ({}, {"x-csrf-token": "forged"}, {"x-csrf-token": ""}):
        refused = client.post(path, json={"action": "lock"}, headers=headers)
        assert refused.status_code == 400
        assert refused.json()["code"] == "InvalidAuthentication"
        assert "CSRF" in refused.json()["message"]
    assert client.get(f"/console/api/meetings/{meeting.conference_id}").json()["locked"] is False
    # Reads need the session, not the CSRF token; changes need both.
    assert client.post(path, json={"action": "lock"}, headers={"x-csrf-token": csrf}).json() == {
        "success": True
    }
    assert client.get(f"/console/api/meetings/{meeting.conference_id}").json()["locked"] is True
    # Without the session cookie, the CSRF token alone is nothing.
    bare = httpx.post(
        site.base_url + path, json={"action": "unlock"}, headers={"x-csrf-token": csrf}
    )
    assert (bare.status_code, bare.json()["code"]) == (400, "InvalidAuthentication")
    assert httpx.get(site.base_url + "/console/api/meetings").status_code == 400
    # Bad input is a clear error, never a 500.
    for body in (b"", b"{", b'{"action": "explode"}', b"[]"):
        answer = client.post(path, content=body, headers={"x-csrf-token": csrf})
        assert answer.status_code == 400, (body, answer.text)
        assert answer.json()["message"]
    missing = client.get("/console/api/meetings/nope")
    assert (missing.status_code, missing.json()["code"]) == (400, "paramsError")
    signed_out = client.delete("/console/api/session", headers={"x-csrf-token": csrf})
    assert signed_out.status_code == 200 and client.cookies.get("confplane_console") is None
    client.close()


def test_a_session_works_on_every_server_process_of_one_database(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    with fresh_postgres_database() as url:
        one = ServerProcess(
            tmp_path_factory.mktemp("one"), database_url=url, admin_token="shared-admin-token"
        )
        two = ServerProcess(
            tmp_path_factory.mktemp("two"), database_url=url, admin_token="shared-admin-token"
        )
        one.start()
        two.start()
        try:
            client, csrf = signed_in(one)
            cookie = client.cookies["confplane_console"]
            other = httpx.Client(base_url=two.base_url, cookies={"confplane_console": cookie})
            answer = other.post(
                "/console/api/orgs", json={"name": "made on two"}, headers={"x-csrf-token": csrf}
            )
            assert answer.status_code == 200, answer.text
            assert any(
                o["name"] == "made on two" for o in client.get("/console/api/orgs").json()["items"]
            )
            other.close()
            client.close()
        finally:
            two.stop()
            one.stop()


# -- the pages' headers and what they hold ------------------------------------------------


def test_pages_send_security_headers_and_hold_no_secret(
    site: ServerProcess, site_admin: AdminClient
) -> None:
    org = make_org(site, site_admin)
    meeting = create_meeting(org)
    client, csrf = signed_in(site)
    link = client.post(
        f"/console/api/meetings/{meeting.conference_id}/join-link",
        json={"unionId": org.users[1]},
        headers={"x-csrf-token": csrf},
    ).json()["url"]
    ticket = link.rsplit("/", 1)[1]
    pages = {
        "/console": 200,
        f"/j/{meeting.room_code}": 200,
        f"/j/{meeting.room_code}?ticket={ticket}": 200,
        "/j/123456780": 404,
        "/assets/join.js": 200,
        "/assets/console.js": 200,
        "/assets/style.css": 200,
    }
    secrets = [site.admin_token, meeting.password, meeting.host_password, org.app_secret, org.token]
    for path, status in pages.items():
        answer = client.get(path)
        assert answer.status_code == status, path
        for name, value in SECURITY_HEADERS.items():
            assert answer.headers[name] == value, (path, name)
        policy = answer.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in policy and "script-src 'self';" in policy
        assert "unsafe-inline" not in policy
        for secret in secrets:
            assert secret not in answer.text, (path, "holds a secret")
    # The ticket's holder sees whom it invites; the ticket itself is not written back.
    invited = client.get(f"/j/{meeting.room_code}?ticket={ticket}").text
    assert 'data-member-nick="user 1"' in invited and ticket not in invited
    assert re.search(r"<script(?![^>]*\bsrc=)", invited) is None, "an inline script"
    unknown = client.get("/j/123456780")
    assert unknown.headers["content-type"].startswith("text/html")
    assert "No meeting has the room code 123456780" in unknown.text
    # Elsewhere an unknown path is still the API's JSON 404.
    api_404 = client.get("/v1.0/conference/nothing")
    assert (api_404.status_code, api_404.json()["code"]) == (404, "InvalidAction.NotFound")
    assert client.get("/console/api/nothing").json()["code"] == "InvalidAction.NotFound"
    client.close()
