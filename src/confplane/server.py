"""Runs the ASGI app on uvicorn, in one process or in several worker processes."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import json
import os
import socket
import sys
from contextlib import nullcontext
from pathlib import Path
from typing import Any

import uvicorn
from starlette.applications import Starlette
from uvicorn.supervisors import Multiprocess

from confplane.api.app import admin_token, build_services, create_app
from confplane.api.metrics_processes import shared_directory
from confplane.config import Settings
from confplane.demo import seed_demo
from confplane.devices.protocol import MAX_MESSAGE_BYTES
from confplane.devices.uvicorn_ws import PROTOCOL as LEAN_WS_PROTOCOL
from confplane.http_guard import ConnectionGuard, GuardedHttpProtocol
from confplane.http_limits import HttpLimits, connections_for, raise_open_files_limit

# How the parent hands its settings to worker processes (they import the app anew).
_SETTINGS_ENV = "CONFPLANE_WORKER_SETTINGS"


def _announce(text: str) -> None:
    print(text, flush=True)


def _quiet(_text: str) -> None:
    return None


def _uvicorn_options(settings: Settings, log_level: str) -> dict[str, Any]:
    return {
        "host": settings.host,
        "port": settings.port,
        "log_level": log_level,
        "access_log": False,
        "server_header": False,
        "date_header": False,
        # Device WebSockets (docs/device-protocol.md): frames are small JSON, so no
        # per-message deflate (its zlib state alone would be ~40 KB per idle device) and a
        # small size cap; liveness is the protocol's own heartbeat, not WebSocket pings.
        "ws": LEAN_WS_PROTOCOL or "auto",
        "ws_max_size": MAX_MESSAGE_BYTES,
        "ws_per_message_deflate": False,
        "ws_ping_interval": None,
    }


def _http_options(settings: Settings) -> dict[str, Any]:
    """Raise the open-files limit (worker processes inherit it) and bound HTTP connections
    by it: the guarded protocol (pickled to each worker) and uvicorn's keep-alive."""
    files = raise_open_files_limit()
    limits = HttpLimits(
        header_timeout_s=settings.header_timeout_s,
        body_timeout_s=settings.body_timeout_s,
        idle_timeout_s=settings.idle_timeout_s,
        max_connections=settings.max_connections or connections_for(files.now),
    )
    _announce(
        f"open files: {files.now} (was {files.before}); "
        f"up to {limits.max_connections} connections per process"
    )
    return {
        "http": functools.partial(GuardedHttpProtocol, guard=ConnectionGuard(limits)),
        "timeout_keep_alive": settings.idle_timeout_s,
    }


async def _prepare(settings: Settings) -> None:
    """What must happen once, before workers start: migrations, keys, the demo org."""
    services = await build_services(settings)
    try:
        if settings.seed_demo:
            demo = await seed_demo(services.directory)
            if demo is not None:
                _announce(demo.describe())
    finally:
        await services.store.close()
    admin_token(settings)
    if not settings.admin_token:
        _announce(f"admin token: in {settings.data_dir / 'admin-token'}")


def worker_app() -> Starlette:
    """The app of one worker process (``uvicorn --factory``), built from the parent's
    settings; migrations and the demo org were done by the parent."""
    raw = json.loads(os.environ[_SETTINGS_ENV])
    raw["data_dir"] = Path(raw["data_dir"])
    return create_app(Settings(**raw), announce=_quiet, settle_heap=True)


def private_data_dir(data_dir: Path) -> None:
    """The data directory holds the database (with the server's keys) and the admin
    token: readable by this user only. New files are made so (umask), a new directory
    too, and confplane's own files are set so if they were not; a directory that was
    there already is the user's to change, so it is only warned about."""
    os.umask(0o077)
    if not data_dir.exists():
        data_dir.mkdir(parents=True, mode=0o700)
    elif data_dir.stat().st_mode & 0o077:
        _announce(f"warning: {data_dir} is readable by other users; chmod 700 it")
    for path in [*data_dir.glob("confplane.db*"), data_dir / "admin-token"]:
        if path.is_file() and path.stat().st_mode & 0o077:
            path.chmod(0o600)


def _listen(config: uvicorn.Config) -> socket.socket:
    """The server's socket, bound and listening (connections wait in its backlog until
    the app has started); a taken port ends the run here, with uvicorn's message."""
    sock = config.bind_socket()
    sock.listen(config.backlog)
    return sock


def run(settings: Settings, *, log_level: str = "info", workers: int = 1) -> None:
    """Serve until stopped. ``workers`` > 1 runs that many processes on one socket; they
    share everything through the database (cursor key, tokens, meetings)."""
    private_data_dir(settings.data_dir)
    http_options = _http_options(settings)
    if workers <= 1:
        config = uvicorn.Config(
            create_app(settings, announce=_announce, settle_heap=True),
            **_uvicorn_options(settings, log_level),
            **http_options,
        )
        # The port first: a taken port ends the run before anything is announced or made.
        sock = _listen(config)
        _announce(f"confplane listening on {settings.resolved_public_url}")
        server = uvicorn.Server(config)
        with contextlib.suppress(KeyboardInterrupt):
            server.run(sockets=[sock])
        if not server.started:
            sys.exit(1)
        return
    workers_config = uvicorn.Config(
        "confplane.server:worker_app",
        factory=True,
        workers=workers,
        **_uvicorn_options(settings, log_level),
        **http_options,
    )
    sock = _listen(workers_config)
    _announce(f"confplane listening on {settings.resolved_public_url}")
    asyncio.run(_prepare(settings))
    worker_settings = dataclasses.replace(settings, seed_demo=False, processes=workers)
    raw = dataclasses.asdict(worker_settings)
    raw["data_dir"] = str(worker_settings.data_dir)
    os.environ[_SETTINGS_ENV] = json.dumps(raw)
    # The workers' metrics meet in files of one directory, new for this run.
    with (
        shared_directory() if settings.metrics else nullcontext(),
        contextlib.suppress(KeyboardInterrupt),
    ):
        Multiprocess(workers_config, sockets=[sock]).run()
