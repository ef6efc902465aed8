"""The Python limit's app: raw ASGI, no framework, the same constant JSON for any request.

``python -m bench`` serves it on granian and on uvicorn (one process each) and takes the
faster as the most a Python server answers on this machine; confplane's figures are
also given as a share of it.
"""

from __future__ import annotations

from typing import Any

BODY = b'{"status":"ok"}'
START = {
    "type": "http.response.start",
    "status": 200,
    "headers": [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(BODY)).encode()),
    ],
}
DONE = {"type": "http.response.body", "body": BODY}


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        await receive()  # startup
        await send({"type": "lifespan.startup.complete"})
        await receive()  # shutdown
        await send({"type": "lifespan.shutdown.complete"})
        return
    # Only GETs are sent here: there is no request body to wait for.
    await send(START)
    await send(DONE)
