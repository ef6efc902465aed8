"""Devices in meetings: the statements behind ``DeviceReads`` and ``DeviceWrites``."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, insert, select, update

from confplane.domain.model import Device, DeviceMedia
from confplane.domain.storage import NewDevice
from confplane.store.raw import Statement, Table, records
from confplane.store.schema import devices, members

_DEVICE_COLUMNS = tuple(devices.c[name] for name in Device.__struct_fields__)
_D = ", ".join(Device.__struct_fields__)
_CLOSED = int(DeviceMedia.CLOSED)
_OPEN = int(DeviceMedia.OPEN)

_BY_PARTICIPANT_ID = Statement(f"SELECT {_D} FROM devices WHERE participant_id = :pid")
_RESUME_DIGEST = Statement("SELECT resume_hash FROM devices WHERE participant_id = :pid")
_SET_RESUME_DIGEST = Statement(
    "UPDATE devices SET resume_hash = :digest, node_id = COALESCE(:node_id, node_id)"
    " WHERE participant_id = :pid"
)
_ACTIVE_OF_MEMBER = Statement(
    f"SELECT {_D} FROM devices WHERE member_id = :member_id AND active = TRUE"
    " ORDER BY joined_at, participant_id"
)
_ACTIVE_OF = Statement(
    f"SELECT {_D} FROM devices"
    " WHERE conference_pk IN (SELECT value FROM json_each(:pks)) AND active = TRUE",
    postgres=f"SELECT {_D} FROM devices WHERE conference_pk = ANY(:pks) AND active = TRUE",
)
_MUTE_MEMBER = Statement(
    "UPDATE devices SET mic_status = :mic, host_muted = :held"
    " WHERE member_id = :member_id AND active = TRUE"
)
_MUTE_ONE = Statement(
    "UPDATE devices SET mic_status = :mic, host_muted = :held"
    " WHERE participant_id = :pid AND active = TRUE"
)
_REMOVE = Statement(
    "UPDATE devices SET active = FALSE, left_at = :now"
    " WHERE participant_id = :pid AND active = TRUE"
)
_REPORT_MEDIA = Statement(
    "UPDATE devices SET mic_status = COALESCE(:mic, mic_status),"
    " camera_status = COALESCE(:camera, camera_status)"
    " WHERE participant_id = :pid AND active = TRUE"
)


def _of_attendees(conference_pk: int) -> Any:
    """Active devices of the members who neither host nor co-host (whom mute-all reaches)."""
    attendees = select(members.c.id).where(
        and_(
            members.c.conference_pk == conference_pk,
            members.c.host.is_(False),
            members.c.co_host.is_(False),
        )
    )
    return and_(
        devices.c.conference_pk == conference_pk,
        devices.c.active.is_(True),
        devices.c.member_id.in_(attendees),
    )


class DeviceTable(Table):
    """``DeviceReads`` and ``DeviceWrites`` over one connection of a transaction."""

    __slots__ = ()

    # -- reads ---------------------------------------------------------------------

    async def by_participant_id(self, participant_id: str) -> Device | None:
        rows = await self._rows(_BY_PARTICIPANT_ID, pid=participant_id)
        return records(Device, rows)[0] if rows else None

    async def resume_digest(self, participant_id: str) -> str | None:
        rows = await self._rows(_RESUME_DIGEST, pid=participant_id)
        return rows[0][0] if rows else None

    async def resumable(self) -> list[tuple[str, str]]:
        rows = await self._conn.execute(
            select(devices.c.participant_id, devices.c.resume_hash).where(
                and_(devices.c.active.is_(True), devices.c.resume_hash.is_not(None))
            )
        )
        return [(r.participant_id, r.resume_hash) for r in rows]

    async def active_of_member(self, member_id: int) -> list[Device]:
        return records(Device, await self._rows(_ACTIVE_OF_MEMBER, member_id=member_id))

    async def active_of(self, conference_pks: list[int]) -> list[Device]:
        pks = self._dialect.list_param(conference_pks)
        return records(Device, await self._rows(_ACTIVE_OF, pks=pks))

    async def active_of_attendees(self, conference_pk: int) -> list[Device]:
        query = select(*_DEVICE_COLUMNS).where(_of_attendees(conference_pk))
        return records(Device, [tuple(r) for r in await self._conn.execute(query)])

    # -- writes --------------------------------------------------------------------

    async def add(self, device: NewDevice) -> Device:
        values = {
            "participant_id": device.participant_id,
            "conference_pk": device.conference_pk,
            "member_id": device.member_id,
            "union_id": device.union_id,
            "mic_status": device.mic_status,
            "camera_status": device.camera_status,
            "host_muted": device.host_muted,
            "active": True,
            "joined_at": device.joined_at,
            "resume_hash": device.resume_digest,
            "node_id": device.node_id,
        }
        result = await self._conn.execute(
            insert(devices).values(**values).returning(*_DEVICE_COLUMNS)
        )
        return records(Device, [tuple(r) for r in result])[0]

    async def mute_member(self, member_id: int, muted: bool) -> None:
        # A muted device's microphone closes; an unmuted one opens (devices obey).
        mic = _CLOSED if muted else _OPEN
        await self._rows(_MUTE_MEMBER, member_id=member_id, mic=mic, held=muted)

    async def mute_one(self, participant_id: str, muted: bool) -> None:
        mic = _CLOSED if muted else _OPEN
        await self._rows(_MUTE_ONE, pid=participant_id, mic=mic, held=muted)

    async def mute_attendees(self, conference_pk: int, *, hold: bool) -> None:
        # Without hold, a device the host muted by name stays held all the same.
        values: dict[str, Any] = {"mic_status": _CLOSED}
        if hold:
            values["host_muted"] = True
        await self._conn.execute(update(devices).where(_of_attendees(conference_pk)).values(values))

    async def release_attendees(self, conference_pk: int) -> None:
        query = update(devices).where(_of_attendees(conference_pk)).values(host_muted=False)
        await self._conn.execute(query)

    async def report_media(
        self, participant_id: str, *, mic: int | None, camera: int | None
    ) -> None:
        if mic is not None or camera is not None:
            await self._rows(_REPORT_MEDIA, pid=participant_id, mic=mic, camera=camera)

    async def remove(self, participant_id: str, now: int) -> None:
        await self._rows(_REMOVE, pid=participant_id, now=now)

    async def set_resume_digest(
        self, participant_id: str, digest: str, node_id: str | None = None
    ) -> None:
        await self._rows(_SET_RESUME_DIGEST, pid=participant_id, digest=digest, node_id=node_id)
