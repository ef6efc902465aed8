"""Reads of a meeting kept in memory while the meeting's revision stands.

Every write transaction that touches a meeting, its members or their devices raises the
meeting's revision (store.conferences takes the meeting that way), and committed
revisions of a meeting only grow. A read that finds the revision an entry was read at
therefore gets what it would have read itself, so the entry is used instead: the read
still looks the meeting up (it needs the revision, and that is where ownership is
checked), but skips reading and converting the member rows, which cost most of a page.
Each server process keeps its own entries; the revision lives in the database, so a
write made through another process is seen by the next read here.

An entry is a ``Shared`` value: the records read, plus ``memo``, where the API layer
keeps what it derives from them once (their rendering). Entries are weighed in rows
and the least recently used go first once the budget is spent; a budget of 0 keeps
nothing.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from typing import Generic, TypeVar

T = TypeVar("T")

# Rows kept per process: a member row and its rendering take about 600 bytes.
DEFAULT_BUDGET_ROWS = 50_000


class Shared(Generic[T]):
    """Records read at one revision, handed to every request that finds that revision.

    Treat ``value`` as read-only; ``memo`` is filled once by whoever renders it.
    """

    __slots__ = ("memo", "value")

    def __init__(self, value: T) -> None:
        self.value = value
        self.memo: object | None = None


class RevisionCache(Generic[T]):
    def __init__(self, budget_rows: int = DEFAULT_BUDGET_ROWS) -> None:
        self.budget_rows = budget_rows
        self._entries: OrderedDict[Hashable, tuple[Hashable, int, Shared[T]]] = OrderedDict()
        self._rows = 0

    def get(self, key: Hashable, revision: Hashable) -> Shared[T] | None:
        entry = self._entries.get(key)
        if entry is None or entry[0] != revision:
            return None
        self._entries.move_to_end(key)
        return entry[2]

    def put(self, key: Hashable, revision: Hashable, value: T, rows: int) -> Shared[T]:
        """Keep ``value`` as read at ``revision`` (if it fits) and return it shared.

        An entry weighs one row more than it holds, so empty answers (unknown ids, the
        end of a list) cannot pile up unweighed.
        """
        rows += 1
        shared = Shared(value)
        if rows > self.budget_rows:
            return shared
        old = self._entries.pop(key, None)
        if old is not None:
            self._rows -= old[1]
        self._entries[key] = (revision, rows, shared)
        self._rows += rows
        while self._rows > self.budget_rows:
            _, (_, dropped, _) = self._entries.popitem(last=False)
            self._rows -= dropped
        return shared

    @property
    def rows(self) -> int:
        return self._rows

    def __len__(self) -> int:
        return len(self._entries)
