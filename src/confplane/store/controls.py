"""Meeting controls beyond lock and mute-all: the statements behind ``ControlWrites``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import insert

from confplane.domain.meeting_settings import DEFAULT_SETTINGS, Attendance, MeetingSettings
from confplane.domain.model import AttendStatus, Conference, Member
from confplane.domain.model import ConferenceStatus as Status
from confplane.domain.storage import NewMember
from confplane.store.meetings import member_row
from confplane.store.raw import Statement, Table, records
from confplane.store.schema import members

_C = ", ".join(Conference.__struct_fields__)
_M = ", ".join(f"m.{c}" for c in Member.__struct_fields__)
# Past every id: a room-code walk's first page.
_NO_BOUND = 2**62

_SETTINGS = Statement(
    "SELECT allow_unmute_self, auto_transfer_host, forbidden_share_screen,"
    " only_internal_employees, focus_union_id, ext_info"
    " FROM conference_settings WHERE conference_pk = :pk"
)
_SAVE_SETTINGS = Statement(
    "INSERT INTO conference_settings (conference_pk, allow_unmute_self, auto_transfer_host,"
    " forbidden_share_screen, only_internal_employees, focus_union_id, ext_info)"
    " VALUES (:pk, :unmute, :transfer, :share, :internal, :focus, :ext)"
    " ON CONFLICT (conference_pk) DO UPDATE SET allow_unmute_self = excluded.allow_unmute_self,"
    " auto_transfer_host = excluded.auto_transfer_host,"
    " forbidden_share_screen = excluded.forbidden_share_screen,"
    " only_internal_employees = excluded.only_internal_employees,"
    " focus_union_id = excluded.focus_union_id, ext_info = excluded.ext_info"
)
_ATTENDANCE = Statement(
    "SELECT COALESCE(SUM(CASE WHEN attend_status = :present THEN 1 ELSE 0 END), 0),"
    " COALESCE(SUM(CASE WHEN join_time IS NOT NULL THEN 1 ELSE 0 END), 0),"
    " COALESCE(SUM(CASE WHEN invited THEN 1 ELSE 0 END), 0)"
    " FROM members WHERE conference_pk = :pk"
)
_OF_ROOM_CODE = Statement(
    f"SELECT {_C} FROM conferences WHERE room_code = :code AND id < :before"
    " ORDER BY id DESC LIMIT :limit"
)
_COUNT_OF_ROOM_CODE = Statement("SELECT COUNT(*) FROM conferences WHERE room_code = :code")
_PRESENT_IN = Statement(
    f"SELECT c.conference_id, {_M} FROM members m JOIN conferences c ON c.id = m.conference_pk"
    " WHERE m.union_id = :uid AND m.attend_status = :present AND c.org_id = :org"
    " AND c.status != :ended ORDER BY c.id DESC"
)
_SET_NICK = Statement("UPDATE members SET nick = :nick WHERE id = :id")
_CALL_AGAIN = Statement(
    "UPDATE members SET attend_status = :status, reject_description = NULL, invited = TRUE"
    " WHERE id = :id"
)
_ADD_MEMBER_COUNT = Statement(
    "UPDATE conferences SET member_count = member_count + :delta WHERE id = :pk"
)


class ControlTable(Table):
    """``ControlReads`` and ``ControlWrites`` over one connection of a transaction."""

    __slots__ = ()

    async def settings(self, conference_pk: int) -> MeetingSettings:
        rows = await self._rows(_SETTINGS, pk=conference_pk)
        if not rows:
            return DEFAULT_SETTINGS
        unmute, transfer, share, internal, focus, ext = rows[0]
        return MeetingSettings(
            allow_unmute_self=bool(unmute),
            auto_transfer_host=bool(transfer),
            forbidden_share_screen=bool(share),
            only_internal_employees=bool(internal),
            focus_union_id=focus,
            ext_info=ext,
        )

    async def attendance(self, conference_pk: int) -> Attendance:
        rows = await self._rows(_ATTENDANCE, pk=conference_pk, present=int(AttendStatus.IN_MEETING))
        active, attended, invited = rows[0]
        return Attendance(active=int(active), attended=int(attended), invited=int(invited))

    async def of_room_code(
        self, room_code: str, *, limit: int, before_pk: int | None = None
    ) -> list[Conference]:
        rows = await self._rows(
            _OF_ROOM_CODE, code=room_code, before=before_pk or _NO_BOUND, limit=limit
        )
        return records(Conference, rows)

    async def count_of_room_code(self, room_code: str) -> int:
        rows = await self._rows(_COUNT_OF_ROOM_CODE, code=room_code)
        return int(rows[0][0])

    async def present_in(self, org_id: int, union_id: str) -> list[tuple[str, Member]]:
        rows = await self._rows(
            _PRESENT_IN,
            uid=union_id,
            org=org_id,
            present=int(AttendStatus.IN_MEETING),
            ended=int(Status.ENDED),
        )
        found = records(Member, [row[1:] for row in rows])
        return [(str(row[0]), member) for row, member in zip(rows, found, strict=True)]

    async def save_settings(self, conference_pk: int, settings: MeetingSettings) -> None:
        await self._rows(
            _SAVE_SETTINGS,
            pk=conference_pk,
            unmute=settings.allow_unmute_self,
            transfer=settings.auto_transfer_host,
            share=settings.forbidden_share_screen,
            internal=settings.only_internal_employees,
            focus=settings.focus_union_id,
            ext=settings.ext_info,
        )

    async def set_nick(self, member_id: int, nick: str) -> None:
        await self._rows(_SET_NICK, id=member_id, nick=nick)

    async def invite(self, conference_pk: int, members_: Sequence[NewMember]) -> None:
        if not members_:
            return
        rows: list[dict[str, Any]] = [member_row(conference_pk, m) for m in members_]
        await self._conn.execute(insert(members), rows)
        await self._rows(_ADD_MEMBER_COUNT, pk=conference_pk, delta=len(members_))

    async def call_again(self, member_id: int) -> None:
        await self._rows(_CALL_AGAIN, id=member_id, status=int(AttendStatus.CALLING))
