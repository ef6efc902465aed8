"""What the HTTP limits cost a request: keep-alive requests fed to uvicorn's httptools
protocol and to ``confplane.http_guard.GuardedHttpProtocol``, on one event loop, over an
in-memory transport and an ASGI app that answers at once (so the protocol is all that is
timed), on uvloop as the server runs. Rounds alternate between the two and are timed in
this process's CPU time (the machine may be busy); the best round of each is kept.

Two shapes: a request that arrives whole in one read (the common case: no timer of the
guard's) and one whose headers arrive in two reads (a header timer armed and cancelled).

    python -m bench.http_guard_cost
    python -m bench.http_guard_cost --requests 50000 --rounds 9
"""

from __future__ import annotations

import argparse
import asyncio
import time
from typing import Any

import uvloop
from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.server import ServerState

from confplane.http_guard import ConnectionGuard, GuardedHttpProtocol
from confplane.http_limits import HttpLimits

REQUEST = (
    b"GET /v1.0/conference/orgConferences HTTP/1.1\r\nHost: bench\r\n"
    b"x-acs-dingtalk-access-token: 0123456789abcdef\r\naccept: application/json\r\n\r\n"
)
HALF = len(REQUEST) // 2
ANSWER_HEADERS = [(b"content-type", b"application/json"), (b"content-length", b"2")]


async def _app(_scope: Any, _receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": ANSWER_HEADERS})
    await send({"type": "http.response.body", "body": b"{}"})


class _Transport(asyncio.Transport):
    """Keeps nothing: what a request costs the protocol, not a socket."""

    def write(self, data: Any) -> None:
        return None

    def is_closing(self) -> bool:
        return False

    def close(self) -> None:
        return None

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"sockname": ("127.0.0.1", 8080), "peername": ("127.0.0.1", 50000)}.get(
            name, default
        )

    def pause_reading(self) -> None:
        return None

    def resume_reading(self) -> None:
        return None


async def _round(make: Any, requests: int, split: bool) -> float:
    """Seconds per request over ``requests`` keep-alive requests on one connection."""
    state = ServerState()
    protocol = make(state)
    protocol.connection_made(_Transport())
    started = time.process_time()
    for _ in range(requests):
        if split:
            protocol.data_received(REQUEST[:HALF])
            protocol.data_received(REQUEST[HALF:])
        else:
            protocol.data_received(REQUEST)
        # The app answers in its own task: let it run.
        while state.tasks:  # noqa: ASYNC110 - a loop turn, not a wait for an event
            await asyncio.sleep(0)
    return (time.process_time() - started) / requests


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()

    config = Config(_app, log_level="warning", access_log=False)
    config.load()
    limits = HttpLimits(
        header_timeout_s=10.0, body_timeout_s=30.0, idle_timeout_s=5.0, max_connections=1000
    )
    makers = {
        "uvicorn": lambda state: HttpToolsProtocol(config, state, {}),
        "guarded": lambda state: GuardedHttpProtocol(
            config, state, {}, guard=ConnectionGuard(limits)
        ),
    }

    async def run() -> None:
        for split in (False, True):
            best = {name: float("inf") for name in makers}
            for _ in range(args.rounds):
                for name, make in makers.items():
                    took = await _round(make, args.requests, split)
                    best[name] = min(best[name], took)
            shape = "headers in two reads" if split else "request in one read"
            extra = (best["guarded"] - best["uvicorn"]) * 1e6
            print(
                f"{shape}: uvicorn {best['uvicorn'] * 1e6:.2f} µs, "
                f"guarded {best['guarded'] * 1e6:.2f} µs, +{extra:.2f} µs a request"
            )

    uvloop.run(run())


if __name__ == "__main__":
    main()
