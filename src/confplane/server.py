"""Runs the ASGI app on uvicorn."""

from __future__ import annotations

import uvicorn

from confplane.api.app import create_app
from confplane.config import Settings


def _announce(text: str) -> None:
    print(text, flush=True)


def run(settings: Settings, *, log_level: str = "info") -> None:
    app = create_app(settings, announce=_announce)
    _announce(f"confplane listening on {settings.resolved_public_url}")
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        log_level=log_level,
        access_log=False,
        server_header=False,
        date_header=False,
    )
