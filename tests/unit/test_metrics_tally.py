"""A turn's tally added to a histogram at once gives what observing each value gives."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Histogram

from confplane.api.metrics import LATENCY_BUCKETS
from confplane.api.metrics_tally import Tally


def samples(histogram: Histogram) -> dict[tuple[str, str], float]:
    return {
        (s.name, s.labels.get("le", "")): s.value
        for family in histogram.collect()
        for s in family.samples
        if not s.name.endswith("_created")
    }


def test_a_tally_publishes_as_observing_each_value_would() -> None:
    # Bounds themselves (a value equal to a bound is in that bucket), between them,
    # below the first and past the last finite one.
    values = [0.0, 0.00025, 0.0003, 0.001, 0.001, 0.0049, 0.7, 5.0, 12.0, 12.0, 3600.0]
    one_by_one = Histogram("one", "", buckets=LATENCY_BUCKETS, registry=CollectorRegistry())
    at_once = Histogram("two", "", buckets=LATENCY_BUCKETS, registry=CollectorRegistry())
    tally = Tally(LATENCY_BUCKETS)
    for value in values:
        one_by_one.observe(value)
        tally.add(value)
    tally.publish(at_once)
    assert tally.count == len(values)
    expected = {
        (name.replace("one", "two"), le): v for (name, le), v in samples(one_by_one).items()
    }
    assert samples(at_once) == expected
    assert expected[("two_count", "")] == len(values)
    assert expected[("two_bucket", "0.001")] == 5


def test_tallies_add_up_over_turns() -> None:
    histogram = Histogram("turns", "", buckets=LATENCY_BUCKETS, registry=CollectorRegistry())
    for turn in ([0.002, 0.002], [0.002], []):
        tally = Tally(LATENCY_BUCKETS)
        for value in turn:
            tally.add(value)
        tally.publish(histogram)
    found = samples(histogram)
    assert found[("turns_count", "")] == 3
    assert found[("turns_bucket", "0.001")] == 0
    assert found[("turns_bucket", "0.0025")] == 3
    assert abs(found[("turns_sum", "")] - 0.006) < 1e-12
