"""The route table: reads like the vendor's API list, then the admin extension."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.convertors import Convertor, register_url_convertor
from starlette.routing import BaseRoute, Route, WebSocketRoute

from confplane.api import (
    admin,
    admin_events,
    conference,
    conference_controls,
    devices,
    emulator,
    health,
    links,
    metrics_endpoint,
    oauth,
    stream,
)
from confplane.api.endpoint import Endpoint, Handler, operation
from confplane.api.endpoint import admin as admin_endpoint
from confplane.api.schedule_routes import schedule_routes
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
        *_control_routes(op),
        *schedule_routes(op),
    ]


def _control_routes(op: Callable[[str, str | None, Handler], Endpoint]) -> list[Route]:
    """The meeting details, controls and links (api.conference_controls, api.links)."""
    c = conference_controls
    return [
        # Before {conferenceId}: its own word would otherwise read as an id.
        _route(
            f"{CONF}/createAutoLoginUrl",
            "POST",
            op(Op.AUTO_LOGIN_URL, WRITE_SCOPE, links.create_auto_login_url),
        ),
        _route(f"{CONF}/{ID}", "GET", op(Op.QUERY_INFO, READ_SCOPE, c.query_conference_info)),
        _route(
            "/v1.0/conference/roomCodes/{roomCode:segment}/infos",
            "GET",
            op(Op.QUERY_BY_ROOM_CODE, READ_SCOPE, c.query_conference_info_by_room_code),
        ),
        _route(
            "/v1.0/conference/users/lists",
            "GET",
            op(Op.QUERY_USER_ONGOING, READ_SCOPE, c.query_user_on_going_conference),
        ),
        _route(
            f"{CONF}/{ID}/users/invite", "POST", op(Op.INVITE_USERS, WRITE_SCOPE, c.invite_users)
        ),
        _route(
            f"{CONF}/{ID}/members/updateNick",
            "POST",
            op(Op.UPDATE_MEMBER_NICK, WRITE_SCOPE, c.update_member_nick),
        ),
        _route(
            f"{CONF}/{ID}",
            "PUT",
            op(Op.UPDATE_SETTING, WRITE_SCOPE, c.update_video_conference_setting),
        ),
        _route(
            f"{CONF}/{ID}/extInfo",
            "PUT",
            op(Op.UPDATE_EXT_INFO, WRITE_SCOPE, c.update_video_conference_ext_info),
        ),
        _route(f"{CONF}/{ID}/focus", "POST", op(Op.FOCUS, WRITE_SCOPE, c.focus)),
        _route(
            "/v1.0/conference/customShortLinks",
            "POST",
            op(Op.CUSTOM_SHORT_LINK, WRITE_SCOPE, links.create_custom_short_link),
        ),
        # Where the links lead (no token: a browser follows them).
        _route("/s/{code:segment}", "GET", op(Op.FOLLOW_LINK, None, links.follow_short_link)),
        _route(
            "/l/{conferenceId:segment}/{ticket:segment}",
            "GET",
            op(Op.FOLLOW_LINK, None, links.follow_login_url),
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
        ("/apps/{appKey}/secret", "POST", admin.rotate_secret),
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
    # Liveness and metrics need no token; liveness is last so it pays the full route
    # lookup, like the rest.
    return [
        *routes,
        _route(metrics_endpoint.PATH, "GET", metrics_endpoint.metrics(runtime)),
        _route(READY, "GET", health.ready(runtime)),
        _route(HEALTH, "GET", health.health),
    ]


def event_routes(runtime: Runtime) -> list[BaseRoute]:
    """Events to apps (docs/events.md): DingTalk's Stream mode, then the admin API's
    log, webhooks and dead letters."""
    table: list[tuple[str, str, Any]] = [
        ("/events", "GET", admin_events.list_events),
        ("/apps/{appKey}/webhooks", "GET", admin_events.list_webhooks),
        ("/apps/{appKey}/webhooks", "POST", admin_events.add_webhook),
        ("/apps/{appKey}/webhooks/{webhookId}", "DELETE", admin_events.remove_webhook),
        ("/apps/{appKey}/stream", "GET", admin_events.stream_status),
        ("/apps/{appKey}/dead-letters", "GET", admin_events.dead_letters),
        ("/apps/{appKey}/dead-letters/replay", "POST", admin_events.replay),
    ]
    return [
        _route(
            "/v1.0/gateway/connections/open",
            "POST",
            operation(runtime, Op.OPEN_CONNECTION, None, stream.open_connection),
        ),
        WebSocketRoute(stream.PATH, stream.socket_endpoint(runtime)),
        *(_route(ADMIN + path, method, admin_endpoint(runtime, fn)) for path, method, fn in table),
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
