"""What the edge does around an API call when the emulator or a rate limit is on:
refuse calls over the rate limit, trigger injected faults, and journal every call."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from typing import Any

import msgspec
from starlette.requests import Request
from starlette.responses import Response

from confplane.api import responses
from confplane.emulator.controls import Emulator
from confplane.emulator.faults import FaultKind
from confplane.emulator.journal import Entry
from confplane.emulator.ratelimit import RateLimit
from confplane.wire.errors import QPS_LIMIT, WireError

log = logging.getLogger("confplane.api")

QPS_LIMIT_CODE = QPS_LIMIT.code
_any_json = msgspec.json.Decoder()


class Watch:
    """The rate limit (a setting) and the emulator (``--emulator``), either may be off."""

    __slots__ = ("_configured_qps", "active", "emulator", "rate_limit")

    def __init__(self, rate_limit: RateLimit, emulator: Emulator | None) -> None:
        self.rate_limit = rate_limit
        self.emulator = emulator
        self._configured_qps = rate_limit.qps
        self.active = emulator is not None or rate_limit.qps is not None

    def set_rate_limit(self, qps: int | None) -> None:
        self.rate_limit.set(qps)
        self.active = self.emulator is not None or qps is not None

    def reset_rate_limit(self) -> None:
        """Back to the server's setting (``--qps-limit``)."""
        self.set_rate_limit(self._configured_qps)

    async def check(
        self,
        op: str,
        request: Request,
        app_key: str | None,
        conference_ids: Sequence[str],
        request_id: str,
    ) -> Response | None:
        """The answer instead of running the call, if any (after a fault's latency)."""
        if app_key and not self.rate_limit.allow(app_key, op):
            why = f"the app's calls of {op} exceed {self.rate_limit.qps} per second"
            return responses.error(replace(QPS_LIMIT, detail=why), request_id)
        emulator = self.emulator
        if emulator is None or not emulator.faults:
            return None
        fault = emulator.faults.hit(op, app_key, conference_ids)
        if fault is None:
            return None
        if fault.latency_ms:
            await asyncio.sleep(fault.latency_ms / 1000)
        if fault.kind is FaultKind.ERROR:
            return responses.error(WireError(fault.status, fault.code, fault.message), request_id)
        if fault.kind is FaultKind.DROP:
            return _dropped(request, request_id)
        return None

    async def journaled(
        self,
        op: str,
        request: Request,
        request_id: str,
        answer: Awaitable[Response],
        who: Callable[[], tuple[str, str, bytes | None]],
    ) -> Response:
        """``answer``'s response, journaled; ``who`` tells, once answered, the caller's
        appKey and corpId and the body it sent (if it read one)."""
        started = time.perf_counter()
        response = await answer
        emulator = self.emulator
        if emulator is None:
            return response
        app_key, corp_id, body = who()
        request_json = parse_json(body)
        # A streamed answer (a large members page) has no body to look into.
        answer_json = parse_json(getattr(response, "body", None))
        answered = answer_json if isinstance(answer_json, dict) else {}
        code = answered.get("code") if response.status_code >= 400 else None
        detail = getattr(response, "detail", None) or None
        named = conference_ids_of(request, request_json)
        created = answered.get("conferenceId")
        if not named and isinstance(created, str):
            named = (created,)
        emulator.journal.record(
            Entry(
                seq=emulator.journal.next_seq(),
                time=emulator.clock.now_ms(),
                operation=op,
                app_key=app_key or None,
                corp_id=corp_id or None,
                conference_ids=named,
                method=request.method,
                path=request.url.path,
                query=dict(request.query_params),
                request=request_json,
                status=response.status_code,
                code=code,
                request_id=request_id,
                latency_ms=round((time.perf_counter() - started) * 1000, 3),
                detail=detail,
            )
        )
        return response


def conference_ids_of(request: Request, body: Any) -> tuple[str, ...]:
    """The meetings a call names: its path's, or its body's conferenceIdList."""
    in_path = request.path_params.get("conferenceId")
    if in_path:
        return (str(in_path),)
    listed = body.get("conferenceIdList") if isinstance(body, dict) else None
    if isinstance(listed, list):
        return tuple(str(c) for c in listed if isinstance(c, str))
    return ()


def parse_json(raw: Any) -> Any:
    """A body as JSON (its text when it is not JSON; None when empty)."""
    if not raw:
        return None
    try:
        return _any_json.decode(raw)
    except (msgspec.DecodeError, RecursionError):
        return bytes(raw).decode("utf-8", "replace")


class _Dropped(Response):
    """Closes the connection instead of answering (an injected fault)."""

    def __init__(self, transport: Any) -> None:
        super().__init__(status_code=0)
        self._transport = transport

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        self._transport.abort()


def _dropped(request: Request, request_id: str) -> Response:
    # uvicorn's receive() is a method of the request's cycle, which holds the transport.
    cycle = getattr(request.receive, "__self__", None)
    transport = getattr(cycle, "transport", None)
    if transport is None:
        log.warning("cannot drop the connection on this server: answering 503 instead")
        return responses.error(
            WireError(503, "ServiceUnavailable", "connection dropped"), request_id
        )
    return _Dropped(transport)
