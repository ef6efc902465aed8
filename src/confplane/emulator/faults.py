"""Injected faults: rules that make matching API calls fail, wait or lose their connection."""

from __future__ import annotations

import random
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum

from confplane.domain.errors import InvalidParams


class FaultKind(Enum):
    ERROR = "error"  # answer a DingTalk error instead of running the call
    LATENCY = "latency"  # wait, then run the call as usual
    DROP = "drop"  # close the connection without an answer


@dataclass(slots=True)
class Fault:
    """Matches calls of ``operation`` (and of ``app_key`` / ``conference_id`` when given).

    It hits the next ``times`` matching calls (None: every one), or, with ``fraction``, each
    matching call with that probability drawn from a generator seeded with ``seed``.
    """

    id: str
    operation: str
    kind: FaultKind
    app_key: str | None = None
    conference_id: str | None = None
    status: int = 0
    code: str = ""
    message: str = ""
    latency_ms: int = 0
    times: int | None = 1
    fraction: float | None = None
    seed: int | None = None
    matched: int = 0
    hits: int = 0
    _random: random.Random = field(default_factory=random.Random, repr=False)

    def matches(self, operation: str, app_key: str | None, conference_ids: Sequence[str]) -> bool:
        return (
            self.operation == operation
            and (self.app_key is None or self.app_key == app_key)
            and (self.conference_id is None or self.conference_id in conference_ids)
        )

    @property
    def spent(self) -> bool:
        return self.times is not None and self.hits >= self.times


MAX_LATENCY_MS = 60_000
MAX_FAULTS = 1_000


def new_fault(
    *,
    operation: str,
    kind: FaultKind,
    app_key: str | None = None,
    conference_id: str | None = None,
    status: int | None = None,
    code: str | None = None,
    message: str | None = None,
    latency_ms: int | None = None,
    times: int | None = None,
    fraction: float | None = None,
    seed: int | None = None,
) -> Fault:
    """A checked rule: every refusal names the field at fault."""
    if not operation:
        raise InvalidParams("operation is required")
    if kind is FaultKind.ERROR:
        if status is None or not 400 <= status <= 599:
            raise InvalidParams("an error fault needs status 400-599")
        if not code:
            raise InvalidParams("an error fault needs a code")
    if kind is FaultKind.LATENCY and not latency_ms:
        raise InvalidParams("a latency fault needs latencyMs")
    if latency_ms is not None and not 0 <= latency_ms <= MAX_LATENCY_MS:
        raise InvalidParams(f"latencyMs must be 0-{MAX_LATENCY_MS}")
    if times is not None and times < 1:
        raise InvalidParams("times must be at least 1")
    if fraction is not None and not 0.0 < fraction <= 1.0:
        raise InvalidParams("fraction must be above 0 and at most 1")
    fault = Fault(
        id=secrets.token_hex(6),
        operation=operation,
        kind=kind,
        app_key=app_key or None,
        conference_id=conference_id or None,
        status=status or 0,
        code=code or "",
        message=message or (code or ""),
        latency_ms=latency_ms or 0,
        # A fraction hits for as long as the rule stands unless times bounds it too.
        times=times if times is not None else (None if fraction is not None else 1),
        fraction=fraction,
        seed=seed,
    )
    fault._random.seed(seed)
    return fault


class Faults:
    """The rules of one server process, in the order they were added."""

    def __init__(self) -> None:
        self._rules: dict[str, Fault] = {}

    def add(self, fault: Fault) -> Fault:
        if len(self._rules) >= MAX_FAULTS:
            raise InvalidParams(f"at most {MAX_FAULTS} fault rules")
        self._rules[fault.id] = fault
        return fault

    def list(self) -> list[Fault]:
        return list(self._rules.values())

    def delete(self, fault_id: str) -> bool:
        return self._rules.pop(fault_id, None) is not None

    def clear(self) -> None:
        self._rules.clear()

    def __bool__(self) -> bool:
        return bool(self._rules)

    def hit(
        self, operation: str, app_key: str | None, conference_ids: Sequence[str]
    ) -> Fault | None:
        """The first rule this call (naming ``conference_ids``) triggers, counted; a spent
        rule stays listed."""
        for fault in self._rules.values():
            if fault.spent or not fault.matches(operation, app_key, conference_ids):
                continue
            fault.matched += 1
            if fault.fraction is not None and fault._random.random() >= fault.fraction:
                continue
            fault.hits += 1
            return fault
        return None
