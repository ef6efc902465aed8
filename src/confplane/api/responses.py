"""Every response leaves through here: JSON, request id, DingTalk's headers."""

from __future__ import annotations

import re
import secrets
from collections.abc import AsyncIterable
from typing import Any

from starlette.responses import Response, StreamingResponse

from confplane.wire import codec
from confplane.wire.errors import WireError
from confplane.wire.models import ErrorBody

JSON = "application/json;charset=utf-8"
DETAIL_HEADER = "x-confplane-error-detail"
# A header value stays short: the detail names a field or an id, not a whole body.
MAX_DETAIL = 300
_UNSAFE = re.compile(r"[^\x20-\x7e]")


def request_id() -> str:
    return secrets.token_hex(16).upper()


def headers(rid: str) -> dict[str, str]:
    """The headers the real service puts on every answer."""
    return {"x-acs-request-id": rid, "x-acs-trace-id": rid.lower()}


def header_safe(text: str) -> str:
    """``text`` as printable ASCII (other characters escaped as \\uXXXX), bounded."""
    safe = _UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
    return safe if len(safe) <= MAX_DETAIL else safe[: MAX_DETAIL - 3] + "..."


def ok(body: Any, rid: str) -> Response:
    return encoded(codec.encode(body), rid)


def encoded(body: bytes, rid: str, status: int = 200) -> Response:
    """An answer whose body is already JSON."""
    return Response(body, status, headers=headers(rid), media_type=JSON)


def streamed(chunks: AsyncIterable[bytes], rid: str) -> StreamingResponse:
    """A 200 whose JSON body is written piece by piece."""
    return StreamingResponse(chunks, headers=headers(rid), media_type=JSON)


class ErrorResponse(Response):
    """An error answer, which says its DingTalk code and detail (for the logs)."""

    def __init__(self, err: WireError, rid: str) -> None:
        detail = {"requiredScopes": list(err.required_scopes)} if err.required_scopes else None
        body = ErrorBody(
            code=err.code, message=err.message, requestid=rid, accessdenieddetail=detail
        )
        extra = headers(rid)
        if err.detail:
            extra[DETAIL_HEADER] = header_safe(err.detail)
        super().__init__(codec.encode(body), err.status, headers=extra, media_type=JSON)
        self.code = err.code
        self.detail = err.detail


def error(err: WireError, rid: str) -> ErrorResponse:
    return ErrorResponse(err, rid)
