"""Domain records to wire bodies."""

from __future__ import annotations

from collections.abc import Sequence

from confplane.domain.conferences import CreatedConference, OrgConferencePage
from confplane.domain.model import ConferenceView, Member
from confplane.wire import codec
from confplane.wire import models as w


def created(result: CreatedConference) -> w.CreateVideoConferenceResponse:
    c = result.conference
    return w.CreateVideoConferenceResponse(
        conference_id=c.conference_id,
        conference_password=c.conference_password,
        host_password=c.host_password,
        external_link_url=result.external_link_url,
        room_code=c.room_code,
        phone_numbers=result.phone_numbers,
    )


def conference_infos(views: Sequence[ConferenceView]) -> w.QueryConferenceInfoBatchResponse:
    return w.QueryConferenceInfoBatchResponse(
        infos=[
            w.ConferenceInfo(
                conference_id=v.conference.conference_id,
                title=v.conference.title,
                status=v.conference.status,
                media_status=v.media_status,
                start_time=v.conference.start_time,
                user_list=[
                    w.ConferenceUser(
                        user_id=m.member.union_id,
                        nick=m.member.nick,
                        attend_status=m.member.attend_status,
                        camera_status=m.camera_status,
                        mic_status=m.mic_status,
                        reject_description=m.member.reject_description,
                    )
                    for m in v.members
                ],
            )
            for v in views
        ]
    )


def member_models(members: Sequence[Member], conference_id: str, now: int) -> list[w.MemberModel]:
    return [_member_model(m, conference_id, m.duration_at(now)) for m in members]


def _member_model(m: Member, conference_id: str, duration: int) -> w.MemberModel:
    return w.MemberModel(
        union_id=m.union_id,
        conference_id=conference_id,
        user_nick=m.nick,
        join_time=m.join_time,
        leave_time=m.leave_time,
        duration=duration,
        host=m.host,
        attend_status=m.attend_status,
        outer_org_member=True if m.outer_org else None,
        pstn_join=m.pstn,
        co_host=m.co_host,
        job_number=m.job_number,
    )


# A duration no member can have: it marks where a present member's duration goes.
_UNSET_DURATION = -1
_UNSET_FIELD = b'"duration":%d,' % _UNSET_DURATION


class MemberPageTemplate:
    """A whole QueryConferenceMembers answer encoded once: only the durations of members
    still in the meeting change from one request to the next, and ``fill`` writes them in.

    In the encoding a field name is never preceded by an unescaped quote inside a string
    value, so the marked ``"duration":-1,`` can only be the field itself.
    """

    __slots__ = ("_bases", "_filled", "_filled_at", "_latest_arrival", "_present", "_template")

    def __init__(
        self,
        members: Sequence[Member],
        conference_id: str,
        total_count: int,
        next_token: str | None,
    ) -> None:
        models = [
            _member_model(
                m, conference_id, m.duration_ms if m.present_since is None else _UNSET_DURATION
            )
            for m in members
        ]
        body = codec.encode(
            w.QueryConferenceMembersResponse(
                member_models=models, total_count=total_count, next_token=next_token
            )
        )
        self._present = [
            (m.duration_ms, m.present_since) for m in members if m.present_since is not None
        ]
        if self._present:
            body = body.replace(b"%", b"%%").replace(_UNSET_FIELD, b'"duration":%d,')
        self._template = body
        # duration = spent + (now - since) = (spent - since) + now once everyone has arrived.
        self._bases = tuple(spent - since for spent, since in self._present)
        self._latest_arrival = max((since for _, since in self._present), default=0)
        # The last answer filled in: requests of the same millisecond share it (a loaded
        # server answers several per millisecond, and a page of 1,000 present members
        # costs more to fill than to send).
        self._filled_at = -1
        self._filled = b""

    def fill(self, now: int) -> bytes:
        """The answer as encoding ``member_models(members, conference_id, now)`` gives."""
        if not self._present:
            return self._template
        if now == self._filled_at:
            return self._filled
        if now >= self._latest_arrival:
            body = self._template % tuple([base + now for base in self._bases])
        else:
            # A clock that stepped back: nobody's stay counts as negative.
            body = self._template % tuple(
                spent + max(0, now - since) for spent, since in self._present
            )
        self._filled_at, self._filled = now, body
        return body


def org_conferences(page: OrgConferencePage) -> w.QueryOrgConferenceListResponse:
    return w.QueryOrgConferenceListResponse(
        on_going_conf_list=[
            w.OnGoingConference(
                conference_id=c.conference_id,
                title=c.title,
                status=c.status,
                room_code=c.room_code,
                creator_id=c.host_union_id,
                creator_nick=page.host_nicks.get(c.host_union_id),
                start_time=c.start_time,
            )
            for c in page.conferences
        ],
        has_more=page.next_token is not None,
        total_count=page.total_count,
        next_token=page.next_token,
    )
