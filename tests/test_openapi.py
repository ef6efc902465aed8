"""GET /confplane/v1/openapi.json: valid OpenAPI 3.1, every served route, true schemas."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import jsonschema_rs
import pytest
import schemathesis
from alibabacloud_dingtalk.conference_1_0 import models as cm
from alibabacloud_dingtalk.oauth2_1_0 import models as om
from alibabacloud_dingtalk.oauth2_1_0.client import Client as OAuthClient
from schemathesis.core.result import Ok
from starlette.routing import Route

import controls_kit
from confplane.api.app import create_app
from confplane.api.openapi import document, openapi_path
from confplane.client.admin import AdminClient
from confplane.client.emulator import EmulatorClient
from confplane.config import Settings
from confplane.testing import ServerProcess
from conftest import Org, api_error, join_users, runtime, sdk_config

DOC = "/confplane/v1/openapi.json"
CONF = "/v1.0/conference/videoConferences/{conferenceId}"
ADMIN = "/confplane/v1/admin"

# The emulated servers (tests/emulated.py).
pytest_plugins = ("emulated",)


def fetch(server: ServerProcess) -> dict[str, Any]:
    answer = httpx.get(server.base_url + DOC)  # no token
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/json")
    body: dict[str, Any] = answer.json()
    return body


@pytest.fixture(scope="module")
def doc(server: ServerProcess) -> dict[str, Any]:
    return fetch(server)


def validator(doc: dict[str, Any], schema: dict[str, Any]) -> Any:
    """A JSON Schema 2020-12 validator of ``schema`` whose $refs point into ``doc``."""
    root = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "components": doc["components"],
        **schema,
    }
    return jsonschema_rs.validator_for(root)


def answer_schema(doc: dict[str, Any], method: str, path: str, status: int = 200) -> Any:
    answers = doc["paths"][path][method.lower()]["responses"]
    return validator(doc, answers[str(status)]["content"]["application/json"]["schema"])


def check(doc: dict[str, Any], method: str, path: str, body: Any, status: int = 200) -> None:
    errors = [str(err) for err in answer_schema(doc, method, path, status).iter_errors(body)]
    assert errors == [], f"{method} {path} {status}: {errors}"


def org_token(org: Org) -> dict[str, str]:
    return {"x-acs-dingtalk-access-token": org.token}


def described(doc: dict[str, Any]) -> set[tuple[str, str]]:
    return {(method.upper(), path) for path, ops in doc["paths"].items() for method in ops}


def served(settings: Settings) -> set[tuple[str, str]]:
    """The app's own HTTP routes (method, OpenAPI path); HEAD comes with every GET."""
    app = create_app(settings)
    return {
        (method, openapi_path(route.path))
        for route in app.routes
        if isinstance(route, Route)
        for method in route.methods or ()
        if method != "HEAD"
    }


# -- the document itself ---------------------------------------------------------------


def test_document_is_valid_openapi_3_1(doc: dict[str, Any]) -> None:
    assert doc["openapi"] == "3.1.0"
    assert doc["info"]["title"] == "confplane"
    loaded = schemathesis.openapi.from_dict(doc)
    loaded.validate()  # against the OpenAPI 3.1 meta-schema; raises when it is not
    operations = list(loaded.get_all_operations())
    assert all(isinstance(result, Ok) for result in operations)
    assert len(operations) == len(described(doc))
    ids = [op["operationId"] for ops in doc["paths"].values() for op in ops.values()]
    assert len(ids) == len(set(ids)), "operationIds must be unique"
    for name, schema in doc["components"]["schemas"].items():
        assert jsonschema_rs.meta.is_valid(schema), name


def test_every_ref_names_a_component(doc: dict[str, Any]) -> None:
    refs: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("$ref"), str):
                refs.append(node["$ref"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(doc)
    assert refs
    prefix = "#/components/schemas/"
    assert all(ref.startswith(prefix) for ref in refs)
    assert {ref[len(prefix) :] for ref in refs} <= set(doc["components"]["schemas"])


def test_served_document_is_the_generated_one_and_stable(
    server: ServerProcess, doc: dict[str, Any]
) -> None:
    assert doc == document(emulator=False)
    first = httpx.get(server.base_url + DOC)
    again = httpx.get(server.base_url + DOC)
    assert first.content == again.content
    assert first.headers["x-acs-request-id"] != again.headers["x-acs-request-id"]


@pytest.mark.parametrize("emulator", [False, True])
def test_every_served_route_is_described(tmp_path: Path, emulator: bool) -> None:
    """A route added without its row in api/openapi_table.py fails here."""
    routes = served(Settings(data_dir=tmp_path, emulator=emulator))
    doc = document(emulator=emulator)
    missing = sorted(routes - described(doc))
    assert not missing, f"served without a row in api/openapi_table.py: {missing}"
    assert sorted(described(doc) - routes) == [], "in the document but not served"


def test_operations_say_their_methods_guards_and_errors(doc: dict[str, Any]) -> None:
    create = doc["paths"]["/v1.0/conference/videoConferences"]["post"]
    assert create["operationId"] == "CreateVideoConference"
    assert create["security"] == [{"dingtalkAccessToken": []}]
    assert create["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/CreateVideoConferenceRequest"
    }
    assert "`paramsTitleError`" in create["responses"]["400"]["description"]
    assert "`waterLimitError`" in create["responses"]["404"]["description"]
    assert (
        "Forbidden.AccessDenied.AccessTokenPermissionDenied"
        in (create["responses"]["403"]["description"])
    )
    close = doc["paths"][CONF]["delete"]
    assert close["operationId"] == "CloseVideoConference"
    # The seed's odd answer: a member who is not the host gets 404 permissionError.
    assert "`permissionError`" in close["responses"]["404"]["description"]
    params = {(p["in"], p["name"]): p for p in close["parameters"]}
    assert params[("path", "conferenceId")]["required"] is True
    assert params[("query", "unionId")] == {
        "name": "unionId",
        "in": "query",
        "required": True,
        "schema": {"type": "string"},
    }
    members = doc["paths"][CONF + "/members"]["get"]
    query = {p["name"]: p for p in members["parameters"] if p["in"] == "query"}
    assert query["maxResults"]["schema"] == {"type": "integer"}
    assert query["nextToken"]["required"] is False
    assert "`roomNotFound`" in members["responses"]["404"]["description"]
    token = doc["paths"]["/v1.0/oauth2/accessToken"]["post"]
    assert token["security"] == []
    assert "`invalidClientIdOrSecret`" in token["responses"]["400"]["description"]
    orgs = doc["paths"]["/confplane/v1/admin/orgs"]["post"]
    assert orgs["security"] == [{"adminToken": []}]
    assert "`conflict`" in orgs["responses"]["409"]["description"]
    assert doc["paths"][DOC]["get"]["security"] == []
    assert doc["paths"]["/confplane/v1/ready"]["get"]["responses"]["503"]
    schemes = doc["components"]["securitySchemes"]
    assert schemes["dingtalkAccessToken"]["name"] == "x-acs-dingtalk-access-token"
    assert schemes["adminToken"] == {**schemes["adminToken"], "type": "http", "scheme": "bearer"}


# -- real answers fit their schemas ---------------------------------------------------


def test_sdk_answers_match_their_schemas(org: Org, doc: dict[str, Any]) -> None:
    token = OAuthClient(sdk_config(org.server)).get_access_token(
        om.GetAccessTokenRequest(app_key=org.app_key, app_secret=org.app_secret)
    )
    check(doc, "POST", "/v1.0/oauth2/accessToken", token.body.to_map())
    created = org.conference.create_video_conference_with_options(
        cm.CreateVideoConferenceRequest(
            user_id=org.host, conf_title="schemas", invite_user_ids=org.users[1:3]
        ),
        org.headers(cm.CreateVideoConferenceHeaders),
        runtime(),
    ).body
    check(doc, "POST", "/v1.0/conference/videoConferences", created.to_map())
    cid = created.conference_id
    join_users(org, cid, [org.users[1]])
    check(doc, "POST", "/v1.0/conference/videoConferences/query", org.batch([cid]).to_map())
    check(doc, "GET", CONF + "/members", org.members(cid, max_results=1).to_map())
    check(doc, "POST", CONF + "/members/mute", org.mute(cid, org.users[1]).to_map())
    check(doc, "POST", CONF + "/lock", org.lock(cid).to_map())
    listed = org.conference.query_org_conference_list_with_options(
        cm.QueryOrgConferenceListRequest(max_results=5),
        org.headers(cm.QueryOrgConferenceListHeaders),
        runtime(),
    ).body
    check(doc, "GET", "/v1.0/conference/orgConferences", listed.to_map())
    check(doc, "DELETE", CONF, org.close(cid).to_map())


def test_error_answers_match_their_schema(org: Org, doc: dict[str, Any]) -> None:
    cid = org.create()
    err = api_error(org.close, cid, org.users[1])  # not the host
    assert (err.status, err.code) == (404, "permissionError")
    body = {k: v for k, v in err.body.items() if k != "statusCode"}
    check(doc, "DELETE", CONF, body, status=404)
    denied = api_error(org.members, "no-such-meeting")
    assert denied.status == 404
    check(
        doc,
        "GET",
        CONF + "/members",
        {k: v for k, v in denied.body.items() if k != "statusCode"},
        404,
    )


def test_schemas_refuse_wrong_answers(doc: dict[str, Any]) -> None:
    """The checks above can fail: a wrong type or a missing field is refused."""
    created = answer_schema(doc, "POST", "/v1.0/conference/videoConferences")
    good = {
        "conferenceId": "c",
        "conferencePassword": "1",
        "hostPassword": "2",
        "externalLinkUrl": "http://x/j/1",
        "roomCode": "1",
        "phoneNumbers": [],
    }
    assert created.is_valid(good)
    assert not created.is_valid({**good, "conferenceId": 7})
    assert not created.is_valid({k: v for k, v in good.items() if k != "roomCode"})
    error = answer_schema(doc, "DELETE", CONF, 404)
    assert not error.is_valid({"code": "permissionError", "message": "x"})  # no requestid


def test_admin_and_health_answers_match_their_schemas(
    server: ServerProcess, admin: AdminClient, org: Org, doc: dict[str, Any]
) -> None:
    check(doc, "GET", "/confplane/v1/admin/orgs/{corpId}", admin.get_org(org.corp_id))
    check(doc, "GET", "/confplane/v1/admin/apps/{appKey}", admin.get_app(org.app_key))
    check(doc, "GET", "/confplane/v1/admin/users/{unionId}", admin.get_user(org.host))
    cid = org.create()
    device = admin.join(cid, org.users[1])
    check(doc, "POST", "/confplane/v1/admin/conferences/{conferenceId}/join", device)
    for path in ("/confplane/v1/health", "/confplane/v1/ready"):
        check(doc, "GET", path, httpx.get(server.base_url + path).json())


# -- the emulator controls: described only when served --------------------------------


def test_emulator_paths_only_with_emulator(emu_server: ServerProcess, doc: dict[str, Any]) -> None:
    emulated = fetch(emu_server)
    schemathesis.openapi.from_dict(emulated).validate()  # the journal's NDJSON answer too
    emulator_paths = {p for p in emulated["paths"] if p.startswith("/confplane/v1/emulator")}
    assert "/confplane/v1/emulator/faults/{faultId}" in emulator_paths
    assert len(emulator_paths) == 6
    assert not [p for p in doc["paths"] if p.startswith("/confplane/v1/emulator")]


def test_emulator_answers_match_their_schemas(emu_server: ServerProcess) -> None:
    doc = fetch(emu_server)
    # With the emulator, an injected fault may answer any error: a default answer says so.
    create = doc["paths"]["/v1.0/conference/videoConferences"]["post"]["responses"]
    assert create["default"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ErrorBody"
    }
    with EmulatorClient(emu_server.base_url, emu_server.admin_token) as emulator:
        emulator.reset()
        fault = emulator.add_fault("CreateVideoConference", error=(503, "busy"))
        check(doc, "POST", "/confplane/v1/emulator/faults", fault)
        check(doc, "GET", "/confplane/v1/emulator/faults", {"faults": emulator.faults()})
        check(doc, "GET", "/confplane/v1/emulator/clock", emulator.clock())
        httpx.post(f"{emu_server.base_url}/v1.0/oauth2/accessToken", json={"appKey": "k"})
        check(doc, "GET", "/confplane/v1/emulator/journal", {"entries": emulator.journal()})
        emulator.reset()


# -- the meeting details, controls, links, events and metrics --------------------------


def test_controls_answers_match_their_schemas(org: Org, doc: dict[str, Any]) -> None:
    cid = org.create()
    join_users(org, cid, [org.users[1]])
    info = httpx.get(
        org.server.base_url + CONF.replace("{conferenceId}", cid), headers=org_token(org)
    )
    check(doc, "GET", CONF, info.json())
    room_code = info.json()["confInfo"]["roomCode"]
    check(
        doc,
        "GET",
        "/v1.0/conference/roomCodes/{roomCode}/infos",
        controls_kit.by_room_code(org, room_code).to_map(),
    )
    check(
        doc, "GET", "/v1.0/conference/users/lists", controls_kit.ongoing(org, org.users[1]).to_map()
    )
    check(doc, "PUT", CONF, controls_kit.settings(org, cid, mute_all=True).to_map())
    ext = httpx.put(
        f"{org.server.base_url}/v1.0/conference/videoConferences/{cid}/extInfo",
        json={"topic": "schemas"},
        headers=org_token(org),
    )
    check(doc, "PUT", CONF + "/extInfo", ext.json())
    check(
        doc, "POST", CONF + "/users/invite", controls_kit.invite(org, cid, [org.users[2]]).to_map()
    )
    check(
        doc,
        "POST",
        CONF + "/members/updateNick",
        controls_kit.nick(org, cid, org.users[1], "renamed").to_map(),
    )
    check(doc, "POST", CONF + "/focus", controls_kit.focus(org, cid, org.users[1]).to_map())
    with_ext = httpx.get(
        org.server.base_url + CONF.replace("{conferenceId}", cid), headers=org_token(org)
    ).json()
    assert with_ext["confInfo"]["extInfo"] == {"topic": "schemas"}
    check(doc, "GET", CONF, with_ext)
    denied = httpx.post(
        f"{org.server.base_url}/v1.0/conference/videoConferences/{cid}/focus",
        json={"action": "spin", "unionId": org.users[1]},
        headers=org_token(org),
    )
    assert (denied.status_code, denied.json()["code"]) == (400, "commandError")
    assert (
        "`commandError`" in doc["paths"][CONF + "/focus"]["post"]["responses"]["400"]["description"]
    )
    check(doc, "POST", CONF + "/focus", denied.json(), 400)


def test_links_answer_the_redirects_described(org: Org, doc: dict[str, Any]) -> None:
    cid = org.create()
    info = controls_kit.info(org, cid)
    login = controls_kit.auto_login(org, info.external_link_url, org.users[1])
    check(doc, "POST", CONF.replace("{conferenceId}", "createAutoLoginUrl"), login.to_map())
    short = controls_kit.short_link(org, cid)
    check(doc, "POST", "/v1.0/conference/customShortLinks", short.to_map())
    for url, path in (
        (login.login_info.login_url, "/l/{conferenceId}/{ticket}"),
        (short.result.custom_short_link, "/s/{code}"),
    ):
        answers = doc["paths"][path]["get"]["responses"]
        assert "200" not in answers
        assert set(answers["302"]["headers"]) == {"Location"}
        followed = httpx.get(url, follow_redirects=False)
        assert followed.status_code == 302
        assert followed.headers["location"].startswith(f"/j/{info.room_code}")
    forged = httpx.get(f"{org.server.base_url}/l/{cid}/t1.forged.ticket")
    assert (forged.status_code, forged.json()["code"]) == (403, "invalidTicket")
    check(doc, "GET", "/l/{conferenceId}/{ticket}", forged.json(), 403)
    gone = httpx.get(f"{org.server.base_url}/s/no-such-link")
    assert gone.status_code == 404
    check(doc, "GET", "/s/{code}", gone.json(), 404)


def test_stream_and_events_answers_match_their_schemas(
    server: ServerProcess, admin: AdminClient, org: Org, doc: dict[str, Any]
) -> None:
    gateway = "/v1.0/gateway/connections/open"
    assert doc["paths"][gateway]["post"]["security"] == []
    opened = httpx.post(
        server.base_url + gateway,
        json={"clientId": org.app_key, "clientSecret": org.app_secret, "subscriptions": []},
    )
    check(doc, "POST", gateway, opened.json())
    refused = httpx.post(
        server.base_url + gateway, json={"clientId": org.app_key, "clientSecret": "wrong"}
    )
    assert (refused.status_code, refused.json()["code"]) == (400, "invalidClientIdOrSecret")
    check(doc, "POST", gateway, refused.json(), 400)
    bearer = {"Authorization": f"Bearer {server.admin_token}"}
    apps = ADMIN + "/apps/{appKey}"

    def call(method: str, path: str, body: Any = None, query: Any = None, **values: str) -> Any:
        answer = httpx.request(
            method,
            server.base_url + path.format(**values),
            json=body,
            params=query,
            headers=bearer,
        )
        assert answer.status_code == 200, answer.text
        check(doc, method, path, answer.json())
        return answer.json()

    org.create()
    events = call("GET", ADMIN + "/events", query={"corpId": org.corp_id, "follow": "false"})
    assert events["items"]
    hook = call("POST", apps + "/webhooks", {"url": "http://127.0.0.1:9/hook"}, appKey=org.app_key)
    assert hook["secret"]
    assert call("GET", apps + "/webhooks", appKey=org.app_key)["items"][0]["id"] == hook["id"]
    call("GET", apps + "/stream", appKey=org.app_key)
    call("GET", apps + "/dead-letters", appKey=org.app_key)
    call("POST", apps + "/dead-letters/replay", {}, appKey=org.app_key)
    call("DELETE", apps + "/webhooks/{webhookId}", appKey=org.app_key, webhookId=str(hook["id"]))
    # Digits of other scripts ("¹") are not ids: a 400, never a 500.
    for method, path in (
        ("DELETE", f"{ADMIN}/apps/{org.app_key}/webhooks/¹"),
        ("GET", f"{ADMIN}/events?after=¹"),
    ):
        bad = httpx.request(method, server.base_url + path, headers=bearer)
        assert (bad.status_code, bad.json()["code"]) == (400, "paramsError")
    spare = admin.create_app(org.corp_id, "rotated")
    call("POST", apps + "/secret", appKey=spare["appKey"])
    ndjson = doc["paths"][ADMIN + "/events"]["get"]["responses"]["200"]["content"]
    assert set(ndjson) == {"application/json", "application/x-ndjson"}


def test_metrics_answer_the_media_described(server: ServerProcess, doc: dict[str, Any]) -> None:
    described_media = set(doc["paths"]["/metrics"]["get"]["responses"]["200"]["content"])
    assert described_media == {"text/plain", "application/openmetrics-text"}
    for accept in ("*/*", "application/openmetrics-text; version=1.0.0"):
        answer = httpx.get(server.base_url + "/metrics", headers={"accept": accept})
        assert answer.status_code == 200
        assert answer.headers["content-type"].split(";")[0] in described_media
