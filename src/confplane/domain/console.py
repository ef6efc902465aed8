"""What the console's signed-in operator may do: act on any org's meeting as that org.

The operator holds the admin token, which is above every org. Each action on a meeting
goes through the same services as the DingTalk API (ConferenceService and the rest),
with the principal this module builds for the meeting's org: one place, both
permissions, so the rules, app events and device commands are the API's own.
"""

from __future__ import annotations

from dataclasses import dataclass

from confplane.domain.errors import ConferenceNotFound, MissingConferenceId
from confplane.domain.model import ALL_SCOPES, Conference, ConferenceStatus, Principal
from confplane.domain.roster import Roster, read_roster
from confplane.domain.storage import Store

# The console names itself where an app's key would stand (the emulator's journal).
CONSOLE_APP_KEY = "confplane-console"
# Meetings in progress listed per org; an operator reads a page, not a data dump.
LIVE_PER_ORG = 200


@dataclass(frozen=True, slots=True)
class LiveMeeting:
    conference: Conference
    corp_id: str
    org_name: str


@dataclass(frozen=True, slots=True)
class MeetingPage:
    roster: Roster
    corp_id: str


class ConsoleService:
    def __init__(self, store: Store) -> None:
        self._store = store

    async def principal_of(self, conference_id: str) -> tuple[Principal, Conference]:
        """The principal that acts for the meeting's org, with both permissions."""
        if not conference_id:
            raise MissingConferenceId("conferenceId is missing")
        async with self._store.read() as tx:
            conference = await tx.meetings.by_id(conference_id)
            if conference is None:
                raise ConferenceNotFound(f"conference {conference_id} not found")
            corp_id = next(
                (o.corp_id for o in await tx.directory.list_orgs() if o.id == conference.org_id),
                "",
            )
        principal = Principal(
            app_id=0,
            org_id=conference.org_id,
            permissions=frozenset(ALL_SCOPES),
            app_key=CONSOLE_APP_KEY,
            corp_id=corp_id,
        )
        return principal, conference

    async def live_meetings(self) -> list[LiveMeeting]:
        """Every org's meetings in progress, newest first within each org."""
        found: list[LiveMeeting] = []
        async with self._store.read() as tx:
            for org in await tx.directory.list_orgs():
                meetings = await tx.meetings.of_org(org.id, live_only=True, limit=LIVE_PER_ORG)
                found += [LiveMeeting(c, org.corp_id, org.name) for c in meetings]
        found.sort(key=lambda m: m.conference.created_at, reverse=True)
        return found

    async def revision(self, conference_id: str) -> int | None:
        """The meeting's revision now (it changes with every write to it), or None."""
        state = (await self._store.meeting_states([conference_id])).get(conference_id)
        return None if state is None else state.revision

    async def meeting(self, conference_id: str) -> MeetingPage:
        """A meeting of any org, in progress or ended, with its roster."""
        principal, _ = await self.principal_of(conference_id)
        async with self._store.read() as tx:
            conference = await tx.meetings.by_id(conference_id)
            if conference is None:
                raise ConferenceNotFound(f"conference {conference_id} not found")
            roster = await read_roster(tx, conference)
        return MeetingPage(roster, principal.corp_id)


def is_live(conference: Conference) -> bool:
    return conference.status != ConferenceStatus.ENDED
