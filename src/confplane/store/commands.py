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

# The two statements of every recorded command (every MuteMembers, LockConference and
# close), as plain SQL on the driver: see store.raw.
_RAW_NEXT_SEQ = raw.Statement("UPDATE conferences SET seq = seq + 1 WHERE id = :pk RETURNING seq")
_RAW_INSERT = raw.Statement(
    "INSERT INTO device_commands (conference_pk, seq, kind, targets, data, created_at)"
    " VALUES (:pk, :seq, :kind, :targets, :data, :created_at)"
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


async def next_seq(conn: AsyncConnection, conference_pk: int) -> int:
    """Take the meeting's next sequence number.

    The UPDATE locks the meeting's row until commit, so two transactions of one meeting
    get their numbers in commit order and the committed numbers have no gaps.
    """
    rows = await raw.fetch(conn, _RAW_NEXT_SEQ, {"pk": conference_pk})
    return int(rows[0][0])


async def current_seq(conn: AsyncConnection, conference_pk: int) -> int:
    seq = (await conn.execute(_CURRENT_SEQ, {"pk": conference_pk})).scalar()
    return 0 if seq is None else int(seq)


async def insert_command(conn: AsyncConnection, command: Command, created_at: int) -> None:
    targets = command.participant_ids
    await raw.execute(
        conn,
        _RAW_INSERT,
        {
            "pk": command.conference_pk,
            "seq": command.seq,
            "kind": command.kind,
            "targets": None if targets is None else _encode(list(targets)).decode(),
            "data": _encode(command.data).decode(),
            "created_at": created_at,
        },
    )


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
