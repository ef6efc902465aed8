"""The per-meeting log of commands pushed to devices, and its sequence numbers."""

from __future__ import annotations

from typing import Any

import msgspec
from sqlalchemy import Integer, and_, bindparam, delete, select
from sqlalchemy.ext.asyncio import AsyncConnection

from confplane.domain.events import Command
from confplane.store import raw
from confplane.store.schema import conferences, device_commands

_targets = msgspec.json.Decoder(list[str] | None)
_data = msgspec.json.Decoder(dict[str, Any])
_encode = msgspec.json.Encoder().encode

# Every recorded command (every MuteMembers, LockConference and close) takes the
# meeting's next sequence number and logs the command under it, as plain SQL on the
# driver (see store.raw): one statement on PostgreSQL, two on SQLite (whose UPDATE ...
# RETURNING cannot stand in a WITH clause; its statements are in-process calls anyway).
_RAW_NEXT_SEQ = raw.Statement("UPDATE conferences SET seq = seq + 1 WHERE id = :pk RETURNING seq")
_RAW_INSERT = raw.Statement(
    "INSERT INTO device_commands (conference_pk, seq, kind, targets, data, created_at)"
    " VALUES (:pk, :seq, :kind, :targets, :data, :created_at)"
)
_RAW_APPEND_POSTGRES = raw.Statement(
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


async def append_command(
    conn: AsyncConnection,
    conference_pk: int,
    kind: str,
    targets: tuple[str, ...] | None,
    data: dict[str, Any],
    created_at: int,
) -> int:
    """Log a command under the meeting's next sequence number, which it returns.

    Taking the number updates the meeting's row, which stays locked until commit, so two
    transactions of one meeting get their numbers in commit order and the committed
    numbers have no gaps.
    """
    params: dict[str, Any] = {
        "pk": conference_pk,
        "kind": kind,
        "targets": None if targets is None else _encode(list(targets)).decode(),
        "data": _encode(data).decode(),
        "created_at": created_at,
    }
    if conn.dialect.name != "sqlite":
        return int((await raw.fetch(conn, _RAW_APPEND_POSTGRES, params))[0][0])
    params["seq"] = seq = int((await raw.fetch(conn, _RAW_NEXT_SEQ, {"pk": conference_pk}))[0][0])
    await raw.execute(conn, _RAW_INSERT, params)
    return seq


async def current_seq(conn: AsyncConnection, conference_pk: int) -> int:
    seq = (await conn.execute(_CURRENT_SEQ, {"pk": conference_pk})).scalar()
    return 0 if seq is None else int(seq)


async def commands_after(
    conn: AsyncConnection, conference_pk: int, conference_id: str, after_seq: int, limit: int
) -> list[Command]:
    """The meeting's commands with seq > after_seq, oldest first."""
    rows = await conn.execute(_AFTER, {"pk": conference_pk, "after": after_seq, "limit": limit})
    return [
        Command(
            kind=kind,
            conference_pk=conference_pk,
            conference_id=conference_id,
            participant_ids=None if targets is None else tuple(_targets.decode(targets)),
            data=_data.decode(data),
            seq=int(seq),
        )
        for seq, kind, targets, data in rows.all()
    ]


async def prune_commands(conn: AsyncConnection, before: int) -> int:
    """Forget commands older than ``before`` (ms); nobody can resume that far back."""
    result = await conn.execute(
        delete(device_commands).where(device_commands.c.created_at < before)
    )
    return int(result.rowcount or 0)
