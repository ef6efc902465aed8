"""Scheduled meetings: the statements behind ``ScheduleReads`` and ``ScheduleWrites``."""

from __future__ import annotations

from typing import Any

import msgspec

from confplane.domain.model import ConferenceStatus
from confplane.domain.schedule_records import NewSchedule, Schedule, ScheduleSettings
from confplane.store.raw import Statement, Table

_FIELDS = Schedule.__struct_fields__
_COLUMNS = ", ".join(_FIELDS)
_SETTINGS_AT = _FIELDS.index("settings")
_ENDED = int(ConferenceStatus.ENDED)
# Due work is done in slices; a clock that jumps over thousands of schedules catches up
# over a few turns of the timer instead of one long transaction.
DUE_SLICE = 200

_BY_ID = Statement(f"SELECT {_COLUMNS} FROM schedules WHERE schedule_conference_id = :sid")
_BY_PK = Statement(f"SELECT {_COLUMNS} FROM schedules WHERE id = :pk")
# A no-op write takes the row: on PostgreSQL it is held until commit, so changes to one
# schedule (and its opening by several processes) take turns; SQLite has one writer.
_TAKE_BY_ID = Statement(
    "UPDATE schedules SET created_at = created_at WHERE schedule_conference_id = :sid"
    f" RETURNING {_COLUMNS}"
)
_TAKE_BY_PK = Statement(
    f"UPDATE schedules SET created_at = created_at WHERE id = :pk RETURNING {_COLUMNS}"
)
_INSERT = Statement(
    f"INSERT INTO schedules ({_COLUMNS.replace('id, ', '', 1)})"
    " VALUES (:schedule_conference_id, :org_id, :creator_union_id, :title, :start_time,"
    " :end_time, :room_code, :conference_id, :conference_password, :host_password,"
    " :conference_pk, :cancelled_at, :settings, :created_at)"
    f" RETURNING {_COLUMNS}"
)
_RESCHEDULE = Statement(
    "UPDATE schedules SET title = :title, start_time = :start, end_time = :end WHERE id = :pk"
)
_RETITLE_MEETING = Statement("UPDATE conferences SET title = :title WHERE id = :pk")
_CANCEL = Statement("UPDATE schedules SET cancelled_at = :now WHERE id = :pk")
_SET_SETTINGS = Statement("UPDATE schedules SET settings = :settings WHERE id = :pk")
_SET_MEETING = Statement("UPDATE schedules SET conference_pk = :cpk WHERE id = :pk")
_DUE_TO_OPEN = Statement(
    "SELECT id FROM schedules WHERE conference_pk IS NULL AND cancelled_at IS NULL"
    " AND start_time <= :now AND end_time > :now ORDER BY start_time LIMIT :limit"
)
_DUE_TO_CLOSE = Statement(
    "SELECT s.id, s.conference_pk FROM schedules s JOIN conferences c ON c.id = s.conference_pk"
    " WHERE s.end_time <= :now AND c.status <> :ended ORDER BY s.end_time LIMIT :limit"
)
_NEXT_OPEN = Statement(
    "SELECT MIN(start_time) FROM schedules"
    " WHERE conference_pk IS NULL AND cancelled_at IS NULL AND end_time > :now"
)
_NEXT_CLOSE = Statement(
    "SELECT MIN(s.end_time) FROM schedules s JOIN conferences c ON c.id = s.conference_pk"
    " WHERE c.status <> :ended"
)

_settings_encoder = msgspec.json.Encoder()
_settings_decoder = msgspec.json.Decoder(ScheduleSettings)


def _schedule(row: tuple[Any, ...]) -> Schedule:
    values = list(row)
    values[_SETTINGS_AT] = _settings_decoder.decode(values[_SETTINGS_AT])
    return Schedule(*values)


class ScheduleTable(Table):
    """``ScheduleReads`` and ``ScheduleWrites`` over one connection of a transaction."""

    __slots__ = ()

    async def _one(self, statement: Statement, **params: Any) -> Schedule | None:
        rows = await self._rows(statement, **params)
        return _schedule(rows[0]) if rows else None

    # -- reads ---------------------------------------------------------------------

    async def by_id(self, schedule_conference_id: str) -> Schedule | None:
        return await self._one(_BY_ID, sid=schedule_conference_id)

    async def by_pk(self, pk: int) -> Schedule | None:
        return await self._one(_BY_PK, pk=pk)

    async def due_to_open(self, now: int) -> list[int]:
        rows = await self._rows(_DUE_TO_OPEN, now=now, limit=DUE_SLICE)
        return [int(r[0]) for r in rows]

    async def due_to_close(self, now: int) -> list[tuple[int, int]]:
        rows = await self._rows(_DUE_TO_CLOSE, now=now, ended=_ENDED, limit=DUE_SLICE)
        return [(int(r[0]), int(r[1])) for r in rows]

    async def next_due(self, now: int) -> int | None:
        opens = await self._rows(_NEXT_OPEN, now=now)
        closes = await self._rows(_NEXT_CLOSE, ended=_ENDED)
        found = [int(r[0][0]) for r in (opens, closes) if r and r[0][0] is not None]
        return min(found) if found else None

    # -- writes --------------------------------------------------------------------

    async def take(self, schedule_conference_id: str) -> Schedule | None:
        return await self._one(_TAKE_BY_ID, sid=schedule_conference_id)

    async def take_pk(self, pk: int) -> Schedule | None:
        return await self._one(_TAKE_BY_PK, pk=pk)

    async def add(self, schedule: NewSchedule) -> Schedule:
        added = await self._one(
            _INSERT,
            schedule_conference_id=schedule.schedule_conference_id,
            org_id=schedule.org_id,
            creator_union_id=schedule.creator_union_id,
            title=schedule.title,
            start_time=schedule.start_time,
            end_time=schedule.end_time,
            room_code=schedule.room_code,
            conference_id=schedule.conference_id,
            conference_password=schedule.conference_password,
            host_password=schedule.host_password,
            conference_pk=None,
            cancelled_at=None,
            settings=_settings_encoder.encode(schedule.settings).decode(),
            created_at=schedule.created_at,
        )
        assert added is not None
        return added

    async def reschedule(self, pk: int, title: str, start: int, end: int) -> None:
        await self._rows(_RESCHEDULE, pk=pk, title=title, start=start, end=end)

    async def retitle_meeting(self, conference_pk: int, title: str) -> None:
        await self._rows(_RETITLE_MEETING, pk=conference_pk, title=title)

    async def cancel(self, pk: int, now: int) -> None:
        await self._rows(_CANCEL, pk=pk, now=now)

    async def set_settings(self, pk: int, settings: ScheduleSettings) -> None:
        await self._rows(_SET_SETTINGS, pk=pk, settings=_settings_encoder.encode(settings).decode())

    async def set_meeting(self, pk: int, conference_pk: int) -> None:
        await self._rows(_SET_MEETING, pk=pk, cpk=conference_pk)
