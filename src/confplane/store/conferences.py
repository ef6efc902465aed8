"""Queries over meetings, their members and their members' devices."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from enum import Enum
from typing import Any, TypeVar

import msgspec
from sqlalchemy import Table, and_, bindparam, case, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.dml import Update

from confplane.domain.model import AttendStatus, Conference, ConferenceState, Device, Member
from confplane.store import raw
from confplane.store.schema import conferences, devices, members

T = TypeVar("T")


# Columns in the order of the records' fields: a row becomes a record in one call, with
# no lookup by name per column (the member list of a page is the hot loop of reads).
_MEMBER_COLUMNS = tuple(members.c[name] for name in Member.__struct_fields__)
_DEVICE_COLUMNS = tuple(devices.c[name] for name in Device.__struct_fields__)


_CONFERENCE_COLUMNS = tuple(conferences.c[name] for name in Conference.__struct_fields__)

# The hottest queries are built once with bound parameters: building a select() and
# computing its cache key on every call cost more than running it on SQLite.
_CONFERENCE_BY_PK = select(*_CONFERENCE_COLUMNS).where(conferences.c.id == bindparam("pk"))


# The same reads as plain SQL run on the driver (see store.raw): the request paths of
# the members page, the batch query and the writes of MuteMembers and LockConference.
_C = ", ".join(Conference.__struct_fields__)
_M = ", ".join(Member.__struct_fields__)
_D = ", ".join(Device.__struct_fields__)
_RAW_CONFERENCE_BY_ID = raw.Statement(f"SELECT {_C} FROM conferences WHERE conference_id = :cid")
# A write takes the meeting by raising its revision: on PostgreSQL the UPDATE holds the
# row until commit, so writes to one meeting take turns (SQLite has one writer anyway),
# and a reader that finds the revision it last saw knows nothing of the meeting changed.
_RAW_CONFERENCE_BY_ID_FOR_UPDATE = raw.Statement(
    f"UPDATE conferences SET revision = revision + 1 WHERE conference_id = :cid RETURNING {_C}"
)
_RAW_CONFERENCE_BY_PK_FOR_UPDATE = raw.Statement(
    f"UPDATE conferences SET revision = revision + 1 WHERE id = :pk RETURNING {_C}"
)
_RAW_CONFERENCES_BY_IDS = raw.Statement(
    f"SELECT {_C} FROM conferences WHERE conference_id IN (SELECT value FROM json_each(:ids))",
    postgres=f"SELECT {_C} FROM conferences WHERE conference_id = ANY(:ids)",
)
_S = ", ".join(ConferenceState.__struct_fields__)
_RAW_CONFERENCE_STATES_BY_IDS = raw.Statement(
    f"SELECT {_S} FROM conferences WHERE conference_id IN (SELECT value FROM json_each(:ids))",
    postgres=f"SELECT {_S} FROM conferences WHERE conference_id = ANY(:ids)",
)
_RAW_MEMBERS_AFTER = raw.Statement(
    f"SELECT {_M} FROM members WHERE conference_pk = :pk AND id > :after ORDER BY id LIMIT :limit"
)
_RAW_MEMBERS_OF = raw.Statement(
    f"SELECT {_M} FROM members WHERE conference_pk IN (SELECT value FROM json_each(:pks))"
    " ORDER BY conference_pk, id",
    postgres=f"SELECT {_M} FROM members WHERE conference_pk = ANY(:pks) ORDER BY conference_pk, id",
)
_RAW_MEMBER_BY_UNION_ID = raw.Statement(
    f"SELECT {_M} FROM members WHERE conference_pk = :pk AND union_id = :union_id"
)
_RAW_MEMBER_WITH_ACTIVE_DEVICES = raw.Statement(
    "SELECT "
    + ", ".join(f"m.{c}" for c in Member.__struct_fields__)
    + ", "
    + ", ".join(f"d.{c}" for c in Device.__struct_fields__)
    + " FROM members m LEFT JOIN devices d ON d.member_id = m.id AND d.active = TRUE"
    " WHERE m.conference_pk = :pk AND m.union_id = :union_id"
    " ORDER BY d.joined_at, d.participant_id"
)
_MEMBER_WIDTH = len(Member.__struct_fields__)
_RAW_ACTIVE_DEVICES_OF_MEMBER = raw.Statement(
    f"SELECT {_D} FROM devices WHERE member_id = :member_id AND active = TRUE"
    " ORDER BY joined_at, participant_id"
)
_RAW_ACTIVE_DEVICES_OF = raw.Statement(
    f"SELECT {_D} FROM devices"
    " WHERE conference_pk IN (SELECT value FROM json_each(:pks)) AND active = TRUE",
    postgres=f"SELECT {_D} FROM devices WHERE conference_pk = ANY(:pks) AND active = TRUE",
)
_encode = msgspec.json.Encoder().encode


def _ids(conn: AsyncConnection, values: Sequence[Any]) -> Any:
    """A list parameter: JSON text for SQLite's json_each, an array for PostgreSQL."""
    return _encode(list(values)).decode() if conn.dialect.name == "sqlite" else list(values)


def _records(cls: type[T], result: Any) -> list[T]:
    """Rows of a statement selecting ``_*_COLUMNS``, as records (0/1 become booleans)."""
    return raw.records(cls, [tuple(row) for row in result])


def _first(cls: type[T], result: Any) -> T | None:
    found = _records(cls, result)
    return found[0] if found else None


# -- meetings -----------------------------------------------------------------


async def insert_conference(conn: AsyncConnection, **values: Any) -> Conference:
    values.setdefault("member_count", 0)
    values.setdefault("seq", 0)
    result = await conn.execute(
        insert(conferences).values(**values).returning(*_CONFERENCE_COLUMNS)
    )
    return _records(Conference, result)[0]


async def insert_conferences(
    conn: AsyncConnection, rows: Sequence[dict[str, Any]]
) -> list[Conference]:
    """Many meetings in one statement (bulk loading), in the order given."""
    if not rows:
        return []
    full = [{"member_count": 0, "seq": 0, **r} for r in rows]
    result = await conn.execute(
        insert(conferences).returning(*_CONFERENCE_COLUMNS, sort_by_parameter_order=True), full
    )
    return _records(Conference, result)


async def conference_by_public_id(
    conn: AsyncConnection, conference_id: str, *, for_update: bool = False
) -> Conference | None:
    """``for_update`` is for writes: it holds the meeting's row until commit (writes to one
    meeting queue up) and gives the meeting a new revision."""
    query = _RAW_CONFERENCE_BY_ID_FOR_UPDATE if for_update else _RAW_CONFERENCE_BY_ID
    rows = await raw.fetch(conn, query, {"cid": conference_id})
    return raw.records(Conference, rows)[0] if rows else None


async def room_code_taken(conn: AsyncConnection, room_code: str) -> bool:
    query = select(conferences.c.id).where(conferences.c.room_code == room_code).limit(1)
    return (await conn.execute(query)).first() is not None


async def conference_by_pk(
    conn: AsyncConnection, pk: int, *, for_update: bool = False
) -> Conference | None:
    """``for_update`` as in ``conference_by_public_id``."""
    if for_update:
        rows = await raw.fetch(conn, _RAW_CONFERENCE_BY_PK_FOR_UPDATE, {"pk": pk})
        return raw.records(Conference, rows)[0] if rows else None
    return _first(Conference, await conn.execute(_CONFERENCE_BY_PK, {"pk": pk}))


async def conferences_by_public_ids(
    conn: AsyncConnection, conference_ids: Sequence[str]
) -> list[Conference]:
    rows = await raw.fetch(conn, _RAW_CONFERENCES_BY_IDS, {"ids": _ids(conn, conference_ids)})
    return raw.records(Conference, rows)


async def conference_states_by_public_ids(
    conn: AsyncConnection, conference_ids: Sequence[str]
) -> list[ConferenceState]:
    rows = await raw.fetch(conn, _RAW_CONFERENCE_STATES_BY_IDS, {"ids": _ids(conn, conference_ids)})
    return raw.records(ConferenceState, rows)


async def conferences_of_org(
    conn: AsyncConnection,
    org_id: int,
    *,
    live_only: bool,
    limit: int,
    before_pk: int | None = None,
) -> list[Conference]:
    """Newest first; ``before_pk`` continues a keyset walk after the last one seen."""
    query = select(*_CONFERENCE_COLUMNS).where(conferences.c.org_id == org_id)
    if live_only:
        query = query.where(conferences.c.status != 1)
    if before_pk is not None:
        query = query.where(conferences.c.id < before_pk)
    rows = await conn.execute(query.order_by(conferences.c.id.desc()).limit(limit))
    return _records(Conference, rows)


async def count_conferences_of_org(conn: AsyncConnection, org_id: int, *, live_only: bool) -> int:
    query = select(func.count()).select_from(conferences).where(conferences.c.org_id == org_id)
    if live_only:
        query = query.where(conferences.c.status != 1)
    return int((await conn.execute(query)).scalar_one())


# UPDATE statements built once per set of columns (and filters), like the reads above;
# their parameters are named set_<column> so they do not clash with the SET clause.
_UPDATES: dict[tuple[object, ...], Update] = {}


def _set(values: dict[str, Any]) -> dict[str, Any]:
    return {f"set_{k}": v for k, v in values.items()}


def _update(key: tuple[object, ...], build: Callable[[], Update], names: Sequence[str]) -> Update:
    stmt = _UPDATES.get(key)
    if stmt is None:
        stmt = _UPDATES[key] = build().values({k: bindparam(f"set_{k}") for k in names})
    return stmt


_RAW_UPDATES: dict[tuple[object, ...], raw.Statement] = {}


def _raw_update(
    table: Table, names: Sequence[str], filters: Sequence[str], *, active_only: bool = False
) -> raw.Statement:
    """``UPDATE table SET <names> WHERE <filters>`` as plain SQL, built once per shape."""
    key = (table.name, tuple(names), tuple(filters), active_only)
    stmt = _RAW_UPDATES.get(key)
    if stmt is None:
        for column in (*names, *filters):
            if column not in table.c:
                raise ValueError(f"{table.name} has no column {column}")
        sets = ", ".join(f"{n} = :set_{n}" for n in names)
        where = [f"{c} = :where_{c}" for c in filters]
        if active_only:
            where.insert(0, "active = TRUE")
        stmt = _RAW_UPDATES[key] = raw.Statement(
            f"UPDATE {table.name} SET {sets} WHERE {' AND '.join(where)}"
        )
    return stmt


def _plain(value: Any) -> Any:
    """An enum member as its value: asyncpg wants plain ints."""
    return value.value if isinstance(value, Enum) else value


async def update_conference(conn: AsyncConnection, pk: int, **values: Any) -> None:
    stmt = _raw_update(conferences, tuple(values), ("id",))
    params = {f"set_{k}": _plain(v) for k, v in values.items()}
    params["where_id"] = pk
    await raw.execute(conn, stmt, params)


async def add_member_count(conn: AsyncConnection, pk: int, delta: int) -> None:
    await conn.execute(
        update(conferences)
        .where(conferences.c.id == pk)
        .values(member_count=conferences.c.member_count + delta)
    )


# -- members ------------------------------------------------------------------


async def insert_members(conn: AsyncConnection, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        await conn.execute(insert(members), [_member_defaults(r) for r in rows])


async def insert_member(conn: AsyncConnection, **values: Any) -> Member:
    result = await conn.execute(
        insert(members).values(**_member_defaults(values)).returning(*_MEMBER_COLUMNS)
    )
    return _records(Member, result)[0]


def _member_defaults(values: dict[str, Any]) -> dict[str, Any]:
    row = {
        "job_number": None,
        "join_time": None,
        "leave_time": None,
        "duration_ms": 0,
        "present_since": None,
        "host": False,
        "co_host": False,
        "outer_org": False,
        "pstn": False,
        "reject_description": None,
        "rejoin_forbidden": False,
    }
    row.update(values)
    return row


async def member_by_union_id(
    conn: AsyncConnection, conference_pk: int, union_id: str
) -> Member | None:
    params = {"pk": conference_pk, "union_id": union_id}
    rows = await raw.fetch(conn, _RAW_MEMBER_BY_UNION_ID, params)
    return raw.records(Member, rows)[0] if rows else None


async def member_with_active_devices(
    conn: AsyncConnection, conference_pk: int, union_id: str
) -> tuple[Member, list[Device]] | None:
    """A member and their active devices (oldest first), in one statement."""
    params = {"pk": conference_pk, "union_id": union_id}
    rows = await raw.fetch(conn, _RAW_MEMBER_WITH_ACTIVE_DEVICES, params)
    if not rows:
        return None
    member = raw.records(Member, [rows[0][:_MEMBER_WIDTH]])[0]
    found = [row[_MEMBER_WIDTH:] for row in rows if row[_MEMBER_WIDTH] is not None]
    return member, raw.records(Device, found)


async def rejoin_forbidden(conn: AsyncConnection, member_id: int) -> bool:
    row = (
        await conn.execute(select(members.c.rejoin_forbidden).where(members.c.id == member_id))
    ).first()
    return bool(row and row.rejoin_forbidden)


async def members_of(conn: AsyncConnection, conference_pks: Sequence[int]) -> list[Member]:
    rows = await raw.fetch(conn, _RAW_MEMBERS_OF, {"pks": _ids(conn, conference_pks)})
    return raw.records(Member, rows)


async def members_after(
    conn: AsyncConnection, conference_pk: int, after_id: int, limit: int
) -> list[Member]:
    """One keyset page: members with id > after_id, in join order."""
    params = {"pk": conference_pk, "after": after_id, "limit": limit}
    return raw.records(Member, await raw.fetch(conn, _RAW_MEMBERS_AFTER, params))


async def update_member(conn: AsyncConnection, member_id: int, **values: Any) -> None:
    names = tuple(values)
    stmt = _update(
        ("member", names),
        lambda: update(members).where(members.c.id == bindparam("where_id")),
        names,
    )
    await conn.execute(stmt, {"where_id": member_id, **_set(values)})


async def end_attendance(conn: AsyncConnection, conference_pk: int, now: int) -> None:
    """At close: present members leave now; those never reached fail to join."""
    present = and_(
        members.c.conference_pk == conference_pk,
        members.c.attend_status == int(AttendStatus.IN_MEETING),
    )
    await conn.execute(
        update(members)
        .where(present)
        .values(
            attend_status=int(AttendStatus.LEFT),
            leave_time=now,
            duration_ms=members.c.duration_ms
            + case(
                (members.c.present_since.is_(None), 0),
                else_=now - members.c.present_since,
            ),
            present_since=None,
        )
    )
    waiting = and_(
        members.c.conference_pk == conference_pk,
        members.c.attend_status.in_([int(AttendStatus.INITIALISED), int(AttendStatus.CALLING)]),
    )
    await conn.execute(
        update(members)
        .where(waiting)
        .values(
            attend_status=int(AttendStatus.JOIN_FAILED),
            reject_description="the meeting ended before joining",
        )
    )


# -- devices ------------------------------------------------------------------


async def insert_device(conn: AsyncConnection, **values: Any) -> Device:
    result = await conn.execute(insert(devices).values(**values).returning(*_DEVICE_COLUMNS))
    return _records(Device, result)[0]


async def device_by_participant_id(conn: AsyncConnection, participant_id: str) -> Device | None:
    query = select(*_DEVICE_COLUMNS).where(devices.c.participant_id == participant_id)
    return _first(Device, await conn.execute(query))


async def active_devices_of_member(conn: AsyncConnection, member_id: int) -> list[Device]:
    rows = await raw.fetch(conn, _RAW_ACTIVE_DEVICES_OF_MEMBER, {"member_id": member_id})
    return raw.records(Device, rows)


async def active_devices_of(conn: AsyncConnection, conference_pks: Sequence[int]) -> list[Device]:
    rows = await raw.fetch(conn, _RAW_ACTIVE_DEVICES_OF, {"pks": _ids(conn, conference_pks)})
    return raw.records(Device, rows)


async def active_devices_of_attendees(conn: AsyncConnection, conference_pk: int) -> list[Device]:
    """Active devices of the members who neither host nor co-host (whom mute-all reaches)."""
    query = (
        select(*_DEVICE_COLUMNS)
        .join(members, members.c.id == devices.c.member_id)
        .where(
            and_(
                devices.c.conference_pk == conference_pk,
                devices.c.active.is_(True),
                members.c.host.is_(False),
                members.c.co_host.is_(False),
            )
        )
    )
    return _records(Device, await conn.execute(query))


async def update_devices_of_attendees(
    conn: AsyncConnection, conference_pk: int, **values: Any
) -> None:
    attendees = select(members.c.id).where(
        and_(
            members.c.conference_pk == conference_pk,
            members.c.host.is_(False),
            members.c.co_host.is_(False),
        )
    )
    await conn.execute(
        update(devices)
        .where(
            and_(
                devices.c.conference_pk == conference_pk,
                devices.c.active.is_(True),
                devices.c.member_id.in_(attendees),
            )
        )
        .values(**values)
    )


async def update_devices(
    conn: AsyncConnection,
    *,
    member_id: int | None = None,
    participant_id: str | None = None,
    conference_pk: int | None = None,
    **values: Any,
) -> None:
    """Update the active devices of one member, one device, or a whole meeting."""
    filters = {
        "member_id": member_id,
        "participant_id": participant_id,
        "conference_pk": conference_pk,
    }
    given = {k: v for k, v in filters.items() if v is not None}
    stmt = _raw_update(devices, tuple(values), tuple(given), active_only=True)
    params = {f"set_{k}": _plain(v) for k, v in values.items()}
    params.update({f"where_{k}": v for k, v in given.items()})
    await raw.execute(conn, stmt, params)
