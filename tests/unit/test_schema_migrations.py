"""The migrations build exactly the tables store.schema describes, on both back-ends."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection

from confplane.store import schema
from confplane.store.sql import SqlStore


def _differences(conn: Connection) -> list[Any]:
    return list(compare_metadata(MigrationContext.configure(conn), schema.metadata))


async def test_migrated_schema_matches_the_table_definitions(store: SqlStore) -> None:
    # The store fixture has run every migration, as a server does at start.
    async with store._db.engine.connect() as conn:
        differences = await conn.run_sync(_differences)
    assert differences == []
