"""POST /j/{roomCode}/roster: the roster the join page shows, for a device inside.

The page proves it is a device of the meeting with its participantId and latest resume
token, in the body (never in a URL). ``revision`` of its last answer makes the answer
just "unchanged" while nothing in the meeting changed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response

from confplane.api import responses
from confplane.api.console import roster_body
from confplane.api.endpoint import Call, _run
from confplane.api.services import Runtime
from confplane.domain.model import Principal
from confplane.wire import console as w
from confplane.wire.errors import Op

_NO_PRINCIPAL = Principal(app_id=0, org_id=0, permissions=frozenset())


async def _roster(call: Call) -> w.RosterBody | w.Unchanged:
    req = await call.body(w.ParticipantRosterRequest)
    roster = await call.services.join_page.roster(
        call.path("roomCode"), req.participant_id, req.resume_token
    )
    if req.revision == roster.conference.revision:
        return w.Unchanged(unchanged=True, revision=req.revision)
    return roster_body(roster, corp_id=None, join_url=None, with_devices=False)


def roster(runtime: Runtime) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        call = Call(request, runtime.services, _NO_PRINCIPAL, responses.request_id())
        return await _run(Op.ADMIN, call, _roster)

    return endpoint
