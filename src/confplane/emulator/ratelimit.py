"""DingTalk's rate limit: calls per second allowed to one app on one operation."""

from __future__ import annotations

import time
from collections.abc import Callable

from confplane.domain.errors import InvalidParams

MAX_QPS = 1_000_000


class RateLimit:
    """A one-second window per (app, operation); None lets every call through."""

    def __init__(self, qps: int | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._windows: dict[tuple[str, str], tuple[int, int]] = {}
        self.qps: int | None = None
        self.set(qps)

    def set(self, qps: int | None) -> None:
        if qps is not None and not 1 <= qps <= MAX_QPS:
            raise InvalidParams(f"qps must be 1-{MAX_QPS}, or null for no limit")
        self.qps = qps
        self._windows.clear()

    def allow(self, app_key: str, operation: str) -> bool:
        """Counts the call; False once the app has made ``qps`` calls of it this second."""
        if self.qps is None:
            return True
        second = int(self._clock())
        key = (app_key, operation)
        window, calls = self._windows.get(key, (second, 0))
        if window != second:
            window, calls = second, 0
            if len(self._windows) > 10_000:  # keys of past seconds add up: start afresh
                self._windows.clear()
        if calls >= self.qps:
            self._windows[key] = (window, calls)
            return False
        self._windows[key] = (window, calls + 1)
        return True
