"""Lookups by key from concurrent requests, answered by one query (group reads).

Every members page and batch answer starts by reading its meetings' revisions. On
PostgreSQL that is a round trip each, and under load dozens of requests make it in the
same turn of the event loop. Here the keys asked for in one turn are collected and read
with one query once that turn's requests have all asked, so each request still sees
everything committed before it asked (the query is sent after it), never an older answer.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from typing import Generic, TypeVar

T = TypeVar("T")

# Keys per query at most: a round that is full leaves later keys to the next one.
MAX_KEYS_PER_ROUND = 1_000


class _Round(Generic[T]):
    __slots__ = ("done", "keys")

    def __init__(self, done: asyncio.Future[dict[str, T]]) -> None:
        self.keys: set[str] = set()
        self.done = done


class Coalescer(Generic[T]):
    """``lookup(keys)`` for concurrent callers, through one ``fetch`` per loop turn."""

    def __init__(
        self, fetch: Callable[[list[str]], Awaitable[Iterable[T]]], key: Callable[[T], str]
    ) -> None:
        self._fetch = fetch
        self._key = key
        self._open: _Round[T] | None = None

    async def lookup(self, keys: Iterable[str]) -> dict[str, T]:
        """The rows found for ``keys`` (missing keys are absent), read after this call."""
        wanted = set(keys)
        round_ = self._open
        if round_ is None or len(round_.keys | wanted) > MAX_KEYS_PER_ROUND:
            round_ = self._start()
        round_.keys |= wanted
        # Shielded: one caller giving up does not cancel the others' query.
        found = await asyncio.shield(round_.done)
        return {k: found[k] for k in wanted if k in found}

    def _start(self) -> _Round[T]:
        loop = asyncio.get_running_loop()
        round_: _Round[T] = _Round(loop.create_future())
        self._open = round_
        # Runs after the callbacks already queued: the requests of this turn join first.
        loop.call_soon(self._send, round_)
        return round_

    def _send(self, round_: _Round[T]) -> None:
        if self._open is round_:
            self._open = None
        task = asyncio.ensure_future(self._fetch(sorted(round_.keys)))
        task.add_done_callback(lambda t: self._settle(round_, t))

    def _settle(self, round_: _Round[T], task: asyncio.Future[Iterable[T]]) -> None:
        if task.cancelled():
            round_.done.cancel()
        elif (error := task.exception()) is not None:
            round_.done.set_exception(error)
            round_.done.exception()  # retrieved: every caller may have gone
        else:
            round_.done.set_result({self._key(row): row for row in task.result()})
