"""GET /metrics: every metric in Prometheus's text format (or OpenMetrics, when the
scraper asks for it), with no token, as Prometheus exporters answer; not for the public
internet (docs/operations.md). With ``--no-metrics`` it is not there (404)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from prometheus_client.exposition import choose_encoder
from starlette.requests import Request
from starlette.responses import Response

from confplane.api import responses
from confplane.api.services import Runtime
from confplane.wire.errors import NOT_FOUND

PATH = "/metrics"


def metrics(runtime: Runtime) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        metrics = runtime.services.metrics
        if metrics is None:
            return responses.error(NOT_FOUND, responses.request_id())
        encode, content_type = choose_encoder(request.headers.get("accept", ""))
        return Response(metrics.exposition(encode), 200, media_type=content_type)

    return endpoint
