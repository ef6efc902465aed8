"""Group reads: the lookups of one loop turn share a query, and none gets an older answer."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

import pytest

from confplane.store.group_reads import MAX_KEYS_PER_ROUND, Coalescer


class Table:
    """A keyed table whose reads are counted; ``version`` changes like a committed write."""

    def __init__(self) -> None:
        self.version = 0
        self.queries: list[list[str]] = []
        self.fail_next = False

    async def fetch(self, keys: list[str]) -> Iterable[tuple[str, int]]:
        self.queries.append(keys)
        read_at = self.version  # what the query sees is what was there when it was sent
        await asyncio.sleep(0.01)  # the round trip
        if self.fail_next:
            self.fail_next = False
            raise ConnectionError("the database went away")
        return [(k, read_at) for k in keys if not k.startswith("missing")]


def make() -> tuple[Table, Coalescer[tuple[str, int]]]:
    table = Table()
    return table, Coalescer(table.fetch, key=lambda row: row[0])


async def test_the_lookups_of_one_turn_share_one_query() -> None:
    table, group = make()
    answers = await asyncio.gather(
        group.lookup(["a"]), group.lookup(["b", "a"]), group.lookup(["missing-1"])
    )
    assert table.queries == [["a", "b", "missing-1"]]
    assert answers == [{"a": ("a", 0)}, {"a": ("a", 0), "b": ("b", 0)}, {}]


async def test_a_lookup_made_after_a_query_left_waits_for_a_new_one() -> None:
    table, group = make()
    first = asyncio.ensure_future(group.lookup(["a"]))
    await asyncio.sleep(0.001)  # the first query is on its way
    table.version = 1  # a write commits, and is acknowledged...
    second = await group.lookup(["a"])  # ...before this lookup is made
    assert second == {"a": ("a", 1)}
    assert await first == {"a": ("a", 0)}
    assert len(table.queries) == 2


async def test_a_failed_query_fails_its_callers_and_the_next_round_reads_again() -> None:
    table, group = make()
    table.fail_next = True
    results = await asyncio.gather(group.lookup(["a"]), group.lookup(["b"]), return_exceptions=True)
    assert all(isinstance(r, ConnectionError) for r in results)
    assert await group.lookup(["a"]) == {"a": ("a", 0)}


async def test_a_caller_that_gives_up_leaves_the_others_their_answer() -> None:
    _, group = make()
    quitter = asyncio.ensure_future(group.lookup(["a"]))
    stayer = asyncio.ensure_future(group.lookup(["b"]))
    await asyncio.sleep(0.001)
    quitter.cancel()
    assert await stayer == {"b": ("b", 0)}
    with pytest.raises(asyncio.CancelledError):
        await quitter


async def test_a_full_round_leaves_later_keys_to_the_next_query() -> None:
    table, group = make()
    many = [f"k{i}" for i in range(MAX_KEYS_PER_ROUND)]
    answers = await asyncio.gather(group.lookup(many), group.lookup(["extra"]))
    assert [len(q) for q in table.queries] == [MAX_KEYS_PER_ROUND, 1]
    assert len(answers[0]) == MAX_KEYS_PER_ROUND and answers[1] == {"extra": ("extra", 0)}
