"""The server's garbage-collector settings."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from confplane import heap


@pytest.fixture
def restored_gc() -> Iterator[None]:
    threshold = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)


@pytest.mark.usefixtures("restored_gc")
def test_settle_freezes_what_exists_and_lets_young_objects_die_young() -> None:
    kept = [object() for _ in range(10)]
    _, middle, old = gc.get_threshold()
    heap.settle()
    assert gc.get_freeze_count() >= len(kept)  # no later collection walks them
    assert gc.get_threshold() == (heap.YOUNG_THRESHOLD, middle, old)
    assert gc.get_count()[0] < 100  # the collection before the freeze ran
