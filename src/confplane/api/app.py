"""The ASGI application: services built at start-up, routes, error pages in DingTalk's shape."""

from __future__ import annotations

import logging
import secrets
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from confplane import heap
from confplane.api import responses
from confplane.api.devices import ws_url
from confplane.api.routes import admin_routes, api_routes, device_routes
from confplane.api.services import Services
from confplane.config import Settings
from confplane.demo import seed_demo
from confplane.devices import protocol
from confplane.devices.fanout import Fanout, LocalFanout, PostgresFanout, RedisFanout
from confplane.devices.hub import Hub
from confplane.devices.session import DeviceEndpoint
from confplane.domain.auth import AuthService
from confplane.domain.commands import CommandLog
from confplane.domain.conferences import ConferenceService
from confplane.domain.directory import DirectoryService
from confplane.domain.paging import CursorCodec
from confplane.domain.presence import PresenceService
from confplane.domain.tickets import TicketCodec, TicketService
from confplane.store import meta
from confplane.store.database import Database
from confplane.wire.errors import NOT_FOUND, SYSTEM_ERROR, WireError

log = logging.getLogger("confplane")


def admin_token(settings: Settings) -> str:
    """The configured admin token, else one kept in the data directory (made once)."""
    if settings.admin_token:
        return settings.admin_token
    path = settings.data_dir / "admin-token"
    if path.exists():
        return path.read_text().strip()
    token = secrets.token_urlsafe(32)
    path.write_text(token + "\n")
    path.chmod(0o600)
    return token


async def build_services(settings: Settings) -> Services:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    db = Database(settings.resolved_database_url, sqlite_synchronous=settings.sqlite_synchronous)
    await db.migrate()
    async with db.write() as conn:
        key = await meta.get_or_create(conn, "cursor_key", secrets.token_hex(32))
        ticket_key = await meta.get_or_create(conn, "ticket_key", secrets.token_hex(32))
    conferences = ConferenceService(
        db,
        CursorCodec(bytes.fromhex(key)),
        public_url=settings.resolved_public_url,
        max_members=settings.max_members,
        read_cache_rows=settings.read_cache_rows,
    )
    presence = PresenceService(db, conferences)
    hub = Hub(
        presence,
        CommandLog(db),
        heartbeat_s=settings.device_heartbeat_s,
        grace_s=settings.device_grace_s,
    )
    # Commands reach devices on every server process: through Redis when given, else
    # PostgreSQL's LISTEN/NOTIFY; SQLite means one process.
    fanout: Fanout
    if settings.redis_url:
        fanout = RedisFanout(hub, settings.redis_url)
    elif not db.is_sqlite:
        fanout = PostgresFanout(hub, db.url)
    else:
        fanout = LocalFanout(hub)
        if settings.processes > 1:
            log.warning(
                "%d processes on SQLite without --redis-url: a device only gets the "
                "commands made through the process it is connected to",
                settings.processes,
            )
    conferences.notifier = fanout
    auth = AuthService(db, settings.token_lifetime_s, cache_s=settings.token_cache_s)
    return Services(
        db=db,
        auth=auth,
        directory=DirectoryService(db, on_permissions_changed=auth.forget_app),
        conferences=conferences,
        presence=presence,
        admin_token=admin_token(settings),
        tickets=TicketService(
            db,
            TicketCodec(bytes.fromhex(ticket_key)),
            device_url=ws_url(settings.resolved_public_url),
        ),
        hub=hub,
        fanout=fanout,
    )


def _error_page(err: WireError) -> Callable[[Request, Exception], Response]:
    def handler(_request: Request, _exc: Exception) -> Response:
        return responses.error(err, responses.request_id())

    return handler


async def _http_exception(request: Request, exc: Exception) -> Response:
    """Starlette's own 404/405 become DingTalk's InvalidAction.NotFound."""
    if isinstance(exc, HTTPException) and exc.status_code not in (404, 405):
        return responses.error(
            WireError(exc.status_code, "paramsError", f"error:{exc.detail}"),
            responses.request_id(),
        )
    return responses.error(NOT_FOUND, responses.request_id())


class App(Starlette):
    """Starlette, with the device WebSocket taken straight to its endpoint.

    Tens of thousands of devices each hold a connection open for the whole meeting; the
    middleware and routing frames Starlette keeps per connection cost several KB each,
    so the device path skips them (it needs no exception page and no route lookup).
    """

    _devices = DeviceEndpoint()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket" and scope["path"] == protocol.PATH:
            scope["app"] = self
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

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        services = await build_services(settings)
        app.state.services = services
        if settings.seed_demo:
            demo = await seed_demo(services.directory)
            if demo is not None:
                announce(demo.describe())
        token_file = Path(settings.data_dir) / "admin-token"
        if not settings.admin_token:
            announce(f"admin token: in {token_file}")
        await services.fanout.start()
        await services.hub.start(sole_process=services.db.is_sqlite and settings.processes == 1)
        if settle_heap:
            heap.settle()
        try:
            yield
        finally:
            await services.hub.stop()
            await services.fanout.close()
            await services.db.close()

    app = App(
        routes=[*api_routes(), *admin_routes(), *device_routes()],
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
