"""Two confplane nodes in separate network namespaces sharing PostgreSQL and Redis; one is
killed under load (bench/failover.py says what runs and what is checked).

    python -m bench.two_nodes                       # 200 devices, 8 writers (needs root)
    python -m bench.two_nodes --devices 100 --loopback

It prints the report, writes it to bench/results/two-nodes-latest.json and exits 1 if
any check failed. Without root (or with ``--loopback``) both nodes run on loopback in
the host namespace instead. Namespaces, bridge, forwarder, servers and the database are
removed on exit, also after a failure or Ctrl-C.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import sys
import tempfile
from pathlib import Path
from types import FrameType

from bench.cluster import Cluster, can_share_services
from bench.devices import raise_fd_limit
from bench.failover import Report, Scenario, run
from bench.netns import unavailable

RESULTS = Path(__file__).parent / "results"
REDIS_URL = "redis://127.0.0.1:6379/0"


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.two_nodes", description=__doc__)
    parser.add_argument("--devices", type=int, default=200)
    parser.add_argument("--per-meeting", type=int, default=10, help="devices per meeting")
    parser.add_argument("--writers", type=int, default=8, help="API writers in parallel")
    parser.add_argument("--lock-every", type=int, default=8, help="one lock among N writes")
    parser.add_argument("--before-kill", type=float, default=5.0, help="seconds of load")
    parser.add_argument("--after-resume", type=float, default=5.0, help="seconds of load")
    parser.add_argument("--grace", type=float, default=30.0, help="the nodes' --device-grace")
    parser.add_argument("--redis-url", default=REDIS_URL)
    parser.add_argument("--loopback", action="store_true", help="no network namespaces")
    parser.add_argument("--out", type=Path, default=RESULTS / "two-nodes-latest.json")
    args = parser.parse_args(argv)
    if not 1 <= args.writers <= args.devices:
        parser.error("--writers must be between 1 and --devices")
    return args


def render(report: Report) -> str:
    r, w, c = report.resume, report.writes, report.commands
    where = "network namespaces" if report.namespaces else "loopback"
    lines = [
        f"two nodes ({where}); {report.devices.get('a')} devices on A, "
        f"{report.devices.get('b')} on B, {report.devices.get('meetings')} meetings",
        f"A killed: {r.get('resumed')}/{r.get('of')} of its devices resumed on B; time from "
        f"the kill: p50 {r.get('p50_ms')} ms, p99 {r.get('p99_ms')} ms, max {r.get('max_ms')} "
        f"ms (grace {r.get('grace_s')} s)",
        f"writes: {w.get('acked', 0)} acknowledged ({report.writes_per_second}/s), "
        f"{w.get('unknown', 0)} without an answer (in flight at the kill), "
        f"{w.get('refused', 0)} refused",
        f"commands: {c.get('logged')} logged, {c.get('addressed')} addressed to devices, "
        f"{c.get('received')} received, {c.get('lost')} lost",
    ]
    if report.failures:
        lines.append(f"FAILED ({len(report.failures)}):")
        lines += [f"  {failure}" for failure in report.failures[:40]]
    else:
        lines.append(
            "ok: every device of A resumed on B within the grace period, no command lost, "
            "every acknowledged write in the database"
        )
    return "\n".join(lines)


def _interrupted(signum: int, _frame: FrameType | None) -> None:
    # SIGTERM unwinds like Ctrl-C, so the namespaces and servers are removed.
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    missing = can_share_services()
    if missing:
        print(missing, file=sys.stderr)
        return 2
    namespaces = not args.loopback
    if namespaces and (reason := unavailable()):
        print(f"{reason}: running both nodes on loopback", file=sys.stderr)
        namespaces = False
    raise_fd_limit(args.devices * 2 + 1024)
    signal.signal(signal.SIGTERM, _interrupted)
    scenario = Scenario(
        devices=args.devices,
        per_meeting=args.per_meeting,
        writers=args.writers,
        lock_every=args.lock_every,
        before_kill_s=args.before_kill,
        after_resume_s=args.after_resume,
        grace_s=args.grace,
    )
    root = Path(tempfile.mkdtemp(prefix="two-nodes-"))
    extra = ["--device-grace", str(args.grace)]
    with Cluster(
        root, namespaces=namespaces, redis_url=args.redis_url, extra_args=extra
    ) as cluster:
        report = asyncio.run(run(cluster, scenario))
    command = "python -m bench.two_nodes " + " ".join(sys.argv[1:] if argv is None else argv)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"command": command, **report.as_json()}, indent=2))
    print(render(report))
    if not report.ok:
        print(f"server logs: {root}", file=sys.stderr)
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
