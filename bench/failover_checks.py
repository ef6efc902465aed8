"""The judgements of the two-node failover run, as plain functions over what was recorded.

A write is one API call of one writer; a writer's calls for one target (a device or a
meeting) are sequential, so the target's commands in the command log must be exactly
what its writes made, in order: one command per acknowledged write (none for a lock that
changes nothing), and for a write whose answer never came (the node died with it in
flight) one command or none.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum


class Outcome(StrEnum):
    ACKED = "acked"  # 200 with success: the server committed it
    REFUSED = "refused"  # an API error: the server changed nothing
    UNKNOWN = "unknown"  # no answer (connection lost): committed or not


# The command each action makes (docs/device-protocol.md).
COMMAND_OF = {"mute": "mute", "un_mute": "unmute", "lock": "locked", "unlock": "unlocked"}
# Lock and unlock are idempotent: they make a command only when the state changes.
IDEMPOTENT = frozenset({"lock", "unlock"})


@dataclass(frozen=True, slots=True)
class Write:
    target: str  # participantId for mute/un_mute, conferenceId for lock/unlock
    action: str
    node: str
    outcome: Outcome
    detail: str = ""


def log_fits(writes: Sequence[Write], kinds: Sequence[str], start: str) -> str | None:
    """None when the command kinds logged for one target are what its writes made;
    otherwise what does not fit. ``start`` is the target's state before the first write
    (a command kind: "unlocked" for a meeting, "unmute" for a device)."""
    # Every (commands consumed, state) the writes so far can have produced.
    reach = {(0, start)}
    for index, write in enumerate(writes):
        kind = COMMAND_OF[write.action]
        following: set[tuple[int, str]] = set()
        for used, state in reach:
            committed: tuple[int, str] | None
            if write.action in IDEMPOTENT and state == kind:
                committed = (used, state)
            elif used < len(kinds) and kinds[used] == kind:
                committed = (used + 1, kind)
            else:
                committed = None
            if write.outcome is not Outcome.ACKED:
                following.add((used, state))
            if committed is not None and write.outcome is not Outcome.REFUSED:
                following.add(committed)
        if not following:
            return f"write {index} ({write.action}, {write.outcome}) has no command in the log"
        reach = following
    if not any(used == len(kinds) for used, _ in reach):
        return f"the log holds {len(kinds)} commands, more than the writes made"
    return None


def final_states(writes: Sequence[Write], start: str) -> set[str]:
    """The states (command kinds) the target may end in: that of the last acknowledged
    write, or of any write after it whose outcome is unknown."""
    states = {start}
    for write in writes:
        if write.outcome is Outcome.ACKED:
            states = {COMMAND_OF[write.action]}
        elif write.outcome is Outcome.UNKNOWN:
            states.add(COMMAND_OF[write.action])
    return states


@dataclass(frozen=True, slots=True)
class Delivery:
    lost: tuple[int, ...]  # addressed to the device, never received
    extra: tuple[int, ...]  # received, not addressed to it (or received twice)
    in_order: bool

    @property
    def ok(self) -> bool:
        return not self.lost and not self.extra and self.in_order


def delivery(expected: Iterable[int], received: Sequence[int]) -> Delivery:
    """Compare the seqs a device received with those the log addressed to it."""
    wanted = set(expected)
    seen: set[int] = set()
    extra = []
    for seq in received:
        if seq in seen or seq not in wanted:
            extra.append(seq)
        seen.add(seq)
    lost = tuple(sorted(wanted - seen))
    in_order = all(a < b for a, b in itertools.pairwise(received))
    return Delivery(lost, tuple(extra), in_order)
