"""CPU and memory of processes, read from /proc (Linux), and the machine's load."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

_TICKS = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> tuple[str, int, float] | None:
    """(command name, parent pid, CPU seconds used) of one process."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    name = raw[raw.index("(") + 1 : raw.rindex(")")]
    fields = raw[raw.rindex(")") + 2 :].split()
    # fields[0] is state (field 3): utime is field 14, stime field 15, ppid field 4.
    return name, int(fields[1]), (int(fields[11]) + int(fields[12])) / _TICKS


def _all() -> dict[int, tuple[str, int, float]]:
    found = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            st = _stat(int(entry))
            if st is not None:
                found[int(entry)] = st
    return found


def tree(root: int) -> list[int]:
    """``root`` and all its descendants."""
    procs = _all()
    children: dict[int, list[int]] = {}
    for pid, (_, ppid, _) in procs.items():
        children.setdefault(ppid, []).append(pid)
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        if pid in procs:
            out.append(pid)
            todo += children.get(pid, [])
    return out


def cpu_seconds(pids: list[int]) -> float:
    total = 0.0
    for pid in pids:
        st = _stat(pid)
        if st is not None:
            total += st[2]
    return total


def named_cpu_seconds(prefix: str) -> float:
    """CPU seconds of every process whose command starts with ``prefix`` (PostgreSQL)."""
    return sum(cpu for name, _, cpu in _all().values() if name.startswith(prefix))


def rss_bytes(pids: list[int]) -> tuple[int, int]:
    """(resident now, peak resident) summed over ``pids``."""
    now = peak = 0
    for pid in pids:
        try:
            text = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        for line in text.splitlines():
            if line.startswith("VmRSS:"):
                now += int(line.split()[1]) * 1024
            elif line.startswith("VmHWM:"):
                peak += int(line.split()[1]) * 1024
    return now, peak


@dataclass(frozen=True, slots=True)
class MachineTimes:
    busy: float
    total: float


def machine_times() -> MachineTimes:
    """Jiffies the whole machine spent busy and in total since boot."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]
    return MachineTimes(busy=sum(fields) - idle, total=sum(fields))


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def describe_machine() -> dict[str, str]:
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem_kb = int(Path("/proc/meminfo").read_text().split()[1])
    return {
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "memory": f"{mem_kb / 1024 / 1024:.0f} GiB",
        "kernel": os.uname().release,
    }
