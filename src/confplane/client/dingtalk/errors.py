"""The one exception an API answer becomes, read the way the official clients read it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec

# Codes this client makes up itself; every other code is the server's.
INVALID_RESPONSE = "InvalidResponse"
INVALID_AUTHENTICATION = "InvalidAuthentication"
# confplane says there why it answered an error (the real service sends no such header).
DETAIL_HEADER = "x-confplane-error-detail"


class DingTalkError(Exception):
    """An error answer (HTTP 400-599), or a success answer this client cannot read.

    ``code``, ``message`` and ``request_id`` come from the body (``code``, ``message``,
    ``requestid``); ``status`` is the HTTP status; ``access_denied_detail`` is the body's
    ``accessdenieddetail`` when the token's app lacks a permission; ``detail`` is
    confplane's reason for this answer (its ``x-confplane-error-detail`` header), or "".
    """

    def __init__(
        self,
        code: str,
        message: str,
        *,
        status: int,
        request_id: str = "",
        access_denied_detail: Mapping[str, Any] | None = None,
        detail: str = "",
    ) -> None:
        super().__init__(code, message)
        self.detail = detail
        self.code = code
        self.message = message
        self.status = status
        self.request_id = request_id
        self.access_denied_detail = dict(access_denied_detail or {})

    @property
    def required_scopes(self) -> list[str]:
        scopes = self.access_denied_detail.get("requiredScopes") or []
        return [str(s) for s in scopes] if isinstance(scopes, list) else []

    def __str__(self) -> str:
        text = f"{self.code}: {self.message} (HTTP {self.status}"
        if self.request_id:
            text += f", request id {self.request_id}"
        return text + ")"


def _first(data: Mapping[str, Any], *keys: str) -> Any:
    for key in keys:
        if data.get(key) is not None:
            return data[key]
    return None


def error_from_answer(status: int, headers: Mapping[str, str], content: bytes) -> DingTalkError:
    """The error an answer carries; lenient about key case, as the SDKs are."""
    header_rid = headers.get("x-acs-request-id", "")
    try:
        data = msgspec.json.decode(content)
    except msgspec.DecodeError:
        data = None
    if not isinstance(data, dict):
        snippet = content[:200].decode("utf-8", "replace").strip()
        return DingTalkError(
            INVALID_RESPONSE,
            f"HTTP {status} with a body that is not a JSON object: {snippet!r}",
            status=status,
            request_id=header_rid,
        )
    detail = _first(data, "accessdenieddetail", "accessDeniedDetail", "AccessDeniedDetail")
    return DingTalkError(
        str(_first(data, "code", "Code") or f"HTTP{status}"),
        str(_first(data, "message", "Message") or ""),
        status=status,
        request_id=str(_first(data, "requestid", "requestId", "RequestId") or header_rid),
        access_denied_detail=detail if isinstance(detail, dict) else None,
        detail=headers.get(DETAIL_HEADER, ""),
    )
