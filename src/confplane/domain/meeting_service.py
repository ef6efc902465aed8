"""What the services over one org's meetings share: their dependencies, the owner check,
and the lookups that hold a meeting for the rest of a write transaction."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from confplane.domain.clock import Clock
from confplane.domain.errors import (
    ConferenceEnded,
    ConferenceNotFound,
    ConferenceOfOtherOrg,
    MissingConferenceId,
)
from confplane.domain.events import Command, Notifier, NullNotifier
from confplane.domain.model import Conference, ConferenceState, ConferenceStatus, Principal
from confplane.domain.paging import CursorCodec
from confplane.domain.storage import MeetingWrites, Store, Writes

C = TypeVar("C", Conference, ConferenceState)


def check_owner(conference: C | None, principal: Principal, conference_id: str) -> C:
    if conference is None:
        raise ConferenceNotFound(f"conference {conference_id} not found")
    if conference.org_id != principal.org_id:
        raise ConferenceOfOtherOrg(f"conference {conference_id} belongs to another org")
    return conference


class MeetingService:
    def __init__(
        self,
        store: Store,
        cursor: CursorCodec,
        *,
        public_url: str,
        max_members: int = 200_000,
        notifier: Notifier | None = None,
        clock: Clock | None = None,
    ) -> None:
        self._store = store
        self._cursor = cursor
        self.public_url = public_url.rstrip("/")
        self.max_members = max_members
        self._notifier: Notifier = notifier or NullNotifier()
        self._clock = clock or Clock()

    def join_link(self, room_code: str) -> str:
        return f"{self.public_url}/j/{room_code}"

    async def _owned(
        self, meetings: MeetingWrites, principal: Principal, conference_id: str
    ) -> Conference:
        """The caller's meeting, held for the rest of the write transaction."""
        if not conference_id:
            raise MissingConferenceId("conferenceId is missing")
        return check_owner(await meetings.take(conference_id), principal, conference_id)

    async def _live(self, tx: Writes, principal: Principal, conference_id: str) -> Conference:
        """The caller's meeting in progress, held for the rest of the write transaction."""
        conference = await self._owned(tx.meetings, principal, conference_id)
        if conference.status == ConferenceStatus.ENDED:
            raise ConferenceEnded(f"conference {conference_id} has ended")
        return conference

    async def _publish(self, recorded: Sequence[Command | None]) -> None:
        """Tells the devices of the commands a write recorded (None: it recorded none)."""
        found = [c for c in recorded if c is not None]
        if found:
            await self._notifier.publish(found)
