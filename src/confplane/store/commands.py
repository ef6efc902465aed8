"""The per-meeting log of commands pushed to devices, and its sequence numbers."""

from __future__ import annotations

from typing import Any

import msgspec
from sqlalchemy import Integer, and_, bindparam, delete, select
from sqlalchemy.ext.asyncio import AsyncConnection

from confplane.domain.events import Command
from confplane.store.dialect import Dialect
from confplane.store.events import APPEND_WITH_COMMAND, EventTable
from confplane.store.raw import Statement, Table
from confplane.store.schema import conferences, device_commands

_targets = msgspec.json.Decoder(list[str])
_data = msgspec.json.Decoder(dict[str, Any])
_encode = msgspec.json.Encoder().encode

# Every recorded command (every MuteMembers, LockConference and close) takes the
# meeting's next sequence number and logs the command under it: one statement where
# RETURNING may stand in a WITH clause, else two (SQLite's statements are in-process
# calls anyway).
_NEXT_SEQ = Statement("UPDATE conferences SET seq = seq + 1 WHERE id = :pk RETURNING seq")
_INSERT = Statement(
    "INSERT INTO device_commands (conference_pk, seq, kind, targets, data, created_at)"
    " VALUES (:pk, :seq, :kind, :targets, :data, :created_at)"
)
_APPEND_IN_ONE = Statement(
    "WITH taken AS (UPDATE conferences SET seq = seq + 1 WHERE id = :pk RETURNING seq)"
    " INSERT INTO device_commands (conference_pk, seq, kind, targets, data, created_at)"
    " SELECT :pk, seq, CAST(:kind AS TEXT), CAST(:targets AS TEXT), CAST(:data AS TEXT),"
    " CAST(:created_at AS BIGINT) FROM taken RETURNING seq"
)
_CURRENT_SEQ = select(conferences.c.seq).where(conferences.c.id == bindparam("pk"))
_AFTER = (
    select(
        device_commands.c.seq,
        device_commands.c.kind,
        device_commands.c.targets,
        device_commands.c.data,
        device_commands.c.created_at,
    )
    .where(
        and_(
            device_commands.c.conference_pk == bindparam("pk"),
            device_commands.c.seq > bindparam("after"),
        )
    )
    .order_by(device_commands.c.seq)
    .limit(bindparam("limit", type_=Integer))
)


class CommandTable(Table):
    """``CommandReads`` and ``CommandWrites`` over one connection of a transaction."""

    __slots__ = ("_events",)

    def __init__(self, conn: AsyncConnection, dialect: Dialect, events: EventTable) -> None:
        super().__init__(conn, dialect)
        # The same transaction's events: those waiting for this meeting ride along.
        self._events = events

    async def append(
        self,
        conference_pk: int,
        kind: str,
        targets: tuple[str, ...] | None,
        data: dict[str, object],
        created_at: int,
    ) -> int:
        # Taking the number updates the meeting's row, which stays locked until commit,
        # so two transactions of one meeting get their numbers in commit order and the
        # committed numbers have no gaps.
        params: dict[str, Any] = {
            "pk": conference_pk,
            "kind": kind,
            "targets": None if targets is None else _encode(list(targets)).decode(),
            "data": _encode(data).decode(),
            "created_at": created_at,
        }
        if self._dialect.returning_in_cte:
            if self._events.pending_of(conference_pk):
                params.update(self._events.take_pending())
                return int((await self._rows(APPEND_WITH_COMMAND, **params))[0][0])
            return int((await self._rows(_APPEND_IN_ONE, **params))[0][0])
        params["seq"] = seq = int((await self._rows(_NEXT_SEQ, **params))[0][0])
        await self._rows(_INSERT, **params)
        return seq

    async def current_seq(self, conference_pk: int) -> int:
        seq = (await self._conn.execute(_CURRENT_SEQ, {"pk": conference_pk})).scalar()
        return 0 if seq is None else int(seq)

    async def after(
        self, conference_pk: int, conference_id: str, after_seq: int, limit: int
    ) -> list[Command]:
        params = {"pk": conference_pk, "after": after_seq, "limit": limit}
        rows = await self._conn.execute(_AFTER, params)
        return [
            Command(
                kind=kind,
                conference_pk=conference_pk,
                conference_id=conference_id,
                participant_ids=None if targets is None else tuple(_targets.decode(targets)),
                data=_data.decode(data),
                seq=int(seq),
                created_at=int(created_at),
            )
            for seq, kind, targets, data, created_at in rows.all()
        ]

    async def prune(self, before: int) -> int:
        query = delete(device_commands).where(device_commands.c.created_at < before)
        result = await self._conn.execute(query)
        return int(result.rowcount or 0)
