"""Where a SQLite commit runs: inline on a fast disk, on a worker thread on a slow one."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from confplane.store.sqlite_inline import CommitPace, InlineConnection


def test_the_pace_follows_how_long_commits_take() -> None:
    pace = CommitPace(limit_s=0.001)
    assert pace.inline  # nothing measured yet: a fast disk until shown otherwise
    pace.record(0.0002)
    assert pace.inline
    pace.record(0.010)  # one 10 ms fsync is enough to move commits off the loop
    assert not pace.inline
    for _ in range(20):
        pace.record(0.0002)
    assert pace.inline  # the disk is fast again


async def _insert_and_commit(path: Path, pace: CommitPace) -> set[str]:
    conn = InlineConnection(str(path), pace)
    threads: set[str] = set()
    original = conn._timed_commit

    def spy() -> None:
        threads.add(threading.current_thread().name)
        original()

    conn._timed_commit = spy  # type: ignore[method-assign]
    conn.raw.execute("CREATE TABLE IF NOT EXISTS t (v INTEGER)")
    conn.raw.execute("BEGIN")
    conn.raw.execute("INSERT INTO t VALUES (1)")
    await conn.commit()
    assert not conn.in_transaction
    await conn.close()
    return threads


@pytest.mark.parametrize("limit_s, on_loop", [(1.0, True), (-1.0, False)])
async def test_a_commit_is_durable_whichever_thread_runs_it(
    tmp_path: Path, limit_s: float, on_loop: bool
) -> None:
    path = tmp_path / "pace.db"
    pace = CommitPace(limit_s=limit_s)
    threads = await _insert_and_commit(path, pace)
    assert (threads == {threading.current_thread().name}) is on_loop
    assert pace.average_s > 0  # measured on either path
    # Seen by another connection: committed, not merely written.
    with sqlite3.connect(path) as other:
        assert other.execute("SELECT count(*) FROM t").fetchone() == (1,)
