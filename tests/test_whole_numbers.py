"""Whole numbers in query strings and paths: ASCII digits only, each within its own bound,
and anything else (a sign, a Unicode digit, thousands of digits) a clear error that
changes nothing: never a 500."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from confplane.client.emulator import EmulatorClient
from confplane.testing import ServerProcess
from conftest import Org

# Emulated servers (tests/emulated.py), for the journal's numbers.
pytest_plugins = ("emulated",)

CONF = "/v1.0/conference/videoConferences"
ADMIN = "/confplane/v1/admin"
# Longer than int() turns into a number at all (4300 digits).
THOUSANDS = "1" * 5000
NOT_WHOLE = ("-1", "+1", "1.5", "1e3", "abc", "%C2%B2", "%EF%BC%91%EF%BC%92", THOUSANDS)


@pytest.fixture
def http(server: ServerProcess) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.base_url, timeout=30.0) as client:
        yield client


def refused(answer: httpx.Response, code: str) -> dict[str, Any]:
    assert answer.status_code == 400, answer.text[:300]
    body: dict[str, Any] = answer.json()
    assert body["code"] == code, body
    return body


def test_max_results_of_the_member_list(org: Org, http: httpx.Client) -> None:
    cid = org.create(invite=org.users[1:3])
    auth = {"x-acs-dingtalk-access-token": org.token}
    for raw in (*NOT_WHOLE, "2147483648"):
        answer = http.get(f"{CONF}/{cid}/members?maxResults={raw}", headers=auth)
        assert refused(answer, "paramError")["message"]
    for raw in ("2", "02", "2147483647"):
        answer = http.get(f"{CONF}/{cid}/members?maxResults={raw}", headers=auth)
        assert answer.status_code == 200, answer.text[:300]
        assert answer.json()["totalCount"] == 3


def test_the_event_log_takes_up_to_eighteen_digits(org: Org, http: httpx.Client) -> None:
    org.lock(org.create())
    admin = {"authorization": f"Bearer {org.server.admin_token}"}
    query = f"corpId={org.corp_id}"
    for name in ("after", "limit"):
        for raw in (*NOT_WHOLE, "1" * 19):
            answer = http.get(f"{ADMIN}/events?{query}&{name}={raw}", headers=admin)
            assert refused(answer, "paramsError")["message"] == f"{name} must be a whole number"
    ok = http.get(f"{ADMIN}/events?{query}&after={'9' * 18}&limit=1", headers=admin)
    assert ok.status_code == 200 and ok.json()["items"] == []
    first = http.get(f"{ADMIN}/events?{query}&limit=01", headers=admin).json()["items"]
    assert [e["eventType"] for e in first] == ["confplane_conference_created"]


def test_a_webhook_id_is_a_whole_number(org: Org, http: httpx.Client) -> None:
    admin = {"authorization": f"Bearer {org.server.admin_token}"}
    hook = org.admin.add_webhook(org.app_key, "http://127.0.0.1:1/x")
    for raw in ("-1", "1x", "%C2%B2", "1" * 19, THOUSANDS):
        answer = http.delete(f"{ADMIN}/apps/{org.app_key}/webhooks/{raw}", headers=admin)
        assert refused(answer, "paramsError")["message"] == "webhookId must be a whole number"
    assert [h["id"] for h in org.admin.list_webhooks(org.app_key)] == [hook["id"]]
    org.admin.remove_webhook(org.app_key, hook["id"])
    assert org.admin.list_webhooks(org.app_key) == []


def test_the_journal_takes_signed_integers(
    emu_server: ServerProcess, emulator: EmulatorClient
) -> None:
    url = f"{emu_server.base_url}/confplane/v1/emulator/journal"
    auth = {"Authorization": f"Bearer {emu_server.admin_token}"}
    for name in ("since", "afterSeq"):
        for raw in ("-", "--5", "1-", "1.5", "%C2%B2", THOUSANDS):
            answer = httpx.get(f"{url}?{name}={raw}", headers=auth)
            assert refused(answer, "paramsError")["message"]
        for raw in ("0", "-5", "007"):
            answer = httpx.get(f"{url}?{name}={raw}", headers=auth)
            assert answer.status_code == 200, answer.text[:300]
