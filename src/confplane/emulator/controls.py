"""The emulator's state in one server process."""

from __future__ import annotations

from dataclasses import dataclass, field

from confplane.domain.clock import Clock
from confplane.emulator.faults import Faults
from confplane.emulator.journal import DEFAULT_SIZE, Journal


@dataclass(slots=True)
class Emulator:
    clock: Clock
    journal_size: int = DEFAULT_SIZE
    faults: Faults = field(default_factory=Faults)
    journal: Journal = field(init=False)

    def __post_init__(self) -> None:
        self.journal = Journal(self.journal_size)

    def reset(self) -> None:
        """No faults, an empty journal, real time."""
        self.faults.clear()
        self.journal.clear()
        self.clock.reset()
