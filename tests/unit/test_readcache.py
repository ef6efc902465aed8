"""The read cache's bookkeeping, and the member page template against plain encoding."""

from __future__ import annotations

import random

import pytest

from confplane.domain.model import Member
from confplane.store.readcache import RevisionCache
from confplane.wire import codec, render
from confplane.wire import models as w


def test_an_entry_serves_only_its_revision() -> None:
    cache: RevisionCache[str] = RevisionCache(budget_rows=10)
    shared = cache.put("page", 3, "rows at 3", rows=2)
    assert cache.get("page", 3) is shared and shared == "rows at 3"
    assert cache.get("page", 4) is None
    assert cache.get("other", 3) is None
    cache.put("page", 4, "rows at 4", rows=2)
    assert cache.get("page", 3) is None
    assert (len(cache), cache.rows) == (1, 3)  # an entry weighs one row more


def test_least_recently_used_go_first_once_the_budget_is_spent() -> None:
    cache: RevisionCache[int] = RevisionCache(budget_rows=10)
    for key in "abc":
        cache.put(key, 1, 0, rows=3)  # 4 each: a is dropped for c
    assert cache.get("a", 1) is None and cache.rows == 8
    assert cache.get("b", 1) is not None  # b is now the most recent
    cache.put("d", 1, 0, rows=3)
    assert cache.get("c", 1) is None
    assert cache.get("b", 1) is not None and cache.get("d", 1) is not None


def test_empty_answers_are_weighed_too() -> None:
    cache: RevisionCache[list[int]] = RevisionCache(budget_rows=100)
    for i in range(1_000):
        cache.put(("unknown", i), (), [], rows=0)
    assert len(cache) == 100 and cache.rows == 100


def test_what_does_not_fit_is_not_kept_but_still_returned() -> None:
    cache: RevisionCache[str] = RevisionCache(budget_rows=5)
    assert cache.put("big", 1, "many rows", rows=5) == "many rows"
    assert cache.get("big", 1) is None and len(cache) == 0
    off: RevisionCache[str] = RevisionCache(budget_rows=0)
    off.put("page", 1, "rows", rows=1)
    assert off.get("page", 1) is None


def _member(i: int, nick: str, present_since: int | None, spent: int) -> Member:
    return Member(
        id=i,
        conference_pk=1,
        union_id=f"u{i}",
        nick=nick,
        job_number=None if i % 3 else f"J{i}%",
        attend_status=3 if present_since is not None else 6,
        join_time=1_000,
        leave_time=None if present_since is not None else 2_000,
        duration_ms=spent,
        present_since=present_since,
        host=i == 0,
        co_host=i % 4 == 1,
        outer_org=i % 5 == 2,
        pstn=False,
        reject_description=None,
    )


NICKS = ["plain", '100% "sure"', "%d %s %%", 'x","duration":-1,"host":true', "尺寸 \\", ""]


@pytest.mark.parametrize("seed", range(20))
def test_template_fills_in_what_plain_encoding_gives(seed: int) -> None:
    rng = random.Random(seed)
    members = [
        _member(
            i,
            rng.choice(NICKS),
            rng.choice([None, 5_000, 9_000, 20_000]),
            rng.choice([0, 1_500]),
        )
        for i in range(rng.randrange(0, 40))
    ]
    token = rng.choice([None, "tok%en"])
    template = render.MemberPageTemplate(members, "conf%1", 77, token)
    # Twice each (the second from the answer kept for its millisecond), and the first
    # moment again after others.
    for now in (4_000, 4_000, 10_000, 30_000, 30_000, 4_000):  # also before an arrival
        expected = w.QueryConferenceMembersResponse(
            member_models=render.member_models(members, "conf%1", now),
            total_count=77,
            next_token=token,
        )
        assert template.fill(now) == codec.encode(expected)
