"""The route table: reads like the vendor's API list, then the admin extension."""

from __future__ import annotations

from typing import Any

from starlette.convertors import Convertor, register_url_convertor
from starlette.routing import BaseRoute, Route

from confplane.api import admin, conference, devices, emulator, health, oauth
from confplane.api.endpoint import Endpoint, Handler, operation
from confplane.api.endpoint import admin as admin_endpoint
from confplane.api.services import Runtime
from confplane.domain.model import READ_SCOPE, WRITE_SCOPE
from confplane.wire.errors import Op


class SegmentConvertor(Convertor[str]):
    """One path segment, possibly empty, so ``videoConferences//members`` reaches the
    handler and gets the seed's missing-id error instead of a bare 404."""

    regex = "[^/]*"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("segment", SegmentConvertor())

CONF = "/v1.0/conference/videoConferences"
ID = "{conferenceId:segment}"
ADMIN = "/confplane/v1/admin"
HEALTH = "/confplane/v1/health"
READY = "/confplane/v1/ready"
EMULATOR = "/confplane/v1/emulator"


def _route(path: str, method: str, endpoint: Any) -> Route:
    return Route(path, endpoint, methods=[method], include_in_schema=False)


def api_routes(runtime: Runtime) -> list[Route]:
    def op(name: str, scope: str | None, handler: Handler) -> Endpoint:
        return operation(runtime, name, scope, handler)

    return [
        _route(
            "/v1.0/oauth2/accessToken",
            "POST",
            op(Op.GET_ACCESS_TOKEN, None, oauth.get_access_token),
        ),
        _route(
            "/v1.0/oauth2/corpAccessToken",
            "POST",
            op(Op.GET_CORP_ACCESS_TOKEN, None, oauth.get_corp_access_token),
        ),
        _route(CONF, "POST", op(Op.CREATE, WRITE_SCOPE, conference.create_video_conference)),
        _route(
            f"{CONF}/query",
            "POST",
            op(Op.QUERY_BATCH, READ_SCOPE, conference.query_conference_info_batch),
        ),
        _route(
            f"{CONF}/{ID}/members/mute",
            "POST",
            op(Op.MUTE, WRITE_SCOPE, conference.mute_members),
        ),
        _route(f"{CONF}/{ID}/lock", "POST", op(Op.LOCK, WRITE_SCOPE, conference.lock_conference)),
        _route(
            f"{CONF}/{ID}/allMembers/mute",
            "POST",
            op(Op.MUTE_ALL, WRITE_SCOPE, conference.mute_all),
        ),
        _route(
            f"{CONF}/{ID}/members/kick",
            "POST",
            op(Op.KICK, WRITE_SCOPE, conference.kick_members),
        ),
        _route(
            f"{CONF}/{ID}/coHosts/set",
            "POST",
            op(Op.COHOSTS, WRITE_SCOPE, conference.cohosts),
        ),
        _route(
            f"{CONF}/{ID}/members",
            "GET",
            op(Op.QUERY_MEMBERS, READ_SCOPE, conference.query_conference_members),
        ),
        _route(
            "/v1.0/conference/orgConferences",
            "GET",
            op(Op.QUERY_ORG_LIST, READ_SCOPE, conference.query_org_conference_list),
        ),
        _route(
            f"{CONF}/{ID}",
            "DELETE",
            op(Op.CLOSE, WRITE_SCOPE, conference.close_video_conference),
        ),
    ]


def admin_routes(runtime: Runtime) -> list[Route]:
    table: list[tuple[str, str, Any]] = [
        ("/orgs", "GET", admin.list_orgs),
        ("/orgs", "POST", admin.create_org),
        ("/orgs/{corpId}", "GET", admin.get_org),
        ("/orgs/{corpId}/apps", "POST", admin.create_app),
        ("/orgs/{corpId}/users", "GET", admin.list_users),
        ("/orgs/{corpId}/users", "POST", admin.create_user),
        ("/users/{unionId}", "GET", admin.get_user),
        ("/apps", "GET", admin.list_apps),
        ("/apps/{appKey}", "GET", admin.get_app),
        ("/apps/{appKey}/permissions", "PUT", admin.set_permissions),
        ("/suites", "POST", admin.create_suite),
        ("/suites/{suiteKey}/ticket", "POST", admin.new_suite_ticket),
        ("/suites/{suiteKey}/authorizations", "POST", admin.authorize_suite),
        ("/conferences/{conferenceId}/join", "POST", admin.join),
        ("/conferences/{conferenceId}/decline", "POST", admin.decline),
        ("/devices/{participantId}", "GET", admin.get_device),
        ("/devices/{participantId}/leave", "POST", admin.leave),
        ("/devices/{participantId}/media", "POST", admin.report_media),
    ]
    routes = [
        _route(ADMIN + path, method, admin_endpoint(runtime, fn)) for path, method, fn in table
    ]
    # Liveness needs no token; it is last so it pays the full route lookup, like the rest.
    return [
        *routes,
        _route(READY, "GET", health.ready(runtime)),
        _route(HEALTH, "GET", health.health),
    ]


def device_routes(runtime: Runtime) -> list[BaseRoute]:
    """confplane's device extension: join tickets (an app's token, Write permission).
    The WebSocket devices hold (docs/device-protocol.md) is reached before routing (App)."""
    return [
        _route(
            "/confplane/v1/conferences/{conferenceId:segment}/join-tickets",
            "POST",
            operation(runtime, Op.JOIN_TICKET, WRITE_SCOPE, devices.create_join_ticket),
        ),
    ]


def emulator_routes(runtime: Runtime) -> list[Route]:
    """The emulator controls (docs/testing.md), with the admin token."""
    table: list[tuple[str, str, Any]] = [
        ("/reset", "POST", emulator.reset),
        ("/faults", "GET", emulator.list_faults),
        ("/faults", "POST", emulator.add_fault),
        ("/faults", "DELETE", emulator.clear_faults),
        ("/faults/{faultId}", "DELETE", emulator.delete_fault),
        ("/rate-limit", "GET", emulator.get_rate_limit),
        ("/rate-limit", "PUT", emulator.set_rate_limit),
        ("/journal", "GET", emulator.journal),
        ("/journal", "DELETE", emulator.clear_journal),
        ("/clock", "GET", emulator.get_clock),
        ("/clock", "POST", emulator.set_clock),
        ("/clock", "DELETE", emulator.reset_clock),
    ]
    return [
        _route(EMULATOR + path, method, admin_endpoint(runtime, fn)) for path, method, fn in table
    ]
