"""What the join page at ``/j/{roomCode}`` may learn, and who may read its roster.

Anyone holding the link sees the meeting's title and whether it is open: that is what
the link is for. The roster is for those inside: a device proves it is one by its
participantId and its latest resume token (what it would resume with), without using
the token up.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from confplane.domain import ids
from confplane.domain.errors import NotFound
from confplane.domain.model import Conference, ConferenceStatus
from confplane.domain.roster import Roster, read_roster
from confplane.domain.storage import Store
from confplane.domain.tickets import TicketCodec

MAX_ROOM_CODE = 32


@dataclass(frozen=True, slots=True)
class MemberInvitation:
    """Whom a valid join ticket lets in."""

    union_id: str
    nick: str


class JoinPageService:
    def __init__(self, store: Store, tickets: TicketCodec) -> None:
        self._store = store
        self._tickets = tickets

    async def meeting(self, room_code: str) -> Conference:
        """The newest meeting with this room code, in progress or ended."""
        if not room_code or len(room_code) > MAX_ROOM_CODE or not room_code.isalnum():
            raise NotFound("no meeting has this room code")
        async with self._store.read() as tx:
            found = await tx.controls.of_room_code(room_code, limit=1)
        if not found:
            raise NotFound("no meeting has this room code")
        return found[0]

    async def invitation(self, conference: Conference, ticket: str) -> MemberInvitation:
        """The member a ticket names, if it is valid for this meeting (else InvalidTicket)."""
        grant = self._tickets.decode(ticket, conference.conference_id)
        async with self._store.read() as tx:
            member = await tx.meetings.member(conference.id, grant.union_id)
            user = await tx.directory.user_by_union_id(grant.union_id)
        nick = user.nick if user is not None else member.nick if member is not None else ""
        return MemberInvitation(grant.union_id, nick)

    async def roster(self, room_code: str, participant_id: str, resume_token: str) -> Roster:
        """The roster, for a device of this meeting that is still in it."""
        conference = await self.meeting(room_code)
        async with self._store.read() as tx:
            digest = await tx.devices.resume_digest(participant_id) if participant_id else None
            device = await tx.devices.by_participant_id(participant_id) if digest else None
            if (
                digest is None
                or device is None
                or not hmac.compare_digest(digest, ids.digest(resume_token))
                or device.conference_pk != conference.id
                or not device.active
                or conference.status == ConferenceStatus.ENDED
            ):
                raise NotFound("this device is not in the meeting")
            return await read_roster(tx, conference)
