"""Server-wide values kept in the database so every process shares them."""

from __future__ import annotations

from sqlalchemy import insert, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from confplane.store.schema import server_meta


async def schema_version(conn: AsyncConnection) -> str | None:
    """The Alembic revision the database is at."""
    row = (await conn.execute(text("SELECT version_num FROM alembic_version"))).first()
    return None if row is None else str(row.version_num)


async def get_or_create(conn: AsyncConnection, key: str, make: str) -> str:
    """The stored value of ``key``; ``make`` is stored first if there is none."""
    row = (await conn.execute(select(server_meta.c.value).where(server_meta.c.key == key))).first()
    if row is not None:
        return str(row.value)
    try:
        async with conn.begin_nested():
            await conn.execute(insert(server_meta).values(key=key, value=make))
    except IntegrityError:
        # Another process stored it first: theirs wins.
        row = (
            await conn.execute(select(server_meta.c.value).where(server_meta.c.key == key))
        ).one()
        return str(row.value)
    return make
