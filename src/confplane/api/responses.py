"""Every response body leaves through here: JSON, request id, DingTalk's headers."""

from __future__ import annotations

import secrets
from typing import Any

from starlette.responses import Response

from confplane.wire import codec
from confplane.wire.errors import WireError
from confplane.wire.models import ErrorBody

JSON = "application/json;charset=utf-8"


def request_id() -> str:
    return secrets.token_hex(16).upper()


def _headers(rid: str) -> dict[str, str]:
    return {"x-acs-request-id": rid, "x-acs-trace-id": rid.lower()}


def ok(body: Any, rid: str) -> Response:
    return encoded(codec.encode(body), rid)


def encoded(body: bytes, rid: str) -> Response:
    """A 200 whose body is already JSON."""
    return Response(body, 200, headers=_headers(rid), media_type=JSON)


class ErrorResponse(Response):
    """An error answer, which says its DingTalk code (for the access log)."""

    def __init__(self, err: WireError, rid: str) -> None:
        detail = {"requiredScopes": list(err.required_scopes)} if err.required_scopes else None
        body = ErrorBody(
            code=err.code, message=err.message, requestid=rid, accessdenieddetail=detail
        )
        super().__init__(codec.encode(body), err.status, headers=_headers(rid), media_type=JSON)
        self.code = err.code


def error(err: WireError, rid: str) -> ErrorResponse:
    return ErrorResponse(err, rid)
