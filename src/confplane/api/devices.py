"""The device extension: join tickets over HTTP, and the WebSocket devices connect to."""

from __future__ import annotations

from confplane.api.endpoint import Call
from confplane.wire import devices as w


async def create_join_ticket(call: Call) -> w.JoinTicketBody:
    req = await call.body(w.JoinTicketRequest)
    ticket = await call.services.tickets.issue(
        call.principal, call.path("conferenceId"), req.union_id, req.ttl_seconds
    )
    return w.JoinTicketBody(
        ticket=ticket.ticket,
        expire_in=ticket.expire_in,
        conference_id=ticket.conference_id,
        union_id=ticket.union_id,
        url=call.services.tickets.device_url,
    )
