"""What the emulator costs an app's test suite: the reset's time, and a session's overhead.

Starts ``confplane serve --emulator`` (SQLite, or ``--backend postgres``) and measures:

- the reset, as the server times it (``tookMs``) and as a client sees it (one HTTP
  call), empty and back to the demo org;
- a session of N tests (default 1,000) as the pytest plugin runs them, without the
  tests' own work: per test, a reset to the demo org, a token for the demo app and one
  API call, as the plugin's ``confplane`` fixture and a first call of a test do.

    python -m bench.emulator
    python -m bench.emulator --tests 1000 --resets 300 --backend postgres
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx

from bench.quantiles import quantiles
from confplane.client.emulator import EmulatorClient
from confplane.testing import ServerProcess, server_on

RESULTS = Path(__file__).parent / "results"


def measure_resets(emulator: EmulatorClient, count: int, *, demo: bool) -> dict[str, Any]:
    server_ms: list[float] = []
    client_ms: list[float] = []
    for _ in range(count):
        started = time.perf_counter()
        answer = emulator.reset(demo=demo)
        client_ms.append((time.perf_counter() - started) * 1000)
        server_ms.append(float(answer["tookMs"]))
    return {"server_ms": quantiles(server_ms, 3), "client_ms": quantiles(client_ms, 3)}


def measure_session(server: ServerProcess, emulator: EmulatorClient, tests: int) -> dict[str, Any]:
    """Per test: reset to the demo org, get the app's token, make one call."""
    with httpx.Client(base_url=server.base_url) as http:
        started = time.perf_counter()
        per_test: list[float] = []
        for _ in range(tests):
            began = time.perf_counter()
            demo = emulator.reset(demo=True)["demo"]
            token = http.post(
                "/v1.0/oauth2/accessToken",
                json={"appKey": demo["appKey"], "appSecret": demo["appSecret"]},
            ).json()["accessToken"]
            answer = http.get(
                "/v1.0/conference/orgConferences",
                headers={"x-acs-dingtalk-access-token": token},
            )
            assert answer.status_code == 200, answer.text
            per_test.append((time.perf_counter() - began) * 1000)
        total = time.perf_counter() - started
    return {"tests": tests, "total_s": round(total, 3), "per_test_ms": quantiles(per_test, 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--resets", type=int, default=300)
    parser.add_argument("--tests", type=int, default=1000)
    args = parser.parse_args()
    with ExitStack() as stack:
        data_dir = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        server = stack.enter_context(server_on(args.backend, data_dir, extra_args=["--emulator"]))
        emulator = stack.enter_context(EmulatorClient(server.base_url, server.admin_token))
        measure_resets(emulator, 20, demo=True)  # warm-up
        result = {
            "backend": args.backend,
            "reset_empty": measure_resets(emulator, args.resets, demo=False),
            "reset_demo": measure_resets(emulator, args.resets, demo=True),
            "session": measure_session(server, emulator, args.tests),
        }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"emulator-{args.backend}.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
