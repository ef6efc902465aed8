"""Meetings and their members: the statements behind ``MeetingReads`` and ``MeetingWrites``."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, insert, select

from confplane.domain.model import AttendStatus, Conference, ConferenceState, Device, Member
from confplane.domain.model import ConferenceStatus as Status
from confplane.domain.storage import NewMeeting, NewMember
from confplane.store.raw import Statement, Table, records
from confplane.store.schema import conferences, members

# Columns in the order of the records' fields: a row becomes a record in one call, with
# no lookup by name per column (the member list of a page is the hot loop of reads).
_CONFERENCE_COLUMNS = tuple(conferences.c[name] for name in Conference.__struct_fields__)
_MEMBER_COLUMNS = tuple(members.c[name] for name in Member.__struct_fields__)

_C = ", ".join(Conference.__struct_fields__)
_S = ", ".join(ConferenceState.__struct_fields__)
_M = ", ".join(Member.__struct_fields__)
_MEMBER_WIDTH = len(Member.__struct_fields__)

_BY_ID = Statement(f"SELECT {_C} FROM conferences WHERE conference_id = :cid")
_BY_PK = Statement(f"SELECT {_C} FROM conferences WHERE id = :pk")
# A write takes the meeting by raising its revision: on PostgreSQL the UPDATE holds the
# row until commit, so writes to one meeting take turns (SQLite has one writer anyway),
# and a reader that finds the revision it last saw knows nothing of the meeting changed.
_TAKE_BY_ID = Statement(
    f"UPDATE conferences SET revision = revision + 1 WHERE conference_id = :cid RETURNING {_C}"
)
_TAKE_BY_PK = Statement(
    f"UPDATE conferences SET revision = revision + 1 WHERE id = :pk RETURNING {_C}"
)
_TAKE_BY_ROOM_CODE = Statement(
    f"UPDATE conferences SET revision = revision + 1 WHERE room_code = :code RETURNING {_C}"
)
_BY_IDS = Statement(
    f"SELECT {_C} FROM conferences WHERE conference_id IN (SELECT value FROM json_each(:ids))",
    postgres=f"SELECT {_C} FROM conferences WHERE conference_id = ANY(:ids)",
)
_STATES_BY_IDS = Statement(
    f"SELECT {_S} FROM conferences WHERE conference_id IN (SELECT value FROM json_each(:ids))",
    postgres=f"SELECT {_S} FROM conferences WHERE conference_id = ANY(:ids)",
)
# A scheduled meeting holds its roomCode from booking, before its conferences row exists.
_ROOM_CODE_TAKEN = Statement(
    "SELECT 1 FROM conferences WHERE room_code = :code"
    " UNION ALL SELECT 1 FROM schedules WHERE room_code = :code LIMIT 1"
)
_SET_LOCKED = Statement("UPDATE conferences SET locked = :flag WHERE id = :pk")
_SET_MUTE_ALL = Statement("UPDATE conferences SET mute_all = :flag WHERE id = :pk")
_START = Statement("UPDATE conferences SET status = :status, start_time = :now WHERE id = :pk")
_END = Statement("UPDATE conferences SET status = :status, end_time = :now WHERE id = :pk")

_MEMBERS_AFTER = Statement(
    f"SELECT {_M} FROM members WHERE conference_pk = :pk AND id > :after ORDER BY id LIMIT :limit"
)
_MEMBERS_OF = Statement(
    f"SELECT {_M} FROM members WHERE conference_pk IN (SELECT value FROM json_each(:pks))"
    " ORDER BY conference_pk, id",
    postgres=f"SELECT {_M} FROM members WHERE conference_pk = ANY(:pks) ORDER BY conference_pk, id",
)
_MEMBER = Statement(f"SELECT {_M} FROM members WHERE conference_pk = :pk AND union_id = :uid")
_MEMBER_WITH_ACTIVE_DEVICES = Statement(
    "SELECT "
    + ", ".join(f"m.{c}" for c in Member.__struct_fields__)
    + ", "
    + ", ".join(f"d.{c}" for c in Device.__struct_fields__)
    + " FROM members m LEFT JOIN devices d ON d.member_id = m.id AND d.active = TRUE"
    " WHERE m.conference_pk = :pk AND m.union_id = :uid"
    " ORDER BY d.joined_at, d.participant_id"
)
_REJOIN_FORBIDDEN = Statement("SELECT rejoin_forbidden FROM members WHERE id = :id")
_FORBID_REJOIN = Statement("UPDATE members SET rejoin_forbidden = TRUE WHERE id = :id")
_SET_CO_HOST = Statement("UPDATE members SET co_host = :flag WHERE id = :id")
_DECLINE = Statement(
    "UPDATE members SET attend_status = :status, reject_description = :why WHERE id = :id"
)
_LEAVE = Statement(
    "UPDATE members SET attend_status = :status, leave_time = :now, duration_ms = :duration,"
    " present_since = NULL WHERE id = :id"
)
_REJOIN = Statement(
    "UPDATE members SET attend_status = :status, join_time = :join_time, leave_time = NULL,"
    " present_since = :now, reject_description = NULL, pstn = :pstn WHERE id = :id"
)
_ADD_MEMBER_COUNT = Statement(
    "UPDATE conferences SET member_count = member_count + :delta WHERE id = :pk"
)
# When a meeting ends, who was in it leaves (their time in it added up) and who was
# still being called failed to join.
_END_PRESENCE = Statement(
    "UPDATE members SET attend_status = :left, leave_time = :now,"
    " duration_ms = duration_ms + CASE WHEN present_since IS NULL THEN 0"
    " ELSE :now - present_since END, present_since = NULL"
    " WHERE conference_pk = :pk AND attend_status = :present"
)
_FAIL_WAITING = Statement(
    "UPDATE members SET attend_status = :failed,"
    " reject_description = 'the meeting ended before joining'"
    " WHERE conference_pk = :pk AND attend_status IN (:initialised, :calling)"
)
# Each device's stay ends with the meeting (the statistics read stays from devices).
_DEACTIVATE_DEVICES = Statement(
    "UPDATE devices SET active = FALSE, left_at = :now WHERE conference_pk = :pk AND active = TRUE"
)
# PostgreSQL: the four updates of a close in one round trip (the two member updates
# take disjoint rows: present, and not yet joined).
_CLOSE_IN_ONE = Statement(
    f"WITH present AS ({_END_PRESENCE.sqlite}), waiting AS ({_FAIL_WAITING.sqlite}),"
    f" devices_gone AS ({_DEACTIVATE_DEVICES.sqlite}) {_END.sqlite}"
)


_MEETING_COLUMNS = (
    "conference_id, org_id, title, status, locked, mute_all, host_union_id, room_code,"
    " conference_password, host_password, created_at, start_time, member_count, seq"
)
_INSERT_MEETING = Statement(
    f"INSERT INTO conferences ({_MEETING_COLUMNS}) VALUES ("
    + ", ".join(f":{c.strip()}" for c in _MEETING_COLUMNS.split(","))
    + f") RETURNING {_C}"
)
_NEW_MEMBER_COLUMNS = (
    "conference_pk",
    "union_id",
    "nick",
    "job_number",
    "attend_status",
    "join_time",
    "leave_time",
    "duration_ms",
    "present_since",
    "host",
    "co_host",
    "outer_org",
    "pstn",
    "reject_description",
    "rejoin_forbidden",
    "invited",
)


@functools.lru_cache(maxsize=64)
def _insert_members(count: int) -> Statement:
    """One INSERT of ``count`` members, in order (their ids follow it), parameters
    named after ``member_row``'s keys with the row's index appended."""
    rows = ", ".join(
        "(" + ", ".join(f":{c}{i}" for c in _NEW_MEMBER_COLUMNS) + ")" for i in range(count)
    )
    return Statement(f"INSERT INTO members ({', '.join(_NEW_MEMBER_COLUMNS)}) VALUES {rows}")


def _meeting_row(meeting: NewMeeting, member_count: int) -> dict[str, Any]:
    started = meeting.start_time is not None
    return {
        "conference_id": meeting.conference_id,
        "org_id": meeting.org_id,
        "title": meeting.title,
        "status": int(Status.STARTED if started else Status.INITIALISED),
        "locked": False,
        "mute_all": False,
        "host_union_id": meeting.host_union_id,
        "room_code": meeting.room_code,
        "conference_password": meeting.conference_password,
        "host_password": meeting.host_password,
        "created_at": meeting.created_at,
        "start_time": meeting.start_time,
        "member_count": member_count,
        "seq": 0,
    }


def member_row(conference_pk: int, member: NewMember) -> dict[str, Any]:
    present = member.join_time
    return {
        "conference_pk": conference_pk,
        "union_id": member.union_id,
        "nick": member.nick,
        "job_number": member.job_number,
        "attend_status": int(member.attend_status),
        "join_time": present,
        "leave_time": None,
        "duration_ms": 0,
        "present_since": present,
        "host": member.host,
        "co_host": False,
        "outer_org": member.outer_org,
        "pstn": member.pstn,
        "reject_description": None,
        "rejoin_forbidden": False,
        # Asked in rather than come in by themselves (or the host, who made it).
        "invited": not member.host
        and member.attend_status in (AttendStatus.INITIALISED, AttendStatus.CALLING),
    }


class MeetingTable(Table):
    """``MeetingReads`` and ``MeetingWrites`` over one connection of a transaction."""

    __slots__ = ()

    async def _one(self, statement: Statement, **params: Any) -> Conference | None:
        rows = await self._rows(statement, **params)
        return records(Conference, rows)[0] if rows else None

    # -- reads ---------------------------------------------------------------------

    async def by_id(self, conference_id: str) -> Conference | None:
        return await self._one(_BY_ID, cid=conference_id)

    async def by_pk(self, pk: int) -> Conference | None:
        return await self._one(_BY_PK, pk=pk)

    async def by_ids(self, conference_ids: Sequence[str]) -> list[Conference]:
        ids = self._dialect.list_param(conference_ids)
        return records(Conference, await self._rows(_BY_IDS, ids=ids))

    async def states(self, conference_ids: Sequence[str]) -> list[ConferenceState]:
        ids = self._dialect.list_param(conference_ids)
        return records(ConferenceState, await self._rows(_STATES_BY_IDS, ids=ids))

    async def room_code_taken(self, room_code: str) -> bool:
        return bool(await self._rows(_ROOM_CODE_TAKEN, code=room_code))

    async def of_org(
        self, org_id: int, *, live_only: bool, limit: int, before_pk: int | None = None
    ) -> list[Conference]:
        query = select(*_CONFERENCE_COLUMNS).where(conferences.c.org_id == org_id)
        if live_only:
            query = query.where(conferences.c.status != int(Status.ENDED))
        if before_pk is not None:
            query = query.where(conferences.c.id < before_pk)
        rows = await self._conn.execute(query.order_by(conferences.c.id.desc()).limit(limit))
        return records(Conference, [tuple(r) for r in rows])

    async def count_of_org(self, org_id: int, *, live_only: bool) -> int:
        query = select(func.count()).select_from(conferences).where(conferences.c.org_id == org_id)
        if live_only:
            query = query.where(conferences.c.status != int(Status.ENDED))
        return int((await self._conn.execute(query)).scalar_one())

    async def member(self, conference_pk: int, union_id: str) -> Member | None:
        rows = await self._rows(_MEMBER, pk=conference_pk, uid=union_id)
        return records(Member, rows)[0] if rows else None

    async def member_with_devices(
        self, conference_pk: int, union_id: str
    ) -> tuple[Member, list[Device]] | None:
        rows = await self._rows(_MEMBER_WITH_ACTIVE_DEVICES, pk=conference_pk, uid=union_id)
        if not rows:
            return None
        member = records(Member, [rows[0][:_MEMBER_WIDTH]])[0]
        found = [row[_MEMBER_WIDTH:] for row in rows if row[_MEMBER_WIDTH] is not None]
        return member, records(Device, found)

    async def rejoin_forbidden(self, member_id: int) -> bool:
        rows = await self._rows(_REJOIN_FORBIDDEN, id=member_id)
        return bool(rows and rows[0][0])

    async def members_after(self, conference_pk: int, after_id: int, limit: int) -> list[Member]:
        rows = await self._rows(_MEMBERS_AFTER, pk=conference_pk, after=after_id, limit=limit)
        return records(Member, rows)

    async def members_of(self, conference_pks: Sequence[int]) -> list[Member]:
        pks = self._dialect.list_param(conference_pks)
        return records(Member, await self._rows(_MEMBERS_OF, pks=pks))

    # -- writes --------------------------------------------------------------------

    async def take(self, conference_id: str) -> Conference | None:
        return await self._one(_TAKE_BY_ID, cid=conference_id)

    async def take_pk(self, pk: int) -> Conference | None:
        return await self._one(_TAKE_BY_PK, pk=pk)

    async def take_by_room_code(self, room_code: str) -> Conference | None:
        return await self._one(_TAKE_BY_ROOM_CODE, code=room_code)

    async def add(self, meeting: NewMeeting, members_: Sequence[NewMember]) -> Conference:
        """One meeting and its members in two statements (CreateVideoConference)."""
        rows = await self._rows(_INSERT_MEETING, **_meeting_row(meeting, len(members_)))
        [conference] = records(Conference, rows)
        if members_:
            params: dict[str, Any] = {}
            for i, member in enumerate(members_):
                for name, value in member_row(conference.id, member).items():
                    params[f"{name}{i}"] = value
            await self._rows(_insert_members(len(members_)), **params)
        return conference

    async def add_many(
        self, meetings: Sequence[NewMeeting], members_: Sequence[NewMember]
    ) -> list[Conference]:
        """Meetings in one statement, each with ``members_``, in the order given (also
        for bulk loading)."""
        rows = [_meeting_row(m, len(members_)) for m in meetings]
        result = await self._conn.execute(
            insert(conferences).returning(*_CONFERENCE_COLUMNS, sort_by_parameter_order=True),
            rows,
        )
        added = records(Conference, [tuple(r) for r in result])
        if members_:
            member_rows = [member_row(c.id, m) for c in added for m in members_]
            await self._conn.execute(insert(members), member_rows)
        return added

    async def add_members(self, pk: int, members_: Sequence[NewMember]) -> None:
        """Many members of one meeting in one statement (bulk loading)."""
        if members_:
            await self._conn.execute(insert(members), [member_row(pk, m) for m in members_])
            await self._rows(_ADD_MEMBER_COUNT, pk=pk, delta=len(members_))

    async def set_locked(self, pk: int, locked: bool) -> None:
        await self._rows(_SET_LOCKED, pk=pk, flag=locked)

    async def set_mute_all(self, pk: int, forced: bool) -> None:
        await self._rows(_SET_MUTE_ALL, pk=pk, flag=forced)

    async def start(self, pk: int, now: int) -> None:
        await self._rows(_START, pk=pk, now=now, status=int(Status.STARTED))

    async def close(self, pk: int, now: int) -> None:
        presence = {"present": int(AttendStatus.IN_MEETING), "left": int(AttendStatus.LEFT)}
        waiting = {
            "initialised": int(AttendStatus.INITIALISED),
            "calling": int(AttendStatus.CALLING),
            "failed": int(AttendStatus.JOIN_FAILED),
        }
        ended = int(Status.ENDED)
        if self._dialect.returning_in_cte:
            await self._rows(_CLOSE_IN_ONE, pk=pk, now=now, status=ended, **presence, **waiting)
            return
        await self._rows(_END_PRESENCE, pk=pk, now=now, **presence)
        await self._rows(_FAIL_WAITING, pk=pk, **waiting)
        await self._rows(_DEACTIVATE_DEVICES, pk=pk, now=now)
        await self._rows(_END, pk=pk, now=now, status=ended)

    async def add_member(self, pk: int, member: NewMember, now: int) -> Member:
        row = member_row(pk, member)
        row.update(join_time=now, present_since=now)
        result = await self._conn.execute(insert(members).values(**row).returning(*_MEMBER_COLUMNS))
        await self._rows(_ADD_MEMBER_COUNT, pk=pk, delta=1)
        return records(Member, [tuple(r) for r in result])[0]

    async def rejoin(self, member: Member, now: int, *, pstn: bool) -> None:
        await self._rows(
            _REJOIN,
            id=member.id,
            status=int(AttendStatus.IN_MEETING),
            join_time=member.join_time or now,
            now=now,
            pstn=member.pstn or pstn,
        )

    async def leave(self, member: Member, now: int, status: AttendStatus) -> None:
        await self._rows(
            _LEAVE, id=member.id, status=int(status), now=now, duration=member.duration_at(now)
        )

    async def decline(self, member_id: int, description: str) -> None:
        await self._rows(
            _DECLINE, id=member_id, status=int(AttendStatus.JOIN_FAILED), why=description
        )

    async def forbid_rejoin(self, member_id: int) -> None:
        await self._rows(_FORBID_REJOIN, id=member_id)

    async def set_co_host(self, member_id: int, co_host: bool) -> None:
        await self._rows(_SET_CO_HOST, id=member_id, flag=co_host)
