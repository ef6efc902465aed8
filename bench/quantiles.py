"""Latency summaries shared by the benchmarks."""

from __future__ import annotations

import statistics


def at_rank(ordered: list[float], fraction: float) -> float:
    """The sample at ``fraction`` (0 to 1) of ``ordered`` samples, by rank."""
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def quantiles(samples: list[float], digits: int) -> dict[str, float]:
    """p50 (the median), p99 and max of ``samples``, rounded to ``digits``; {} for none."""
    ordered = sorted(samples)
    if not ordered:
        return {}
    return {
        "p50": round(statistics.median(ordered), digits),
        "p99": round(at_rank(ordered, 0.99), digits),
        "max": round(ordered[-1], digits),
    }
