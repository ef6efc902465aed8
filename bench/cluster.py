"""Two confplane nodes sharing one fresh PostgreSQL database and Redis, each in its own
network namespace (bench/netns.py) or, where namespaces cannot be made, on loopback.

PostgreSQL and Redis listen on the host's loopback only; with namespaces a forwarder
(bench/tcp_forward.py) listens on the host's bridge address for their ports, so the
nodes reach them over their own network stack, as separate machines would.
"""

from __future__ import annotations

import contextlib
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from urllib.parse import urlsplit, urlunsplit

import httpx

from bench.netns import Network
from confplane.testing import POSTGRES_ADMIN_URL, free_port, fresh_postgres_database

NODE_PORT = 8080
READY_TIMEOUT_S = 30.0


def _host_port(url: str, default_port: int) -> tuple[str, int]:
    parts = urlsplit(url)
    return parts.hostname or "127.0.0.1", parts.port or default_port


def _with_host(url: str, host: str, port: int) -> str:
    parts = urlsplit(url)
    user = f"{parts.username}@" if parts.username else ""
    return urlunsplit(parts._replace(netloc=f"{user}{host}:{port}"))


@dataclass
class Node:
    """One ``confplane serve`` process, started from ``argv``."""

    name: str
    base_url: str
    argv: list[str]
    log_path: Path
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    def start(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(self.argv, stdout=log, stderr=subprocess.STDOUT)

    def wait_ready(self, timeout: float = READY_TIMEOUT_S) -> None:
        """Until /confplane/v1/ready answers 200 (database and Redis connected)."""
        assert self.process is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                tail = self.log_path.read_text(errors="replace")[-2000:]
                raise RuntimeError(f"node {self.name} exited: {tail}")
            with contextlib.suppress(httpx.TransportError):
                answer = httpx.get(
                    f"{self.base_url}/confplane/v1/ready", timeout=1.0, trust_env=False
                )
                if answer.status_code == 200:
                    return
            time.sleep(0.1)
        raise RuntimeError(f"node {self.name} was not ready within {timeout} s")

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL: no shutdown, no goodbye to devices, as when a machine dies."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()


class Cluster:
    """``with Cluster(root, namespaces=True) as cluster:`` two nodes, ``cluster.nodes``."""

    def __init__(
        self,
        root: Path,
        *,
        namespaces: bool,
        redis_url: str,
        admin_token: str = "two-nodes-admin-token",
        extra_args: list[str] | None = None,
    ) -> None:
        self.root = root
        self.namespaces = namespaces
        self.redis_url = redis_url
        self.admin_token = admin_token
        self.extra_args = extra_args or []
        self.nodes: list[Node] = []
        self.database_url = ""
        self._stack = contextlib.ExitStack()
        self._forwarder: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Cluster:
        try:
            self._start()
        except BaseException:
            self._stack.close()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stack.close()

    def _start(self) -> None:
        self.database_url = self._stack.enter_context(fresh_postgres_database())
        database_url, redis_url = self.database_url, self.redis_url
        places: list[tuple[str, int, list[str]]] = []
        if self.namespaces:
            net = self._stack.enter_context(Network(2))
            database_url, redis_url = self._forward(net.host_address)
            for i, place in enumerate(net.nodes):
                places.append((place.address, NODE_PORT, net.inside(i, [])))
        else:
            places = [("127.0.0.1", free_port(), []) for _ in range(2)]
        # Stopped before the network and the database go (ExitStack runs backwards).
        self._stack.callback(self._stop_nodes)
        for name, (address, port, prefix) in zip("ab", places, strict=True):
            argv = [
                *prefix, sys.executable, "-m", "confplane", "serve",
                "--host", address, "--port", str(port),
                "--data-dir", str(self.root / name),
                "--database-url", database_url,
                "--redis-url", redis_url,
                "--admin-token", self.admin_token,
                "--no-demo", "--no-access-log", "--log-level", "warning",
                *self.extra_args,
            ]  # fmt: skip
            node = Node(name, f"http://{address}:{port}", argv, self.root / f"{name}.log")
            self.nodes.append(node)
            node.start()
            node.wait_ready()  # one after the other: the first one migrates

    def _forward(self, host_address: str) -> tuple[str, str]:
        """Start the forwarder; the database and Redis URLs as the nodes see them."""
        pg_host, pg_port = _host_port(POSTGRES_ADMIN_URL, 5432)
        redis_host, redis_port = _host_port(self.redis_url, 6379)
        routes = [
            f"{host_address}:{pg_port}={pg_host}:{pg_port}",
            f"{host_address}:{redis_port}={redis_host}:{redis_port}",
        ]
        self._forwarder = subprocess.Popen(
            [sys.executable, "-m", "bench.tcp_forward", *routes],
            stdout=subprocess.PIPE,
            cwd=Path(__file__).resolve().parent.parent,
        )
        self._stack.callback(self._stop_forwarder)
        assert self._forwarder.stdout is not None
        if self._forwarder.stdout.readline().strip() != b"ready":
            raise RuntimeError("the TCP forwarder did not start")
        return (
            _with_host(self.database_url, host_address, pg_port),
            _with_host(self.redis_url, host_address, redis_port),
        )

    def _stop_nodes(self) -> None:
        for node in self.nodes:
            node.stop()

    def _stop_forwarder(self) -> None:
        if self._forwarder is not None and self._forwarder.poll() is None:
            self._forwarder.terminate()
            try:
                self._forwarder.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._forwarder.kill()
                self._forwarder.wait()

    def pids(self) -> dict[str, int]:
        return {n.name: n.process.pid for n in self.nodes if n.process is not None}


def can_share_services() -> str | None:
    """Why two nodes cannot run here (no PostgreSQL), or None."""
    host, port = _host_port(POSTGRES_ADMIN_URL, 5432)
    try:
        with socket.create_connection((host, port), timeout=1):
            return None
    except OSError:
        return f"no PostgreSQL at {host}:{port}"
