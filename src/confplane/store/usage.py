"""How much of its database connections and read cache a store is using: plain numbers
of this process, read by the metrics (api.metrics) when they publish."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class PoolUse:
    """This process's database connections at one moment."""

    # Connections the pool may hold.
    size: int
    # Held by a read, by a write (or a migration), and open but unused.
    reading: int
    writing: int
    idle: int
    # Reads waiting for one of the connections kept for reads.
    waiting_to_read: int


@dataclass(frozen=True, slots=True)
class CacheUse:
    """One read cache's lookups since start, and the member rows it holds now."""

    name: str
    hits: int
    misses: int
    rows: int
