"""What the metrics cost an API call: the access log's hook (``AccessLog.record`` with
its lines off) handing each call to ``api.metrics.Metrics``, on an event loop, with the
flush after each loop turn, against the same loop without metrics; and, for comparison,
the same calls written straight to prometheus-client (``labels().observe()`` and
``labels().inc()`` per call).

Measured with values in memory (one server process) and in files (several worker
processes: prometheus-client's multiprocess mode, chosen when it is first imported, so
each mode runs in a child process of its own), with 1, 8 and 32 calls per loop turn
(a loaded server finishes several calls in one turn).

    python -m bench.metrics_cost
    python -m bench.metrics_cost --calls 100000 --rounds 9
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time

PER_TURN = (1, 8, 32)
# A mix like a server's: four operations, one call in twenty an error.
CALLS: list[tuple[str, int, str | None]] = [
    ("LockConference", 200, None),
    ("MuteMembers", 200, None),
    ("QueryConferenceMembers", 200, None),
    ("QueryConferenceInfoBatch", 200, None),
] * 5
CALLS[-1] = ("MuteMembers", 400, "unknownUserError")


class _Direct:
    """Each call written to prometheus-client as it comes."""

    def __init__(self) -> None:
        from prometheus_client import CollectorRegistry, Counter, Histogram

        from confplane.api.metrics import LATENCY_BUCKETS

        registry = CollectorRegistry()
        labels = ["operation", "status", "code"]
        self.requests = Counter("direct_requests", "", labels, registry=registry)
        self.latency = Histogram(
            "direct_seconds", "", ["operation", "code"], buckets=LATENCY_BUCKETS, registry=registry
        )

    def api_call(self, operation: str, status: int, code: str | None, latency_s: float) -> None:
        self.requests.labels(operation, str(status), code or "").inc()
        self.latency.labels(operation, code or "").observe(latency_s)

    def flush(self) -> None:
        return None


async def _run(calls: int, per_turn: int, way: str) -> float:
    """Seconds for ``calls`` records, ``per_turn`` of them per loop turn."""
    from confplane.api.access_log import AccessLog
    from confplane.api.metrics import Metrics

    multiprocess_dir = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    metrics = _Direct() if way == "direct" else Metrics(multiprocess_dir=multiprocess_dir)
    log = AccessLog(lines=False, calls=None if way == "none" else metrics)
    mix = len(CALLS)
    started = time.perf_counter()
    done = 0
    while done < calls:
        for i in range(done, done + per_turn):
            operation, status, code = CALLS[i % mix]
            log.record(operation, status, 0.0003, "RID", "appkey", code)
        done += per_turn
        await asyncio.sleep(0)  # the turn ends: the flush runs
    metrics.flush()
    return time.perf_counter() - started


def child(calls: int, rounds: int) -> dict[str, dict[str, float]]:
    """µs per call of each way of counting, per calls-per-turn: the best of ``rounds``
    runs each way, taken in turns (a shared machine's noise only ever adds)."""
    result: dict[str, dict[str, float]] = {"batched": {}, "direct": {}}
    for per_turn in PER_TURN:
        best = {"none": float("inf"), "batched": float("inf"), "direct": float("inf")}
        for _ in range(rounds):
            for way in best:
                best[way] = min(best[way], asyncio.run(_run(calls, per_turn, way)))
        for way in ("batched", "direct"):
            result[way][str(per_turn)] = round((best[way] - best["none"]) / calls * 1e6, 2)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=50_000, help="per run")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--child", choices=["memory", "files"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.calls, args.rounds)))
        return
    report = {}
    for mode in ("memory", "files"):
        env = dict(os.environ)
        env.pop("PROMETHEUS_MULTIPROC_DIR", None)
        with tempfile.TemporaryDirectory(prefix="confplane-metrics-bench-") as directory:
            if mode == "files":
                env["PROMETHEUS_MULTIPROC_DIR"] = directory
            out = subprocess.run(
                [sys.executable, "-m", "bench.metrics_cost", "--calls", str(args.calls),
                 "--rounds", str(args.rounds), "--child", mode],
                env=env, check=True, capture_output=True, text=True,
            ).stdout  # fmt: skip
        report[mode] = json.loads(out)
    print("µs of metrics per API call, by calls per loop turn")
    print(f"{'values in':<10}{'way':<9}" + "".join(f"{n:>8}" for n in PER_TURN))
    for mode, ways in report.items():
        for way, costs in ways.items():
            print(f"{mode:<10}{way:<9}" + "".join(f"{costs[str(n)]:>8}" for n in PER_TURN))


if __name__ == "__main__":
    main()
