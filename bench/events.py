"""Events to apps: how many a second reach an app on the official dingtalk-stream SDK,
and the time from the API call to the app's handler (p50, p99) at a set rate.

Starts ``confplane serve`` (SQLite, or ``--backend postgres``), an app on the official
Python SDK in a process of its own (bench/stream_receiver.py), and LockConference calls
(lock and unlock in turn, one event each) over many meetings at ``--rate`` calls a
second for ``--seconds``; then the same as fast as the server takes them.

    python -m bench.events
    python -m bench.events --backend postgres --rate 1000 --seconds 10
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx

from bench.quantiles import quantiles
from confplane.client.admin import AdminClient
from confplane.testing import ServerProcess, server_on

RESULTS = Path(__file__).parent / "results"
RECEIVER = Path(__file__).parent / "stream_receiver.py"
CONNECTIONS = 8


class Receiver:
    """The SDK app; ``seen[eventId]`` is when its handler got the event."""

    def __init__(self, server: ServerProcess, app_key: str, app_secret: str) -> None:
        env = {**os.environ, "DINGTALK_OPENAPI_ENDPOINT": server.base_url}
        self.proc = subprocess.Popen(
            [sys.executable, str(RECEIVER), app_key, app_secret],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        self.seen: dict[str, float] = {}
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            item = json.loads(line)
            self.seen[item["id"]] = item["t"]

    def stop(self) -> None:
        self.proc.kill()
        self.proc.wait()


async def _load(
    base_url: str, token: str, meetings: list[str], rate: float | None, seconds: float
) -> dict[str, float]:
    """LockConference calls, lock and unlock in turn per meeting; eventId -> call start.
    ``rate`` None: as fast as CONNECTIONS concurrent callers go."""
    started_at: dict[str, float] = {}
    seq = dict.fromkeys(meetings, 1)  # each meeting's created event is seq 1
    # httpx's pool slows down badly past a few connections (a client of 64 made 180
    # trivial calls a second here, one of 8 made 1,200): 8 carry 1,000 calls a second.
    limits = httpx.Limits(max_connections=CONNECTIONS, max_keepalive_connections=CONNECTIONS)
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=30) as http:

        async def call(meeting: str) -> None:
            seq[meeting] += 1
            action = "lock" if seq[meeting] % 2 == 0 else "unlock"
            event_id = f"{meeting}-{seq[meeting]}"
            started_at[event_id] = time.time()
            answer = await http.post(
                f"/v1.0/conference/videoConferences/{meeting}/lock",
                json={"action": action},
                headers={"x-acs-dingtalk-access-token": token},
            )
            if answer.status_code != 200:
                started_at.pop(event_id, None)
                seq[meeting] -= 1

        async def caller(own: list[str], every_s: float | None) -> None:
            """Calls on its own meetings (so each meeting's events come in the order
            of its calls), one every ``every_s`` by the schedule, catching up when
            behind; None: back to back."""
            began = time.perf_counter()
            done = 0
            while time.perf_counter() - began < seconds:
                if every_s is not None:
                    wait = began + done * every_s - time.perf_counter()
                    if wait > 0:
                        await asyncio.sleep(wait)
                await call(own[done % len(own)])
                done += 1

        every_s = None if rate is None else CONNECTIONS / rate
        await asyncio.gather(
            *(caller(meetings[k::CONNECTIONS], every_s) for k in range(CONNECTIONS))
        )
    return started_at


def measure(server: ServerProcess, rate: float | None, seconds: float) -> dict[str, Any]:
    with AdminClient(server.base_url, server.admin_token) as admin:
        corp = f"dingbench{time.time_ns() % 10**9}"
        admin.create_org("bench", corp)
        app = admin.create_app(corp, "bench app")
        host = admin.create_user(corp, "host")["unionId"]
        receiver = Receiver(server, app["appKey"], app["appSecret"])
        try:
            deadline = time.monotonic() + 20
            while admin.stream_status(app["appKey"])["connections"] == 0:
                if time.monotonic() > deadline:
                    raise RuntimeError("the SDK did not connect")
                time.sleep(0.05)
            http = httpx.Client(base_url=server.base_url)
            token = http.post(
                "/v1.0/oauth2/accessToken",
                json={"appKey": app["appKey"], "appSecret": app["appSecret"]},
            ).json()["accessToken"]
            meetings = [
                http.post(
                    "/v1.0/conference/videoConferences",
                    json={"userId": host, "confTitle": f"bench {i}"},
                    headers={"x-acs-dingtalk-access-token": token},
                ).json()["conferenceId"]
                for i in range(200)
            ]
            wait_until = time.monotonic() + 30
            while len(receiver.seen) < len(meetings) and time.monotonic() < wait_until:
                time.sleep(0.05)
            receiver.seen.clear()
            started_at = asyncio.run(_load(server.base_url, token, meetings, rate, seconds))
            wait_until = time.monotonic() + 60
            while time.monotonic() < wait_until and not set(started_at) <= set(receiver.seen):
                time.sleep(0.05)
        finally:
            receiver.stop()
    got = {k: receiver.seen[k] for k in started_at if k in receiver.seen}
    latency_ms = [(got[k] - started_at[k]) * 1000 for k in got]
    calls_span = max(started_at.values()) - min(started_at.values())
    delivered_span = max(got.values()) - min(got.values()) if got else 0.0
    return {
        "target_rate": rate,
        "calls": len(started_at),
        "calls_per_s": round(len(started_at) / calls_span, 1) if calls_span else None,
        "delivered": len(got),
        "lost": len(started_at) - len(got),
        "delivered_per_s": round(len(got) / delivered_span, 1) if delivered_span else None,
        "call_to_handler_ms": quantiles(latency_ms, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--rate", type=float, default=1000.0)
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    with ExitStack() as stack:
        data_dir = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        server = stack.enter_context(
            server_on(args.backend, data_dir, extra_args=["--no-access-log"])
        )
        report = {
            "backend": args.backend,
            "at_rate": measure(server, args.rate, args.seconds),
            "flat_out": measure(server, None, args.seconds),
        }
    print(json.dumps(report, indent=2))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"events-{args.backend}-latest.json").write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
