"""Run a real confplane server in a child process (tests and benchmarks use this)."""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx

POSTGRES_ADMIN_URL = os.environ.get(
    "CONFPLANE_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test"
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ServerProcess:
    """``confplane serve`` on a loopback port with its own data directory."""

    def __init__(
        self,
        data_dir: Path,
        *,
        database_url: str | None = None,
        admin_token: str | None = None,
        extra_args: Sequence[str] = (),
        env: dict[str, str] | None = None,
        preexec_fn: Callable[[], None] | None = None,
    ) -> None:
        self.data_dir = data_dir
        self.database_url = database_url
        self.admin_token = admin_token or secrets.token_urlsafe(16)
        self.port = free_port()
        self.extra_args = list(extra_args)
        self.env = env or {}
        # Runs in the child before the server starts (e.g. to lower its resource limits).
        self.preexec_fn = preexec_fn
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path = data_dir / "server.log"

    @property
    def endpoint(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        return f"http://{self.endpoint}"

    def start(self, timeout: float = 30.0) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        args = [
            sys.executable, "-m", "confplane", "serve",
            "--host", "127.0.0.1",
            "--port", str(self.port),
            "--data-dir", str(self.data_dir),
            "--admin-token", self.admin_token,
            "--log-level", "warning",
            *self.extra_args,
        ]  # fmt: skip
        if self.database_url:
            args += ["--database-url", self.database_url]
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            args,
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, **self.env},
            preexec_fn=self.preexec_fn,
        )
        self.wait_until_up(timeout)

    def wait_until_up(self, timeout: float) -> None:
        """Until the server answers HTTP; an error if its process exits first."""
        process = self.process
        if process is None:
            raise RuntimeError("the server was not started")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"server exited: {self.log_path.read_text()[-2000:]}")
            try:
                httpx.get(f"{self.base_url}/confplane/v1/admin/orgs", timeout=1.0)
                return
            except httpx.TransportError:
                time.sleep(0.05)
        raise RuntimeError("server did not start in time")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()


@contextmanager
def fresh_postgres_database(admin_url: str = POSTGRES_ADMIN_URL) -> Iterator[str]:
    """A new, empty PostgreSQL database for one run; dropped afterwards."""
    import asyncio

    import asyncpg  # type: ignore[import-untyped]

    name = f"confplane_{secrets.token_hex(6)}"
    plain = admin_url.replace("postgresql+asyncpg://", "postgresql://")

    async def execute(sql: str) -> None:
        conn = await asyncpg.connect(plain)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(execute(f'CREATE DATABASE "{name}"'))
    try:
        yield plain.rsplit("/", 1)[0] + "/" + name
    finally:
        asyncio.run(execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@contextmanager
def server_on(
    backend: str, data_dir: Path, *, extra_args: Sequence[str] = ()
) -> Iterator[ServerProcess]:
    """A started server on ``backend``: "sqlite" (a file in ``data_dir``) or "postgres" (a
    fresh database, dropped afterwards); stopped on exit."""
    with ExitStack() as stack:
        url = stack.enter_context(fresh_postgres_database()) if backend == "postgres" else None
        server = ServerProcess(data_dir, database_url=url, extra_args=extra_args)
        stack.callback(server.stop)
        server.start()
        yield server


@contextmanager
def postgres_pair(
    root: Path, *, admin_token: str = "pair-admin-token", extra_args: Sequence[str] = ()
) -> Iterator[tuple[ServerProcess, ServerProcess]]:
    """Two server processes sharing one fresh PostgreSQL database, as a deployment of
    several processes runs them; stopped on exit."""
    with fresh_postgres_database() as url:
        a, b = (
            ServerProcess(root / name, database_url=url, admin_token=admin_token,
                          extra_args=extra_args)
            for name in ("a", "b")
        )  # fmt: skip
        try:
            a.start()  # one after the other: the first migrates
            b.start()
            yield a, b
        finally:
            for server in (a, b):
                server.stop()
