"""Scheduled meetings: booked ahead with a title, a start and an end.

A schedule owns its meeting from the start: the meeting's conferenceId, roomCode and
passwords are chosen when it is booked (so the link and the code can be handed out), but
the meeting itself (its row among the conferences) is only made when the start time
comes. From then on it is a meeting like one made by CreateVideoConference: joinable,
listed, queried, muted and closed by every operation. When the end time comes the
meeting is closed, as CloseVideoConference would; a cancel closes it at once. Opening and
closing follow the server's clock (``catch_up``), so an emulator that moves the clock
moves the schedules with it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

import msgspec

from confplane.domain import app_events, commands, events, ids
from confplane.domain.clock import Clock
from confplane.domain.errors import (
    ConferenceEnded,
    ConferenceNotFound,
    ConferenceOfOtherOrg,
    InvalidParams,
    InvalidTitle,
    NotHost,
    ParticipantLimit,
    UnknownUser,
)
from confplane.domain.events import Command, Notifier, NullNotifier
from confplane.domain.model import AttendStatus, Conference, ConferenceStatus, Principal
from confplane.domain.schedule_records import NewSchedule, Schedule, ScheduleSettings
from confplane.domain.storage import NewMeeting, NewMember, Store, Writes

# The title DingTalk keeps is 50 characters; longer ones are cut, past 256 refused.
KEPT_TITLE_LENGTH = 50
MAX_TITLE_LENGTH = 256
MAX_COHOSTS = 100
# Stays far below any year a client could mean, and inside a signed 64-bit column.
MAX_TIME_MS = 2**53


class ScheduleState(Enum):
    """Where a schedule stands at an instant."""

    SCHEDULED = "scheduled"  # before its start: not yet a meeting
    OPEN = "open"  # in its window: a meeting anyone invited can join
    ENDED = "ended"  # its end came, or its meeting was closed
    CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class ScheduleView:
    """A schedule with its meeting (None before it opens) and its state now."""

    schedule: Schedule
    conference: Conference | None
    state: ScheduleState


def state_at(schedule: Schedule, conference: Conference | None, now: int) -> ScheduleState:
    if schedule.cancelled_at is not None:
        return ScheduleState.CANCELLED
    if conference is not None and conference.status == ConferenceStatus.ENDED:
        return ScheduleState.ENDED
    if now >= schedule.end_time:
        return ScheduleState.ENDED
    if now < schedule.start_time:
        return ScheduleState.SCHEDULED
    return ScheduleState.OPEN


_BINARY_SETTINGS = (
    "lock_room",
    "screen_share_forbidden",
    "join_before_host",
    "enable_chat",
    "lock_nick",
    "lock_media_status_mic_mute",
)


def check_settings(settings: ScheduleSettings) -> None:
    """The documented values of each setting; anything else is refused."""
    for name in _BINARY_SETTINGS:
        value = getattr(settings, name)
        if value is not None and value not in (0, 1):
            raise InvalidParams(f"{name} must be 0 or 1")
    if settings.waiting_room is not None and settings.waiting_room not in (1, 2):
        raise InvalidParams("waitingRoom must be 1 (on) or 2 (off)")
    if settings.mute_on_join is not None and not -1 <= settings.mute_on_join <= 10_000:
        raise InvalidParams("muteOnJoin must be -1, 0 or a member count")
    if len(settings.cohost_union_ids) > MAX_COHOSTS:
        raise InvalidParams(f"cohostUnionIds may name at most {MAX_COHOSTS} users")


def merge_settings(old: ScheduleSettings, new: ScheduleSettings) -> ScheduleSettings:
    """An update: the settings it names replace the kept ones, the others stay."""
    given = {
        f: getattr(new, f)
        for f in ScheduleSettings.__struct_fields__
        if getattr(new, f) not in (None, ())
    }
    return msgspec.structs.replace(old, **given)


def _title(raw: str | None) -> str:
    title = (raw or "").strip()
    if not title:
        raise InvalidTitle("title is required")
    if len(title) > MAX_TITLE_LENGTH:
        raise InvalidTitle(f"title is longer than {MAX_TITLE_LENGTH} characters")
    return title[:KEPT_TITLE_LENGTH]


def _window(start: int | None, end: int | None, now: int) -> tuple[int, int]:
    if start is None or end is None:
        raise InvalidParams("startTime and endTime are required")
    if not (0 < start < MAX_TIME_MS and 0 < end < MAX_TIME_MS):
        raise InvalidParams("startTime and endTime must be milliseconds since 1970")
    if end <= start:
        raise InvalidParams("endTime must be after startTime")
    if end <= now:
        raise InvalidParams("endTime must be in the future")
    return start, end


def _owned(schedule: Schedule | None, principal: Principal, schedule_id: str) -> Schedule:
    if schedule is None:
        raise ConferenceNotFound(f"scheduleConferenceId {schedule_id} not found")
    if schedule.org_id != principal.org_id:
        raise ConferenceOfOtherOrg(f"scheduleConferenceId {schedule_id} belongs to another org")
    return schedule


class ScheduleService:
    def __init__(
        self,
        store: Store,
        *,
        public_url: str,
        notifier: Notifier | None = None,
        clock: Clock | None = None,
    ) -> None:
        self._store = store
        self._clock = clock or Clock()
        self._public_url = public_url.rstrip("/")
        self._notifier: Notifier = notifier or NullNotifier()

    @property
    def clock(self) -> Clock:
        return self._clock

    def link(self, schedule: Schedule) -> str:
        return f"{self._public_url}/j/{schedule.room_code}"

    # -- lookups --------------------------------------------------------------------

    async def _creator(self, tx: Writes, principal: Principal, union_id: str) -> str:
        if not union_id:
            raise InvalidParams("creatorUnionId is required")
        user = await tx.directory.user_by_union_id(union_id)
        if user is None or user.org_id != principal.org_id:
            raise UnknownUser(f"creatorUnionId {union_id} is not a user of this org")
        return user.union_id

    async def _org_users(self, tx: Writes, principal: Principal, union_ids: Sequence[str]) -> None:
        wanted = list(dict.fromkeys(union_ids))
        if any(not u for u in wanted):
            raise InvalidParams("unionIds must not be empty")
        found = await tx.directory.users_by_union_ids(wanted)
        in_org = {u.union_id for u in found if u.org_id == principal.org_id}
        for union_id in wanted:
            if union_id not in in_org:
                raise UnknownUser(f"{union_id} is not a user of this org")

    async def _check_people(
        self, tx: Writes, principal: Principal, settings: ScheduleSettings
    ) -> None:
        people = list(settings.cohost_union_ids)
        if settings.host_union_id is not None:
            people.append(settings.host_union_id)
        if people:
            await self._org_users(tx, principal, people)

    async def _taken(
        self, tx: Writes, principal: Principal, schedule_id: str, creator_union_id: str
    ) -> Schedule:
        """The caller's schedule, held for the transaction, that the creator named may change."""
        if not schedule_id:
            raise InvalidParams("scheduleConferenceId is required")
        creator = await self._creator(tx, principal, creator_union_id)
        schedule = _owned(await tx.schedules.take(schedule_id), principal, schedule_id)
        if schedule.creator_union_id != creator:
            raise NotHost("only the creator of the scheduled meeting may change it")
        return schedule

    async def _meeting(self, tx: Writes, schedule: Schedule) -> Conference | None:
        """The schedule's meeting once open, held (its revision raised) for the write."""
        if schedule.conference_pk is None:
            return None
        return await tx.meetings.take_pk(schedule.conference_pk)

    async def _changeable(
        self, tx: Writes, principal: Principal, schedule_id: str, creator_union_id: str, now: int
    ) -> tuple[Schedule, Conference | None]:
        """The schedule the creator named and its meeting once open, both held for the
        write; refused once the schedule has ended or been cancelled."""
        schedule = await self._taken(tx, principal, schedule_id, creator_union_id)
        meeting = await self._meeting(tx, schedule)
        state = state_at(schedule, meeting, now)
        if state in (ScheduleState.ENDED, ScheduleState.CANCELLED):
            raise ConferenceEnded(f"scheduled meeting {schedule_id} is {state.value}")
        return schedule, meeting

    # -- CreateScheduleConference -------------------------------------------------------

    async def create(
        self,
        principal: Principal,
        *,
        creator_union_id: str,
        title: str | None,
        start_time: int | None,
        end_time: int | None,
        settings: ScheduleSettings,
    ) -> Schedule:
        now = self._clock.now_ms()
        kept_title = _title(title)
        start, end = _window(start_time, end_time, now)
        check_settings(settings)
        async with self._store.write() as tx:
            creator = await self._creator(tx, principal, creator_union_id)
            await self._check_people(tx, principal, settings)
            schedule = await tx.schedules.add(
                NewSchedule(
                    schedule_conference_id=ids.conference_id(),
                    org_id=principal.org_id,
                    creator_union_id=creator,
                    title=kept_title,
                    start_time=start,
                    end_time=end,
                    room_code=await self._free_room_code(tx),
                    conference_id=ids.conference_id(),
                    conference_password=ids.numeric_password(4),
                    host_password=ids.numeric_password(6),
                    settings=settings,
                    created_at=now,
                )
            )
        # A window that has begun opens now, not at the timer's next turn.
        await self.catch_up()
        return schedule

    async def _free_room_code(self, tx: Writes) -> str:
        for _ in range(20):
            code = ids.room_code()
            if not await tx.meetings.room_code_taken(code):
                return code
        raise ParticipantLimit("no free room code; try again")

    # -- UpdateScheduleConference -----------------------------------------------------------

    async def update(
        self,
        principal: Principal,
        schedule_id: str,
        *,
        creator_union_id: str,
        title: str | None,
        start_time: int | None,
        end_time: int | None,
    ) -> None:
        await self.catch_up()
        now = self._clock.now_ms()
        kept_title = _title(title)
        start, end = _window(start_time, end_time, now)
        async with self._store.write() as tx:
            schedule, meeting = await self._changeable(
                tx, principal, schedule_id, creator_union_id, now
            )
            if meeting is not None and start > now:
                raise InvalidParams("the meeting has opened: startTime cannot move past now")
            await tx.schedules.reschedule(schedule.id, kept_title, start, end)
            if meeting is not None and meeting.title != kept_title:
                await tx.schedules.retitle_meeting(meeting.id, kept_title)
        await self.catch_up()

    # -- CancelScheduleConference -----------------------------------------------------------

    async def cancel(
        self, principal: Principal, schedule_id: str, *, creator_union_id: str
    ) -> None:
        await self.catch_up()
        now = self._clock.now_ms()
        command: Command | None = None
        async with self._store.write() as tx:
            schedule, meeting = await self._changeable(
                tx, principal, schedule_id, creator_union_id, now
            )
            await tx.schedules.cancel(schedule.id, now)
            if meeting is not None:
                command = await _close(tx, meeting, now, "the scheduled meeting was cancelled")
        if command is not None:
            await self._notifier.publish([command])

    # -- QueryScheduleConference, QueryScheduleConferenceInfo, settings ----------------------

    async def view(
        self, principal: Principal, schedule_id: str, *, request_union_id: str | None = None
    ) -> ScheduleView:
        if not schedule_id:
            raise InvalidParams("scheduleConferenceId is required")
        await self.catch_up()
        async with self._store.read() as tx:
            if request_union_id:
                user = await tx.directory.user_by_union_id(request_union_id)
                if user is None or user.org_id != principal.org_id:
                    raise UnknownUser(f"requestUnionId {request_union_id} is not of this org")
            schedule = _owned(await tx.schedules.by_id(schedule_id), principal, schedule_id)
            meeting = (
                None
                if schedule.conference_pk is None
                else await tx.meetings.by_pk(schedule.conference_pk)
            )
        return ScheduleView(schedule, meeting, state_at(schedule, meeting, self._clock.now_ms()))

    async def meetings(
        self,
        principal: Principal,
        schedule_id: str,
        *,
        max_results: int | None,
        next_token: str | None,
    ) -> ScheduleView:
        """QueryScheduleConferenceInfo: a schedule makes one meeting, so every page size
        holds it and no page follows the first."""
        if max_results is not None and max_results < 1:
            raise InvalidParams("maxResults must be a positive integer")
        if next_token not in (None, "", "0"):
            raise InvalidParams("nextToken is not a token this server issued")
        return await self.view(principal, schedule_id)

    async def update_settings(
        self,
        principal: Principal,
        schedule_id: str,
        *,
        creator_union_id: str,
        settings: ScheduleSettings,
    ) -> None:
        """New settings for the meeting's opening; one already open keeps its own."""
        await self.catch_up()
        check_settings(settings)
        now = self._clock.now_ms()
        async with self._store.write() as tx:
            schedule, _meeting = await self._changeable(
                tx, principal, schedule_id, creator_union_id, now
            )
            await self._check_people(tx, principal, settings)
            merged = merge_settings(schedule.settings, settings)
            await tx.schedules.set_settings(schedule.id, merged)

    # -- the clock: opening and closing ------------------------------------------------

    async def next_due(self) -> int | None:
        """The next instant a schedule opens or closes (ms), if any is waiting."""
        async with self._store.read() as tx:
            return await tx.schedules.next_due(self._clock.now_ms())

    async def catch_up(self) -> None:
        """Open every schedule whose start has come and close every one whose end has;
        several processes may do it at once (each schedule is taken first)."""
        now = self._clock.now_ms()
        recorded: list[Command] = []
        async with self._store.write() as tx:
            for schedule_pk in await tx.schedules.due_to_open(now):
                schedule = await tx.schedules.take_pk(schedule_pk)
                if schedule is not None and schedule.conference_pk is None:
                    await self._open(tx, schedule)
            for schedule_pk, conference_pk in await tx.schedules.due_to_close(now):
                meeting = await tx.meetings.take_pk(conference_pk)
                schedule = await tx.schedules.by_pk(schedule_pk)
                if meeting is None or schedule is None:
                    continue
                if meeting.status != ConferenceStatus.ENDED:
                    # Closed at its end time, however late the clock was noticed.
                    at = max(schedule.end_time, meeting.start_time or 0, meeting.created_at)
                    recorded.append(
                        await _close(tx, meeting, at, "the scheduled meeting reached its end")
                    )
        if recorded:
            await self._notifier.publish(recorded)

    async def _open(self, tx: Writes, schedule: Schedule) -> None:
        settings = schedule.settings
        host_id = settings.host_union_id or schedule.creator_union_id
        people = await tx.directory.users_by_union_ids(
            list(dict.fromkeys([host_id, *settings.cohost_union_ids]))
        )
        known = {u.union_id: u for u in people}
        host = known.get(host_id) or known.get(schedule.creator_union_id)
        if host is None:
            # The directory lost the user since booking: the creator still hosts by id.
            host_union_id = schedule.creator_union_id
            members: list[NewMember] = []
        else:
            host_union_id = host.union_id
            members = [
                NewMember(
                    host.union_id, host.nick, host.job_number, AttendStatus.INITIALISED, host=True
                )
            ]
        cohosts = [
            known[u]
            for u in dict.fromkeys(settings.cohost_union_ids)
            if u in known and u != host_union_id
        ]
        members += [
            NewMember(u.union_id, u.nick, u.job_number, AttendStatus.INITIALISED) for u in cohosts
        ]
        meeting = await tx.meetings.add(
            NewMeeting(
                conference_id=schedule.conference_id,
                org_id=schedule.org_id,
                title=schedule.title,
                host_union_id=host_union_id,
                room_code=schedule.room_code,
                conference_password=schedule.conference_password,
                host_password=schedule.host_password,
                created_at=schedule.start_time,
            ),
            members,
        )
        for user in cohosts:
            member = await tx.meetings.member(meeting.id, user.union_id)
            if member is not None:
                await tx.meetings.set_co_host(member.id, True)
        if settings.lock_room == 1:
            await tx.meetings.set_locked(meeting.id, True)
        await tx.schedules.set_meeting(schedule.id, meeting.id)
        await app_events.emit(
            tx,
            meeting,
            app_events.CONFERENCE_CREATED,
            app_events.conference_payload(
                meeting,
                hostUnionId=host_union_id,
                scheduleConferenceId=schedule.schedule_conference_id,
            ),
            now=schedule.start_time,
        )


async def _close(tx: Writes, meeting: Conference, at: int, reason: str) -> Command:
    await tx.meetings.close(meeting.id, at)
    await app_events.emit(
        tx,
        meeting,
        app_events.CONFERENCE_CLOSED,
        app_events.conference_payload(meeting, reason=reason),
        now=at,
    )
    return await commands.record(tx, meeting, events.CLOSED, data={"reason": reason})
