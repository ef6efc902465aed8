"""What the hub tells whoever watches it (the metrics, api.metrics): devices connected to
this process, commands sent to them, and how long after being recorded a command reached
this process's devices. Each call is cheap and never fails; by default nobody listens."""

from __future__ import annotations

from typing import Protocol


class HubObserver(Protocol):
    def devices_connected(self, count: int) -> None:
        """The devices joined on this process now."""

    def commands_delivered(self, kind: str, devices: int) -> None:
        """A command of ``kind`` was queued for ``devices`` devices."""

    def fanout_lag(self, seconds: float) -> None:
        """A command reached this process's devices this long after it was recorded."""


class Unobserved:
    def devices_connected(self, count: int) -> None:
        return None

    def commands_delivered(self, kind: str, devices: int) -> None:
        return None

    def fanout_lag(self, seconds: float) -> None:
        return None
