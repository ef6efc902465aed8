"""Reads of a meeting kept in memory while the meeting's revision stands.

Every write transaction that touches a meeting, its members or their devices raises the
meeting's revision (``MeetingTable.take`` takes the meeting that way), and committed
revisions of a meeting only grow. A read that finds the revision an entry was read at
therefore gets what it would have read itself, so the entry is used instead: the read
still looks the meeting up (it needs the revision, and that is where ownership is
checked), but skips reading and converting the member rows, which cost most of a page.
Each server process keeps its own entries; the revision lives in the database, so a
write made through another process is seen by the next read here.

An entry's value is handed as it is to every request that finds it, so callers treat
it as read-only (the API keeps what it renders of a value beside it, keyed by the
value itself). Entries are weighed in rows and the least recently used go first once
the budget is spent; a budget of 0 keeps nothing.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from typing import Generic, TypeVar

T = TypeVar("T")


class RevisionCache(Generic[T]):
    def __init__(self, budget_rows: int) -> None:
        self.budget_rows = budget_rows
        self._entries: OrderedDict[Hashable, tuple[Hashable, int, T]] = OrderedDict()
        self._rows = 0
        # Lookups answered and not, since start (read by the metrics).
        self.hits = 0
        self.misses = 0

    def get(self, key: Hashable, revision: Hashable) -> T | None:
        entry = self._entries.get(key)
        if entry is None or entry[0] != revision:
            self.misses += 1
            return None
        self.hits += 1
        self._entries.move_to_end(key)
        return entry[2]

    def put(self, key: Hashable, revision: Hashable, value: T, rows: int) -> T:
        """Keep ``value`` as read at ``revision`` (if it fits) and return it.

        An entry weighs one row more than it holds, so empty answers (unknown ids, the
        end of a list) cannot pile up unweighed.
        """
        rows += 1
        if rows > self.budget_rows:
            return value
        old = self._entries.pop(key, None)
        if old is not None:
            self._rows -= old[1]
        self._entries[key] = (revision, rows, value)
        self._rows += rows
        while self._rows > self.budget_rows:
            _, (_, dropped, _) = self._entries.popitem(last=False)
            self._rows -= dropped
        return value

    def clear(self) -> None:
        self._entries.clear()
        self._rows = 0

    @property
    def rows(self) -> int:
        return self._rows

    def __len__(self) -> int:
        return len(self._entries)
