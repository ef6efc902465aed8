"""Meeting statistics: the statements behind ``StatisticsReads``.

The join history is the devices table: a device's row is never deleted, and keeps when
it joined and when it left (a meeting's close ends the stays of the devices still in it),
so every stay of every member can be read back.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select

from confplane.domain.model import Conference, ConferenceStatus
from confplane.domain.schedule_records import DeviceStay, MeetingFigures
from confplane.store.raw import Statement, Table, records
from confplane.store.schema import conferences, users

_CONFERENCE_COLUMNS = tuple(conferences.c[name] for name in Conference.__struct_fields__)
_STAY_COLUMNS = (
    "d.participant_id, d.union_id, m.nick, m.host, m.co_host, m.outer_org, m.pstn,"
    " d.joined_at, d.left_at, d.active, d.resume_hash IS NOT NULL"
)
_STAYS = Statement(
    f"SELECT {_STAY_COLUMNS} FROM devices d JOIN members m ON m.id = d.member_id"
    " WHERE d.conference_pk = :pk AND (:nick = '' OR instr(lower(m.nick), lower(:nick)) > 0)"
    " ORDER BY d.joined_at, d.participant_id LIMIT :limit OFFSET :offset",
    postgres=f"SELECT {_STAY_COLUMNS} FROM devices d JOIN members m ON m.id = d.member_id"
    " WHERE d.conference_pk = :pk AND (:nick = '' OR strpos(lower(m.nick), lower(:nick)) > 0)"
    " ORDER BY d.joined_at, d.participant_id LIMIT :limit OFFSET :offset",
)
_FIGURES_SELECT = (
    "SELECT c.id, COALESCE(u.nick, ''),"
    " (SELECT COUNT(*) FROM members m WHERE m.conference_pk = c.id AND m.join_time IS NOT NULL)"
    " FROM conferences c LEFT JOIN users u ON u.union_id = c.host_union_id"
)
_FIGURES = Statement(
    _FIGURES_SELECT + " WHERE c.id IN (SELECT value FROM json_each(:pks))",
    postgres=_FIGURES_SELECT + " WHERE c.id = ANY(:pks)",
)


class StatisticsTable(Table):
    __slots__ = ()

    async def figures(self, conference_pks: Sequence[int]) -> dict[int, MeetingFigures]:
        if not conference_pks:
            return {}
        rows = await self._rows(_FIGURES, pks=self._dialect.list_param(list(conference_pks)))
        return {int(r[0]): MeetingFigures(str(r[1]), int(r[2])) for r in rows}

    async def stays(
        self, conference_pk: int, *, nick: str, offset: int, limit: int
    ) -> list[DeviceStay]:
        rows = await self._rows(_STAYS, pk=conference_pk, nick=nick, limit=limit, offset=offset)
        return records(DeviceStay, rows)

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
        started = func.coalesce(conferences.c.start_time, conferences.c.created_at)
        query = select(*_CONFERENCE_COLUMNS).where(conferences.c.org_id == org_id)
        if ended_only:
            query = query.where(conferences.c.status == int(ConferenceStatus.ENDED))
        if started_from is not None:
            query = query.where(started >= started_from)
        if started_to is not None:
            query = query.where(started <= started_to)
        if title:
            query = query.where(
                func.lower(conferences.c.title).contains(title.lower(), autoescape=True)
            )
        if creator_nick:
            hosts = select(users.c.union_id).where(
                func.lower(users.c.nick).contains(creator_nick.lower(), autoescape=True)
            )
            query = query.where(conferences.c.host_union_id.in_(hosts))
        if before_pk is not None:
            query = query.where(conferences.c.id < before_pk)
        rows = await self._conn.execute(query.order_by(conferences.c.id.desc()).limit(limit))
        return records(Conference, [tuple(r) for r in rows])
