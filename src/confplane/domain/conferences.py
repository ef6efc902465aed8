"""The meeting operations of the conference API: create, mute, lock, query, close."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import TypeVar

from confplane.domain import commands, events, ids
from confplane.domain.clock import now_ms
from confplane.domain.coalesce import Coalescer
from confplane.domain.errors import (
    ConferenceEnded,
    ConferenceNotFound,
    ConferenceOfOtherOrg,
    InvalidCommand,
    InvalidParams,
    InvalidTitle,
    MissingConferenceId,
    NotHost,
    ParticipantLimit,
    UnknownUser,
)
from confplane.domain.events import Command, Notifier, NullNotifier
from confplane.domain.media import combine_member_media, meeting_media_status
from confplane.domain.model import (
    AttendStatus,
    Conference,
    ConferenceState,
    ConferenceStatus,
    ConferenceView,
    Device,
    DeviceMedia,
    Member,
    Principal,
)
from confplane.domain.paging import CursorCodec
from confplane.domain.readcache import DEFAULT_BUDGET_ROWS, RevisionCache, Shared
from confplane.store import conferences as store
from confplane.store import directory as users_store
from confplane.store.database import Connection, Database

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


@dataclass(frozen=True, slots=True)
class MemberSlice:
    """Members in join order after a point (at most one slice), and whether more follow."""

    members: list[Member]
    has_more: bool


class MemberWalk:
    """One page of a meeting's members, read slice by slice so any page size stays cheap.

    ``first`` is the first slice, read with the meeting (or found in the read cache): the
    whole page when ``limit`` is at most ``WALK_SLICE``.
    """

    def __init__(
        self,
        db: Database,
        cursor: CursorCodec,
        conference: ConferenceState,
        after_id: int,
        limit: int,
        first: Shared[MemberSlice],
    ) -> None:
        self._db = db
        self.first = first
        self._cursor = cursor
        self.conference = conference
        self.total_count = conference.member_count
        self._after_id = after_id
        self.limit = limit
        self._remaining = limit
        self._has_more = False
        self.now = now_ms()

    async def slices(self) -> AsyncIterator[list[Member]]:
        first: MemberSlice | None = self.first.value
        while self._remaining > 0:
            want = min(self._remaining, WALK_SLICE)
            if first is not None:
                found, first = first, None
            else:
                async with self._db.read() as conn:
                    rows = await store.members_after(
                        conn, self.conference.id, self._after_id, want + 1
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


class ConferenceService:
    def __init__(
        self,
        db: Database,
        cursor: CursorCodec,
        *,
        public_url: str,
        max_members: int = 200_000,
        notifier: Notifier | None = None,
        read_cache_rows: int = DEFAULT_BUDGET_ROWS,
    ) -> None:
        self._db = db
        # Member pages and batch answers as read at a meeting's revision (see readcache):
        # the two share the budget.
        self._pages: RevisionCache[MemberSlice] = RevisionCache(read_cache_rows // 2)
        self._batches: RevisionCache[list[ConferenceView]] = RevisionCache(read_cache_rows // 2)
        self._cursor = cursor
        self._org_cursor = cursor.derive("orgConferences")
        self._public_url = public_url.rstrip("/")
        self.max_members = max_members
        self.notifier: Notifier = notifier or NullNotifier()
        # On PostgreSQL a meeting's state is a round trip, so the requests of one loop
        # turn share one (see coalesce); SQLite's is an in-process call.
        self._group_states: Coalescer[ConferenceState] | None = (
            None
            if db.is_sqlite
            else Coalescer(self._read_states, key=lambda state: state.conference_id)
        )

    # -- lookups --------------------------------------------------------------

    async def _read_states(self, conference_ids: list[str]) -> list[ConferenceState]:
        async with self._db.read() as conn:
            return await store.conference_states_by_public_ids(conn, conference_ids)

    async def _states(self, conference_ids: Sequence[str]) -> dict[str, ConferenceState]:
        """What reads from the cache need of these meetings, as committed now."""
        if self._group_states is not None:
            return await self._group_states.lookup(conference_ids)
        return {s.conference_id: s for s in await self._read_states(list(conference_ids))}

    async def _owned(
        self,
        conn: Connection,
        principal: Principal,
        conference_id: str,
        *,
        for_update: bool = False,
    ) -> Conference:
        if not conference_id:
            raise MissingConferenceId("conferenceId is missing")
        conference = await store.conference_by_public_id(conn, conference_id, for_update=for_update)
        return _check_owner(conference, principal, conference_id)

    async def _live(self, conn: Connection, principal: Principal, conference_id: str) -> Conference:
        """A meeting that has not ended, locked for the rest of the write transaction."""
        conference = await self._owned(conn, principal, conference_id, for_update=True)
        if conference.status == ConferenceStatus.ENDED:
            raise ConferenceEnded(f"conference {conference_id} has ended")
        return conference

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
        now = now_ms()
        async with self._db.write() as conn:
            creator = await users_store.user_by_union_id(conn, creator_union_id)
            if creator is None or creator.org_id != principal.org_id:
                raise UnknownUser(f"userId {creator_union_id} is not a user of this org")
            known = {u.union_id: u for u in await users_store.users_by_union_ids(conn, invitees)}
            missing = [u for u in invitees if u not in known]
            if missing:
                raise UnknownUser(f"unknown invitee {missing[0]}")
            conference = await store.insert_conference(
                conn,
                conference_id=ids.conference_id(),
                org_id=principal.org_id,
                title=title.strip(),
                status=int(ConferenceStatus.INITIALISED),
                locked=False,
                mute_all=False,
                host_union_id=creator.union_id,
                room_code=await self._free_room_code(conn),
                conference_password=ids.numeric_password(4),
                host_password=ids.numeric_password(6),
                created_at=now,
                member_count=len(invitees) + 1,
            )
            invited_status = AttendStatus.CALLING if invite_caller else AttendStatus.INITIALISED
            rows = [
                {
                    "conference_pk": conference.id,
                    "union_id": creator.union_id,
                    "nick": creator.nick,
                    "job_number": creator.job_number,
                    "attend_status": int(AttendStatus.INITIALISED),
                    "host": True,
                }
            ]
            rows += [
                {
                    "conference_pk": conference.id,
                    "union_id": known[u].union_id,
                    "nick": known[u].nick,
                    "job_number": known[u].job_number,
                    "attend_status": int(invited_status),
                    "outer_org": known[u].org_id != principal.org_id,
                }
                for u in invitees
            ]
            await store.insert_members(conn, rows)
        return CreatedConference(
            conference=conference,
            external_link_url=f"{self._public_url}/j/{conference.room_code}",
            phone_numbers=[],
        )

    async def _free_room_code(self, conn: Connection) -> str:
        """A 9-digit code no meeting has: random codes meet by chance once meetings
        number in the tens of thousands."""
        for _ in range(20):
            code = ids.room_code()
            if not await store.room_code_taken(conn, code):
                return code
        raise ParticipantLimit("no free room code; try again")

    # -- MuteMembers -----------------------------------------------------------

    async def mute(
        self,
        principal: Principal,
        conference_id: str,
        *,
        action: str,
        targets: Sequence[tuple[str, str | None]],
    ) -> None:
        """Mute or unmute one user: every device of theirs, or the one participantId."""
        if action not in ("mute", "un_mute"):
            raise InvalidCommand(f"action must be mute or un_mute, not {action!r}")
        if not targets:
            raise InvalidParams("userList must name one user")
        if len(targets) > 1:
            raise InvalidParams("userList may name only one user")
        union_id, participant_id = targets[0]
        if not union_id:
            raise InvalidParams("userList[0].unionId is required")
        muting = action == "mute"
        async with self._db.write() as conn:
            conference = await self._live(conn, principal, conference_id)
            member, _, devices = await _targeted_devices(conn, conference, union_id, participant_id)
            # A muted device's microphone closes; an unmuted one opens (devices obey).
            mic = DeviceMedia.CLOSED if muting else DeviceMedia.OPEN
            if devices:
                # One statement: the one device named, or every active device of the user.
                await store.update_devices(
                    conn,
                    **(
                        {"participant_id": participant_id}
                        if participant_id
                        else {"member_id": member.id}
                    ),
                    mic_status=int(mic),
                    host_muted=muting,
                )
            if devices:
                command = await commands.record(
                    conn,
                    conference,
                    events.MUTE if muting else events.UNMUTE,
                    tuple(d.participant_id for d in devices),
                )
        if devices:
            await self.notifier.publish([command])

    # -- LockConference --------------------------------------------------------

    async def lock(self, principal: Principal, conference_id: str, *, action: str) -> None:
        if not action:
            raise InvalidParams("action is required")
        if action not in ("lock", "unlock"):
            raise InvalidCommand(f"action must be lock or unlock, not {action!r}")
        locking = action == "lock"
        async with self._db.write() as conn:
            conference = await self._live(conn, principal, conference_id)
            if conference.locked != locking:
                await store.update_conference(conn, conference.id, locked=locking)
                command = await commands.record(
                    conn, conference, events.LOCKED if locking else events.UNLOCKED
                )
        if conference.locked != locking:
            await self.notifier.publish([command])

    # -- MuteAll ---------------------------------------------------------------

    async def mute_all(
        self, principal: Principal, conference_id: str, *, action: str, force: bool
    ) -> None:
        """Mute every attendee (not the host or co-hosts), or lift a mute-all.

        ``force`` keeps them from opening their microphones until the mute is lifted, and
        is what mediaStatus bit 4 reports. Lifting releases every attendee's device without
        opening any microphone: each decides for itself.
        """
        if not action:
            raise InvalidParams("action is required")
        if action not in ("mute", "unmute"):
            raise InvalidCommand(f"action must be mute or unmute, not {action!r}")
        muting = action == "mute"
        async with self._db.write() as conn:
            conference = await self._live(conn, principal, conference_id)
            devices = await store.active_devices_of_attendees(conn, conference.id)
            if muting:
                # Without force, a device the host muted by name stays held all the same.
                held = {"host_muted": True} if force else {}
                await store.update_devices_of_attendees(
                    conn, conference.id, mic_status=int(DeviceMedia.CLOSED), **held
                )
            else:
                devices = [d for d in devices if d.host_muted]
                await store.update_devices_of_attendees(conn, conference.id, host_muted=False)
            await store.update_conference(conn, conference.id, mute_all=muting and force)
            command = None
            if devices:
                command = await commands.record(
                    conn,
                    conference,
                    events.MUTE if muting else events.MUTE_LIFTED,
                    tuple(d.participant_id for d in devices),
                    {"all": True, "force": force} if muting else {"all": True},
                )
        if command is not None:
            await self.notifier.publish([command])

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
        now = now_ms()
        recorded: list[Command] = []
        async with self._db.write() as conn:
            conference = await self._live(conn, principal, conference_id)
            for union_id, participant_id in targets:
                member, devices, kicked = await _targeted_devices(
                    conn, conference, union_id, participant_id
                )
                for device in kicked:
                    await store.update_devices(
                        conn, participant_id=device.participant_id, active=False, left_at=now
                    )
                values: dict[str, object] = {}
                if len(kicked) == len(devices) and member.attend_status == AttendStatus.IN_MEETING:
                    values.update(
                        attend_status=int(AttendStatus.KICKED),
                        leave_time=now,
                        duration_ms=member.duration_at(now),
                        present_since=None,
                    )
                if forbid_rejoin:
                    values["rejoin_forbidden"] = True
                if values:
                    await store.update_member(conn, member.id, **values)
                if kicked:
                    recorded.append(
                        await commands.record(
                            conn,
                            conference,
                            events.KICKED,
                            tuple(d.participant_id for d in kicked),
                            {"forbidden_rejoin": forbid_rejoin},
                        )
                    )
        if recorded:
            await self.notifier.publish(recorded)

    # -- Cohosts ---------------------------------------------------------------

    async def set_cohosts(
        self, principal: Principal, conference_id: str, *, action: str, union_ids: Sequence[str]
    ) -> None:
        if not action:
            raise InvalidParams("action is required")
        if action not in ("add", "remove"):
            raise InvalidCommand(f"action must be add or remove, not {action!r}")
        if not union_ids:
            raise InvalidParams("userList must name at least one user")
        if any(not u for u in union_ids):
            raise InvalidParams("userList[].unionId is required")
        adding = action == "add"
        recorded: list[Command] = []
        async with self._db.write() as conn:
            conference = await self._live(conn, principal, conference_id)
            for union_id in dict.fromkeys(union_ids):
                member = await store.member_by_union_id(conn, conference.id, union_id)
                if member is None:
                    raise UnknownUser(f"{union_id} is not a member of conference {conference_id}")
                if adding and member.host:
                    raise InvalidParams("the host cannot also be a co-host")
                if member.co_host == adding:
                    continue
                await store.update_member(conn, member.id, co_host=adding)
                recorded.append(
                    await commands.record(
                        conn,
                        conference,
                        events.ROLE_CHANGED,
                        data={"union_id": union_id, "host": member.host, "co_host": adding},
                    )
                )
        if recorded:
            await self.notifier.publish(recorded)

    # -- CloseVideoConference --------------------------------------------------

    async def close(self, principal: Principal, conference_id: str, *, union_id: str) -> None:
        if not union_id:
            raise InvalidParams("unionId is required")
        now = now_ms()
        async with self._db.write() as conn:
            conference = await self._owned(conn, principal, conference_id, for_update=True)
            user = await users_store.user_by_union_id(conn, union_id)
            if user is None or user.org_id != principal.org_id:
                raise UnknownUser(f"unionId {union_id} is not a user of this org")
            if conference.status == ConferenceStatus.ENDED:
                raise ConferenceEnded(f"conference {conference_id} has ended")
            if conference.host_union_id != union_id:
                raise NotHost("only the host can close the conference")
            await store.end_attendance(conn, conference.id, now)
            await store.update_devices(conn, conference_pk=conference.id, active=False)
            await store.update_conference(
                conn, conference.id, status=int(ConferenceStatus.ENDED), end_time=now
            )
            command = await commands.record(
                conn, conference, events.CLOSED, data={"reason": "the host closed the meeting"}
            )
        await self.notifier.publish([command])

    # -- QueryConferenceInfoBatch ---------------------------------------------

    async def query_batch(
        self, principal: Principal, conference_ids: Sequence[str]
    ) -> Shared[list[ConferenceView]]:
        """Meetings in progress among those named; ended and unknown ones are left out."""
        if not conference_ids:
            raise InvalidParams("conferenceIdList must name at least one conference")
        if len(conference_ids) > MAX_BATCH_IDS:
            raise InvalidParams(f"conferenceIdList may name at most {MAX_BATCH_IDS} conferences")
        if any(not c for c in conference_ids):
            raise InvalidParams("conferenceIdList must not contain empty ids")
        wanted = list(dict.fromkeys(conference_ids))
        # The few columns the checks and the cache need first; whole rows on a miss.
        states = await self._states(wanted)
        found = [states[c] for c in wanted if c in states]
        foreign = [c for c in found if c.org_id != principal.org_id]
        if foreign:
            raise ConferenceOfOtherOrg(
                f"conference {foreign[0].conference_id} belongs to another org"
            )
        in_progress = [c for c in found if c.status != ConferenceStatus.ENDED]
        if found and not in_progress:
            raise ConferenceEnded("every conference named has ended")
        key = tuple(wanted)
        revisions = tuple(sorted((c.id, c.revision) for c in in_progress))
        cached = self._batches.get(key, revisions)
        if cached is not None:
            return cached
        # Read after the states: at least as new as the revisions the answer is kept for.
        async with self._db.read() as conn:
            live = [
                c
                for c in await store.conferences_by_public_ids(
                    conn, [c.conference_id for c in in_progress]
                )
                if c.status != ConferenceStatus.ENDED
            ]
            pks = [c.id for c in live]
            members = await store.members_of(conn, pks) if pks else []
            devices = await store.active_devices_of(conn, pks) if pks else []
        order = {cid: i for i, cid in enumerate(wanted)}
        live.sort(key=lambda c: order[c.conference_id])
        members_of: dict[int, list[Member]] = {}
        for m in members:
            members_of.setdefault(m.conference_pk, []).append(m)
        devices_of: dict[int, list[Device]] = {}
        for d in devices:
            devices_of.setdefault(d.conference_pk, []).append(d)
        views = []
        for conference in live:
            own_members = members_of.get(conference.id, [])
            own_devices = devices_of.get(conference.id, [])
            views.append(
                ConferenceView(
                    conference=conference,
                    members=combine_member_media(own_members, own_devices),
                    media_status=meeting_media_status(conference, own_devices),
                )
            )
        # The key (up to 50 ids) is weighed too: a batch of unknown ids holds no rows.
        return self._batches.put(key, revisions, views, len(members) + len(wanted))

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
        state = (await self._states([conference_id])).get(conference_id)
        conference = _check_owner(state, principal, conference_id)
        after_id = self._cursor.decode(next_token, conference.id)
        want = min(limit, WALK_SLICE)
        key = (conference.id, after_id, want)
        first = self._pages.get(key, conference.revision)
        if first is None:
            # Read after the state: at least as new as the revision it is kept for.
            async with self._db.read() as conn:
                rows = await store.members_after(conn, conference.id, after_id, want + 1)
            found = MemberSlice(rows[:want], len(rows) > want)
            first = self._pages.put(key, conference.revision, found, len(found.members))
        return MemberWalk(self._db, self._cursor, conference, after_id, limit, first)

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
        async with self._db.read() as conn:
            rows = await store.conferences_of_org(
                conn, principal.org_id, live_only=True, limit=limit + 1, before_pk=before or None
            )
            total = await store.count_conferences_of_org(conn, principal.org_id, live_only=True)
            page = rows[:limit]
            hosts = await users_store.users_by_union_ids(
                conn, list({c.host_union_id for c in page})
            )
        has_more = len(rows) > limit
        return OrgConferencePage(
            conferences=page,
            host_nicks={u.union_id: u.nick for u in hosts},
            total_count=total,
            next_token=self._org_cursor.encode(principal.org_id, page[-1].id) if has_more else None,
        )

    # -- helpers shared with presence -----------------------------------------

    def check_capacity(self, conference: Conference) -> None:
        if conference.member_count >= self.max_members:
            raise ParticipantLimit(f"conference holds at most {self.max_members} members")


C = TypeVar("C", Conference, ConferenceState)


def _check_owner(conference: C | None, principal: Principal, conference_id: str) -> C:
    if conference is None:
        raise ConferenceNotFound(f"conference {conference_id} not found")
    if conference.org_id != principal.org_id:
        raise ConferenceOfOtherOrg(f"conference {conference_id} belongs to another org")
    return conference


async def _targeted_devices(
    conn: Connection, conference: Conference, union_id: str, participant_id: str | None
) -> tuple[Member, list[Device], list[Device]]:
    """A member, their active devices, and those a command names: the one participantId,
    else all of them."""
    found = await store.member_with_active_devices(conn, conference.id, union_id)
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
