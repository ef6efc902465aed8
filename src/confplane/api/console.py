"""The console's meeting calls: the live meetings, one meeting's roster, and every
action on it, each through the same domain service as the DingTalk operation it mirrors
(with domain.console's principal for the meeting's org)."""

from __future__ import annotations

from confplane.api.endpoint import Call
from confplane.api.query_values import EIGHTEEN_DIGITS_MAX, whole_number
from confplane.domain.links import LOGIN_PATH
from confplane.domain.model import DeviceMedia
from confplane.domain.roster import Roster
from confplane.wire import actions
from confplane.wire import console as w
from confplane.wire.models import SuccessResponse


def roster_body(
    roster: Roster, *, corp_id: str | None, join_url: str | None, with_devices: bool = True
) -> w.RosterBody:
    """The roster as the pages read it; ``with_devices`` False (the join page) leaves out
    other people's participantIds."""
    conference = roster.conference
    members = []
    for entry in roster.entries:
        m = entry.member
        devices = [
            w.DeviceEntry(
                participant_id=d.participant_id,
                mic_status=d.mic_status,
                camera_status=d.camera_status,
                host_muted=d.host_muted,
            )
            for d in entry.devices
        ]
        # A member's microphone is open if any of its devices' is (QueryConferenceMembers
        # reports the same).
        open_ = int(DeviceMedia.OPEN)
        closed = int(DeviceMedia.CLOSED)
        members.append(
            w.RosterMember(
                union_id=m.union_id,
                nick=m.nick,
                attend_status=m.attend_status,
                host=m.host,
                co_host=m.co_host,
                outer_org=m.outer_org,
                mic_status=open_ if any(d.mic_status == open_ for d in entry.devices) else closed,
                camera_status=(
                    open_ if any(d.camera_status == open_ for d in entry.devices) else closed
                ),
                devices=devices if with_devices else [],
            )
        )
    return w.RosterBody(
        conference_id=conference.conference_id,
        title=conference.title,
        room_code=conference.room_code,
        status=conference.status,
        locked=conference.locked,
        mute_all=conference.mute_all,
        allow_unmute_self=roster.settings.allow_unmute_self,
        focus_union_id=roster.settings.focus_union_id,
        revision=conference.revision,
        members=members,
        truncated=roster.truncated,
        corp_id=corp_id,
        join_url=join_url,
    )


async def live_meetings(call: Call) -> w.LiveMeetingList:
    found = await call.services.console.live_meetings()
    return w.LiveMeetingList(
        items=[
            w.LiveMeetingBody(
                conference_id=m.conference.conference_id,
                title=m.conference.title,
                room_code=m.conference.room_code,
                corp_id=m.corp_id,
                org_name=m.org_name,
                host_union_id=m.conference.host_union_id,
                member_count=m.conference.member_count,
                locked=m.conference.locked,
                mute_all=m.conference.mute_all,
                created_at=m.conference.created_at,
            )
            for m in found
        ]
    )


def _revision_seen(call: Call) -> int | None:
    return whole_number(call.query("revision"), maximum=EIGHTEEN_DIGITS_MAX)


async def meeting(call: Call) -> w.RosterBody | w.Unchanged:
    """The meeting and its roster; with ``?revision=`` of the last answer, only whether
    it changed (the page asks every second or two)."""
    conference_id = call.path("conferenceId")
    seen = _revision_seen(call)
    if seen is not None:
        now = await call.services.console.revision(conference_id)
        if now == seen:
            return w.Unchanged(unchanged=True, revision=now)
    page = await call.services.console.meeting(conference_id)
    join_url = call.services.controls.join_link(page.roster.conference.room_code)
    return roster_body(page.roster, corp_id=page.corp_id, join_url=join_url)


async def mute(call: Call) -> SuccessResponse:
    req = await call.body(w.MeetingMuteRequest)
    principal, conference = await call.services.console.principal_of(call.path("conferenceId"))
    await call.services.conferences.mute(
        principal,
        conference.conference_id,
        action=actions.parse(actions.MUTE_MEMBERS, req.action),
        targets=[(req.union_id, req.participant_id or None)],
    )
    return SuccessResponse(success=True)


async def mute_all(call: Call) -> SuccessResponse:
    req = await call.body(w.MeetingMuteAllRequest)
    principal, conference = await call.services.console.principal_of(call.path("conferenceId"))
    await call.services.conferences.mute_all(
        principal,
        conference.conference_id,
        action=actions.parse(actions.MUTE_ALL, req.action),
        force=req.force,
    )
    return SuccessResponse(success=True)


async def kick(call: Call) -> SuccessResponse:
    req = await call.body(w.MeetingKickRequest)
    principal, conference = await call.services.console.principal_of(call.path("conferenceId"))
    await call.services.conferences.kick(
        principal,
        conference.conference_id,
        targets=[(req.union_id, req.participant_id or None)],
        forbid_rejoin=req.forbidden_rejoin,
    )
    return SuccessResponse(success=True)


async def cohosts(call: Call) -> SuccessResponse:
    req = await call.body(w.MeetingCohostRequest)
    principal, conference = await call.services.console.principal_of(call.path("conferenceId"))
    await call.services.conferences.set_cohosts(
        principal,
        conference.conference_id,
        action=actions.parse(actions.COHOSTS, req.action),
        union_ids=[req.union_id],
    )
    return SuccessResponse(success=True)


async def lock(call: Call) -> SuccessResponse:
    req = await call.body(w.MeetingLockRequest)
    principal, conference = await call.services.console.principal_of(call.path("conferenceId"))
    await call.services.conferences.lock(
        principal, conference.conference_id, action=actions.parse(actions.LOCK, req.action)
    )
    return SuccessResponse(success=True)


async def close(call: Call) -> SuccessResponse:
    """Close the meeting, as its host would (CloseVideoConference)."""
    principal, conference = await call.services.console.principal_of(call.path("conferenceId"))
    await call.services.conferences.close(
        principal, conference.conference_id, union_id=conference.host_union_id
    )
    return SuccessResponse(success=True)


async def join_link(call: Call) -> w.JoinLinkBody:
    """A member's own join link: the auto-login URL CreateAutoLoginUrl would make."""
    req = await call.body(w.JoinLinkRequest)
    principal, conference = await call.services.console.principal_of(call.path("conferenceId"))
    services = call.services
    ticket = await services.tickets.issue(
        principal, conference.conference_id, req.union_id, req.ttl_seconds
    )
    url = f"{services.links.public_url}{LOGIN_PATH}{conference.conference_id}/{ticket.ticket}"
    return w.JoinLinkBody(url=url, expire_in=ticket.expire_in)
