"""Runs wrk (Debian's package) with one of bench/lua/*.lua and measures both ends."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import procstat

LUA_DIR = Path(__file__).parent / "lua"
MARK = "CONFPLANE_BENCH "


def ensure_wrk() -> str:
    """The wrk binary; installed with apt-get when missing and we are root."""
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("wrk is missing: apt-get install -y wrk", flush=True)
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        install = ["apt-get", "install", "-y", "-q", "wrk"]
        if subprocess.run(install, env=env, capture_output=True).returncode != 0:
            subprocess.run(["apt-get", "update", "-q"], env=env, capture_output=True)
            subprocess.run(install, env=env, capture_output=True)
        found = shutil.which("wrk")
        if found:
            return found
    sys.exit("wrk is required: install it with `apt-get install wrk` (Debian/Ubuntu)")


def lua_literal(value: Any) -> str:
    """A Lua literal for str, int, bool, list and dict values (ASCII strings)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list | tuple):
        return "{" + ", ".join(lua_literal(v) for v in value) + "}"
    if isinstance(value, dict):
        return (
            "{" + ", ".join(f"[{json.dumps(k)}] = {lua_literal(v)}" for k, v in value.items()) + "}"
        )
    raise TypeError(f"no Lua literal for {type(value).__name__}")


@dataclass(frozen=True, slots=True)
class Sample:
    """One wrk run and what the server and the machine spent during it."""

    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: int
    status_errors: int  # answers other than 2xx/3xx (part of ``requests``)
    server_cpu: float  # cores busy (1.0 = one core all the time)
    server_rss_mb: float
    server_peak_rss_mb: float
    wrk_cpu: float
    db_cpu: float
    machine_busy: float  # share of all cores
    loadavg_before: str

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def as_dict(self) -> dict[str, Any]:
        out = {k: getattr(self, k) for k in self.__slots__}
        out["rps"] = self.rps
        return out


def run(
    wrk: str,
    url: str,
    script: str,
    params: dict[str, Any],
    *,
    server_pid: int,
    seconds: float,
    connections: int,
    wrk_cpus: set[int] | None,
) -> Sample:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as fh:
        fh.write("return " + lua_literal(params) + "\n")
        params_path = fh.name
    env = {
        **os.environ,
        "CONFPLANE_BENCH_PARAMS": params_path,
        "CONFPLANE_BENCH_LUA": str(LUA_DIR),
    }
    args = [
        wrk,
        "-t1",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        "--timeout",
        "10s",
        "-s",
        str(LUA_DIR / script),
        url,
    ]
    server = procstat.tree(server_pid)
    load_before = procstat.loadavg()
    cpu0 = procstat.cpu_seconds(server)
    db0 = procstat.named_cpu_seconds("postgres")
    m0 = procstat.machine_times()
    try:
        proc = subprocess.Popen(
            args,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            preexec_fn=(lambda: os.sched_setaffinity(0, wrk_cpus)) if wrk_cpus else None,
        )
        assert proc.stdout is not None
        output = proc.stdout.read()
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
    finally:
        os.unlink(params_path)
    m1 = procstat.machine_times()
    cpu1 = procstat.cpu_seconds(server)
    db1 = procstat.named_cpu_seconds("postgres")
    rss, peak = procstat.rss_bytes(server)
    line = next((ln for ln in output.splitlines() if ln.startswith(MARK)), None)
    if proc.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({proc.returncode}):\n{output}")
    data = json.loads(line[len(MARK) :])
    wall = data["duration_us"] / 1e6
    errors = sum(v for k, v in data.items() if k.startswith("errors_"))
    return Sample(
        requests=data["requests"],
        seconds=wall,
        p50_ms=data["p50_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        errors=errors,
        status_errors=data["errors_status"],
        server_cpu=(cpu1 - cpu0) / wall,
        server_rss_mb=rss / 2**20,
        server_peak_rss_mb=peak / 2**20,
        wrk_cpu=(usage.ru_utime + usage.ru_stime) / wall,
        db_cpu=(db1 - db0) / wall,
        machine_busy=(m1.busy - m0.busy) / max(1, m1.total - m0.total),
        loadavg_before=load_before,
    )
