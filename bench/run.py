"""The benchmark: confplane under wrk load, every operation beside the machine's ceiling.

For each configuration (SQLite with one process, PostgreSQL with one and with two) it
seeds a fresh database through the store layer, starts ``confplane serve`` as a child
process, and drives it with wrk from a separate process; the ceiling is the server's own
``GET /confplane/v1/health`` (constant JSON, no token, no database) on the same run.
Unless ``--no-references``, each operation is also measured beside the Python limit and
Prism serving confplane's OpenAPI document (``bench/references.py``).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import http.client
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx
import msgspec

from bench import procstat, references, report
from bench import wrk as wrk_runner
from bench.granian_server import GranianServer
from bench.seed import Seeded, Sizes, count_conferences, seed
from confplane.testing import POSTGRES_ADMIN_URL, ServerProcess, fresh_postgres_database

CONF = "/v1.0/conference/videoConferences/"
RESULTS = Path(__file__).parent / "results"


@dataclass(frozen=True, slots=True)
class Config:
    name: str
    backend: str
    workers: int
    walk: bool
    server: str = "uvicorn"
    server_args: tuple[str, ...] = ()


CONFIGS = {
    "sqlite": Config("SQLite, 1 process", "sqlite", 1, walk=True),
    "postgres": Config("PostgreSQL, 1 process", "postgres", 1, walk=True),
    "postgres2": Config("PostgreSQL, 2 processes", "postgres", 2, walk=False),
    # Not in the default run: device commands fanned out through Redis instead of
    # PostgreSQL's NOTIFY (the writes cost the same either way).
    "postgres-redis": Config(
        "PostgreSQL, 1 process, Redis fan-out",
        "postgres",
        1,
        walk=False,
        server_args=("--redis-url", "redis://127.0.0.1:6379/0"),
    ),
    # Every read from the database: what a read costs when its meeting changed since the
    # last one (the read cache keeps nothing).
    "sqlite-nocache": Config(
        "SQLite, 1 process, read cache off",
        "sqlite",
        1,
        walk=False,
        server_args=("--read-cache-rows", "0"),
    ),
    # Not in the default run: the same app on granian instead of uvicorn, for comparison.
    "sqlite-granian": Config(
        "SQLite, 1 process, granian", "sqlite", 1, walk=False, server="granian"
    ),
}


class _Member(msgspec.Struct, rename="camel"):
    union_id: str
    user_nick: str
    duration: int


class _Page(msgspec.Struct, rename="camel"):
    member_models: list[_Member]
    total_count: int
    next_token: str | None = None


_page_decoder = msgspec.json.Decoder(_Page)


@dataclass(slots=True)
class Walk:
    """One sequential walk of a meeting's members, page by page, on one connection."""

    page_size: int
    members: int = 0
    seconds: float = 0.0
    page_ms: list[float] = field(default_factory=list)
    tokens: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        # One page is one sample on a shared machine: compare the medians of five pages.
        first = statistics.median(self.page_ms[:5])
        last = statistics.median(self.page_ms[-5:])
        return {
            "page_size": self.page_size,
            "members": self.members,
            "pages": len(self.page_ms),
            "seconds": self.seconds,
            "first_page_ms": first,
            "last_page_ms": last,
            "median_page_ms": statistics.median(self.page_ms),
            "max_page_ms": max(self.page_ms),
            "last_over_first": last / first,
        }


def walk(server: ServerProcess, token: str, conference: str, page_size: int) -> Walk:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    headers = {"x-acs-dingtalk-access-token": token, "accept": "application/json"}
    out = Walk(page_size=page_size, tokens=[""])
    next_token = ""
    started = time.perf_counter()
    while True:
        path = f"{CONF}{conference}/members?maxResults={page_size}"
        if next_token:
            path += f"&nextToken={next_token}"
        t0 = time.perf_counter()
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        body = response.read()
        if response.status != 200:
            raise RuntimeError(f"members page failed: {response.status} {body[:300]!r}")
        page = _page_decoder.decode(body)
        out.page_ms.append((time.perf_counter() - t0) * 1000)
        out.members += len(page.member_models)
        if not page.next_token:
            break
        next_token = page.next_token
        out.tokens.append(next_token)
    out.seconds = time.perf_counter() - started
    conn.close()
    return out


def access_token(server: ServerProcess, seeded: Seeded) -> str:
    response = httpx.post(
        f"{server.base_url}/v1.0/oauth2/accessToken",
        json={"appKey": seeded.app_key, "appSecret": seeded.app_secret},
    )
    response.raise_for_status()
    return str(response.json()["accessToken"])


def _pin(pid: int, cpus: set[int]) -> None:
    for task in os.listdir(f"/proc/{pid}/task"):
        os.sched_setaffinity(int(task), cpus)


def _kill_now(server: ServerProcess) -> None:
    """SIGKILL the server and its workers, one pid at a time (no clean shutdown)."""
    assert server.process is not None
    for pid in procstat.tree(server.process.pid):
        with suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    server.process.wait()


@contextmanager
def database(backend: str, data_dir: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{data_dir / 'confplane.db'}"
        return
    with fresh_postgres_database() as url:
        yield url


class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.wrk = wrk_runner.ensure_wrk()
        self.cpus = sorted(os.sched_getaffinity(0))
        self.pin = args.pin and len(self.cpus) >= 2
        self.sizes = Sizes(close_conferences=args.close_pool)
        # Called with a scenario's key right before its measured run (the profiler uses it).
        self.before_measure: Callable[[str], None] | None = None
        # The Python limit and Prism, measured beside each operation when set.
        self.refs: references.References | None = None

    def log(self, text: str) -> None:
        print(f"[{time.strftime('%H:%M:%S')}] {text}", flush=True)

    def measure_python_limit(self, refs: references.References) -> dict[str, Any]:
        """The raw ASGI app on each candidate server; the faster is kept for the run."""
        self.refs = refs
        if self.pin:
            for ref in [*refs.candidates, refs.prism]:
                assert ref.process is not None
                _pin(ref.process.pid, {self.cpus[0]})
        samples = {}
        for ref in refs.candidates:
            sample = self._measure("python-limit", ref, "ceiling.lua", {"token": ""})
            samples[ref.name] = sample.as_dict()
            self.log(f"Python limit on {ref.name}: {sample.rps:7.0f} req/s  errors {sample.errors}")
        fastest = refs.keep_fastest({name: s["rps"] for name, s in samples.items()})
        return {"server": fastest.name, "rps": samples[fastest.name]["rps"], "samples": samples}

    def run_config(self, config: Config) -> dict[str, Any]:
        with tempfile.TemporaryDirectory(prefix="confplane-bench-") as tmp:
            data_dir = Path(tmp)
            with database(config.backend, data_dir) as url:
                self.log(f"{config.name}: seeding {url.split('@')[-1]}")
                seeded = asyncio.run(seed(url, self.sizes))
                self.log(
                    f"  seeded {seeded.conferences_seeded} meetings and "
                    f"{self.sizes.walk_members + self.sizes.page_members} members "
                    f"in {seeded.seconds:.1f}s"
                )
                server_class = GranianServer if config.server == "granian" else ServerProcess
                server = server_class(
                    data_dir,
                    database_url=url,
                    extra_args=["--no-demo", "--workers", str(config.workers), *config.server_args],
                )
                server.start()
                try:
                    return self._scenarios(config, server, seeded, url)
                finally:
                    server.stop()

    def _measure(
        self,
        key: str,
        server: ServerProcess | references.Reference,
        script: str,
        params: dict[str, Any],
        *,
        seconds: float | None = None,
        warmup: bool = True,
    ) -> wrk_runner.Sample:
        assert server.process is not None
        kwargs: dict[str, Any] = {
            "server_pid": server.process.pid,
            "connections": self.args.connections,
            "wrk_cpus": {self.cpus[-1]} if self.pin else None,
        }
        if warmup and self.args.warmup > 0:
            wrk_runner.run(
                self.wrk, server.base_url, script, params, seconds=self.args.warmup, **kwargs
            )
        if self.before_measure is not None:
            self.before_measure(key)
        return wrk_runner.run(
            self.wrk,
            server.base_url,
            script,
            params,
            seconds=seconds or self.args.duration,
            **kwargs,
        )

    def _scenarios(
        self, config: Config, server: ServerProcess, seeded: Seeded, url: str
    ) -> dict[str, Any]:
        assert server.process is not None
        if config.workers > 1:
            time.sleep(1.5)  # every worker up, not just the first to answer
        elif self.pin:
            _pin(server.process.pid, {self.cpus[0]})
        token = access_token(server, seeded)
        base = {"token": token}
        result: dict[str, Any] = {
            "config": asdict(config),
            "database": url.split("@")[-1],
            "seed_seconds": seeded.seconds,
            "samples": {},
        }
        samples: dict[str, Any] = result["samples"]
        only = set(self.args.only.split(",")) if self.args.only else None

        # The machine's speed can drift by half within a minute when it is shared, so
        # each operation is also divided by a ceiling measured just before it (3 s).
        beside: dict[str, float] = result.setdefault("ceiling_beside", {})
        limit_beside: dict[str, float] = result.setdefault("python_limit_beside", {})
        on_prism: dict[str, Any] = result.setdefault("prism", {})

        def beside_python_limit(key: str) -> None:
            limit = self.refs.python_limit if self.refs else None
            if limit is not None and self.args.ceiling_duration > 0:
                probe = self._measure(
                    "python-limit",
                    limit,
                    "ceiling.lua",
                    base,
                    seconds=self.args.ceiling_duration,
                    warmup=False,
                )
                limit_beside[key] = probe.rps

        def pair(key: str) -> None:
            if self.args.ceiling_duration > 0:
                probe = self._measure(
                    "ceiling",
                    server,
                    "ceiling.lua",
                    base,
                    seconds=self.args.ceiling_duration,
                    warmup=False,
                )
                beside[key] = probe.rps
            beside_python_limit(key)

        def prism_too(key: str, script: str, params: dict[str, Any], **options: Any) -> None:
            """The same script and parameters sent to Prism, right after confplane."""
            if self.refs is None:
                return
            sample = self._measure(f"prism:{key}", self.refs.prism, script, params, **options)
            on_prism[key] = sample.as_dict()
            self.log(
                f"  {key:<21} {report.answered_rps(on_prism[key]):7.0f} req/s on Prism (2xx)  "
                f"p99 {sample.p99_ms:7.2f} ms  non-2xx {sample.status_errors}  "
                f"errors {sample.errors - sample.status_errors}"
            )

        def record(key: str, sample: wrk_runner.Sample) -> None:
            samples[key] = sample.as_dict()
            self.log(
                f"  {key:<21} {sample.rps:7.0f} req/s  p50 {sample.p50_ms:6.2f} ms  "
                f"p99 {sample.p99_ms:7.2f} ms  server {sample.server_cpu:4.2f} cores  "
                f"wrk {sample.wrk_cpu:4.2f}  db {sample.db_cpu:4.2f}  "
                f"errors {sample.errors}  load {sample.loadavg_before}"
            )

        page_tokens = walk(server, token, seeded.page_conference, 128).tokens
        walk_tokens = [""]
        if config.walk and (not only or "walk" in only or "Page1000Last" in only):
            walk(server, token, seeded.walk_conference, 1000)  # warm the caches once
            walks = [walk(server, token, seeded.walk_conference, 1000) for _ in range(3)]
            best = min(walks, key=lambda w: w.seconds)
            result["walk"] = best.summary()
            result["walk"]["all_seconds"] = [w.seconds for w in walks]
            walk_tokens = best.tokens
            self.log(
                f"  walk 100k/1000   {best.seconds:.2f}s  first page {best.page_ms[0]:.1f} ms  "
                f"last page {best.page_ms[-1]:.1f} ms"
            )
        batch_body = json.dumps({"conferenceIdList": seeded.batch_conferences})

        def members(conference: str, size: int, tokens: list[str]) -> dict[str, Any]:
            return {**base, "conference": conference, "max_results": size, "tokens": tokens}

        # (key, Lua script, parameters, keyword options of _measure)
        plan: list[tuple[str, str, dict[str, Any], dict[str, Any]]] = [
            ("ceiling", "ceiling.lua", base, {}),
            (
                "GetAccessToken",
                "access_token.lua",
                {**base, "app_key": seeded.app_key, "app_secret": seeded.app_secret},
                {},
            ),
            (
                "MuteMembers",
                "mute.lua",
                {
                    **base,
                    "conferences": [c for c, _ in seeded.mute_targets],
                    "targets": [u for _, u in seeded.mute_targets],
                },
                {},
            ),
            ("LockConference", "lock.lua", {**base, "conferences": seeded.lock_conferences}, {}),
            ("QueryBatch10x50", "batch.lua", {**base, "body": batch_body}, {}),
            (
                "Members128of10k",
                "members.lua",
                members(seeded.page_conference, 128, page_tokens),
                {},
            ),
        ]
        if config.walk:
            plan += [
                ("Page1000First", "members.lua", members(seeded.walk_conference, 1000, [""]), {}),
                (
                    "Page1000Last",
                    "members.lua",
                    members(seeded.walk_conference, 1000, [walk_tokens[-1]]),
                    {},
                ),
            ]
        plan += [
            (
                "CloseVideoConference",
                "close.lua",
                {**base, "conferences": seeded.close_conferences, "host": seeded.host},
                {"warmup": False, "seconds": self.args.close_duration},
            ),
            ("ceiling_end", "ceiling.lua", base, {}),
        ]
        for key, script, params, options in plan:
            if only and key not in only and not key.startswith("ceiling"):
                continue
            if not key.startswith("ceiling"):
                pair(key)
            elif key == "ceiling":
                beside_python_limit(key)
            record(key, self._measure(key, server, script, params, **options))
            if key != "ceiling_end":
                prism_too(key, script, params, **options)
        if not only or "CreateVideoConference" in only:
            pair("CreateVideoConference")
            script, params = self._create_then_kill(server, seeded, url, record, result)
            prism_too("CreateVideoConference", script, params, warmup=False)
        return result

    def _create_then_kill(
        self,
        server: ServerProcess,
        seeded: Seeded,
        url: str,
        record: Callable[[str, wrk_runner.Sample], None],
        result: dict[str, Any],
    ) -> tuple[str, dict[str, Any]]:
        """CreateVideoConference, then SIGKILL at once: every meeting acknowledged with a
        200 must be in the database when it is opened again. Returns the script and its
        parameters."""
        body = {
            "userId": seeded.host,
            "confTitle": "bench meeting",
            "inviteUserIds": seeded.invitees,
        }
        params = {"token": access_token(server, seeded), "body": json.dumps(body)}
        key = "CreateVideoConference"
        sample = self._measure(key, server, "create.lua", params, warmup=False)
        _kill_now(server)
        record(key, sample)
        acknowledged = sample.requests - sample.status_errors
        stored = asyncio.run(count_conferences(url, seeded.corp_id)) - seeded.conferences_seeded
        result["durability"] = {
            "acknowledged_creates": acknowledged,
            "stored_after_sigkill": stored,
            "ok": stored >= acknowledged,
        }
        self.log(
            f"  durability: {acknowledged} creates acknowledged, {stored} stored after SIGKILL"
        )
        return "create.lua", params


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--configs",
        default="sqlite,postgres,postgres2,sqlite-nocache",
        help="of: " + ",".join(CONFIGS),
    )
    parser.add_argument("--duration", type=int, default=5, help="seconds per measurement")
    parser.add_argument("--warmup", type=int, default=1, help="seconds of warm-up before")
    parser.add_argument(
        "--ceiling-duration",
        type=float,
        default=3.0,
        help="seconds of ceiling measured right before each operation (0: none)",
    )
    parser.add_argument("--close-duration", type=int, default=3)
    parser.add_argument("--close-pool", type=int, default=20_000)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--only", default="", help="comma-separated scenario names")
    parser.add_argument(
        "--pin",
        action="store_true",
        help="pin a 1-process server to the first CPU and wrk to the last (best on an "
        "otherwise idle machine; on a shared one the pinned server loses CPU to others)",
    )
    parser.add_argument(
        "--references",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also measure the Python limit (raw ASGI on granian and uvicorn) and Prism "
        "mocking confplane's OpenAPI document, beside each operation (needs npm once)",
    )
    parser.add_argument("--out", type=Path, default=RESULTS / "latest.json")
    return parser


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    bench = Bench(args)
    started = time.perf_counter()
    results: dict[str, Any] = {
        "started": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "command": "python -m bench " + " ".join(argv if argv is not None else sys.argv[1:]),
        "machine": procstat.describe_machine(),
        "git": _git_describe(),
        "loadavg_start": procstat.loadavg(),
        "args": {k: str(v) for k, v in vars(args).items()},
        "configs": {},
    }
    keys = args.configs.split(",")
    if any(CONFIGS[k].backend == "postgres" for k in keys):
        _check_postgres()
    with ExitStack() as stack:
        if args.references:
            logs = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="confplane-refs-")))
            bench.log("starting the reference servers (Python limit, Prism)")
            refs = stack.enter_context(references.started(logs))
            results["python_limit"] = bench.measure_python_limit(refs)
        for key in keys:
            results["configs"][key] = bench.run_config(CONFIGS[key])
    results["loadavg_end"] = procstat.loadavg()
    results["seconds"] = time.perf_counter() - started
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    markdown = report.render(results)
    args.out.with_suffix(".md").write_text(markdown)
    print(markdown)
    bench.log(f"done in {results['seconds']:.0f}s; results in {args.out} and .md")


def _check_postgres() -> None:
    try:
        with fresh_postgres_database():
            pass
    except Exception as exc:
        sys.exit(
            f"PostgreSQL is not reachable at {POSTGRES_ADMIN_URL} ({exc}). Start it (for "
            "example `pg_ctlcluster 15 main start`, as .ci/run does), point "
            "CONFPLANE_TEST_POSTGRES at one, or run `python -m bench --configs sqlite`."
        )


def _git_describe() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        )
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            check=True,
        )
        return out.stdout.strip() + ("+uncommitted" if dirty.stdout.strip() else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
