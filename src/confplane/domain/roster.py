"""A meeting's roster as people see it: its members in join order, each with the devices
it holds now (the console's meeting page and the join page read it)."""

from __future__ import annotations

from dataclasses import dataclass

from confplane.domain.meeting_settings import MeetingSettings
from confplane.domain.model import AttendStatus, Conference, Device, Member
from confplane.domain.storage import Reads

# A roster is for people to read: past this many members the page says it shows a part.
ROSTER_LIMIT = 500


@dataclass(frozen=True, slots=True)
class RosterEntry:
    member: Member
    # Active devices only; a member who is not in the meeting has none.
    devices: list[Device]


@dataclass(frozen=True, slots=True)
class Roster:
    conference: Conference
    settings: MeetingSettings
    entries: list[RosterEntry]
    # More members than ROSTER_LIMIT: the entries are the first ones.
    truncated: bool


async def read_roster(tx: Reads, conference: Conference, limit: int = ROSTER_LIMIT) -> Roster:
    members = await tx.meetings.members_after(conference.id, 0, limit + 1)
    entries = []
    for member in members[:limit]:
        present = member.attend_status == AttendStatus.IN_MEETING
        devices = await tx.devices.active_of_member(member.id) if present else []
        entries.append(RosterEntry(member, devices))
    return Roster(
        conference=conference,
        settings=await tx.controls.settings(conference.id),
        entries=entries,
        truncated=len(members) > limit,
    )
