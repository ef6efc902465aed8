"""Observations of a histogram gathered in plain Python, handed to prometheus-client at
once.

prometheus-client observes one value at a time, and with several worker processes each
observation is two writes to a memory-mapped file (the sum and a bucket). A tally counts
the values per bucket, as the histogram itself keeps them (one count per bucket, made
cumulative only when exported), so a turn of the event loop's calls of one operation
cost one write per bucket they fell in.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence

from prometheus_client import Histogram


class Tally:
    __slots__ = ("bounds", "buckets", "count", "total")

    def __init__(self, bounds: Sequence[float]) -> None:
        self.bounds = bounds
        # bucket index -> values in it: a turn's values fall in a few buckets.
        self.buckets: dict[int, int] = {}
        self.count = 0
        self.total = 0.0

    def add(self, value: float) -> None:
        # The first bucket whose upper bound is at least the value, as observe() picks.
        index = bisect_left(self.bounds, value)
        buckets = self.buckets
        buckets[index] = buckets.get(index, 0) + 1
        self.count += 1
        self.total += value

    def publish(self, histogram: Histogram) -> None:
        """Add the tally to ``histogram`` (one child of it, or one without labels), as
        that many observe() calls would. It reaches into the histogram's per-bucket
        values: prometheus-client has no call that adds several observations."""
        values = histogram._buckets
        for index, count in self.buckets.items():
            values[index].inc(count)
        histogram._sum.inc(self.total)
