"""Plain-SQL statements, run on the driver itself inside SQLAlchemy's transaction.

SQLAlchemy Core costs about 100 µs per statement even when the statement is built once
(compiled-cache lookup, execution context, result set-up and row processing), more than
sqlite3 needs to run most of these statements. A ``Statement`` here is plain SQL, written
once per dialect, and runs on the connection SQLAlchemy has checked out for the
transaction, so begin, commit and rollback stay SQLAlchemy's; the dialect runs it
(``Dialect.fetch``).

Rows come back as plain tuples: SQLite gives 0 and 1 for booleans (the records' types
convert them, see ``records``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import msgspec
from sqlalchemy.ext.asyncio import AsyncConnection

if TYPE_CHECKING:
    from confplane.store.dialect import Dialect

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


def records(cls: type[T], rows: Sequence[tuple[Any, ...]]) -> list[T]:
    """Rows whose columns follow the record's fields, as records (0/1 become booleans)."""
    return msgspec.convert(rows, list[cls], strict=False)  # type: ignore[valid-type]


class Table:
    """Statements over one connection of a transaction, run by the database's dialect."""

    __slots__ = ("_conn", "_dialect")

    def __init__(self, conn: AsyncConnection, dialect: Dialect) -> None:
        self._conn = conn
        self._dialect = dialect

    async def _rows(self, statement: Statement, **params: Any) -> list[tuple[Any, ...]]:
        return await self._dialect.fetch(self._conn, statement, params)
