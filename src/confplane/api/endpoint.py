"""Turns a handler into a Starlette endpoint: token check, body limits, error rendering."""

from __future__ import annotations

import hmac
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response

from confplane.api import responses, watch
from confplane.api.faultlog import RepeatedFaults
from confplane.api.services import Runtime, Services
from confplane.domain.errors import DomainError, InvalidParams, InvalidToken
from confplane.domain.model import Principal
from confplane.wire import codec
from confplane.wire.errors import Op, system_error, to_wire

T = TypeVar("T")
log = logging.getLogger("confplane.api")

MAX_BODY_BYTES = 1 << 20
# Unexpected failures, logged with their traceback once and then counted (a database
# that is down fails every request alike).
faults = RepeatedFaults(log)
TOKEN_HEADER = "x-acs-dingtalk-access-token"


@dataclass(slots=True)
class Call:
    """What a handler sees of one request."""

    request: Request
    services: Services
    principal: Principal
    request_id: str
    # The body as read (kept for the emulator's journal).
    raw_body: bytes | None = None
    # The app that called, when no token says it (the token calls name it in the body).
    app_key: str | None = None

    def path(self, name: str) -> str:
        return _no_nul(name, str(self.request.path_params.get(name, "")))

    def query(self, name: str) -> str | None:
        value = self.request.query_params.get(name)
        return None if value is None else _no_nul(name, value)

    async def raw(self) -> bytes:
        if self.raw_body is None:
            self.raw_body = await read_body(self.request)
        return self.raw_body

    async def body(self, into: type[T]) -> T:
        return codec.decode(await self.raw(), into)


Handler = Callable[[Call], Awaitable[Any]]
Endpoint = Callable[[Request], Awaitable[Response]]

_NO_PRINCIPAL = Principal(app_id=0, org_id=0, permissions=frozenset())


def _no_nul(name: str, value: str) -> str:
    # PostgreSQL text cannot hold U+0000; refuse it at the edge for both back-ends alike.
    if "\x00" in value:
        raise InvalidParams(f"{name} must not contain NUL characters")
    return value


async def read_body(request: Request) -> bytes:
    """The request body, chunked or not, refused past MAX_BODY_BYTES without reading it all."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise InvalidParams(f"request body exceeds {MAX_BODY_BYTES} bytes")
    chunks: list[bytes] = []
    size = 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > MAX_BODY_BYTES:
                raise InvalidParams(f"request body exceeds {MAX_BODY_BYTES} bytes")
            chunks.append(chunk)
    except ClientDisconnect:
        # Nobody will read the answer; not a fault of the server's.
        log.info("the client went away before sending the whole body")
        raise InvalidParams("the request body ended early") from None
    return b"".join(chunks)


async def _run(op: str, call: Call, handler: Handler) -> Response:
    try:
        result = await handler(call)
        if isinstance(result, Response):
            return result
        return responses.ok(result, call.request_id)
    except DomainError as err:
        return responses.error(to_wire(op, err), call.request_id)
    except Exception as exc:
        faults.record(exc, op, call.request_id)
        return responses.error(system_error(op), call.request_id)


def operation(runtime: Runtime, op: str, scope: str | None, handler: Handler) -> Endpoint:
    """A DingTalk OpenAPI operation; ``scope`` None means no token (the oauth2 calls)."""

    async def endpoint(request: Request) -> Response:
        services = runtime.services
        call = Call(request, services, _NO_PRINCIPAL, responses.request_id())
        access = services.access_log
        started = time.perf_counter() if access is not None else 0.0
        if not services.watch.active:
            response = await guarded(call)
        else:
            response = await services.watch.journaled(
                op, request, call.request_id, guarded(call), lambda: _who(call)
            )
        if access is not None:
            access.record(
                op,
                response.status_code,
                time.perf_counter() - started,
                call.request_id,
                call.principal.app_key or call.app_key,
                *_error_of(response),
            )
        return response

    async def guarded(call: Call) -> Response:
        # What escapes the handler's own guard (the token check with the database down)
        # is still DingTalk's systemError, never a dropped connection.
        try:
            return await answer(call)
        except Exception as exc:
            faults.record(exc, op, call.request_id)
            return responses.error(system_error(op), call.request_id)

    async def answer(call: Call) -> Response:
        services = call.services
        if scope is not None:
            try:
                call.principal = await services.auth.authenticate(
                    call.request.headers.get(TOKEN_HEADER), scope
                )
            except DomainError as err:
                return responses.error(to_wire(op, err), call.request_id)
        if services.watch.active:
            try:
                body = watch.parse_json(await call.raw()) if call.request.method == "POST" else None
            except DomainError as err:  # too large, say: the answer the handler would give
                return responses.error(to_wire(op, err), call.request_id)
            app_key = call.principal.app_key or _app_key_of_token_call(call, body)
            named = watch.conference_ids_of(call.request, body)
            refused = await services.watch.check(op, call.request, app_key, named, call.request_id)
            if refused is not None:
                return refused
        return await _run(op, call, handler)

    endpoint.__name__ = op
    return endpoint


def admin(runtime: Runtime, handler: Handler) -> Endpoint:
    """An admin API call, allowed with the server's admin token as a Bearer token."""

    async def endpoint(request: Request) -> Response:
        services = runtime.services
        call = Call(request, services, _NO_PRINCIPAL, responses.request_id())
        # The scheme is case-insensitive (RFC 9110); the token is not.
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(
            given.strip().encode(), services.admin_token.encode()
        ):
            err = to_wire(Op.ADMIN, InvalidToken(_ADMIN_TOKEN_HOW))
            return responses.error(err, call.request_id)
        return await _run(Op.ADMIN, call, handler)

    endpoint.__name__ = handler.__name__
    return endpoint


_ADMIN_TOKEN_HOW = (
    "admin token is missing or wrong: send the server's admin token (serve --admin-token,"
    " or the admin-token file in its data directory) as 'Authorization: Bearer <token>'"
)


def _error_of(response: Response) -> tuple[str | None, str | None]:
    """An error answer's code and detail, for the access log."""
    if isinstance(response, responses.ErrorResponse):
        return response.code, response.detail or None
    return None, None


def _app_key_of_token_call(call: Call, body: Any) -> str | None:
    """The appKey (or suiteKey) a token call names, for the rate limit and faults."""
    if call.principal is not _NO_PRINCIPAL or not isinstance(body, dict):
        return None
    key = body.get("appKey") or body.get("suiteKey")
    return key if isinstance(key, str) else None


def _who(call: Call) -> tuple[str, str, bytes | None]:
    """The caller's appKey and corpId, and the body the call read, for the journal."""
    return call.principal.app_key or call.app_key or "", call.principal.corp_id, call.raw_body
