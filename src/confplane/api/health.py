"""GET /confplane/v1/health: the process answers HTTP (no database round trip).

It is also the benchmarks' ceiling: the cheapest JSON answer this app can give on the
same server and settings as the DingTalk operations.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response

from confplane.api import responses
from confplane.api.services import Runtime
from confplane.wire import codec
from confplane.wire.admin import HealthBody

_OK = codec.encode(HealthBody(status="ok"))


async def health(_request: Request) -> Response:
    return responses.encoded(_OK, responses.request_id())


def ready(runtime: Runtime) -> Callable[[Request], Awaitable[Response]]:
    """GET /confplane/v1/ready: 200 when the database answers at the newest schema and
    the fan-out channel (Redis, PostgreSQL's notifications) is connected; 503 and what
    is wrong otherwise. Liveness stays /confplane/v1/health."""

    async def endpoint(_request: Request) -> Response:
        services = runtime.services
        problems = [
            p for p in (await services.store.problem(), await services.fanout.problem()) if p
        ]
        body = HealthBody(status="unavailable", problems=problems) if problems else _READY
        status = 503 if problems else 200
        return responses.encoded(codec.encode(body), responses.request_id(), status)

    return endpoint


_READY = HealthBody(status="ready")
