"""The hottest statements, run on the driver itself inside SQLAlchemy's transaction.

SQLAlchemy Core costs about 100 µs per statement even when the statement is built once
(compiled-cache lookup, execution context, result set-up and row processing), more than
sqlite3 needs to run most of these statements. A ``Statement`` here is plain SQL, written
once per dialect, and runs on the connection SQLAlchemy has checked out for the
transaction, so begin, commit and rollback stay SQLAlchemy's:

- SQLite (``sqlite_inline``): sqlite3 on the loop's thread. sqlite3 begins a
  transaction by itself before the first write, which is what SQLAlchemy relies on too.
- PostgreSQL (asyncpg): the statement waits for the adapter's lock and, inside a
  SQLAlchemy transaction, starts the adapter's transaction first if no statement has yet,
  as SQLAlchemy's own cursor does; asyncpg prepares and caches the statement.

Rows come back as plain tuples: SQLite gives 0 and 1 for booleans (the records' types
convert them, see ``records``).
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

import msgspec
from sqlalchemy.ext.asyncio import AsyncConnection

from confplane.store.sqlite_inline import InlineConnection

T = TypeVar("T")

_PARAM = re.compile(r"(?<!:):([a-z_][a-z0-9_]*)")


class Statement:
    """One statement, with ``:name`` parameters; ``postgres`` when its SQL differs."""

    __slots__ = ("names", "postgres", "sqlite")

    def __init__(self, sql: str, *, postgres: str | None = None) -> None:
        self.sqlite = sql
        names: list[str] = []

        def number(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in names:
                names.append(name)
            return f"${names.index(name) + 1}"

        self.postgres = _PARAM.sub(number, postgres if postgres is not None else sql)
        self.names = tuple(names)


def _driver(conn: AsyncConnection) -> Any:
    return conn.sync_connection.connection.driver_connection  # type: ignore[union-attr]


def sqlite3_of(conn: AsyncConnection) -> sqlite3.Connection:
    """The sqlite3 connection under a SQLite connection (see sqlite_inline)."""
    driver = _driver(conn)
    assert isinstance(driver, InlineConnection)
    return driver.raw


async def fetch(
    conn: AsyncConnection, statement: Statement, params: Mapping[str, Any]
) -> list[tuple[Any, ...]]:
    """Every row the statement returns (none for a write), as tuples."""
    driver = _driver(conn)
    if isinstance(driver, InlineConnection):
        cursor: sqlite3.Cursor = driver.raw.execute(statement.sqlite, params)
        try:
            return cursor.fetchall()
        finally:
            cursor.close()
    adapter: Any = conn.sync_connection.connection.dbapi_connection  # type: ignore[union-attr]
    args = [params[name] for name in statement.names]
    async with adapter._execute_mutex:
        # Outside a transaction (Database.read on PostgreSQL) the statement runs on its
        # own, as READ COMMITTED would run it inside one, without a BEGIN and a COMMIT.
        if adapter._transaction is None and conn.in_transaction():
            await adapter._start_transaction()
        rows = await driver.fetch(statement.postgres, *args)
    return [tuple(r) for r in rows]


async def execute(conn: AsyncConnection, statement: Statement, params: Mapping[str, Any]) -> None:
    await fetch(conn, statement, params)


def records(cls: type[T], rows: Sequence[tuple[Any, ...]]) -> list[T]:
    """Rows whose columns follow the record's fields, as records (0/1 become booleans)."""
    return msgspec.convert(rows, list[cls], strict=False)  # type: ignore[valid-type]
