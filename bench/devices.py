"""Device fan-out benchmark: how long a mute takes from the HTTP API call to the device,
and how much server memory an idle connected device costs.

For each device count it starts a fresh ``confplane serve`` (one process, SQLite unless
``--backend postgres``) as a child process, creates meetings through the HTTP API, joins
the devices over WebSocket as guests spread across the meetings (``confplane.client.device``,
all in this process), then mutes and un-mutes random devices through MuteMembers with a
participantId. Each sample is the time from writing the HTTP request to the device's
reader decoding the command frame; the HTTP answer's own time is reported beside it.

    python -m bench.devices                        # 1,000 and 10,000 devices
    python -m bench.devices --devices 1000 --mutes 500 --concurrency 1,8

Memory: the server's VmRSS after a warm-up group of devices has joined and obeyed a
mute, and again once every device has joined and sat idle; the difference divided by the
number of devices added. The server runs pinned to the first core and this client to the
second (``--no-pin`` leaves it to the scheduler).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import random
import resource
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgspec

from bench import procstat
from bench.granian_server import GranianServer
from bench.quantiles import at_rank
from confplane.client.admin import AdminClient
from confplane.client.device import Device
from confplane.devices.protocol import Command
from confplane.testing import ServerProcess, fresh_postgres_database

RESULTS = Path(__file__).parent / "results"
CONF = "/v1.0/conference/videoConferences"
WARMUP_DEVICES = 100


def rss_kib(pid: int) -> int:
    """The server's resident memory: its process and children (granian serves from a
    worker process)."""
    return procstat.rss_bytes(procstat.tree(pid))[0] // 1024


def raise_fd_limit(wanted: int) -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if hard == resource.RLIM_INFINITY else min(hard, max(soft, wanted))
    if target > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def pin(pid: int, cpu: int) -> None:
    """Every thread of ``pid`` and of its children onto ``cpu``."""
    for process in procstat.tree(pid):
        for task in os.listdir(f"/proc/{process}/task"):
            os.sched_setaffinity(int(task), {cpu})


class Http:
    """A minimal keep-alive HTTP/1.1 client: the request is on the wire the moment the
    clock starts, with no client library in between."""

    def __init__(self, host: str, port: int, token: str) -> None:
        self.host, self.port, self.token = host, port, token
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def open(self) -> None:
        self._reader, self._writer = await asyncio.open_connection(self.host, self.port)

    def write(self, path: str, body: bytes) -> None:
        assert self._writer is not None
        head = (
            f"POST {path} HTTP/1.1\r\nHost: {self.host}\r\n"
            f"x-acs-dingtalk-access-token: {self.token}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        )
        self._writer.write(head.encode() + body)

    async def answer(self) -> tuple[int, bytes]:
        assert self._reader is not None
        status = int((await self._reader.readline()).split()[1])
        length = 0
        while True:
            line = await self._reader.readline()
            if line in (b"\r\n", b""):
                break
            name, _, value = line.decode().partition(":")
            if name.lower() == "content-length":
                length = int(value)
        return status, await self._reader.readexactly(length)

    async def post(self, path: str, body: Any) -> Any:
        self.write(path, msgspec.json.encode(body))
        status, raw = await self.answer()
        data = msgspec.json.decode(raw)
        if status != 200:
            raise RuntimeError(f"{path}: {status} {data}")
        return data

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.close()


@dataclass
class Probe:
    """Stamps each command as the device's reader decodes it."""

    waiting: dict[str, tuple[float, asyncio.Future[float]]] = field(default_factory=dict)

    def on_command(self, device: Device, command: Command) -> None:
        now = time.perf_counter()
        entry = self.waiting.pop(str(device.participant_id), None)
        if entry is not None and not entry[1].done():
            entry[1].set_result(now - entry[0])


def summary(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)

    def pct(p: float) -> float:
        return at_rank(ordered, p) * 1000

    return {
        "n": len(ordered),
        "p50_ms": round(pct(0.50), 2),
        "p90_ms": round(pct(0.90), 2),
        "p99_ms": round(pct(0.99), 2),
        "max_ms": round(ordered[-1] * 1000, 2),
        "mean_ms": round(statistics.fmean(ordered) * 1000, 2),
    }


async def setup_meetings(http: Http, host: str, count: int) -> list[dict[str, Any]]:
    meetings = []
    for i in range(count):
        body = {"userId": host, "confTitle": f"bench {i}"}
        meetings.append(await http.post(CONF, body))
    return meetings


async def join_all(
    url: str,
    meetings: list[dict[str, Any]],
    start: int,
    stop: int,
    probe: Probe,
    devices: list[Device],
    parallel: int,
) -> None:
    gate = asyncio.Semaphore(parallel)

    async def one(i: int) -> None:
        meeting = meetings[i % len(meetings)]
        device = Device(
            url,
            room_code=meeting["roomCode"],
            password=meeting["conferencePassword"],
            nick=f"device {i}",
            on_command=probe.on_command,
            open_timeout=60.0,
        )
        async with gate:
            await device.join()
        devices.append(device)

    await asyncio.gather(*(one(i) for i in range(start, stop)))


async def mute_round(
    https: list[Http], devices: list[Device], probe: Probe, mutes: int
) -> tuple[list[float], list[float]]:
    """``mutes`` mutes/un-mutes, ``len(https)`` at a time, each on its own device."""
    delivered: list[float] = []
    answered: list[float] = []
    pool = random.sample(devices, min(len(devices), max(mutes, len(https) * 4)))
    per_worker = mutes // len(https)

    async def worker(http: Http, mine: list[Device]) -> None:
        loop = asyncio.get_running_loop()
        for k in range(per_worker):
            device = mine[k % len(mine)]
            action = "un_mute" if device.host_muted else "mute"
            body = msgspec.json.encode(
                {
                    "action": action,
                    "userList": [
                        {"unionId": device.union_id, "participantId": device.participant_id}
                    ],
                }
            )
            future: asyncio.Future[float] = loop.create_future()
            path = f"{CONF}/{device.conference_id}/members/mute"
            t0 = time.perf_counter()
            probe.waiting[str(device.participant_id)] = (t0, future)
            http.write(path, body)
            status, raw = await http.answer()
            answered.append(time.perf_counter() - t0)
            if status != 200:
                raise RuntimeError(f"mute failed: {status} {raw!r}")
            delivered.append(await asyncio.wait_for(future, 30))

    size = len(pool) // len(https)
    await asyncio.gather(*(worker(h, pool[i * size : (i + 1) * size]) for i, h in enumerate(https)))
    return delivered, answered


async def run_one(args: argparse.Namespace, count: int, database_url: str | None) -> dict[str, Any]:
    data_dir = Path(tempfile.mkdtemp(prefix=f"bench-devices-{count}-"))
    server_class = GranianServer if args.server == "granian" else ServerProcess
    server = server_class(data_dir, database_url=database_url, extra_args=["--no-demo"])
    server.start()
    try:
        if args.pin:
            pin(server.process.pid if server.process else 0, 0)
            pin(os.getpid(), 1)
        with AdminClient(server.base_url, server.admin_token) as admin:
            admin.create_org("bench devices", "dingbenchdev")
            app = admin.create_app("dingbenchdev", "bench")
            host = admin.create_user("dingbenchdev", "host")["unionId"]
        http = Http("127.0.0.1", server.port, "")
        await http.open()
        token = await http.post(
            "/v1.0/oauth2/accessToken", {"appKey": app["appKey"], "appSecret": app["appSecret"]}
        )
        http.token = token["accessToken"]
        meetings = await setup_meetings(http, host, max(1, count // args.per_meeting))
        probe = Probe()
        devices: list[Device] = []
        pid = server.process.pid if server.process else 0
        warm = min(WARMUP_DEVICES, count)
        await join_all(server.base_url, meetings, 0, warm, probe, devices, args.parallel)
        await mute_round([http], devices, probe, min(50, warm))
        await asyncio.sleep(1.0)
        rss_before = rss_kib(pid)
        t_join = time.perf_counter()
        await join_all(server.base_url, meetings, warm, count, probe, devices, args.parallel)
        join_s = time.perf_counter() - t_join
        await asyncio.sleep(args.idle)
        rss_idle = rss_kib(pid)
        # This process holds every device too: keep its own full collections (seconds
        # over ten thousand connections) out of the figures, which are the server's.
        gc.collect()
        gc.freeze()
        added = count - warm
        result: dict[str, Any] = {
            "devices": count,
            "meetings": len(meetings),
            "backend": args.backend,
            "server": args.server,
            "join_seconds": round(join_s, 1),
            "joins_per_second": round(added / join_s, 1) if added else None,
            "server_rss_mib_before": round(rss_before / 1024, 1),
            "server_rss_mib_idle": round(rss_idle / 1024, 1),
            "server_kib_per_idle_device": round((rss_idle - rss_before) / added, 2)
            if added
            else None,
            "mutes": {},
        }
        await http.close()
        for concurrency in args.concurrency:
            # Fresh connections: the server closes keep-alive connections idle for 5 s.
            https = [Http("127.0.0.1", server.port, http.token) for _ in range(concurrency)]
            for each in https:
                await each.open()
            delivered, answered = await mute_round(https, devices, probe, args.mutes)
            result["mutes"][str(concurrency)] = {
                "api_to_device": summary(delivered),
                "http_answer": summary(answered),
            }
            for each in https:
                await each.close()
        result["server_rss_mib_after"] = round(rss_kib(pid) / 1024, 1)
        lost = [d for d in devices if d.closed is not None]
        result["devices_lost"] = len(lost)
        for device in devices:
            await device.drop()
        return result
    finally:
        server.stop()


def render(results: list[dict[str, Any]]) -> str:
    lines = [
        "| devices | meetings | concurrency | API→device p50 | p99 | max | HTTP answer p50 | p99 |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        for conc, m in r["mutes"].items():
            d, h = m["api_to_device"], m["http_answer"]
            lines.append(
                f"| {r['devices']:,} | {r['meetings']:,} | {conc} | {d['p50_ms']} ms | "
                f"{d['p99_ms']} ms | {d['max_ms']} ms | {h['p50_ms']} ms | {h['p99_ms']} ms |"
            )
    lines += [
        "",
        "| devices | server RSS before | idle with all devices | per idle device | joins/s |",
        "|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r['devices']:,} | {r['server_rss_mib_before']} MiB | "
            f"{r['server_rss_mib_idle']} MiB | {r['server_kib_per_idle_device']} KiB | "
            f"{r['joins_per_second']} |"
        )
    return "\n".join(lines)


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.devices", description=__doc__)
    parser.add_argument("--devices", default="1000,10000", help="device counts, comma-separated")
    parser.add_argument("--per-meeting", type=int, default=10, help="devices per meeting")
    parser.add_argument("--mutes", type=int, default=2000, help="mutes per concurrency level")
    parser.add_argument(
        "--concurrency", default="1,8", help="mutes in flight at once, comma-separated"
    )
    parser.add_argument("--parallel", type=int, default=64, help="joins in flight at once")
    parser.add_argument("--idle", type=float, default=3.0, help="seconds idle before RSS")
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument(
        "--server",
        choices=["uvicorn", "granian"],
        default="uvicorn",
        help="what serves confplane's app (confplane serve runs uvicorn)",
    )
    parser.add_argument("--no-pin", dest="pin", action="store_false")
    parser.add_argument("--out", type=Path, default=RESULTS / "devices-latest.json")
    args = parser.parse_args(argv)
    args.devices = [int(x) for x in str(args.devices).split(",")]
    args.concurrency = [int(x) for x in str(args.concurrency).split(",")]
    args.pin = args.pin and len(os.sched_getaffinity(0)) >= 2
    return args


def measure(args: argparse.Namespace, count: int, runner: Any) -> dict[str, Any] | None:
    """One device count on a fresh server and database, in its own event loop."""
    limit = raise_fd_limit(count + 1024)
    if limit < count + 256:
        print(f"open-file limit {limit} is too low for {count} devices", file=sys.stderr)
        return None
    print(f"-- {count} devices ({args.backend})", flush=True)
    if args.backend == "postgres":
        with fresh_postgres_database() as url:
            result: dict[str, Any] = runner(run_one(args, count, url))
    else:
        result = runner(run_one(args, count, None))
    print(json.dumps(result, indent=2), flush=True)
    return result


def main(argv: list[str] | None = None) -> None:
    args = parse(argv)
    try:
        import uvloop

        runner = uvloop.run
    except ImportError:  # pragma: no cover
        runner = asyncio.run
    results = [r for r in (measure(args, count, runner) for count in args.devices) if r]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    command = "python -m bench.devices " + " ".join(sys.argv[1:] if argv is None else argv)
    args.out.write_text(json.dumps({"command": command, "results": results}, indent=2))
    print(render(results))


if __name__ == "__main__":
    main()
