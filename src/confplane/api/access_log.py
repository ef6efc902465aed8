"""One line per API call: operation, app, status, error code and detail, latency, request id.

Lines are gathered and written together once per turn of the event loop: a write (and
the logging module's locks and records) per request cost more than the rest of a cached
read. Nothing secret is written: no token, no secret, no body.

Each call is also handed to the metrics (api.metrics), when they are on; the lines can
be off while the metrics are not.
"""

from __future__ import annotations

import asyncio
import sys
from enum import Enum
from typing import Protocol, TextIO

import msgspec


class LogFormat(Enum):
    TEXT = "text"
    JSON = "json"


class _Line(msgspec.Struct, omit_defaults=True):
    operation: str
    status: int
    latency_ms: float
    request_id: str
    app_key: str | None = None
    code: str | None = None
    detail: str | None = None


_encode = msgspec.json.Encoder().encode


class CallMetrics(Protocol):
    def api_call(self, operation: str, status: int, code: str | None, latency_s: float) -> None:
        """Count one answered call."""


class AccessLog:
    def __init__(
        self,
        log_format: LogFormat = LogFormat.TEXT,
        stream: TextIO | None = None,
        *,
        lines: bool = True,
        calls: CallMetrics | None = None,
    ) -> None:
        self._json = log_format is LogFormat.JSON
        self._stream = stream
        self._pending: list[str] = []
        self._lines = lines
        self._calls = calls

    def record(
        self,
        operation: str,
        status: int,
        latency_s: float,
        request_id: str,
        app_key: str | None,
        code: str | None,
        detail: str | None = None,
    ) -> None:
        if self._calls is not None:
            self._calls.api_call(operation, status, code, latency_s)
        if not self._lines:
            return
        latency_ms = round(latency_s * 1000, 2)
        if self._json:
            line = _encode(
                _Line(operation, status, latency_ms, request_id, app_key or None, code, detail)
            ).decode()
        else:
            line = (
                f"access {operation} {status} {code or '-'} {latency_ms}ms"
                f" app={app_key or '-'} request={request_id}"
            )
            if detail:
                # Quoted as JSON, so the detail stays on its line whatever it holds.
                line += f" detail={_encode(detail).decode()}"
        if not self._pending:
            asyncio.get_running_loop().call_soon(self._flush)
        self._pending.append(line)

    def _flush(self) -> None:
        lines, self._pending = self._pending, []
        stream = self._stream or sys.stderr
        try:
            stream.write("\n".join(lines) + "\n")
            stream.flush()
        except (OSError, ValueError):  # a closed or broken stream: the lines are lost
            pass
