"""What confplane is measured beside in the same run: the Python limit and Prism.

- The Python limit: a raw ASGI app (``bench/raw_asgi.py``: constant JSON, no framework)
  on granian and on uvicorn, one process each; the faster is kept for the whole run.
- Prism (npm ``@stoplight/prism-cli``, pinned in ``bench/prism/``) mocking confplane's own
  OpenAPI document (``GET /confplane/v1/openapi.json`` of a throwaway server), sent the
  same wrk scripts as confplane. Prism validates requests (the token header, bodies,
  parameters); an answer other than 2xx is counted apart, not as throughput.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx

from confplane.testing import ServerProcess, free_port

REPO = Path(__file__).resolve().parent.parent
PRISM_DIR = Path(__file__).parent / "prism"
PRISM_BIN = PRISM_DIR / "node_modules" / ".bin" / "prism"
OPENAPI_PATH = "/confplane/v1/openapi.json"
# Answered by every reference (Prism mocks it from the document): the readiness probe.
PROBE_PATH = "/confplane/v1/health"


class Reference:
    """A server confplane is compared with: a child process on a loopback port."""

    def __init__(self, name: str, args: list[str], port: int, log_path: Path) -> None:
        self.name = name
        self.args = args
        self.port = port
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60.0) -> None:
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                self.args, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=REPO
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited: {self.log_path.read_text()[-2000:]}")
            try:
                httpx.get(self.base_url + PROBE_PATH, timeout=1.0)
                return
            except httpx.TransportError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"{self.name} did not start in {timeout:.0f} s")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def python_limit_candidates(logs: Path) -> list[Reference]:
    """The raw ASGI app on granian and on uvicorn, each with one process and uvloop."""
    app = "bench.raw_asgi:app"
    granian_port, uvicorn_port = free_port(), free_port()
    granian = [str(Path(sys.executable).parent / "granian"), "--interface", "asgi"]
    granian += ["--host", "127.0.0.1", "--port", str(granian_port), "--workers", "1"]
    # HTTP/1.1 only, as wrk speaks: no protocol detection on each connection.
    granian += ["--http", "1", "--loop", "uvloop", "--no-access-log", "--log-level", "warning"]
    granian += [app]
    uvicorn = [sys.executable, "-m", "uvicorn", app, "--host", "127.0.0.1"]
    uvicorn += ["--port", str(uvicorn_port), "--loop", "uvloop", "--http", "httptools"]
    uvicorn += ["--no-access-log", "--no-server-header", "--no-date-header"]
    uvicorn += ["--log-level", "warning"]
    return [
        Reference("granian", granian, granian_port, logs / "granian.log"),
        Reference("uvicorn", uvicorn, uvicorn_port, logs / "uvicorn.log"),
    ]


def ensure_prism() -> Path:
    """Prism's binary, installed from bench/prism/package-lock.json when missing."""
    if PRISM_BIN.exists():
        return PRISM_BIN
    npm = shutil.which("npm")
    if npm is None:
        sys.exit(
            "Prism needs Node.js and npm (`apt-get install nodejs npm`), or pass --no-references"
        )
    print(f"Prism is missing: npm ci --prefix {PRISM_DIR}", flush=True)
    subprocess.run([npm, "ci", "--prefix", str(PRISM_DIR), "--no-audit", "--no-fund"], check=True)
    return PRISM_BIN


def fetch_openapi(dest: Path) -> None:
    """confplane's OpenAPI document, as a throwaway server (SQLite, no demo org) serves it."""
    with tempfile.TemporaryDirectory(prefix="confplane-openapi-") as tmp:
        server = ServerProcess(Path(tmp), extra_args=["--no-demo"])
        server.start()
        try:
            response = httpx.get(server.base_url + OPENAPI_PATH, timeout=30.0)
            response.raise_for_status()
            dest.write_bytes(response.content)
        finally:
            server.stop()


def prism(document: Path, logs: Path) -> Reference:
    port = free_port()
    # Logging only errors: Prism's default logs every request, which costs it throughput.
    args = [str(ensure_prism()), "mock", "--host", "127.0.0.1", "--port", str(port)]
    args += ["--verboseLevel", "error", str(document)]
    return Reference("Prism", args, port, logs / "prism.log")


class References:
    """The running reference servers: the Python limit candidates, then the faster; Prism."""

    def __init__(self, candidates: list[Reference], prism: Reference) -> None:
        self.candidates = candidates
        self.prism = prism
        self.python_limit: Reference | None = None

    def keep_fastest(self, rates: dict[str, float]) -> Reference:
        """Keep the candidate with the highest rate as the Python limit; stop the others."""
        fastest = max(self.candidates, key=lambda ref: rates[ref.name])
        for ref in self.candidates:
            if ref is not fastest:
                ref.stop()
        self.python_limit = fastest
        return fastest


@contextmanager
def started(logs: Path) -> Iterator[References]:
    """Every reference server started (stopped on exit); logs go under ``logs``."""
    logs.mkdir(parents=True, exist_ok=True)
    document = logs / "openapi.json"
    fetch_openapi(document)
    candidates = python_limit_candidates(logs)
    mock = prism(document, logs)
    with ExitStack() as stack:
        for ref in [*candidates, mock]:
            stack.callback(ref.stop)
            ref.start()
        yield References(candidates, mock)
