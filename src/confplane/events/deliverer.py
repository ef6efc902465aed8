"""The loop that takes due deliveries from the outbox and hands them to Stream-mode
connections held here and to webhooks, then records how each attempt ended.

Every process runs one. A delivery is leased while it is being attempted, so two
processes never attempt the same one at once, and a process killed mid-attempt leaves
it to be attempted again when the lease ends: at least once, never lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Sequence

from confplane.domain.app_events import STREAM, WEBHOOK, Delivery, Subscriber
from confplane.domain.storage import Store, Writes
from confplane.events.stream import ACK_TIMEOUT_S, Outcome, StreamHub
from confplane.events.webhooks import WebhookSender

log = logging.getLogger("confplane.events")

# A lease outlasts any one attempt (the webhook timeout, the ack timeout) by this much,
# so it never ends while its attempt still runs.
LEASE_MARGIN_MS = 5_000
BATCH = 200
# Attempts running at once in this process; more wait in the outbox.
MAX_IN_FLIGHT = 1000
# How often the outbox is looked at when nothing woke the loop: writes of other
# processes, retries coming due.
POLL_S = 0.2
SUBSCRIBERS_EVERY_S = 1.0
PRUNE_EVERY_S = 60.0
# Events (and whatever deliveries of them remain) are kept this long.
RETENTION_MS = 24 * 3_600_000
BACKOFF_BASE_MS = 1_000
BACKOFF_CAP_MS = 300_000


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def backoff_ms(attempts: int, base_ms: int = BACKOFF_BASE_MS) -> int:
    """Exponential, capped, with +-25% jitter so that retries of many deliveries spread."""
    plain = min(base_ms * 2 ** max(attempts - 1, 0), BACKOFF_CAP_MS)
    return int(plain * random.uniform(0.75, 1.25))  # jitter, not a secret


class Deliverer:
    def __init__(
        self,
        store: Store,
        stream: StreamHub,
        webhooks: WebhookSender,
        *,
        backoff_base_ms: int = BACKOFF_BASE_MS,
        retention_ms: int = RETENTION_MS,
        attempt_timeout_s: float = ACK_TIMEOUT_S,
    ) -> None:
        self._store = store
        self._stream = stream
        self._webhooks = webhooks
        self._backoff_base_ms = backoff_base_ms
        self._retention_ms = retention_ms
        self._lease_ms = int(max(attempt_timeout_s, ACK_TIMEOUT_S) * 1000) + LEASE_MARGIN_MS
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._subscribers: dict[int, Subscriber] = {}
        self._subscribers_at = 0.0
        self._pruned_at = 0.0
        self._attempts: set[asyncio.Task[None]] = set()
        self._finished: list[tuple[Delivery, Subscriber, Outcome]] = []
        self.delivered = 0
        self.failed = 0
        # (pending deliveries, dead letters) in the outbox, of every process, as last read.
        self.depth = (0.0, 0.0)
        stream.on_change(self._connections_changed)

    def _connections_changed(self) -> None:
        self._subscribers_at = 0.0
        self.wake()

    def wake(self) -> None:
        """Something may be due now (an event committed here, a connection came)."""
        self._wake.set()

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name="deliverer")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        # Attempts cut short are attempted again when their lease ends.
        for attempt in list(self._attempts):
            attempt.cancel()
        await self._webhooks.close()

    async def _run(self) -> None:
        while True:
            try:
                busy = await self.run_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("event delivery failed; trying again")
                busy = False
            if not busy:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), POLL_S)
                self._wake.clear()

    async def _refresh_subscribers(self) -> None:
        """Which subscribers this process serves: every webhook, and the Stream-mode
        subscriber of each app with a connection here."""
        loop_now = time.monotonic()
        if loop_now - self._subscribers_at < SUBSCRIBERS_EVERY_S:
            return
        self._subscribers_at = loop_now
        connected = set(self._stream.app_ids())
        found: dict[int, Subscriber] = {}
        async with self._store.read() as tx:
            for sub in await tx.events.all_subscribers():
                if sub.kind == WEBHOOK or (sub.kind == STREAM and sub.app_id in connected):
                    found[sub.id] = sub
            pending, dead = await tx.events.depth()
        self._subscribers = found
        self.depth = (float(pending), float(dead))

    async def run_once(self) -> bool:
        """One turn: record the attempts that ended and claim what is due, in one
        transaction, then start the claimed attempts. True if there was anything to do.

        Attempts run on their own: a slow receiver holds up only its own meeting's queue
        (the next event of that meeting is not claimable while this one is leased)."""
        await self._refresh_subscribers()
        await self._prune()
        finished, self._finished = self._finished, []
        room = MAX_IN_FLIGHT - len(self._attempts)
        claiming = bool(self._subscribers) and room > 0
        if not finished and not claiming:
            return False
        claimed: list[Delivery] = []
        async with self._store.write() as tx:
            if finished:
                await self._record(tx, finished)
            if claiming:
                now = now_ms()
                claimed = await tx.events.claim(
                    list(self._subscribers), now, now + self._lease_ms, min(room, BATCH)
                )
        for delivery in claimed:
            sub = self._subscribers[delivery.subscriber_id]
            task = asyncio.get_running_loop().create_task(self._attempt(delivery, sub))
            self._attempts.add(task)
            task.add_done_callback(self._attempts.discard)
        return bool(finished or claimed)

    async def _attempt(self, delivery: Delivery, sub: Subscriber) -> None:
        now = now_ms()
        if sub.kind == STREAM:
            outcome = await self._stream.deliver(sub.app_id, delivery.event, now)
        else:
            outcome = await self._webhooks.deliver(sub, delivery.event, delivery.attempts + 1, now)
        self._finished.append((delivery, sub, outcome))
        self.wake()

    async def _record(
        self, tx: Writes, finished: Sequence[tuple[Delivery, Subscriber, Outcome]]
    ) -> None:
        now = now_ms()
        done = [d.id for d, _, o in finished if o.delivered]
        await tx.events.delivered(done)
        for delivery, sub, outcome in finished:
            if outcome.delivered:
                continue
            attempts = delivery.attempts + 1
            if attempts >= sub.max_attempts:
                await tx.events.bury(delivery.id, attempts, outcome.error)
                log.warning(
                    "event %s to subscriber %s dead after %s attempts: %s",
                    delivery.event.event_id,
                    sub.id,
                    attempts,
                    outcome.error,
                )
            else:
                next_at = now + backoff_ms(attempts, self._backoff_base_ms)
                await tx.events.retry(delivery.id, attempts, next_at, outcome.error)
        self.delivered += len(done)
        self.failed += len(finished) - len(done)

    async def _prune(self) -> None:
        loop_now = time.monotonic()
        if loop_now - self._pruned_at < PRUNE_EVERY_S:
            return
        self._pruned_at = loop_now
        async with self._store.write() as tx:
            gone = await tx.events.prune(now_ms() - self._retention_ms)
        if gone:
            log.info("pruned %s events older than the retention", gone)
