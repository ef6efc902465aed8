"""Profile the server under one scenario's load with py-spy (``pip install -e '.[bench]'``).

    python -m bench.profile Members128of10k --backend sqlite

Writes a speedscope file and prints the functions with the most samples, inclusive
(anywhere on the stack) and by self time, so a finding can be quoted in the docs.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench import run as bench_run
from bench.seed import Sizes, seed
from confplane.testing import ServerProcess


def _top(raw: Path, limit: int) -> str:
    inclusive: collections.Counter[str] = collections.Counter()
    own: collections.Counter[str] = collections.Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        count = int(count_text)
        frames = [f.split(" (")[0] + " " + f.rsplit("/", 1)[-1] for f in stack.split(";")]
        total += count
        for frame in set(frames):
            inclusive[frame] += count
        own[frames[-1]] += count
    lines = [f"{total} samples", "", "inclusive:"]
    lines += [f"  {c / total:6.1%}  {f}" for f, c in inclusive.most_common(limit)]
    lines += ["", "self:"]
    lines += [f"  {c / total:6.1%}  {f}" for f, c in own.most_common(limit)]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.profile")
    parser.add_argument("scenario", help="e.g. Members128of10k, MuteMembers, QueryBatch10x50")
    parser.add_argument("--backend", default="sqlite", choices=["sqlite", "postgres"])
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--out", type=Path, default=bench_run.RESULTS / "profile")
    args = parser.parse_args()
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    bench_args = bench_run.build_parser().parse_args(
        [
            "--configs",
            args.backend,
            "--only",
            args.scenario,
            "--duration",
            str(args.seconds),
            "--connections",
            str(args.connections),
            # CloseVideoConference otherwise runs 3 s, less than the recording.
            "--close-duration",
            str(args.seconds),
        ]
    )
    bench = bench_run.Bench(bench_args)
    config = bench_run.CONFIGS[args.backend]
    args.out.mkdir(parents=True, exist_ok=True)
    stem = args.out / f"{args.scenario}-{args.backend}"
    with tempfile.TemporaryDirectory(prefix="confplane-profile-") as tmp:
        data_dir = Path(tmp)
        with bench_run.database(args.backend, data_dir) as url:
            seeded = asyncio.run(seed(url, Sizes(close_conferences=20_000)))
            server = ServerProcess(data_dir, database_url=url, extra_args=["--no-demo"])
            server.start()
            try:
                assert server.process is not None
                pid = server.process.pid

                def record() -> None:
                    time.sleep(1.0)
                    subprocess.run(
                        [
                            py_spy,
                            "record",
                            "--pid",
                            str(pid),
                            "--duration",
                            str(max(1, args.seconds - 3)),
                            "--rate",
                            "250",
                            "--format",
                            "raw",
                            "--output",
                            str(stem) + ".txt",
                            "--nonblocking",
                        ],
                        check=True,
                        capture_output=True,
                    )

                recorder = threading.Thread(target=record)

                def start(key: str) -> None:
                    if key == args.scenario:
                        recorder.start()

                bench.before_measure = start
                result = bench._scenarios(config, server, seeded, url)
                recorder.join()
            finally:
                server.stop()
    samples = result["samples"]
    print({k: round(v["rps"]) for k, v in samples.items()})
    report = _top(Path(str(stem) + ".txt"), args.top)
    Path(str(stem) + ".top.txt").write_text(report + "\n")
    print(report)


if __name__ == "__main__":
    main()
