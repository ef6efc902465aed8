"""Grace periods of lost devices: deadlines on the server's clock.

Real time runs them out; when the clock jumps (an emulator freezes, sets or advances it)
those now due run at once and the rest are timed again from the new instant. A frozen
clock stops them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from confplane.domain.clock import Clock

Expire = Callable[[str, str | None], None]


class GraceTimers:
    """``expire(participant_id, resume digest)`` once a device's grace has run out."""

    def __init__(self, clock: Clock, expire: Expire) -> None:
        self._clock = clock
        self._expire = expire
        # participant id -> (deadline in clock ms, resume digest, timer or None if frozen)
        self._timers: dict[str, tuple[int, str | None, asyncio.TimerHandle | None]] = {}
        clock.on_change(self._clock_changed)

    def start(self, participant_id: str, digest: str | None, after_s: float) -> None:
        self.cancel(participant_id)
        deadline = self._clock.now_ms() + int(after_s * 1000)
        self._timers[participant_id] = (deadline, digest, self._timer(participant_id, deadline))

    def cancel(self, participant_id: str) -> bool:
        """Stop the device's grace period; whether it had one."""
        found = self._timers.pop(participant_id, None)
        if found is not None and found[2] is not None:
            found[2].cancel()
        return found is not None

    def clear(self) -> None:
        for participant_id in list(self._timers):
            self.cancel(participant_id)

    def __len__(self) -> int:
        return len(self._timers)

    def _timer(self, participant_id: str, deadline: int) -> asyncio.TimerHandle | None:
        if self._clock.frozen:
            return None
        delay = max(0.0, (deadline - self._clock.now_ms()) / 1000)
        return asyncio.get_running_loop().call_later(delay, self._due, participant_id)

    def _due(self, participant_id: str) -> None:
        found = self._timers.pop(participant_id, None)
        if found is not None:
            self._expire(participant_id, found[1])

    def _clock_changed(self) -> None:
        now = self._clock.now_ms()
        for participant_id, (deadline, digest, timer) in list(self._timers.items()):
            if timer is not None:
                timer.cancel()
            if deadline <= now:
                self._due(participant_id)
            else:
                self._timers[participant_id] = (
                    deadline,
                    digest,
                    self._timer(participant_id, deadline),
                )
