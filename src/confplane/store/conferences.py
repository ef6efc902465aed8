"""Queries over meetings, their members and their members' devices."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import and_, case, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from confplane.domain.model import AttendStatus, Conference, Device, Member
from confplane.store.schema import conferences, devices, members


def _conference(row: Any) -> Conference:
    return Conference(
        id=row.id,
        conference_id=row.conference_id,
        org_id=row.org_id,
        title=row.title,
        status=row.status,
        locked=bool(row.locked),
        mute_all=bool(row.mute_all),
        host_union_id=row.host_union_id,
        room_code=row.room_code,
        conference_password=row.conference_password,
        host_password=row.host_password,
        created_at=row.created_at,
        start_time=row.start_time,
        end_time=row.end_time,
        member_count=row.member_count,
    )


def _member(row: Any) -> Member:
    return Member(
        id=row.id,
        conference_pk=row.conference_pk,
        union_id=row.union_id,
        nick=row.nick,
        job_number=row.job_number,
        attend_status=row.attend_status,
        join_time=row.join_time,
        leave_time=row.leave_time,
        duration_ms=row.duration_ms,
        present_since=row.present_since,
        host=bool(row.host),
        co_host=bool(row.co_host),
        outer_org=bool(row.outer_org),
        pstn=bool(row.pstn),
        reject_description=row.reject_description,
    )


def _device(row: Any) -> Device:
    return Device(
        participant_id=row.participant_id,
        conference_pk=row.conference_pk,
        member_id=row.member_id,
        union_id=row.union_id,
        mic_status=row.mic_status,
        camera_status=row.camera_status,
        host_muted=bool(row.host_muted),
        active=bool(row.active),
    )


# -- meetings -----------------------------------------------------------------


async def insert_conference(conn: AsyncConnection, **values: Any) -> Conference:
    values.setdefault("member_count", 0)
    values.setdefault("seq", 0)
    result = await conn.execute(insert(conferences).values(**values).returning(conferences))
    return _conference(result.one())


async def insert_conferences(
    conn: AsyncConnection, rows: Sequence[dict[str, Any]]
) -> list[Conference]:
    """Many meetings in one statement (bulk loading), in the order given."""
    if not rows:
        return []
    full = [{"member_count": 0, "seq": 0, **r} for r in rows]
    result = await conn.execute(
        insert(conferences).returning(conferences, sort_by_parameter_order=True), full
    )
    return [_conference(r) for r in result]


async def conference_by_public_id(
    conn: AsyncConnection, conference_id: str, *, for_update: bool = False
) -> Conference | None:
    """``for_update`` holds the meeting's row until commit: writes to one meeting queue up."""
    query = select(conferences).where(conferences.c.conference_id == conference_id)
    if for_update:
        query = query.with_for_update()
    row = (await conn.execute(query)).first()
    return None if row is None else _conference(row)


async def conference_by_pk(
    conn: AsyncConnection, pk: int, *, for_update: bool = False
) -> Conference | None:
    query = select(conferences).where(conferences.c.id == pk)
    if for_update:
        query = query.with_for_update()
    row = (await conn.execute(query)).first()
    return None if row is None else _conference(row)


async def conferences_by_public_ids(
    conn: AsyncConnection, conference_ids: Sequence[str]
) -> list[Conference]:
    rows = await conn.execute(
        select(conferences).where(conferences.c.conference_id.in_(list(conference_ids)))
    )
    return [_conference(r) for r in rows]


async def conferences_of_org(
    conn: AsyncConnection,
    org_id: int,
    *,
    live_only: bool,
    limit: int,
    before_pk: int | None = None,
) -> list[Conference]:
    """Newest first; ``before_pk`` continues a keyset walk after the last one seen."""
    query = select(conferences).where(conferences.c.org_id == org_id)
    if live_only:
        query = query.where(conferences.c.status != 1)
    if before_pk is not None:
        query = query.where(conferences.c.id < before_pk)
    rows = await conn.execute(query.order_by(conferences.c.id.desc()).limit(limit))
    return [_conference(r) for r in rows]


async def count_conferences_of_org(conn: AsyncConnection, org_id: int, *, live_only: bool) -> int:
    query = select(func.count()).select_from(conferences).where(conferences.c.org_id == org_id)
    if live_only:
        query = query.where(conferences.c.status != 1)
    return int((await conn.execute(query)).scalar_one())


async def update_conference(conn: AsyncConnection, pk: int, **values: Any) -> None:
    await conn.execute(update(conferences).where(conferences.c.id == pk).values(**values))


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
        insert(members).values(**_member_defaults(values)).returning(members)
    )
    return _member(result.one())


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
    row = (
        await conn.execute(
            select(members).where(
                and_(members.c.conference_pk == conference_pk, members.c.union_id == union_id)
            )
        )
    ).first()
    return None if row is None else _member(row)


async def rejoin_forbidden(conn: AsyncConnection, member_id: int) -> bool:
    row = (
        await conn.execute(select(members.c.rejoin_forbidden).where(members.c.id == member_id))
    ).first()
    return bool(row and row.rejoin_forbidden)


async def members_of(conn: AsyncConnection, conference_pks: Sequence[int]) -> list[Member]:
    rows = await conn.execute(
        select(members)
        .where(members.c.conference_pk.in_(list(conference_pks)))
        .order_by(members.c.conference_pk, members.c.id)
    )
    return [_member(r) for r in rows]


async def members_after(
    conn: AsyncConnection, conference_pk: int, after_id: int, limit: int
) -> list[Member]:
    """One keyset page: members with id > after_id, in join order."""
    rows = await conn.execute(
        select(members)
        .where(and_(members.c.conference_pk == conference_pk, members.c.id > after_id))
        .order_by(members.c.id)
        .limit(limit)
    )
    return [_member(r) for r in rows]


async def update_member(conn: AsyncConnection, member_id: int, **values: Any) -> None:
    await conn.execute(update(members).where(members.c.id == member_id).values(**values))


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
    result = await conn.execute(insert(devices).values(**values).returning(devices))
    return _device(result.one())


async def device_by_participant_id(conn: AsyncConnection, participant_id: str) -> Device | None:
    row = (
        await conn.execute(select(devices).where(devices.c.participant_id == participant_id))
    ).first()
    return None if row is None else _device(row)


async def active_devices_of_member(conn: AsyncConnection, member_id: int) -> list[Device]:
    rows = await conn.execute(
        select(devices)
        .where(and_(devices.c.member_id == member_id, devices.c.active.is_(True)))
        .order_by(devices.c.joined_at, devices.c.participant_id)
    )
    return [_device(r) for r in rows]


async def active_devices_of(conn: AsyncConnection, conference_pks: Sequence[int]) -> list[Device]:
    rows = await conn.execute(
        select(devices).where(
            and_(
                devices.c.conference_pk.in_(list(conference_pks)),
                devices.c.active.is_(True),
            )
        )
    )
    return [_device(r) for r in rows]


async def update_devices(
    conn: AsyncConnection,
    *,
    member_id: int | None = None,
    participant_id: str | None = None,
    conference_pk: int | None = None,
    **values: Any,
) -> None:
    """Update the active devices of one member, one device, or a whole meeting."""
    query = update(devices).where(devices.c.active.is_(True))
    if member_id is not None:
        query = query.where(devices.c.member_id == member_id)
    if participant_id is not None:
        query = query.where(devices.c.participant_id == participant_id)
    if conference_pk is not None:
        query = query.where(devices.c.conference_pk == conference_pk)
    await conn.execute(query.values(**values))
