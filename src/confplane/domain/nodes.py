"""Server processes sharing one store, and the devices a dead one leaves behind.

A lost device's grace period runs in the process that held it. When that process dies
(a crash, SIGKILL, a lost machine) nothing would end the stays of its devices that never
come back, so every process registers itself and renews a heartbeat; each WebSocket device
records the process holding it (join and resume). A process whose heartbeat is older
than the heartbeat timeout plus the grace period has been dead for a whole grace period:
any other process claims it and ends its devices' stays as an expired grace period does
(``PresenceService.leave`` with the resume digest, so a device that resumed elsewhere is
untouched and a member leaves once, with its member-left event).

Heartbeats are real time, not the server's clock: an emulator moving one process's clock
must not make it look dead to the others. A frozen clock stops the sweep, as it stops
this process's own grace periods.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import socket
from collections.abc import Callable

from confplane.domain.clock import Clock, now_ms
from confplane.domain.errors import DomainError
from confplane.domain.presence import PresenceService
from confplane.domain.storage import Store

# Work of one sweep: dead processes claimed, and devices ended, at most.
CLAIM_NODES = 4
SWEEP_DEVICES = 200
# A claim a sweeper holds while it works (renewed by its next sweep); one that died
# mid-sweep lets another take over after this.
MIN_LEASE_MS = 5_000


def new_node_id() -> str:
    """This process's name among those sharing the store: host, pid and a random part
    (a restarted process is a new one)."""
    return f"{socket.gethostname()[:40]}-{os.getpid()}-{secrets.token_hex(4)}"


class NodeRegistry:
    def __init__(
        self,
        store: Store,
        presence: PresenceService,
        node_id: str,
        *,
        timeout_s: float,
        grace_s: float,
        clock: Clock | None = None,
        now: Callable[[], int] = now_ms,
    ) -> None:
        self._store = store
        self._presence = presence
        self.node_id = node_id
        self.timeout_s = timeout_s
        self._dead_after_ms = int((timeout_s + grace_s) * 1000)
        self._lease_ms = max(MIN_LEASE_MS, int(timeout_s * 1000))
        self._clock = clock or Clock()
        self._now = now

    async def beat(self) -> None:
        """This process is alive (registered by its first beat)."""
        async with self._store.write() as tx:
            await tx.nodes.beat(self.node_id, self._now())

    async def sweep(self) -> int:
        """End the stays of devices whose process died a grace period ago or more, a
        bounded number per call; how many stays ended."""
        if self._clock.frozen:
            return 0
        now = self._now()
        async with self._store.write() as tx:
            claimed = await tx.nodes.claim_dead(
                self.node_id, now - self._dead_after_ms, now, now + self._lease_ms, CLAIM_NODES
            )
            stranded = await tx.nodes.stranded(claimed, SWEEP_DEVICES) if claimed else []
        if not claimed:
            return 0
        ended = 0
        for participant_id, digest in stranded:
            # Left, kicked or closed meanwhile (or by another sweeper) is fine.
            with contextlib.suppress(DomainError):
                ended += await self._presence.leave(participant_id, resume_token_digest=digest)
        if len(stranded) < SWEEP_DEVICES:
            async with self._store.write() as tx:
                await tx.nodes.forget(self.node_id, claimed)
        return ended
