"""Opens and closes scheduled meetings when their times come, on the server's clock.

It sleeps until the next start or end any schedule waits for, and looks again whenever
the clock jumps (an emulator moving it) and at least every ``RECHECK_S`` (another
process may have booked a sooner one). Every process runs one; opening and closing take
the schedule or the meeting first, so two processes never do the same one twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from confplane.domain.schedules import ScheduleService

log = logging.getLogger("confplane.schedules")

RECHECK_S = 30.0
# After a failure (the database away), wait this long before trying again.
RETRY_S = 1.0


class ScheduleTimer:
    def __init__(self, schedules: ScheduleService) -> None:
        self._schedules = schedules
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._schedules.clock.on_change(self.wake)
        self._task = asyncio.get_running_loop().create_task(self._run())

    def wake(self) -> None:
        """Look again now: the clock jumped, or a schedule changed."""
        self._wake.set()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            self._wake.clear()
            try:
                await self._schedules.catch_up()
                due = await self._schedules.next_due()
            except Exception:
                log.exception("opening or closing scheduled meetings failed")
                delay = RETRY_S
            else:
                now = self._schedules.clock.now_ms()
                delay = RECHECK_S if due is None else min(RECHECK_S, (due - now) / 1000)
                # A frozen clock never reaches an instant by waiting: only a jump will.
                if self._schedules.clock.frozen:
                    delay = RECHECK_S
                delay = max(delay, 0.01)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=delay)
