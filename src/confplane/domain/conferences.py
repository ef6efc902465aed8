"""The meeting operations of the conference API: create, mute, lock, query, close."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from functools import cached_property

from confplane.domain import app_events, commands, events, ids
from confplane.domain.errors import (
    ConferenceEnded,
    ConferenceOfOtherOrg,
    InvalidParams,
    InvalidTitle,
    MissingConferenceId,
    NotHost,
    ParticipantLimit,
    UnknownUser,
)
from confplane.domain.events import Command
from confplane.domain.meeting_service import MeetingService, check_owner
from confplane.domain.model import (
    AttendStatus,
    CohostAction,
    Conference,
    ConferenceState,
    ConferenceStatus,
    Device,
    LockAction,
    Member,
    MuteAction,
    Principal,
)
from confplane.domain.paging import CursorCodec
from confplane.domain.storage import (
    MeetingViews,
    MeetingWrites,
    MemberSlice,
    NewMeeting,
    NewMember,
    Store,
    Writes,
)

MAX_TITLE_LENGTH = 128
MAX_INVITEES = 500
MAX_BATCH_IDS = 50
DEFAULT_PAGE_SIZE = 128
# A members walk reads the database in slices of this many rows, whatever maxResults is.
WALK_SLICE = 1000


DEFAULT_ORG_PAGE_SIZE = 20
MAX_ORG_PAGE_SIZE = 1000


@dataclass(frozen=True, slots=True)
class CreatedConference:
    conference: Conference
    external_link_url: str
    phone_numbers: list[str]


@dataclass(frozen=True, slots=True)
class OrgConferencePage:
    """One page of an org's meetings in progress, newest first, with each host's nick."""

    conferences: list[Conference]
    host_nicks: dict[str, str]
    total_count: int
    next_token: str | None


class MemberWalk:
    """One page of a meeting's members, read slice by slice so any page size stays cheap.

    ``first`` is the first slice, read with the meeting (it may be shared with other
    requests: read-only): the whole page when ``limit`` is at most ``WALK_SLICE``.
    """

    def __init__(
        self,
        store: Store,
        cursor: CursorCodec,
        conference: ConferenceState,
        after_id: int,
        limit: int,
        first: MemberSlice,
        now: int,
    ) -> None:
        self._store = store
        self.first = first
        self._cursor = cursor
        self.conference = conference
        self.total_count = conference.member_count
        self._after_id = after_id
        self.limit = limit
        self._remaining = limit
        self._has_more = False
        self.now = now

    async def slices(self) -> AsyncIterator[list[Member]]:
        first: MemberSlice | None = self.first
        while self._remaining > 0:
            want = min(self._remaining, WALK_SLICE)
            if first is not None:
                found, first = first, None
            else:
                async with self._store.read() as tx:
                    rows = await tx.meetings.members_after(
                        self.conference.id, self._after_id, want + 1
                    )
                found = MemberSlice(rows[:want], len(rows) > want)
            self._has_more = found.has_more
            if found.members:
                self._after_id = found.members[-1].id
                self._remaining -= len(found.members)
                yield found.members
            if not self._has_more:
                return

    def next_token(self) -> str | None:
        """Valid once ``slices()`` is exhausted: None when nothing follows."""
        if not self._has_more:
            return None
        return self._cursor.encode(self.conference.id, self._after_id)

    def token_after(self, page: MemberSlice) -> str | None:
        """The nextToken of a page that is the first slice alone."""
        if not page.has_more:
            return None
        return self._cursor.encode(self.conference.id, page.members[-1].id)


class ConferenceService(MeetingService):
    @cached_property
    def _org_cursor(self) -> CursorCodec:
        return self._cursor.derive("orgConferences")

    # -- CreateVideoConference -------------------------------------------------

    async def create(
        self,
        principal: Principal,
        *,
        creator_union_id: str,
        title: str,
        invitee_union_ids: Sequence[str] = (),
        invite_caller: bool = False,
    ) -> CreatedConference:
        if not creator_union_id:
            raise InvalidParams("userId is required")
        if not title.strip() or len(title.strip()) > MAX_TITLE_LENGTH:
            raise InvalidTitle(f"confTitle must be 1-{MAX_TITLE_LENGTH} characters")
        invitees = [u for u in dict.fromkeys(invitee_union_ids) if u != creator_union_id]
        if len(invitees) > MAX_INVITEES:
            raise ParticipantLimit(f"at most {MAX_INVITEES} invitees per call")
        if len(invitees) + 1 > self.max_members:
            raise ParticipantLimit(f"a conference holds at most {self.max_members} members")
        now = self._clock.now_ms()
        async with self._store.write() as tx:
            # The creator and the invitees in one statement.
            found = await tx.directory.users_by_union_ids([creator_union_id, *invitees])
            known = {u.union_id: u for u in found}
            creator = known.get(creator_union_id)
            if creator is None or creator.org_id != principal.org_id:
                raise UnknownUser(f"userId {creator_union_id} is not a user of this org")
            missing = [u for u in invitees if u not in known]
            if missing:
                raise UnknownUser(f"unknown invitee {missing[0]}")
            invited_status = AttendStatus.CALLING if invite_caller else AttendStatus.INITIALISED
            members = [
                NewMember(
                    creator.union_id,
                    creator.nick,
                    creator.job_number,
                    AttendStatus.INITIALISED,
                    host=True,
                )
            ]
            members += [
                NewMember(
                    known[u].union_id,
                    known[u].nick,
                    known[u].job_number,
                    invited_status,
                    outer_org=known[u].org_id != principal.org_id,
                )
                for u in invitees
            ]
            meeting = NewMeeting(
                conference_id=ids.conference_id(),
                org_id=principal.org_id,
                title=title.strip(),
                host_union_id=creator.union_id,
                room_code=await self._free_room_code(tx.meetings),
                conference_password=ids.numeric_password(4),
                host_password=ids.numeric_password(6),
                created_at=now,
            )
            conference = await tx.meetings.add(meeting, members)
            created = app_events.conference_payload(conference, hostUnionId=creator.union_id)
            await app_events.emit_many(
                tx,
                conference,
                [(app_events.CONFERENCE_CREATED, created)]
                + [
                    (app_events.MEMBER_INVITED, app_events.member_payload(conference, invited))
                    for invited in members[1:]
                ],
                now=now,
            )
        return CreatedConference(
            conference=conference,
            external_link_url=self.join_link(conference.room_code),
            phone_numbers=[],
        )

    async def _free_room_code(self, meetings: MeetingWrites) -> str:
        """A 9-digit code no meeting has: random codes meet by chance once meetings
        number in the tens of thousands."""
        for _ in range(20):
            code = ids.room_code()
            if not await meetings.room_code_taken(code):
                return code
        raise ParticipantLimit("no free room code; try again")

    # -- MuteMembers -----------------------------------------------------------

    async def mute(
        self,
        principal: Principal,
        conference_id: str,
        *,
        action: MuteAction,
        targets: Sequence[tuple[str, str | None]],
    ) -> None:
        """Mute or unmute one user: every device of theirs, or the one participantId."""
        if not targets:
            raise InvalidParams("userList must name one user")
        if len(targets) > 1:
            raise InvalidParams("userList may name only one user")
        union_id, participant_id = targets[0]
        if not union_id:
            raise InvalidParams("userList[0].unionId is required")
        muting = action is MuteAction.MUTE
        command = None
        async with self._store.write() as tx:
            conference = await self._live(tx, principal, conference_id)
            member, _, devices = await _targeted_devices(tx, conference, union_id, participant_id)
            if devices:
                # One statement: the one device named, or every active device of the user.
                if participant_id:
                    await tx.devices.mute_one(participant_id, muting)
                else:
                    await tx.devices.mute_member(member.id, muting)
                await app_events.emit(
                    tx,
                    conference,
                    app_events.MEMBER_MUTED if muting else app_events.MEMBER_UNMUTED,
                    app_events.member_payload(
                        conference,
                        member,
                        participantIds=[d.participant_id for d in devices],
                    ),
                )
                # After the event: on PostgreSQL both go in one statement (store.commands).
                command = await commands.record(
                    tx,
                    conference,
                    events.MUTE if muting else events.UNMUTE,
                    tuple(d.participant_id for d in devices),
                )
        if command is not None:
            await self._notifier.publish([command])

    # -- LockConference --------------------------------------------------------

    async def lock(self, principal: Principal, conference_id: str, *, action: LockAction) -> None:
        async with self._store.write() as tx:
            conference = await self._live(tx, principal, conference_id)
            command = await apply_lock(tx, conference, action is LockAction.LOCK)
        if command is not None:
            await self._notifier.publish([command])

    # -- MuteAll ---------------------------------------------------------------

    async def mute_all(
        self, principal: Principal, conference_id: str, *, action: MuteAction, force: bool
    ) -> None:
        """Mute every attendee (not the host or co-hosts), or lift a mute-all.

        ``force`` keeps them from opening their microphones until the mute is lifted, and
        is what mediaStatus bit 4 reports. Lifting releases every attendee's device without
        opening any microphone: each decides for itself.
        """
        async with self._store.write() as tx:
            conference = await self._live(tx, principal, conference_id)
            command = await apply_mute_all(tx, conference, action is MuteAction.MUTE, force)
        if command is not None:
            await self._notifier.publish([command])

    # -- KickMembers -----------------------------------------------------------

    async def kick(
        self,
        principal: Principal,
        conference_id: str,
        *,
        targets: Sequence[tuple[str, str | None]],
        forbid_rejoin: bool,
    ) -> None:
        """Remove users (every device of each, or the one participantId) from the meeting."""
        if not targets:
            raise InvalidParams("userList must name at least one user")
        if any(not union_id for union_id, _ in targets):
            raise InvalidParams("userList[].unionId is required")
        now = self._clock.now_ms()
        recorded: list[Command] = []
        async with self._store.write() as tx:
            conference = await self._live(tx, principal, conference_id)
            for union_id, participant_id in targets:
                member, devices, kicked = await _targeted_devices(
                    tx, conference, union_id, participant_id
                )
                for device in kicked:
                    await tx.devices.remove(device.participant_id, now)
                if len(kicked) == len(devices) and member.attend_status == AttendStatus.IN_MEETING:
                    await tx.meetings.leave(member, now, AttendStatus.KICKED)
                if forbid_rejoin:
                    await tx.meetings.forbid_rejoin(member.id)
                if kicked:
                    await app_events.emit(
                        tx,
                        conference,
                        app_events.MEMBER_KICKED,
                        app_events.member_payload(
                            conference,
                            member,
                            participantIds=[d.participant_id for d in kicked],
                            forbiddenRejoin=forbid_rejoin,
                        ),
                        now=now,
                    )
                    recorded.append(
                        await commands.record(
                            tx,
                            conference,
                            events.KICKED,
                            tuple(d.participant_id for d in kicked),
                            {"forbidden_rejoin": forbid_rejoin},
                        )
                    )
        if recorded:
            await self._notifier.publish(recorded)

    # -- Cohosts ---------------------------------------------------------------

    async def set_cohosts(
        self,
        principal: Principal,
        conference_id: str,
        *,
        action: CohostAction,
        union_ids: Sequence[str],
    ) -> None:
        if not union_ids:
            raise InvalidParams("userList must name at least one user")
        if any(not u for u in union_ids):
            raise InvalidParams("userList[].unionId is required")
        adding = action is CohostAction.ADD
        recorded: list[Command] = []
        async with self._store.write() as tx:
            conference = await self._live(tx, principal, conference_id)
            for union_id in dict.fromkeys(union_ids):
                member = await tx.meetings.member(conference.id, union_id)
                if member is None:
                    raise UnknownUser(f"{union_id} is not a member of conference {conference_id}")
                if adding and member.host:
                    raise InvalidParams("the host cannot also be a co-host")
                if member.co_host == adding:
                    continue
                await tx.meetings.set_co_host(member.id, adding)
                await app_events.emit(
                    tx,
                    conference,
                    app_events.MEMBER_ROLE_CHANGED,
                    app_events.member_payload(conference, member, host=member.host, coHost=adding),
                )
                recorded.append(
                    await commands.record(
                        tx,
                        conference,
                        events.ROLE_CHANGED,
                        data={"union_id": union_id, "host": member.host, "co_host": adding},
                    )
                )
        if recorded:
            await self._notifier.publish(recorded)

    # -- CloseVideoConference --------------------------------------------------

    async def close(self, principal: Principal, conference_id: str, *, union_id: str) -> None:
        if not union_id:
            raise InvalidParams("unionId is required")
        now = self._clock.now_ms()
        async with self._store.write() as tx:
            conference = await self._owned(tx.meetings, principal, conference_id)
            user = await tx.directory.user_by_union_id(union_id)
            if user is None or user.org_id != principal.org_id:
                raise UnknownUser(f"unionId {union_id} is not a user of this org")
            if conference.status == ConferenceStatus.ENDED:
                raise ConferenceEnded(f"conference {conference_id} has ended")
            if conference.host_union_id != union_id:
                raise NotHost("only the host can close the conference")
            await tx.meetings.close(conference.id, now)
            await app_events.emit(
                tx,
                conference,
                app_events.CONFERENCE_CLOSED,
                app_events.conference_payload(conference, closedBy=union_id),
                now=now,
            )
            command = await commands.record(
                tx, conference, events.CLOSED, data={"reason": "the host closed the meeting"}
            )
        await self._notifier.publish([command])

    # -- QueryConferenceInfoBatch ---------------------------------------------

    async def query_batch(
        self, principal: Principal, conference_ids: Sequence[str]
    ) -> MeetingViews:
        """Meetings in progress among those named; ended and unknown ones are left out.

        The answer may be shared with other requests (the store's read cache): read-only.
        """
        if not conference_ids:
            raise InvalidParams("conferenceIdList must name at least one conference")
        if len(conference_ids) > MAX_BATCH_IDS:
            raise InvalidParams(f"conferenceIdList may name at most {MAX_BATCH_IDS} conferences")
        if any(not c for c in conference_ids):
            raise InvalidParams("conferenceIdList must not contain empty ids")
        wanted = list(dict.fromkeys(conference_ids))
        # The few columns the checks need first; the store reads the rest if it must.
        states = await self._store.meeting_states(wanted)
        found = [states[c] for c in wanted if c in states]
        foreign = [c for c in found if c.org_id != principal.org_id]
        if foreign:
            raise ConferenceOfOtherOrg(
                f"conference {foreign[0].conference_id} belongs to another org"
            )
        in_progress = [c for c in found if c.status != ConferenceStatus.ENDED]
        if found and not in_progress:
            raise ConferenceEnded("every conference named has ended")
        return await self._store.meeting_views(wanted, in_progress)

    # -- QueryConferenceMembers -----------------------------------------------

    async def members(
        self,
        principal: Principal,
        conference_id: str,
        *,
        next_token: str | None,
        max_results: int | None,
    ) -> MemberWalk:
        limit = DEFAULT_PAGE_SIZE if max_results is None else max_results
        if limit < 1:
            raise InvalidParams("maxResults must be a positive integer")
        if not conference_id:
            raise MissingConferenceId("conferenceId is missing")
        # What the page needs of the meeting, not the whole row: read on every call.
        state = (await self._store.meeting_states([conference_id])).get(conference_id)
        conference = check_owner(state, principal, conference_id)
        after_id = self._cursor.decode(next_token, conference.id)
        first = await self._store.members_slice(conference, after_id, min(limit, WALK_SLICE))
        now = self._clock.now_ms()
        return MemberWalk(self._store, self._cursor, conference, after_id, limit, first, now)

    # -- QueryOrgConferenceList ------------------------------------------------

    async def org_conferences(
        self,
        principal: Principal,
        *,
        next_token: str | None,
        max_results: int | None,
    ) -> OrgConferencePage:
        limit = DEFAULT_ORG_PAGE_SIZE if max_results is None else max_results
        if not 1 <= limit <= MAX_ORG_PAGE_SIZE:
            raise InvalidParams(f"maxResults must be 1-{MAX_ORG_PAGE_SIZE}")
        before = self._org_cursor.decode(next_token, principal.org_id, owner="org")
        async with self._store.read() as tx:
            rows = await tx.meetings.of_org(
                principal.org_id, live_only=True, limit=limit + 1, before_pk=before or None
            )
            total = await tx.meetings.count_of_org(principal.org_id, live_only=True)
            page = rows[:limit]
            hosts = await tx.directory.users_by_union_ids(list({c.host_union_id for c in page}))
        has_more = len(rows) > limit
        return OrgConferencePage(
            conferences=page,
            host_nicks={u.union_id: u.nick for u in hosts},
            total_count=total,
            next_token=self._org_cursor.encode(principal.org_id, page[-1].id) if has_more else None,
        )


async def apply_lock(tx: Writes, conference: Conference, locking: bool) -> Command | None:
    """Lock or unlock a meeting held by ``tx``; the command for its devices, if it changed
    (LockConference, and UpdateVideoConferenceSetting's lockConference)."""
    if conference.locked == locking:
        return None
    await tx.meetings.set_locked(conference.id, locking)
    await app_events.emit(
        tx,
        conference,
        app_events.CONFERENCE_LOCKED if locking else app_events.CONFERENCE_UNLOCKED,
        app_events.conference_payload(conference),
    )
    return await commands.record(tx, conference, events.LOCKED if locking else events.UNLOCKED)


async def apply_mute_all(
    tx: Writes, conference: Conference, muting: bool, force: bool
) -> Command | None:
    """Mute every attendee of a meeting held by ``tx``, or lift a mute-all; the command
    for the devices it reaches, if any (MuteAll, and UpdateVideoConferenceSetting's muteAll)."""
    devices = await tx.devices.active_of_attendees(conference.id)
    if muting:
        await tx.devices.mute_attendees(conference.id, hold=force)
    else:
        devices = [d for d in devices if d.host_muted]
        await tx.devices.release_attendees(conference.id)
    await tx.meetings.set_mute_all(conference.id, muting and force)
    await app_events.emit(
        tx,
        conference,
        app_events.CONFERENCE_MUTE_ALL_ON if muting else app_events.CONFERENCE_MUTE_ALL_OFF,
        app_events.conference_payload(conference, forceMute=muting and force),
    )
    if not devices:
        return None
    return await commands.record(
        tx,
        conference,
        events.MUTE if muting else events.MUTE_LIFTED,
        tuple(d.participant_id for d in devices),
        {"all": True, "force": force} if muting else {"all": True},
    )


async def _targeted_devices(
    tx: Writes, conference: Conference, union_id: str, participant_id: str | None
) -> tuple[Member, list[Device], list[Device]]:
    """A member, their active devices, and those a command names: the one participantId,
    else all of them."""
    found = await tx.meetings.member_with_devices(conference.id, union_id)
    if found is None:
        raise UnknownUser(f"{union_id} is not a member of conference {conference.conference_id}")
    member, devices = found
    if not participant_id:
        return member, devices, devices
    named = [d for d in devices if d.participant_id == participant_id]
    if not named:
        raise InvalidParams(
            f"participantId {participant_id} is not a device of {union_id} in this conference"
        )
    return member, devices, named
