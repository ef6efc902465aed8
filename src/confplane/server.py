"""Runs the ASGI app on uvicorn, in one process or in several worker processes."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
from pathlib import Path
from typing import Any

import uvicorn
from starlette.applications import Starlette

from confplane.api.app import admin_token, build_services, create_app
from confplane.config import Settings
from confplane.demo import seed_demo
from confplane.devices.protocol import MAX_MESSAGE_BYTES
from confplane.devices.uvicorn_ws import PROTOCOL as LEAN_WS_PROTOCOL

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


def run(settings: Settings, *, log_level: str = "info", workers: int = 1) -> None:
    """Serve until stopped. ``workers`` > 1 runs that many processes on one socket; they
    share everything through the database (cursor key, tokens, meetings)."""
    private_data_dir(settings.data_dir)
    _announce(f"confplane listening on {settings.resolved_public_url}")
    if workers <= 1:
        uvicorn.run(
            create_app(settings, announce=_announce, settle_heap=True),
            **_uvicorn_options(settings, log_level),
        )
        return
    asyncio.run(_prepare(settings))
    worker_settings = dataclasses.replace(settings, seed_demo=False, processes=workers)
    raw = dataclasses.asdict(worker_settings)
    raw["data_dir"] = str(worker_settings.data_dir)
    os.environ[_SETTINGS_ENV] = json.dumps(raw)
    uvicorn.run(
        "confplane.server:worker_app",
        factory=True,
        workers=workers,
        **_uvicorn_options(settings, log_level),
    )
