"""Queries of the device channel: room codes, resume secrets, guests."""

from __future__ import annotations

from sqlalchemy import and_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from confplane.domain.model import Conference
from confplane.store.conferences import conference_by_public_id
from confplane.store.schema import conferences, devices


async def conference_by_room_code(
    conn: AsyncConnection, room_code: str, *, for_update: bool = False
) -> Conference | None:
    row = (
        await conn.execute(
            select(conferences.c.conference_id).where(conferences.c.room_code == room_code)
        )
    ).first()
    if row is None:
        return None
    return await conference_by_public_id(conn, row.conference_id, for_update=for_update)


async def resume_hash(conn: AsyncConnection, participant_id: str) -> str | None:
    row = (
        await conn.execute(
            select(devices.c.resume_hash).where(devices.c.participant_id == participant_id)
        )
    ).first()
    return None if row is None else row.resume_hash


async def set_resume_hash(conn: AsyncConnection, participant_id: str, digest: str) -> None:
    await conn.execute(
        update(devices).where(devices.c.participant_id == participant_id).values(resume_hash=digest)
    )


async def live_devices(conn: AsyncConnection) -> list[tuple[str, str]]:
    """(participantId, resume digest) of every active device that holds a resume secret."""
    rows = await conn.execute(
        select(devices.c.participant_id, devices.c.resume_hash).where(
            and_(devices.c.active.is_(True), devices.c.resume_hash.is_not(None))
        )
    )
    return [(r.participant_id, r.resume_hash) for r in rows]
