"""Garbage-collector settings for a long-running server process.

With dozens of requests in flight, each request's objects live across many young
collections and are promoted to the oldest generation, where they die. CPython then runs a
full collection every fraction of a second, and each one walks every object the process
holds (50-75 ms here: it was the p99 of every operation; docs/performance.md). Freezing
what start-up built keeps those objects out of every later walk, and a larger young
threshold lets a request's objects die young.
"""

from __future__ import annotations

import gc

# Allocations (net of frees) between young collections; CPython's default is 700.
YOUNG_THRESHOLD = 50_000


def settle() -> None:
    """Call once start-up is done: what exists now lives as long as the process."""
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, old)
