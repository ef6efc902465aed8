"""This process's heartbeat among the processes sharing the store, and the sweep that
ends the stays of dead processes' devices (domain.nodes), on a timer."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from confplane.devices.hub import Hub
from confplane.domain.nodes import NodeRegistry

log = logging.getLogger("confplane.devices")


class NodeWatch:
    """Beats and sweeps every third of the node timeout."""

    def __init__(self, registry: NodeRegistry, hub: Hub) -> None:
        self.registry = registry
        self._hub = hub
        self.interval_s = max(0.05, registry.timeout_s / 3)
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Register before any device can join here: a process that dies at once still
        leaves a heartbeat for its devices to be judged by."""
        await self.registry.beat()
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        """Stop beating. The registration stays: if no process takes this one's devices
        back within the grace period, another process ends their stays."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        last_beat = loop.time()
        while True:
            await asyncio.sleep(self.interval_s)
            try:
                await self.registry.beat()
                now = loop.time()
                if now - last_beat > self.registry.timeout_s:
                    # Unheard of for longer than the timeout, this process may have been
                    # judged dead and its devices' stays ended: they resume to find out.
                    log.warning("no heartbeat for %.1f s: devices must resume", now - last_beat)
                    self._hub.resume_all("the server lost its database for a while")
                last_beat = now
                await self.registry.sweep()
            except Exception:
                log.exception("node heartbeat or sweep failed")
