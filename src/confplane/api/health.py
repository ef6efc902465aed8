"""GET /confplane/v1/health: the process answers HTTP (no database round trip).

It is also the benchmarks' ceiling: the cheapest JSON answer this app can give on the
same server and settings as the DingTalk operations.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from confplane.api import responses
from confplane.wire import codec
from confplane.wire.admin import HealthBody

_OK = codec.encode(HealthBody(status="ok"))


async def health(_request: Request) -> Response:
    return Response(_OK, 200, media_type=responses.JSON)
