"""The figures that bound HTTP connections, and the open-files limit they are sized by.

A connection that never finishes its request would otherwise hold a file descriptor for
good; once the process runs out of them, accept() fails and every client is refused.
The header, body and idle timeouts bound how long a connection may hold one without a
request in flight, and the connection cap keeps descriptors free for the database,
Redis and files (``http_guard`` enforces both on each connection).
"""

from __future__ import annotations

import resource
from dataclasses import dataclass
from pathlib import Path

# Descriptors kept out of the connection cap: the database pool (PostgreSQL keeps up to
# 16 for reads plus its writers), Redis, the SQLite files, logs, the event loop's own.
RESERVED_FDS = 128
# Where Linux says how high RLIMIT_NOFILE may go when the hard limit is "unlimited".
_NR_OPEN = Path("/proc/sys/fs/nr_open")


@dataclass(frozen=True, slots=True)
class HttpLimits:
    # From connecting, or from the previous response, to the end of the request headers.
    header_timeout_s: float
    # From the end of the headers to the end of the body.
    body_timeout_s: float
    # A kept-alive connection with nothing sent after its last response.
    idle_timeout_s: float
    # Open connections of one process (devices included); past it, connections with no
    # request in flight are closed, oldest first, and only then new ones refused.
    max_connections: int


@dataclass(frozen=True, slots=True)
class OpenFilesLimit:
    before: int
    now: int


def _ceiling(limit: int) -> int:
    if limit != resource.RLIM_INFINITY:
        return limit
    try:
        return int(_NR_OPEN.read_text())
    except (OSError, ValueError):
        return 1 << 20


def raise_open_files_limit() -> OpenFilesLimit:
    """Raise this process's soft RLIMIT_NOFILE to its hard limit (worker processes inherit
    it); a system that refuses leaves it as it was."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    soft = _ceiling(soft)
    target = _ceiling(hard)
    if soft >= target:
        return OpenFilesLimit(soft, soft)
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    except (OSError, ValueError):
        return OpenFilesLimit(soft, soft)
    return OpenFilesLimit(soft, target)


def connections_for(open_files: int) -> int:
    """The default connection cap for a process that may open ``open_files`` files."""
    return max(open_files - RESERVED_FDS, open_files // 2, 1)
