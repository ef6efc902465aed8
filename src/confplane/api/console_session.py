"""The console's sign-in: the admin token, once, for an HttpOnly SameSite session cookie;
then every change carries the session's CSRF token in a header.

The token never travels in a URL and never reaches a page's HTML: the sign-in form posts
it as JSON, and the page keeps nothing but the cookie the browser holds for it.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from confplane.api import responses
from confplane.api.endpoint import Call, Endpoint, _run
from confplane.api.services import Runtime, Services
from confplane.domain.console_sessions import SESSION_TTL_S
from confplane.domain.errors import InvalidParams, InvalidToken
from confplane.domain.model import Principal
from confplane.wire import console as w
from confplane.wire.errors import Op, to_wire

COOKIE = "confplane_console"
COOKIE_PATH = "/console"
CSRF_HEADER = "x-csrf-token"
_SAFE_METHODS = frozenset({"GET", "HEAD"})
_NO_PRINCIPAL = Principal(app_id=0, org_id=0, permissions=frozenset())

ConsoleHandler = Callable[[Call], Awaitable[Any]]


def _refused(detail: str, rid: str) -> Response:
    return responses.error(to_wire(Op.ADMIN, InvalidToken(detail)), rid)


def session_of(services: Services, request: Request) -> str | None:
    return services.console_sessions.verify(request.cookies.get(COOKIE))


def console_api(runtime: Runtime, handler: ConsoleHandler) -> Endpoint:
    """A console call: a valid session, and for every change its CSRF token."""

    async def endpoint(request: Request) -> Response:
        services = runtime.services
        call = Call(request, services, _NO_PRINCIPAL, responses.request_id())
        session_id = session_of(services, request)
        if session_id is None:
            return _refused(
                "not signed in to the console, or the session has expired", call.request_id
            )
        if request.method not in _SAFE_METHODS and not services.console_sessions.csrf_valid(
            session_id, request.headers.get(CSRF_HEADER)
        ):
            return _refused(
                f"a change needs the session's CSRF token in the {CSRF_HEADER} header",
                call.request_id,
            )
        return await _run(Op.ADMIN, call, handler)

    endpoint.__name__ = handler.__name__
    return endpoint


def _secure(request: Request, services: Services) -> bool:
    return request.url.scheme == "https" or services.public_url.startswith("https://")


def status(runtime: Runtime, emulator: bool) -> Endpoint:
    """Whether this browser is signed in, and the CSRF token its page needs if so."""

    async def session_status(request: Request) -> Response:
        services = runtime.services
        session_id = session_of(services, request)
        body = w.SessionBody(
            signed_in=session_id is not None,
            csrf_token=services.console_sessions.csrf_token(session_id) if session_id else None,
            emulator=emulator,
        )
        return responses.ok(body, responses.request_id())

    return session_status


def sign_in(runtime: Runtime, emulator: bool) -> Endpoint:
    async def sign_in(request: Request) -> Response:
        services = runtime.services
        rid = responses.request_id()
        call = Call(request, services, _NO_PRINCIPAL, rid)
        try:
            given = (await call.body(w.SignInRequest)).token
        except InvalidParams as err:
            return responses.error(to_wire(Op.ADMIN, err), rid)
        if not hmac.compare_digest(given.strip().encode(), services.admin_token.encode()):
            return _refused(
                "wrong admin token: use the server's admin token (serve --admin-token, or"
                " the admin-token file in its data directory)",
                rid,
            )
        session = services.console_sessions.issue()
        body = w.SessionBody(
            signed_in=True,
            csrf_token=services.console_sessions.csrf_token(session.session_id),
            emulator=emulator,
        )
        response = responses.ok(body, rid)
        response.set_cookie(
            COOKIE,
            session.token,
            max_age=SESSION_TTL_S,
            path=COOKIE_PATH,
            httponly=True,
            samesite="strict",
            secure=_secure(request, services),
        )
        return response

    return sign_in


async def sign_out(call: Call) -> Response:
    """Forget the cookie (a signed session cannot be taken back before it expires; a new
    admin token ends them all)."""
    response = responses.ok(w.SessionBody(signed_in=False), call.request_id)
    response.delete_cookie(COOKIE, path=COOKIE_PATH, httponly=True, samesite="strict")
    return response
