"""Member.duration_at: time in the meeting, counting the current stay."""

from __future__ import annotations

from .factories import member


def test_absent_member_reports_the_stored_duration() -> None:
    m = member(1, duration_ms=12_345, present_since=None)
    assert m.duration_at(0) == 12_345
    assert m.duration_at(10**13) == 12_345


def test_never_joined_member_has_zero_duration() -> None:
    assert member(1, attend_status=1).duration_at(10**13) == 0


def test_present_member_adds_the_current_stay() -> None:
    m = member(1, duration_ms=1_000, present_since=50_000)
    assert m.duration_at(50_000) == 1_000
    assert m.duration_at(50_001) == 1_001
    assert m.duration_at(80_000) == 31_000


def test_clock_behind_present_since_never_subtracts() -> None:
    m = member(1, duration_ms=1_000, present_since=50_000)
    assert m.duration_at(49_000) == 1_000
    assert m.duration_at(0) == 1_000
