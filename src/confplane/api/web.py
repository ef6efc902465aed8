"""The pages confplane serves to browsers: the join page at ``/j/{roomCode}``, the console
at ``/console`` and its JSON calls, and their assets (files shipped in the package, read
once; nothing is fetched from elsewhere).

They are one route of the app, matched by path prefix, so the API's route table (and its
OpenAPI document) stays the API's: these are the pages' own interface, for browsers.
Every answer here carries the browser security headers (``with_security_headers``).
"""

from __future__ import annotations

import html
from collections.abc import Awaitable, Callable, Sequence
from functools import cache
from importlib import resources
from string import Template
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Match, NoMatchFound, Route, Router
from starlette.types import Message, Receive, Scope, Send

from confplane.api import admin, admin_events, console, emulator, join_roster
from confplane.api.console_session import console_api, sign_in, sign_out, status
from confplane.api.services import Runtime
from confplane.domain.errors import DomainError, InvalidTicket
from confplane.domain.model import ConferenceStatus

# No inline script or style anywhere: scripts and styles come from /assets/ only.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    # A join link may carry a ticket: no page tells another site where it came from.
    "referrer-policy": "no-referrer",
    "cross-origin-opener-policy": "same-origin",
}
PREFIXES = ("/console", "/j", "/assets")
_ASSETS = {
    "join.js": "text/javascript; charset=utf-8",
    "console.js": "text/javascript; charset=utf-8",
    "common.js": "text/javascript; charset=utf-8",
    "style.css": "text/css; charset=utf-8",
}
HTML = "text/html; charset=utf-8"


@cache
def _static(name: str) -> bytes:
    return resources.files("confplane.api").joinpath("static", name).read_bytes()


def with_security_headers(app: Callable[[Scope, Receive, Send], Awaitable[None]]) -> Any:
    """ASGI middleware for one sub-app: the headers on every answer it gives, errors too."""

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                extra = [(k.encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await app(scope, receive, send_with_headers)

    return wrapped


def page(body: bytes, status: int = 200) -> Response:
    return Response(body, status, media_type=HTML, headers={"cache-control": "no-store"})


async def asset(request: Request) -> Response:
    name = str(request.path_params["name"])
    media = _ASSETS.get(name)
    if media is None:
        return page(_message_page("Not found", "There is no such file."), 404)
    return Response(_static(name), media_type=media, headers={"cache-control": "no-cache"})


async def console_page(_request: Request) -> Response:
    return page(_static("console.html"))


def _message_page(title: str, text: str) -> bytes:
    return (
        Template(_static("message.html").decode())
        .substitute(title=html.escape(title), text=html.escape(text))
        .encode()
    )


def join_page(runtime: Runtime) -> Callable[[Request], Awaitable[Response]]:
    async def join(request: Request) -> Response:
        services = runtime.services
        room_code = str(request.path_params["roomCode"])
        try:
            conference = await services.join_page.meeting(room_code)
        except DomainError:
            return page(
                _message_page(
                    "No such meeting",
                    f"No meeting has the room code {room_code[:32]}. Check the link you "
                    "were given.",
                ),
                404,
            )
        ended = conference.status == ConferenceStatus.ENDED
        member_nick = member_union_id = ticket_problem = ""
        ticket = request.query_params.get("ticket")
        if ticket and not ended:
            try:
                invitation = await services.join_page.invitation(conference, ticket)
                member_nick, member_union_id = invitation.nick, invitation.union_id
            except InvalidTicket as err:
                ticket_problem = (
                    "This personal join link has expired: ask for a new one, or join as a guest."
                    if err.reason == "expired"
                    else "This personal join link is not valid for this meeting."
                )
        fields = {
            "title": html.escape(conference.title),
            "room_code": html.escape(conference.room_code),
            "state": "ended" if ended else "locked" if conference.locked else "open",
            "state_text": (
                "This meeting has ended."
                if ended
                else "The meeting is locked: no one new may join now."
                if conference.locked
                else "The meeting is in progress."
            ),
            # Only a valid ticket's holder learns the meeting's id (a ticket join names it).
            "conference_id": html.escape(conference.conference_id if member_union_id else ""),
            "member_nick": html.escape(member_nick),
            "ticket_problem": html.escape(ticket_problem),
        }
        body = Template(_static("join.html").decode()).substitute(fields)
        return page(body.encode())

    return join


def _api(runtime: Runtime, path: str, method: str, handler: Any) -> Route:
    return Route("/console/api" + path, console_api(runtime, handler), methods=[method])


def _console_api_routes(runtime: Runtime, emulator_on: bool) -> list[Route]:
    meeting = "/meetings/{conferenceId}"
    table: list[tuple[str, str, Any]] = [
        ("/session", "DELETE", sign_out),
        ("/meetings", "GET", console.live_meetings),
        (meeting, "GET", console.meeting),
        (meeting + "/mute", "POST", console.mute),
        (meeting + "/mute-all", "POST", console.mute_all),
        (meeting + "/kick", "POST", console.kick),
        (meeting + "/cohosts", "POST", console.cohosts),
        (meeting + "/lock", "POST", console.lock),
        (meeting + "/close", "POST", console.close),
        (meeting + "/join-link", "POST", console.join_link),
        # The admin API's own handlers, behind the session instead of the Bearer token.
        ("/orgs", "GET", admin.list_orgs),
        ("/orgs", "POST", admin.create_org),
        ("/orgs/{corpId}/apps", "POST", admin.create_app),
        ("/orgs/{corpId}/users", "GET", admin.list_users),
        ("/orgs/{corpId}/users", "POST", admin.create_user),
        ("/apps", "GET", admin.list_apps),
        ("/apps/{appKey}/permissions", "PUT", admin.set_permissions),
        ("/apps/{appKey}/secret", "POST", admin.rotate_secret),
        ("/events", "GET", admin_events.list_events),
    ]
    if emulator_on:
        table += [
            ("/emulator/journal", "GET", emulator.journal),
            ("/emulator/faults", "GET", emulator.list_faults),
            ("/emulator/faults", "POST", emulator.add_fault),
            ("/emulator/faults", "DELETE", emulator.clear_faults),
            ("/emulator/faults/{faultId}", "DELETE", emulator.delete_fault),
            ("/emulator/clock", "GET", emulator.get_clock),
            ("/emulator/clock", "POST", emulator.set_clock),
            ("/emulator/clock", "DELETE", emulator.reset_clock),
        ]
    return [
        Route("/console/api/session", status(runtime, emulator_on), methods=["GET"]),
        Route("/console/api/session", sign_in(runtime, emulator_on), methods=["POST"]),
        *(_api(runtime, path, method, fn) for path, method, fn in table),
    ]


class BrowserPages(BaseRoute):
    """Every path under PREFIXES, answered by its own router (an unknown one there is
    the app's usual JSON 404)."""

    def __init__(self, routes: Sequence[BaseRoute]) -> None:
        self._app = with_security_headers(Router(list(routes), redirect_slashes=False))

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] != "http":
            return Match.NONE, {}
        path: str = scope["path"]
        if any(path == p or path.startswith(p + "/") for p in PREFIXES):
            return Match.FULL, {}
        return Match.NONE, {}

    def url_path_for(self, name: str, /, **path_params: Any) -> Any:
        raise NoMatchFound(name, path_params)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self._app(scope, receive, send)


def browser_pages(runtime: Runtime, *, emulator_on: bool) -> BrowserPages:
    return BrowserPages(
        [
            Route("/console", console_page, methods=["GET"]),
            *_console_api_routes(runtime, emulator_on),
            Route("/j/{roomCode}", join_page(runtime), methods=["GET"]),
            Route("/j/{roomCode}/roster", join_roster.roster(runtime), methods=["POST"]),
            Route("/assets/{name}", asset, methods=["GET"]),
        ]
    )
