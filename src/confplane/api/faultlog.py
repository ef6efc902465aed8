"""Unexpected failures in the log: the first of a kind with its traceback, then a count.

A database that is down fails every request the same way; logging each one wrote
thousands of identical tracebacks. The same kind of failure (its type and operation)
within ``window_s`` of the first is only counted, and the count is logged with the next
one after the window.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable


class RepeatedFaults:
    def __init__(
        self,
        log: logging.Logger,
        *,
        window_s: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._log = log
        self._window_s = window_s
        self._clock = clock
        # (type name, operation) -> (when first logged, how many since)
        self._seen: dict[tuple[str, str], tuple[float, int]] = {}

    def record(self, exc: BaseException, operation: str, request_id: str) -> None:
        key = (type(exc).__name__, operation)
        now = self._clock()
        first, since = self._seen.get(key, (0.0, 0))
        if key in self._seen and now - first < self._window_s:
            self._seen[key] = (first, since + 1)
            return
        if len(self._seen) > 1_000:
            self._seen.clear()
        self._seen[key] = (now, 0)
        more = f" ({since} more like it since the last report)" if since else ""
        self._log.error(
            "unhandled error in %s (request %s)%s",
            operation,
            request_id,
            more,
            exc_info=(type(exc), exc, exc.__traceback__),
        )
