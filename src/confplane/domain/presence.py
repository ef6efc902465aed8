"""Members joining and leaving through their devices, and what the devices report."""

from __future__ import annotations

from dataclasses import dataclass

from confplane.domain import ids
from confplane.domain.clock import now_ms
from confplane.domain.conferences import ConferenceService
from confplane.domain.errors import (
    ConferenceEnded,
    ConferenceLocked,
    ConferenceNotFound,
    InvalidParams,
    NotFound,
    RejoinForbidden,
    UnknownUser,
)
from confplane.domain.model import (
    AttendStatus,
    Conference,
    ConferenceStatus,
    Device,
    DeviceMedia,
    Member,
)
from confplane.store import conferences as store
from confplane.store import directory as users_store
from confplane.store.database import Connection, Database

_MEDIA_VALUES = (int(DeviceMedia.CLOSED), int(DeviceMedia.OPEN))


@dataclass(frozen=True, slots=True)
class Joined:
    conference: Conference
    member: Member
    device: Device


class PresenceService:
    def __init__(self, db: Database, conferences: ConferenceService) -> None:
        self._db = db
        self._conferences = conferences

    async def _conference(self, conn: Connection, conference_id: str) -> Conference:
        """A live meeting, locked until commit so joins and closes of it take turns."""
        conference = await store.conference_by_public_id(conn, conference_id, for_update=True)
        if conference is None:
            raise ConferenceNotFound(f"conference {conference_id} not found")
        if conference.status == ConferenceStatus.ENDED:
            raise ConferenceEnded(f"conference {conference_id} has ended")
        return conference

    async def join(
        self,
        conference_id: str,
        union_id: str,
        *,
        mic: int = DeviceMedia.OPEN,
        camera: int = DeviceMedia.OPEN,
        pstn: bool = False,
    ) -> Joined:
        """A device of a known user enters the meeting; the member is created if new."""
        if mic not in _MEDIA_VALUES or camera not in _MEDIA_VALUES:
            raise InvalidParams("micStatus and cameraStatus must be 1 (closed) or 2 (open)")
        now = now_ms()
        async with self._db.write() as conn:
            conference = await self._conference(conn, conference_id)
            if conference.locked:
                raise ConferenceLocked(f"conference {conference_id} is locked")
            user = await users_store.user_by_union_id(conn, union_id)
            if user is None:
                raise UnknownUser(f"unionId {union_id} is unknown")
            member = await store.member_by_union_id(conn, conference.id, union_id)
            if member is None:
                self._conferences.check_capacity(conference)
                member = await store.insert_member(
                    conn,
                    conference_pk=conference.id,
                    union_id=user.union_id,
                    nick=user.nick,
                    job_number=user.job_number,
                    attend_status=int(AttendStatus.IN_MEETING),
                    join_time=now,
                    present_since=now,
                    outer_org=user.org_id != conference.org_id,
                    pstn=pstn,
                )
                await store.add_member_count(conn, conference.id, 1)
            elif member.attend_status != AttendStatus.IN_MEETING:
                if await store.rejoin_forbidden(conn, member.id):
                    raise RejoinForbidden(f"{union_id} may not rejoin this conference")
                await store.update_member(
                    conn,
                    member.id,
                    attend_status=int(AttendStatus.IN_MEETING),
                    join_time=member.join_time or now,
                    leave_time=None,
                    present_since=now,
                    reject_description=None,
                    pstn=member.pstn or pstn,
                )
            if conference.status == ConferenceStatus.INITIALISED:
                await store.update_conference(
                    conn, conference.id, status=int(ConferenceStatus.STARTED), start_time=now
                )
            device = await store.insert_device(
                conn,
                participant_id=ids.participant_id(),
                conference_pk=conference.id,
                member_id=member.id,
                union_id=union_id,
                mic_status=int(mic),
                camera_status=int(camera),
                host_muted=False,
                active=True,
                joined_at=now,
            )
            member = await store.member_by_union_id(conn, conference.id, union_id) or member
            conference = await store.conference_by_pk(conn, conference.id) or conference
        return Joined(conference=conference, member=member, device=device)

    async def leave(self, participant_id: str) -> None:
        """A device leaves; its member leaves with the last of their devices."""
        now = now_ms()
        async with self._db.write() as conn:
            found = await self._active_device(conn, participant_id)
            # Meeting first, then device: the lock order of join and close, so no deadlock.
            conference = await store.conference_by_pk(conn, found.conference_pk, for_update=True)
            assert conference is not None
            device = await self._active_device(conn, participant_id)
            await store.update_devices(
                conn, participant_id=participant_id, active=False, left_at=now
            )
            remaining = await store.active_devices_of_member(conn, device.member_id)
            if not remaining:
                member = await store.member_by_union_id(conn, conference.id, device.union_id)
                assert member is not None
                await store.update_member(
                    conn,
                    member.id,
                    attend_status=int(AttendStatus.LEFT),
                    leave_time=now,
                    duration_ms=member.duration_at(now),
                    present_since=None,
                )

    async def report_media(
        self, participant_id: str, *, mic: int | None = None, camera: int | None = None
    ) -> Device:
        """A device reports its microphone and camera. A host mute is not overridden."""
        for value in (mic, camera):
            if value is not None and value not in _MEDIA_VALUES:
                raise InvalidParams("micStatus and cameraStatus must be 1 (closed) or 2 (open)")
        async with self._db.write() as conn:
            device = await self._active_device(conn, participant_id)
            values: dict[str, int] = {}
            if mic is not None:
                values["mic_status"] = DeviceMedia.CLOSED if device.host_muted else mic
            if camera is not None:
                values["camera_status"] = camera
            if values:
                await store.update_devices(conn, participant_id=participant_id, **values)
            updated = await store.device_by_participant_id(conn, participant_id)
            assert updated is not None
            return updated

    async def decline(self, conference_id: str, union_id: str, description: str) -> None:
        """An invited member declines the call: attendStatus 4 with the reason."""
        async with self._db.write() as conn:
            conference = await self._conference(conn, conference_id)
            member = await store.member_by_union_id(conn, conference.id, union_id)
            if member is None:
                raise UnknownUser(f"{union_id} is not a member of conference {conference_id}")
            if member.attend_status not in (AttendStatus.INITIALISED, AttendStatus.CALLING):
                raise InvalidParams("only an invited member who has not joined can decline")
            await store.update_member(
                conn,
                member.id,
                attend_status=int(AttendStatus.JOIN_FAILED),
                reject_description=description[:512],
            )

    async def device(self, participant_id: str) -> tuple[Device, str]:
        """A device and the conferenceId of its meeting."""
        async with self._db.read() as conn:
            device = await store.device_by_participant_id(conn, participant_id)
            if device is None:
                raise NotFound(f"participantId {participant_id} does not exist")
            conference = await store.conference_by_pk(conn, device.conference_pk)
        assert conference is not None
        return device, conference.conference_id

    async def _active_device(self, conn: Connection, participant_id: str) -> Device:
        device = await store.device_by_participant_id(conn, participant_id)
        if device is None or not device.active:
            raise NotFound(f"participantId {participant_id} is not in a meeting")
        return device
