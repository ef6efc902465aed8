"""Garbage-collector settings for a long-running server process.

With dozens of requests in flight, each request's objects live across many young
collections and are promoted to the oldest generation, where they die. CPython then runs a
full collection every fraction of a second, and each one walks every object the process
holds (tens of milliseconds here: it was most of the p99 of every operation). Freezing
what start-up built keeps those objects out of every later walk, and a larger young
threshold lets a request's objects die young.
"""

from __future__ import annotations

import gc
import os

# Allocations (net of frees) between young collections; CPython's default is 700.
YOUNG_THRESHOLD = 50_000


def settle() -> None:
    """Call once start-up is done: what exists now lives as long as the process."""
    gc.collect()
    gc.freeze()
    young = int(os.environ.get("CONFPLANE_GC_YOUNG", YOUNG_THRESHOLD))
    _, middle, old = gc.get_threshold()
    gc.set_threshold(young, middle, old)
