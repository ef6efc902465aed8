"""What the domain asks of storage, as typed units of work named for what they do.

The domain depends on these protocols only; ``confplane.store`` implements them (it
imports the domain's records, never the other way round). A transaction is a ``Reads``
or ``Writes`` object, one attribute per area; a write transaction is committed before
the ``async with`` block's caller goes on.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Protocol

from confplane.domain.app_events import DeadLetter, Delivery, Event, NewEvent, Subscriber
from confplane.domain.events import Command
from confplane.domain.meeting_settings import (
    Attendance,
    LinkTarget,
    MeetingSettings,
    NewShortLink,
)
from confplane.domain.model import (
    App,
    AttendStatus,
    Conference,
    ConferenceState,
    ConferenceView,
    Device,
    Member,
    Org,
    User,
)
from confplane.domain.schedule_records import (
    DeviceStay,
    MeetingFigures,
    NewSchedule,
    Schedule,
    ScheduleSettings,
)

# -- what a write adds ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NewMeeting:
    conference_id: str
    org_id: int
    title: str
    host_union_id: str
    room_code: str
    conference_password: str
    host_password: str
    created_at: int
    # Set for a meeting that is already in progress when added (bulk loading).
    start_time: int | None = None


@dataclass(frozen=True, slots=True)
class NewMember:
    union_id: str
    nick: str
    job_number: str | None
    attend_status: AttendStatus
    host: bool = False
    outer_org: bool = False
    pstn: bool = False
    # Set when the member joins as it is added.
    join_time: int | None = None


@dataclass(frozen=True, slots=True)
class NewDevice:
    participant_id: str
    conference_pk: int
    member_id: int
    union_id: str
    mic_status: int
    camera_status: int
    host_muted: bool
    joined_at: int
    resume_digest: str | None
    # The server process holding a WebSocket device (see domain.nodes); None otherwise.
    node_id: str | None = None


@dataclass(frozen=True, slots=True)
class NewApp:
    app_key: str
    secret_hash: str
    kind: str
    name: str
    org_id: int | None
    permissions: Sequence[str]
    created_at: int


@dataclass(frozen=True, slots=True)
class TokenGrant:
    """What an access token grants, as stored."""

    app_id: int
    org_id: int
    expires_at: int
    permissions: str
    app_key: str
    corp_id: str


@dataclass(slots=True, weakref_slot=True, eq=False)
class MemberSlice:
    """Members in join order after a point (at most one slice), and whether more follow.

    The store may hand one slice to many requests (its read cache): treat it as read-only.
    """

    members: list[Member]
    has_more: bool


@dataclass(slots=True, weakref_slot=True, eq=False)
class MeetingViews:
    """The meetings a batch query answers with, in the order asked; shared like a slice."""

    views: list[ConferenceView]


# -- meetings and their members ----------------------------------------------------


class MeetingReads(Protocol):
    async def by_id(self, conference_id: str) -> Conference | None: ...
    async def by_pk(self, pk: int) -> Conference | None: ...
    async def by_ids(self, conference_ids: Sequence[str]) -> list[Conference]: ...
    async def room_code_taken(self, room_code: str) -> bool: ...
    async def of_org(
        self, org_id: int, *, live_only: bool, limit: int, before_pk: int | None = None
    ) -> list[Conference]:
        """Newest first; ``before_pk`` continues a walk after the last one seen."""

    async def count_of_org(self, org_id: int, *, live_only: bool) -> int: ...
    async def member(self, conference_pk: int, union_id: str) -> Member | None: ...
    async def member_with_devices(
        self, conference_pk: int, union_id: str
    ) -> tuple[Member, list[Device]] | None:
        """A member and their active devices (oldest first)."""

    async def rejoin_forbidden(self, member_id: int) -> bool: ...
    async def members_after(self, conference_pk: int, after_id: int, limit: int) -> list[Member]:
        """One keyset slice: members with id > after_id, in join order."""


class MeetingWrites(MeetingReads, Protocol):
    async def take(self, conference_id: str) -> Conference | None:
        """The meeting, held for this transaction: writes to one meeting take turns, and
        the meeting gets a new revision (what read caches compare)."""

    async def take_pk(self, pk: int) -> Conference | None: ...
    async def take_by_room_code(self, room_code: str) -> Conference | None: ...
    async def add(self, meeting: NewMeeting, members: Sequence[NewMember]) -> Conference: ...
    async def set_locked(self, pk: int, locked: bool) -> None: ...
    async def set_mute_all(self, pk: int, forced: bool) -> None: ...
    async def start(self, pk: int, now: int) -> None: ...
    async def close(self, pk: int, now: int) -> None:
        """The meeting ends: present members leave, those never reached fail to join,
        every device goes."""

    async def add_member(self, pk: int, member: NewMember, now: int) -> Member:
        """A member who joins as they are added (present from ``now``)."""

    async def rejoin(self, member: Member, now: int, *, pstn: bool) -> None:
        """A member who is not in the meeting comes (back) in."""

    async def leave(self, member: Member, now: int, status: AttendStatus) -> None:
        """A present member leaves (LEFT) or is removed (KICKED); their time is added up."""

    async def decline(self, member_id: int, description: str) -> None: ...
    async def forbid_rejoin(self, member_id: int) -> None: ...
    async def set_co_host(self, member_id: int, co_host: bool) -> None: ...


# -- meeting controls: settings, nicknames, invitations, short links ------------------


class ControlReads(Protocol):
    async def settings(self, conference_pk: int) -> MeetingSettings: ...
    async def attendance(self, conference_pk: int) -> Attendance: ...
    async def of_room_code(
        self, room_code: str, *, limit: int, before_pk: int | None = None
    ) -> list[Conference]:
        """Meetings with this room code, newest first."""

    async def count_of_room_code(self, room_code: str) -> int: ...
    async def present_in(self, org_id: int, union_id: str) -> list[tuple[str, Member]]:
        """(conferenceId, member) of the org's meetings in progress the user is in."""


class ControlWrites(ControlReads, Protocol):
    async def save_settings(self, conference_pk: int, settings: MeetingSettings) -> None: ...
    async def set_nick(self, member_id: int, nick: str) -> None: ...
    async def invite(self, conference_pk: int, members: Sequence[NewMember]) -> None:
        """New members who have not joined, asked in."""

    async def call_again(self, member_id: int) -> None:
        """A member who is not in the meeting is asked in again (attendStatus 2)."""


class ShortLinkReads(Protocol):
    async def target(self, code: str) -> LinkTarget | None: ...


class ShortLinkWrites(ShortLinkReads, Protocol):
    async def add(self, link: NewShortLink) -> None: ...


# -- devices -------------------------------------------------------------------------


class DeviceReads(Protocol):
    async def by_participant_id(self, participant_id: str) -> Device | None: ...
    async def resume_digest(self, participant_id: str) -> str | None: ...
    async def resumable(self) -> list[tuple[str, str]]:
        """(participantId, resume digest) of every active device that can resume."""

    async def active_of_member(self, member_id: int) -> list[Device]: ...
    async def active_of_attendees(self, conference_pk: int) -> list[Device]:
        """Active devices of the members who neither host nor co-host."""


class DeviceWrites(DeviceReads, Protocol):
    async def add(self, device: NewDevice) -> Device: ...
    async def mute_member(self, member_id: int, muted: bool) -> None:
        """Every active device of the member: microphone closed and held, or opened."""

    async def mute_one(self, participant_id: str, muted: bool) -> None: ...
    async def mute_attendees(self, conference_pk: int, *, hold: bool) -> None:
        """Close every attendee's microphone; ``hold`` keeps it closed (a forced mute)."""

    async def release_attendees(self, conference_pk: int) -> None: ...
    async def report_media(
        self, participant_id: str, *, mic: int | None, camera: int | None
    ) -> None: ...
    async def remove(self, participant_id: str, now: int) -> None:
        """The device leaves the meeting."""

    async def set_resume_digest(
        self, participant_id: str, digest: str, node_id: str | None = None
    ) -> None:
        """A resumed device's new digest, and the process now holding it."""


# -- the command log -------------------------------------------------------------------


class CommandReads(Protocol):
    async def current_seq(self, conference_pk: int) -> int: ...
    async def after(
        self, conference_pk: int, conference_id: str, after_seq: int, limit: int
    ) -> list[Command]:
        """The meeting's commands with seq > after_seq, oldest first."""


class CommandWrites(CommandReads, Protocol):
    async def append(
        self,
        conference_pk: int,
        kind: str,
        targets: tuple[str, ...] | None,
        data: dict[str, object],
        created_at: int,
    ) -> int:
        """Log a command under the meeting's next sequence number (no gaps, commit order),
        which it returns."""

    async def prune(self, before: int) -> int:
        """Forget commands older than ``before`` (ms); how many went."""


# -- guests' password attempts --------------------------------------------------------


class GuestAttemptReads(Protocol):
    async def wrong_counts(
        self, room_code: str, client: str, now: int, latest: int
    ) -> tuple[int, int]:
        """Wrong passwords in windows still running at ``now`` (and ending by ``latest``,
        lest a clock set back hold them): the client's for the room, and the room's."""


class GuestAttemptWrites(GuestAttemptReads, Protocol):
    async def count_wrong(self, room_code: str, client: str, now: int, until: int) -> None:
        """One more wrong password of ``client`` for the room, and for the room itself; a
        window not running at ``now`` starts again, ending at ``until``."""

    async def prune(self, now: int) -> int:
        """Forget the windows that ended by ``now``; how many rows went."""


# -- server processes sharing the store ------------------------------------------------


class NodeWrites(Protocol):
    async def beat(self, node_id: str, now: int) -> None:
        """The process is alive at ``now`` (registered on its first beat)."""

    async def claim_dead(
        self, claimer: str, dead_before: int, now: int, until: int, limit: int
    ) -> list[str]:
        """Up to ``limit`` other processes whose last beat is before ``dead_before`` and
        that no other claimer holds at ``now``: held by ``claimer`` until ``until``."""

    async def stranded(self, node_ids: Sequence[str], limit: int) -> list[tuple[str, str]]:
        """(participantId, resume digest) of up to ``limit`` devices still in a meeting
        that these processes held."""

    async def forget(self, claimer: str, node_ids: Sequence[str]) -> int:
        """Remove the processes ``claimer`` holds that hold no device in a meeting any
        more; how many went."""


# -- orgs, apps, users and tokens ----------------------------------------------------


class DirectoryReads(Protocol):
    async def org_by_corp_id(self, corp_id: str) -> Org | None: ...
    async def list_orgs(self) -> list[Org]: ...
    async def any_org(self) -> bool: ...
    async def app_by_key(self, app_key: str) -> App | None: ...
    async def app_with_secret(self, app_key: str) -> tuple[App, str, str | None] | None:
        """The app, its secret's digest and its suite ticket's digest."""

    async def list_apps(self) -> list[App]: ...
    async def suite_authorized(self, app_id: int, org_id: int) -> bool: ...
    async def user_by_union_id(self, union_id: str) -> User | None: ...
    async def user_by_user_id(self, org_id: int, user_id: str) -> User | None: ...
    async def users_by_union_ids(self, union_ids: Sequence[str]) -> list[User]: ...
    async def list_users(self, org_id: int) -> list[User]: ...
    async def token_grant(self, token_hash: str) -> TokenGrant | None: ...
    async def live_token(self, app_id: int, org_id: int, now: int) -> tuple[str, str, int] | None:
        """The app's token for the org that is still valid at ``now``: sealed, its digest
        and its expiry."""


class DirectoryWrites(DirectoryReads, Protocol):
    async def add_org(self, corp_id: str, name: str, now: int) -> Org: ...
    async def add_app(self, app: NewApp) -> App: ...
    async def set_permissions(self, app_id: int, permissions: Sequence[str]) -> None: ...
    async def set_suite_ticket(self, app_id: int, ticket_hash: str) -> None: ...
    async def set_secret(self, app_id: int, secret_hash: str) -> None: ...
    async def authorize_suite(self, app_id: int, org_id: int) -> None: ...
    async def add_user(
        self, org_id: int, union_id: str, user_id: str, nick: str, job_number: str | None
    ) -> User: ...
    async def add_token(
        self, sealed: str, token_hash: str, app_id: int, org_id: int, expires_at: int, now: int
    ) -> None:
        """A new token (its digest, and the token sealed: domain.sealing); expired tokens
        are forgotten."""

    async def renew_token(self, token_hash: str, expires_at: int) -> None: ...


class EventReads(Protocol):
    async def after(
        self, org_id: int | None, after_id: int, limit: int, conference_id: str | None = None
    ) -> list[Event]:
        """Events with a larger id, oldest first (of one org, or of every org)."""

    async def subscribers_of_app(self, app_id: int) -> list[Subscriber]: ...
    async def all_subscribers(self) -> list[Subscriber]: ...
    async def subscriber(self, subscriber_id: int) -> Subscriber | None: ...
    async def dead_letters(self, subscriber_ids: Sequence[int], limit: int) -> list[DeadLetter]: ...
    async def depth(self) -> tuple[int, int]:
        """(pending deliveries, dead letters) over every subscriber."""


class EventWrites(EventReads, Protocol):
    async def append(self, event: NewEvent) -> None:
        """The event with the meeting's next event number, and a delivery of it for
        every subscriber of the org's apps whose filter takes it."""

    async def append_many(self, events: Sequence[NewEvent]) -> None:
        """Events of one meeting, as ``append`` of each in the order given."""

    async def add_subscriber(
        self,
        app_id: int,
        kind: str,
        url: str,
        secret: str | None,
        event_types: Sequence[str] | None,
        max_attempts: int,
        now: int,
    ) -> Subscriber: ...
    async def stream_subscriber(self, app_id: int, max_attempts: int, now: int) -> Subscriber:
        """The app's one Stream-mode subscriber, made on its first connection."""

    async def remove_subscriber(self, subscriber_id: int) -> None: ...
    async def claim(
        self, subscriber_ids: Sequence[int], now: int, lease_until: int, limit: int
    ) -> list[Delivery]:
        """Due deliveries at the head of their meeting's queue, leased to the caller."""

    async def delivered(self, delivery_ids: Sequence[int]) -> None: ...
    async def retry(self, delivery_id: int, attempts: int, next_at: int, error: str) -> None: ...
    async def bury(self, delivery_id: int, attempts: int, error: str) -> None:
        """After its last attempt: a dead letter, out of its meeting's queue."""

    async def replay(
        self, subscriber_ids: Sequence[int], delivery_ids: Sequence[int] | None, now: int
    ) -> int:
        """Dead letters pending again (all of them, or those named); how many."""

    async def prune(self, before: int) -> int:
        """Events born before ``before`` gone, with whatever deliveries of them remain."""


# -- scheduled meetings and statistics ------------------------------------------------


class ScheduleReads(Protocol):
    async def by_id(self, schedule_conference_id: str) -> Schedule | None: ...
    async def by_pk(self, pk: int) -> Schedule | None: ...
    async def due_to_open(self, now: int) -> list[int]:
        """Schedules (pk) whose window holds ``now`` and whose meeting is not made yet."""

    async def due_to_close(self, now: int) -> list[tuple[int, int]]:
        """(schedule pk, conference pk) of open meetings whose end time has come."""

    async def next_due(self, now: int) -> int | None:
        """The next instant a schedule opens or closes."""


class ScheduleWrites(ScheduleReads, Protocol):
    async def take(self, schedule_conference_id: str) -> Schedule | None:
        """The schedule, held for this transaction: changes to one schedule take turns."""

    async def take_pk(self, pk: int) -> Schedule | None: ...
    async def add(self, schedule: NewSchedule) -> Schedule: ...
    async def reschedule(self, pk: int, title: str, start: int, end: int) -> None: ...
    async def retitle_meeting(self, conference_pk: int, title: str) -> None:
        """The open meeting's title follows its schedule's (the meeting is taken first)."""

    async def cancel(self, pk: int, now: int) -> None: ...
    async def set_settings(self, pk: int, settings: ScheduleSettings) -> None: ...
    async def set_meeting(self, pk: int, conference_pk: int) -> None: ...


class StatisticsReads(Protocol):
    async def figures(self, conference_pks: Sequence[int]) -> dict[int, MeetingFigures]: ...
    async def stays(
        self, conference_pk: int, *, nick: str, offset: int, limit: int
    ) -> list[DeviceStay]:
        """Device stays in join order; ``nick`` (when not empty) is a part of the nick."""

    async def history(
        self,
        org_id: int,
        *,
        ended_only: bool,
        started_from: int | None,
        started_to: int | None,
        title: str,
        creator_nick: str,
        before_pk: int | None,
        limit: int,
    ) -> list[Conference]:
        """The org's meetings, newest first, by when they started (or were made)."""


# -- transactions and the store --------------------------------------------------------


class Reads(Protocol):
    @property
    def meetings(self) -> MeetingReads: ...
    @property
    def devices(self) -> DeviceReads: ...
    @property
    def commands(self) -> CommandReads: ...
    @property
    def directory(self) -> DirectoryReads: ...
    @property
    def guest_attempts(self) -> GuestAttemptReads: ...
    @property
    def controls(self) -> ControlReads: ...
    @property
    def short_links(self) -> ShortLinkReads: ...
    @property
    def events(self) -> EventReads: ...
    @property
    def schedules(self) -> ScheduleReads: ...
    @property
    def statistics(self) -> StatisticsReads: ...


class Writes(Protocol):
    @property
    def meetings(self) -> MeetingWrites: ...
    @property
    def devices(self) -> DeviceWrites: ...
    @property
    def commands(self) -> CommandWrites: ...
    @property
    def directory(self) -> DirectoryWrites: ...
    @property
    def schedules(self) -> ScheduleWrites: ...
    @property
    def statistics(self) -> StatisticsReads: ...
    @property
    def controls(self) -> ControlWrites: ...
    @property
    def short_links(self) -> ShortLinkWrites: ...
    @property
    def guest_attempts(self) -> GuestAttemptWrites: ...
    @property
    def events(self) -> EventWrites: ...
    @property
    def nodes(self) -> NodeWrites: ...


class Store(Protocol):
    def read(self) -> AbstractAsyncContextManager[Reads]:
        """Statements that see committed data."""

    def write(self) -> AbstractAsyncContextManager[Writes]:
        """One transaction, committed before the block's caller goes on; a unique key
        taken by a concurrent writer is ``Conflict``."""

    async def meeting_states(self, conference_ids: Sequence[str]) -> dict[str, ConferenceState]:
        """What a read needs of these meetings first, as committed now."""

    async def members_slice(self, state: ConferenceState, after_id: int, limit: int) -> MemberSlice:
        """Members after ``after_id`` (at most ``limit``) at the meeting's revision in
        ``state`` or newer; kept and shared while the revision stands."""

    async def meeting_views(
        self, wanted: Sequence[str], live: Sequence[ConferenceState]
    ) -> MeetingViews:
        """The meetings ``live`` with their members and media, in the order of ``wanted``
        (the key they are kept under while every revision stands)."""

    async def server_value(self, key: str, make: str) -> str:
        """A value every process shares; ``make`` is stored first if there is none."""
