"""The judgements of the two-node failover run (bench/failover_checks.py) catch what they
are there to catch: a lost or extra command, a write with no command, a wrong end state."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = str(Path(__file__).resolve().parents[2])
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from bench.failover_checks import Outcome, Write, delivery, final_states, log_fits  # noqa: E402

ACKED, UNKNOWN, REFUSED = Outcome.ACKED, Outcome.UNKNOWN, Outcome.REFUSED


def writes(*specs: tuple[str, Outcome]) -> list[Write]:
    return [Write("t", action, "a", outcome) for action, outcome in specs]


def test_every_acknowledged_mute_needs_its_command() -> None:
    made = writes(("mute", ACKED), ("un_mute", ACKED), ("mute", ACKED))
    assert log_fits(made, ["mute", "unmute", "mute"], "unmute") is None
    assert log_fits(made, ["mute", "mute"], "unmute") is not None  # one lost
    assert log_fits(made, ["mute", "unmute"], "unmute") is not None  # the last lost
    assert log_fits(made, ["mute", "unmute", "mute", "unmute"], "unmute") is not None


def test_an_unanswered_write_may_or_may_not_have_committed() -> None:
    made = writes(("mute", ACKED), ("un_mute", UNKNOWN), ("mute", ACKED))
    assert log_fits(made, ["mute", "unmute", "mute"], "unmute") is None
    assert log_fits(made, ["mute", "mute"], "unmute") is None
    assert log_fits(made, ["mute"], "unmute") is not None


def test_a_refused_write_makes_no_command() -> None:
    made = writes(("mute", ACKED), ("un_mute", REFUSED))
    assert log_fits(made, ["mute"], "unmute") is None
    assert log_fits(made, ["mute", "unmute"], "unmute") is not None


def test_a_lock_that_changes_nothing_makes_no_command() -> None:
    # An unanswered lock that did not commit, then an unlock that changes nothing, then
    # a lock: one command, which belongs to the last write.
    made = writes(("lock", UNKNOWN), ("unlock", ACKED), ("lock", ACKED))
    assert log_fits(made, ["locked"], "unlocked") is None
    assert log_fits(made, ["locked", "unlocked", "locked"], "unlocked") is None
    assert log_fits(made, [], "unlocked") is not None


def test_final_state_is_the_last_acknowledged_write_or_a_later_unknown_one() -> None:
    assert final_states(writes(("mute", ACKED), ("un_mute", ACKED)), "unmute") == {"unmute"}
    assert final_states(writes(("mute", ACKED), ("un_mute", UNKNOWN)), "unmute") == {
        "mute",
        "unmute",
    }
    assert final_states(writes(("mute", ACKED), ("un_mute", REFUSED)), "unmute") == {"mute"}
    assert final_states([], "unlocked") == {"unlocked"}


def test_delivery_finds_lost_extra_twice_and_out_of_order() -> None:
    assert delivery([2, 5, 7], [2, 5, 7]).ok
    lost = delivery([2, 5, 7], [2, 7])
    assert lost.lost == (5,) and not lost.ok
    extra = delivery([2, 5], [2, 3, 5])
    assert extra.extra == (3,) and not extra.ok
    twice = delivery([2, 5], [2, 5, 5])
    assert twice.extra == (5,) and not twice.in_order and not twice.ok
    swapped = delivery([2, 5], [5, 2])
    assert not swapped.in_order and not swapped.ok
