"""Walking a nextToken-paged listing: what to ask for next, when to stop."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")

DEFAULT_PAGE_SIZE = 100


class PageWalk:
    """State of one walk over pages, up to ``limit`` items in all (None: every item)."""

    def __init__(self, page_size: int = DEFAULT_PAGE_SIZE, limit: int | None = None) -> None:
        if page_size < 1:
            raise ValueError("page_size must be at least 1")
        if limit is not None and limit < 0:
            raise ValueError("limit must not be negative")
        self.page_size = page_size
        self.limit = limit
        self.seen = 0
        self.next_token: str | None = None
        self.done = limit == 0

    def max_results(self) -> int:
        if self.limit is None:
            return self.page_size
        return min(self.page_size, self.limit - self.seen)

    def advance(self, items: Sequence[T], next_token: str | None) -> list[T]:
        """Take one page's items (cut at the limit) and note where the next page starts."""
        taken = list(items if self.limit is None else items[: self.limit - self.seen])
        self.seen += len(taken)
        self.next_token = next_token
        # An empty page that still points onwards would loop forever: stop there too.
        self.done = (
            not next_token or not taken or (self.limit is not None and self.seen >= self.limit)
        )
        return taken
