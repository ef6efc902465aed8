"""conference_1_0 handlers: parse, call the domain, render."""

from __future__ import annotations

from collections.abc import AsyncIterator

from starlette.responses import Response

from confplane.api import responses
from confplane.api.endpoint import Call
from confplane.api.query_values import max_results
from confplane.domain.conferences import WALK_SLICE, MemberWalk
from confplane.wire import actions, codec, render
from confplane.wire import models as w


async def create_video_conference(call: Call) -> w.CreateVideoConferenceResponse:
    req = await call.body(w.CreateVideoConferenceRequest)
    result = await call.services.conferences.create(
        call.principal,
        creator_union_id=req.user_id,
        title=req.conf_title,
        invitee_union_ids=req.invite_user_ids or [],
        invite_caller=bool(req.invite_caller),
    )
    return render.created(result)


async def mute_members(call: Call) -> w.SuccessResponse:
    req = await call.body(w.MuteMembersRequest)
    await call.services.conferences.mute(
        call.principal,
        call.path("conferenceId"),
        action=actions.parse(actions.MUTE_MEMBERS, req.action, required=False),
        targets=[(u.union_id, u.participant_id) for u in req.user_list],
    )
    return w.SuccessResponse(success=True)


async def lock_conference(call: Call) -> w.SuccessResponse:
    req = await call.body(w.LockConferenceRequest)
    await call.services.conferences.lock(
        call.principal, call.path("conferenceId"), action=actions.parse(actions.LOCK, req.action)
    )
    return w.SuccessResponse(success=True)


async def mute_all(call: Call) -> w.SuccessResponse:
    req = await call.body(w.MuteAllRequest)
    await call.services.conferences.mute_all(
        call.principal,
        call.path("conferenceId"),
        action=actions.parse(actions.MUTE_ALL, req.action),
        force=bool(req.force_mute),
    )
    return w.SuccessResponse(success=True)


async def kick_members(call: Call) -> w.SuccessResponse:
    req = await call.body(w.KickMembersRequest)
    await call.services.conferences.kick(
        call.principal,
        call.path("conferenceId"),
        targets=[(u.union_id, u.participant_id) for u in req.user_list],
        forbid_rejoin=bool(req.forbidden_rejoin),
    )
    return w.SuccessResponse(success=True)


async def cohosts(call: Call) -> w.SuccessResponse:
    req = await call.body(w.CohostsRequest)
    await call.services.conferences.set_cohosts(
        call.principal,
        call.path("conferenceId"),
        action=actions.parse(actions.COHOSTS, req.action),
        union_ids=[u.union_id for u in req.user_list],
    )
    return w.SuccessResponse(success=True)


async def query_conference_info_batch(call: Call) -> Response:
    req = await call.body(w.QueryConferenceInfoBatchRequest)
    views = await call.services.conferences.query_batch(call.principal, req.conference_id_list)
    # The answer is the same for every request that finds the same revisions: encoded once.
    encoded_batches = call.services.renderings.batches
    encoded = encoded_batches.get(views)
    if encoded is None:
        encoded = encoded_batches[views] = codec.encode(render.conference_infos(views.views))
    return responses.encoded(encoded, call.request_id)


async def close_video_conference(call: Call) -> w.CloseVideoConferenceResponse:
    await call.services.conferences.close(
        call.principal, call.path("conferenceId"), union_id=call.query("unionId") or ""
    )
    return w.CloseVideoConferenceResponse(code=200, cause="success")


async def query_conference_members(call: Call) -> Response:
    walk = await call.services.conferences.members(
        call.principal,
        call.path("conferenceId"),
        next_token=call.query("nextToken"),
        max_results=max_results(call.query("maxResults")),
    )
    if walk.limit <= WALK_SLICE:
        # One slice, shared by the requests that find the meeting at the same revision
        # (so with the same totalCount and nextToken): the answer is encoded once, and
        # only the durations of members in the meeting are written per request.
        page = walk.first
        templates = call.services.renderings.pages
        template = templates.get(page)
        if template is None:
            template = templates[page] = render.MemberPageTemplate(
                page.members,
                walk.conference.conference_id,
                walk.total_count,
                walk.token_after(page),
            )
        return responses.encoded(template.fill(walk.now), call.request_id)
    # A large page is streamed slice by slice so memory stays flat whatever maxResults is.
    return responses.streamed(_stream_members(walk), call.request_id)


async def query_org_conference_list(call: Call) -> w.QueryOrgConferenceListResponse:
    page = await call.services.conferences.org_conferences(
        call.principal,
        next_token=call.query("nextToken"),
        max_results=max_results(call.query("maxResults")),
    )
    return render.org_conferences(page)


async def _stream_members(walk: MemberWalk) -> AsyncIterator[bytes]:
    yield b'{"memberModels":['
    first = True
    async for page in walk.slices():
        encoded = codec.encode(render.member_models(page, walk.conference.conference_id, walk.now))
        if not first:
            yield b","
        yield encoded[1:-1]
        first = False
    tail = w.QueryConferenceMembersResponse(
        member_models=[], total_count=walk.total_count, next_token=walk.next_token()
    )
    # The tail's own encoding minus its empty memberModels list: totalCount, nextToken.
    yield b"]," + codec.encode(tail)[len(b'{"memberModels":[],') :]
