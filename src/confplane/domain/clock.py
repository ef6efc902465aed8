"""The server's clock, in milliseconds (the unit of every DingTalk timestamp).

Real time unless an emulator's user says otherwise: it can be frozen, set and advanced,
and every expiry (tokens, join tickets, device grace periods) and every join, leave and
duration follows it. Each service is handed the one clock of its server.
"""

from __future__ import annotations

import time
from collections.abc import Callable


def now_ms() -> int:
    """Real wall-clock time (for what no emulator may move: log lines, cache ages)."""
    return time.time_ns() // 1_000_000


class Clock:
    """Real time plus an offset, or a frozen instant."""

    __slots__ = ("_frozen_at", "_listeners", "_offset_ms")

    def __init__(self) -> None:
        self._offset_ms = 0
        self._frozen_at: int | None = None
        self._listeners: list[Callable[[], None]] = []

    def now_ms(self) -> int:
        if self._frozen_at is not None:
            return self._frozen_at
        return time.time_ns() // 1_000_000 + self._offset_ms

    @property
    def frozen(self) -> bool:
        return self._frozen_at is not None

    @property
    def offset_ms(self) -> int:
        """How far the clock is from real time now."""
        if self._frozen_at is None:
            return self._offset_ms
        return self._frozen_at - time.time_ns() // 1_000_000

    def on_change(self, listener: Callable[[], None]) -> None:
        """Call ``listener`` after every jump of the clock (timers must look again)."""
        self._listeners.append(listener)

    def freeze(self) -> None:
        self._frozen_at = self.now_ms()
        self._changed()

    def unfreeze(self) -> None:
        """Run on from the instant it shows (time passes again)."""
        if self._frozen_at is not None:
            self._offset_ms = self._frozen_at - time.time_ns() // 1_000_000
            self._frozen_at = None
            self._changed()

    def set(self, at_ms: int) -> None:
        if self._frozen_at is not None:
            self._frozen_at = at_ms
        else:
            self._offset_ms = at_ms - time.time_ns() // 1_000_000
        self._changed()

    def advance(self, ms: int) -> None:
        self.set(self.now_ms() + ms)

    def reset(self) -> None:
        """Back to real time."""
        self._offset_ms = 0
        self._frozen_at = None
        self._changed()

    def _changed(self) -> None:
        for listener in self._listeners:
            listener()
