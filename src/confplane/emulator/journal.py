"""Every API call a server process answered, newest last, in a bounded ring."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

DEFAULT_SIZE = 10_000


@dataclass(frozen=True, slots=True)
class Entry:
    seq: int
    time: int  # the server's clock, ms
    operation: str
    app_key: str | None
    corp_id: str | None
    # The meetings the call named (its path, its conferenceIdList) or created.
    conference_ids: tuple[str, ...]
    method: str
    path: str
    query: dict[str, str]
    request: Any  # the body as JSON, or its text when it is not JSON; None without one
    status: int
    code: str | None
    request_id: str
    latency_ms: float
    # An error answer's reason, which its body leaves out (DingTalk's fixed messages).
    detail: str | None = None


@dataclass(frozen=True, slots=True)
class Filter:
    operation: str | None = None
    app_key: str | None = None
    conference_id: str | None = None
    since: int | None = None  # the server's clock, ms: entries at or after it
    after_seq: int = 0

    def __call__(self, entry: Entry) -> bool:
        return (
            entry.seq > self.after_seq
            and (self.operation is None or entry.operation == self.operation)
            and (self.app_key is None or entry.app_key == self.app_key)
            and (self.conference_id is None or self.conference_id in entry.conference_ids)
            and (self.since is None or entry.time >= self.since)
        )


class Journal:
    def __init__(self, size: int = DEFAULT_SIZE) -> None:
        self._entries: deque[Entry] = deque(maxlen=size)
        self._seq = 0
        self._changed = asyncio.Event()

    def next_seq(self) -> int:
        self._seq += 1
        return self._seq

    def record(self, entry: Entry) -> None:
        self._entries.append(entry)
        # Wake the followers, then arm the event again for the next entry.
        self._changed.set()
        self._changed = asyncio.Event()

    def entries(self, where: Filter) -> list[Entry]:
        return [e for e in self._entries if where(e)]

    def clear(self) -> None:
        self._entries.clear()

    async def follow(self, where: Filter) -> AsyncIterator[Entry]:
        """The entries that match, those recorded already and then each new one."""
        last = where.after_seq
        while True:
            changed = self._changed
            seen = list(self._entries)
            for entry in seen:
                if entry.seq > last and where(entry):
                    yield entry
            if seen:
                last = max(last, seen[-1].seq)
            await changed.wait()
