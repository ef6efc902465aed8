"""The per-meeting log of commands pushed to devices, and its sequence numbers."""

from __future__ import annotations

from typing import Any

import msgspec
from sqlalchemy import and_, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from confplane.domain.events import Command
from confplane.store.schema import conferences, device_commands

_targets = msgspec.json.Decoder(list[str] | None)
_data = msgspec.json.Decoder(dict[str, Any])


async def next_seq(conn: AsyncConnection, conference_pk: int) -> int:
    """Take the meeting's next sequence number.

    The UPDATE locks the meeting's row until commit, so two transactions of one meeting
    get their numbers in commit order and the committed numbers have no gaps.
    """
    row = (
        await conn.execute(
            update(conferences)
            .where(conferences.c.id == conference_pk)
            .values(seq=conferences.c.seq + 1)
            .returning(conferences.c.seq)
        )
    ).one()
    return int(row.seq)


async def current_seq(conn: AsyncConnection, conference_pk: int) -> int:
    row = (
        await conn.execute(select(conferences.c.seq).where(conferences.c.id == conference_pk))
    ).first()
    return 0 if row is None else int(row.seq)


async def insert_command(conn: AsyncConnection, command: Command, created_at: int) -> None:
    targets = None if command.participant_ids is None else list(command.participant_ids)
    await conn.execute(
        insert(device_commands).values(
            conference_pk=command.conference_pk,
            seq=command.seq,
            kind=command.kind,
            targets=None if targets is None else msgspec.json.encode(targets).decode(),
            data=msgspec.json.encode(command.data).decode(),
            created_at=created_at,
        )
    )


async def commands_after(
    conn: AsyncConnection, conference_pk: int, conference_id: str, after_seq: int, limit: int
) -> list[Command]:
    """The meeting's commands with seq > after_seq, oldest first."""
    rows = await conn.execute(
        select(device_commands)
        .where(
            and_(
                device_commands.c.conference_pk == conference_pk,
                device_commands.c.seq > after_seq,
            )
        )
        .order_by(device_commands.c.seq)
        .limit(limit)
    )
    return [
        Command(
            kind=r.kind,
            conference_pk=r.conference_pk,
            conference_id=conference_id,
            participant_ids=None if r.targets is None else tuple(_targets.decode(r.targets)),
            data=_data.decode(r.data),
            seq=int(r.seq),
        )
        for r in rows
    ]


async def prune_commands(conn: AsyncConnection, before: int) -> int:
    """Forget commands older than ``before`` (ms); nobody can resume that far back."""
    result = await conn.execute(
        delete(device_commands).where(device_commands.c.created_at < before)
    )
    return int(result.rowcount or 0)
