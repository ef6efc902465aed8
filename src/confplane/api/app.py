"""The ASGI application: services built at start-up, routes, error pages in DingTalk's shape."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from confplane import heap
from confplane.api import openapi, responses, web
from confplane.api.routes import (
    admin_routes,
    api_routes,
    device_routes,
    emulator_routes,
    event_routes,
)
from confplane.api.schedule_timer import ScheduleTimer
from confplane.api.services import Runtime, admin_token, build_services
from confplane.config import Settings
from confplane.demo import seed_demo
from confplane.devices import protocol
from confplane.devices.session import DeviceEndpoint
from confplane.wire.errors import NOT_FOUND, SYSTEM_ERROR, WireError

__all__ = ["admin_token", "build_services", "create_app"]


def _error_page(err: WireError) -> Callable[[Request, Exception], Response]:
    def handler(_request: Request, _exc: Exception) -> Response:
        return responses.error(err, responses.request_id())

    return handler


async def _http_exception(request: Request, exc: Exception) -> Response:
    """Starlette's own 404/405 become DingTalk's InvalidAction.NotFound."""
    if isinstance(exc, HTTPException) and exc.status_code not in (404, 405):
        err = WireError(
            exc.status_code, "paramsError", "error:invalid parameter", detail=exc.detail
        )
        return responses.error(err, responses.request_id())
    return responses.error(NOT_FOUND, responses.request_id())


class App(Starlette):
    """Starlette, with the device WebSocket taken straight to its endpoint (the one way
    it is reached: it is not also a route).

    Tens of thousands of devices each hold a connection open for the whole meeting; the
    middleware and routing frames Starlette keeps per connection cost several KB each,
    so the device path skips them (it needs no exception page and no route lookup).
    """

    def __init__(self, devices: DeviceEndpoint, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._devices = devices

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket" and scope["path"] == protocol.PATH:
            await self._devices(scope, receive, send)
            return
        await super().__call__(scope, receive, send)


def create_app(
    settings: Settings,
    *,
    announce: Callable[[str], None] = print,
    settle_heap: bool = False,
) -> Starlette:
    """The app. ``settle_heap``: tune the process's garbage collector once started (see
    ``confplane.heap``); for a process that is this server, not one that embeds it."""

    runtime = Runtime()

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        services = await build_services(settings)
        runtime.start(services)
        if settings.seed_demo:
            demo = await seed_demo(services.directory)
            if demo is not None:
                announce(demo.describe())
        token_file = Path(settings.data_dir) / "admin-token"
        if not settings.admin_token:
            announce(f"admin token: in {token_file}")
        await services.fanout.start()
        await services.hub.start(sole_process=services.sole_process)
        if services.node_watch is not None:
            await services.node_watch.start()
        if services.metrics is not None:
            await services.metrics.start()
        services.deliverer.start()
        schedule_timer = ScheduleTimer(services.schedules)
        schedule_timer.start()
        if settle_heap:
            heap.settle()
        try:
            yield
        finally:
            await schedule_timer.stop()
            await services.deliverer.stop()
            if services.metrics is not None:
                await services.metrics.stop()
            if services.node_watch is not None:
                await services.node_watch.stop()
            await services.hub.stop()
            await services.fanout.close()
            await services.store.close()

    app = App(
        DeviceEndpoint(lambda: runtime.services),
        routes=[
            *api_routes(runtime),
            *admin_routes(runtime),
            *device_routes(runtime),
            *event_routes(runtime),
            *(emulator_routes(runtime) if settings.emulator else []),
            openapi.route(emulator=settings.emulator),
            # The join page, the console and their assets (not API routes: api/web.py).
            web.browser_pages(runtime, emulator_on=settings.emulator),
        ],
        lifespan=lifespan,
        exception_handlers={
            HTTPException: _http_exception,
            Exception: _error_page(SYSTEM_ERROR),
        },
    )
    # A trailing slash is another path, not a redirect: the official clients follow
    # redirects, so "<id>/" would otherwise act on meeting <id>.
    app.router.redirect_slashes = False
    return app
