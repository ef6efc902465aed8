"""DingTalk's Stream mode: connections/open hands out a ticket, the WebSocket carries
events to the app's SDK and its acks back (docs/events.md)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from starlette.websockets import WebSocket, WebSocketDisconnect

from confplane.api.endpoint import Call
from confplane.api.services import Runtime
from confplane.devices.protocol import ws_url
from confplane.devices.uvicorn_ws import FAREWELL
from confplane.domain.errors import InvalidCredentials
from confplane.events.stream import ACK_TIMEOUT_S, StreamConnection, StreamHub
from confplane.wire import stream as w

log = logging.getLogger("confplane.events")

PATH = "/confplane/v1/stream"


async def open_connection(call: Call) -> w.OpenConnectionResponse:
    req = await call.body(w.OpenConnectionRequest)
    if not req.client_id or not req.client_secret:
        raise InvalidCredentials("clientId and clientSecret are required")
    call.app_key = req.client_id
    _app, ticket = await call.services.subscriptions.open_stream(req.client_id, req.client_secret)
    return w.OpenConnectionResponse(endpoint=ws_url(call.services.public_url, PATH), ticket=ticket)


async def _keep_alive(
    websocket: WebSocket, connection: StreamConnection, streams: StreamHub
) -> None:
    """SYSTEM pings, as DingTalk's gateway sends them; an SDK that stops answering is
    closed, and its events go to the app's other connections."""
    while True:
        await asyncio.sleep(streams.ping_s)
        if not await connection.ping(min(streams.ping_s, ACK_TIMEOUT_S)):
            log.info("stream connection %s did not answer a ping", connection.connection_id)
            with contextlib.suppress(Exception):
                await websocket.close(code=1001)
            return


def socket_endpoint(runtime: Runtime) -> Callable[[WebSocket], Awaitable[None]]:
    async def endpoint(websocket: WebSocket) -> None:
        services = runtime.services
        ticket = websocket.query_params.get("ticket", "")
        app = await services.subscriptions.app_of_ticket(ticket) if ticket else None
        if app is None:
            # Before the handshake: the SDK sees the connection refused and opens again.
            await websocket.close(code=4401)
            return
        await websocket.accept()
        connection = StreamConnection(app.id, app.app_key, websocket.send_text)
        websocket.scope[FAREWELL] = connection.system_frame("disconnect")
        services.streams.add(connection)
        keepalive = asyncio.create_task(_keep_alive(websocket, connection, services.streams))
        try:
            while True:
                connection.received(await websocket.receive_text())
        except WebSocketDisconnect:
            pass
        finally:
            keepalive.cancel()
            services.streams.remove(connection)

    return endpoint
