"""Meeting statistics from what confplane keeps: meetings, members and device stays.

Figures that need media (network quality) or an org chart (department) are not kept:
they answer fixed neutral values (docs/semantics.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from confplane.domain.clock import Clock
from confplane.domain.errors import (
    ConferenceNotFound,
    ConferenceOfOtherOrg,
    InvalidParams,
    MissingConferenceId,
)
from confplane.domain.model import Conference, ConferenceStatus, Principal
from confplane.domain.paging import CursorCodec
from confplane.domain.schedule_records import DeviceStay, MeetingFigures
from confplane.domain.storage import Reads, Store

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
MAX_FILTER_LENGTH = 256


class Role(Enum):
    HOST = "host"
    COHOST = "cohost"
    ATTENDEE = "attendee"


class DeviceKind(Enum):
    """How a device took part: confplane's device WebSocket, a telephone dial-in, or a
    device simulated through the admin API."""

    WEBSOCKET = "websocket"
    PSTN = "pstn"
    SIMULATED = "simulated"


@dataclass(frozen=True, slots=True)
class MeetingData:
    """One meeting's statistics (GetConfDataByConferenceId, GetHistoryConfDataList)."""

    conference: Conference
    figures: MeetingFigures
    # The meeting's length so far: from its start to its end, or to now while it goes on.
    length_ms: int


@dataclass(frozen=True, slots=True)
class Stay:
    """One device's stay, as GetConfDetailData lists it."""

    stay: DeviceStay
    role: Role
    kind: DeviceKind
    left_at: int | None
    duration_ms: int
    # The org's name for its own members; empty for members of other orgs and guests.
    belong_org: str


@dataclass(frozen=True, slots=True)
class StayPage:
    conference_id: str
    stays: list[Stay]
    next_token: str | None


@dataclass(frozen=True, slots=True)
class HistoryPage:
    meetings: list[MeetingData]
    next_token: str | None


def length_at(conference: Conference, now: int) -> int:
    if conference.start_time is None:
        return 0
    until = conference.end_time if conference.end_time is not None else now
    return max(0, until - conference.start_time)


def page_size(max_results: int | None) -> int:
    limit = DEFAULT_PAGE_SIZE if max_results is None else max_results
    if not 1 <= limit <= MAX_PAGE_SIZE:
        raise InvalidParams(f"maxResults must be 1-{MAX_PAGE_SIZE}")
    return limit


def _filter(name: str, value: str | None) -> str:
    value = (value or "").strip()
    if len(value) > MAX_FILTER_LENGTH:
        raise InvalidParams(f"{name} is longer than {MAX_FILTER_LENGTH} characters")
    return value


def _role(stay: DeviceStay) -> Role:
    if stay.host:
        return Role.HOST
    return Role.COHOST if stay.co_host else Role.ATTENDEE


def _kind(stay: DeviceStay) -> DeviceKind:
    if stay.websocket:
        return DeviceKind.WEBSOCKET
    return DeviceKind.PSTN if stay.pstn else DeviceKind.SIMULATED


class StatisticsService:
    def __init__(self, store: Store, cursor: CursorCodec, *, clock: Clock | None = None) -> None:
        self._store = store
        self._clock = clock or Clock()
        self._stay_cursor = cursor.derive("confDetails")
        self._history_cursor = cursor.derive("confHistory")

    async def _meeting(self, tx: Reads, principal: Principal, conference_id: str) -> Conference:
        if not conference_id:
            raise MissingConferenceId("conferenceId is missing")
        conference = await tx.meetings.by_id(conference_id)
        if conference is None:
            raise ConferenceNotFound(f"conference {conference_id} not found")
        if conference.org_id != principal.org_id:
            raise ConferenceOfOtherOrg(f"conference {conference_id} belongs to another org")
        return conference

    # -- GetConfDataByConferenceId -------------------------------------------------------

    async def meeting(self, principal: Principal, conference_id: str) -> MeetingData:
        async with self._store.read() as tx:
            conference = await self._meeting(tx, principal, conference_id)
            figures = await tx.statistics.figures([conference.id])
        now = self._clock.now_ms()
        found = figures.get(conference.id, MeetingFigures("", 0))
        return MeetingData(conference, found, length_at(conference, now))

    # -- GetConfDetailData -----------------------------------------------------------------

    async def stays(
        self,
        principal: Principal,
        conference_id: str,
        *,
        nick: str | None,
        next_token: str | None,
        max_results: int | None,
    ) -> StayPage:
        limit = page_size(max_results)
        wanted = _filter("nick", nick)
        async with self._store.read() as tx:
            conference = await self._meeting(tx, principal, conference_id)
            offset = self._stay_cursor.decode(next_token, conference.id)
            rows = await tx.statistics.stays(
                conference.id, nick=wanted, offset=offset, limit=limit + 1
            )
            org = await tx.directory.org_by_corp_id(principal.corp_id)
        now = self._clock.now_ms()
        org_name = org.name if org is not None else ""
        stays = []
        for row in rows[:limit]:
            left_at = row.left_at
            if left_at is None and not row.active:
                left_at = conference.end_time
            until = left_at if left_at is not None else now
            stays.append(
                Stay(
                    stay=row,
                    role=_role(row),
                    kind=_kind(row),
                    left_at=left_at,
                    duration_ms=max(0, until - row.joined_at),
                    belong_org="" if row.outer_org else org_name,
                )
            )
        more = len(rows) > limit
        token = self._stay_cursor.encode(conference.id, offset + limit) if more else None
        return StayPage(conference.conference_id, stays, token)

    # -- GetHistoryConfDataList --------------------------------------------------------------

    async def history(
        self,
        principal: Principal,
        *,
        start_time: int | None,
        end_time: int | None,
        title: str | None,
        creator_nick: str | None,
        free_type: str | None,
        scene: str | None,
        real_data: bool,
        next_token: str | None,
        max_results: int | None,
    ) -> HistoryPage:
        """Meetings of the org that have ended (and those in progress with realData),
        newest first; ``startTime``/``endTime`` bound when they started."""
        limit = page_size(max_results)
        for name, value in (("startTime", start_time), ("endTime", end_time)):
            if value is not None and not 0 <= value < 2**53:
                raise InvalidParams(f"{name} must be milliseconds since 1970")
        if start_time is not None and end_time is not None and end_time < start_time:
            raise InvalidParams("endTime must not be before startTime")
        title_part = _filter("title", title)
        nick_part = _filter("creatorNike", creator_nick)
        before = self._history_cursor.decode(next_token, principal.org_id, owner="org")
        # confplane has one kind of meeting: its freeType and scene are empty, so a
        # filter on any other value matches none.
        if _filter("freeType", free_type) or _filter("scene", scene):
            return HistoryPage([], None)
        async with self._store.read() as tx:
            found = await tx.statistics.history(
                principal.org_id,
                ended_only=not real_data,
                started_from=start_time,
                started_to=end_time,
                title=title_part,
                creator_nick=nick_part,
                before_pk=before or None,
                limit=limit + 1,
            )
            page = found[:limit]
            figures = await tx.statistics.figures([c.id for c in page])
        now = self._clock.now_ms()
        meetings = [
            MeetingData(c, figures.get(c.id, MeetingFigures("", 0)), length_at(c, now))
            for c in page
            if real_data or c.status == ConferenceStatus.ENDED
        ]
        more = len(found) > limit
        token = self._history_cursor.encode(principal.org_id, page[-1].id) if more else None
        return HistoryPage(meetings, token)
