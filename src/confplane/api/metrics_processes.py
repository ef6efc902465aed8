"""Metrics of several worker processes (``serve --workers N``): prometheus-client's
multiprocess mode, where each process writes its values to files of one directory and
the process that is scraped adds up every process's files.

prometheus-client decides between values in memory and values in files when it is first
imported, from the variable PROMETHEUS_MULTIPROC_DIR. So the parent makes a new, empty,
private directory for each run and sets the variable before it starts the workers (they
are new interpreters: they import everything anew); no file of an earlier run can be
added in, and the directory goes when the server stops.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from prometheus_client.multiprocess import mark_process_dead

ENV = "PROMETHEUS_MULTIPROC_DIR"
# The files of gauges that count only live processes (devices connected, pool use).
_LIVE_GAUGE_FILE = re.compile(r"gauge_live[a-z]+_(\d+)\.db")


@contextmanager
def shared_directory() -> Iterator[Path]:
    """A fresh directory for this run's workers, named in the environment they inherit."""
    path = Path(tempfile.mkdtemp(prefix="confplane-metrics-"))  # mode 0700
    before = os.environ.get(ENV)
    os.environ[ENV] = str(path)
    try:
        yield path
    finally:
        if before is None:
            os.environ.pop(ENV, None)
        else:
            os.environ[ENV] = before
        shutil.rmtree(path, ignore_errors=True)


def worker_directory() -> str | None:
    """The directory a worker writes its metrics to, when its parent made one."""
    path = os.environ.get(ENV)
    return path if path and os.path.isdir(path) else None


def forget_dead_processes(path: str) -> None:
    """Drop the gauges of workers that are gone (uvicorn starts a new worker, with a new
    pid, in a dead one's place): the devices it held are not connected any more. Its
    counters stay: what it answered still counts."""
    for name in os.listdir(path):
        found = _LIVE_GAUGE_FILE.fullmatch(name)
        if found is not None and not _alive(int(found.group(1))):
            mark_process_dead(int(found.group(1)), path)  # type: ignore[no-untyped-call]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process took the pid: not one of ours
        return False
    return True
