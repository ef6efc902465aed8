"""Bodies of the device extension API under /confplane/v1/ (camelCase like the rest)."""

from __future__ import annotations

from confplane.wire.models import Body


class JoinTicketRequest(Body):
    union_id: str
    ttl_seconds: int | None = None


class JoinTicketBody(Body):
    ticket: str
    expire_in: int
    conference_id: str
    union_id: str
    # Where the device connects (ws:// or wss://, from the server's public URL).
    url: str
