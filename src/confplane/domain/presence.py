"""Members joining and leaving through their devices, and what the devices report."""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from confplane.domain import app_events, ids
from confplane.domain.clock import Clock
from confplane.domain.errors import (
    ConferenceEnded,
    ConferenceLocked,
    ConferenceNotFound,
    DeviceGone,
    InternalOnly,
    InvalidParams,
    InvalidTicket,
    NotFound,
    ParticipantLimit,
    RejoinForbidden,
    UnknownUser,
    WrongMeetingPassword,
)
from confplane.domain.model import (
    AttendStatus,
    Conference,
    ConferenceStatus,
    Device,
    DeviceMedia,
    Member,
)
from confplane.domain.storage import NewDevice, NewMember, Store, Writes

_MEDIA_VALUES = (int(DeviceMedia.CLOSED), int(DeviceMedia.OPEN))


def _check_media(mic: int, camera: int) -> None:
    if mic not in _MEDIA_VALUES or camera not in _MEDIA_VALUES:
        raise InvalidParams("micStatus and cameraStatus must be 1 (closed) or 2 (open)")


MAX_NICK = 64


@dataclass(frozen=True, slots=True)
class Joined:
    conference: Conference
    member: Member
    device: Device
    # The meeting's command sequence number when the device entered (or resumed).
    seq: int = 0
    # The secret a WebSocket device resumes with; None for simulated devices.
    resume_token: str | None = None


@dataclass(frozen=True, slots=True)
class _Person:
    """Who enters: a directory user, or a guest who exists only as a member."""

    union_id: str
    nick: str
    job_number: str | None
    outer_org: bool


async def _check_outsiders_welcome(tx: Writes, conference: Conference) -> None:
    """Guests and users of other orgs are refused while onlyInternalEmployeesJoin holds."""
    if (await tx.controls.settings(conference.id)).only_internal_employees:
        raise InternalOnly(
            f"conference {conference.conference_id} admits only members of its own org"
        )


async def _may_unmute_self(tx: Writes, device: Device) -> bool:
    """Whether a device may open its closed microphone by itself: not while the host
    forbids self-unmute (allowUnmuteSelf false), unless it leads the meeting."""
    if (await tx.controls.settings(device.conference_pk)).allow_unmute_self:
        return True
    member = await tx.meetings.member(device.conference_pk, device.union_id)
    return member is not None and (member.host or member.co_host)


class PresenceService:
    def __init__(
        self,
        store: Store,
        *,
        max_members: int = 200_000,
        clock: Clock | None = None,
        node_id: str | None = None,
    ) -> None:
        self._store = store
        self.clock = clock or Clock()
        self.max_members = max_members
        # This server process: recorded on the WebSocket devices it takes in (join and
        # resume), so another process can end their stays if it dies (domain.nodes).
        self.node_id = node_id

    async def _conference(self, tx: Writes, conference_id: str) -> Conference:
        """A live meeting, held until commit so joins and closes of it take turns."""
        conference = await tx.meetings.take(conference_id)
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
        resumable: bool = False,
    ) -> Joined:
        """A device of a known user enters the meeting; the member is created if new.

        ``resumable`` devices (WebSocket ones) get a resume token.
        """
        _check_media(mic, camera)
        async with self._store.write() as tx:
            conference = await self._conference(tx, conference_id)
            if conference.locked:
                raise ConferenceLocked(f"conference {conference_id} is locked")
            user = await tx.directory.user_by_union_id(union_id)
            if user is None:
                raise UnknownUser(f"unionId {union_id} is unknown")
            person = _Person(
                user.union_id, user.nick, user.job_number, user.org_id != conference.org_id
            )
            if person.outer_org:
                await _check_outsiders_welcome(tx, conference)
            return await self._enter(tx, conference, person, mic, camera, pstn, resumable)

    async def join_guest(
        self,
        room_code: str,
        password: str,
        nick: str,
        *,
        mic: int = DeviceMedia.OPEN,
        camera: int = DeviceMedia.OPEN,
    ) -> Joined:
        """A guest enters with the meeting's roomCode and conferencePassword.

        Guests are in no org: each guest join makes a new member (an outerOrgMember) with a
        generated unionId; a guest's device comes back through resume, not a new join.
        """
        _check_media(mic, camera)
        nick = nick.strip()
        if not 1 <= len(nick) <= MAX_NICK:
            raise InvalidParams(f"nick must be 1-{MAX_NICK} characters")
        async with self._store.write() as tx:
            conference = await tx.meetings.take_by_room_code(room_code)
            # One answer for an unknown room and a wrong password: no probing for rooms.
            if conference is None or not hmac.compare_digest(
                password.encode(), conference.conference_password.encode()
            ):
                raise WrongMeetingPassword("roomCode or conferencePassword is wrong")
            if conference.status == ConferenceStatus.ENDED:
                raise ConferenceEnded(f"conference {conference.conference_id} has ended")
            if conference.locked:
                raise ConferenceLocked(f"conference {conference.conference_id} is locked")
            await _check_outsiders_welcome(tx, conference)
            person = _Person("guest" + ids.union_id()[5:], nick, None, True)
            return await self._enter(tx, conference, person, mic, camera, False, True)

    async def _enter(
        self,
        tx: Writes,
        conference: Conference,
        person: _Person,
        mic: int,
        camera: int,
        pstn: bool,
        resumable: bool,
    ) -> Joined:
        now = self.clock.now_ms()
        member = await tx.meetings.member(conference.id, person.union_id)
        if member is not None and await tx.meetings.rejoin_forbidden(member.id):
            raise RejoinForbidden(f"{person.union_id} may not rejoin this conference")
        entering = member is None or member.attend_status != AttendStatus.IN_MEETING
        if member is None:
            if conference.member_count >= self.max_members:
                raise ParticipantLimit(f"conference holds at most {self.max_members} members")
            new = NewMember(
                person.union_id,
                person.nick,
                person.job_number,
                AttendStatus.IN_MEETING,
                outer_org=person.outer_org,
                pstn=pstn,
            )
            member = await tx.meetings.add_member(conference.id, new, now)
        elif member.attend_status != AttendStatus.IN_MEETING:
            await tx.meetings.rejoin(member, now, pstn=pstn)
        if conference.status == ConferenceStatus.INITIALISED:
            await tx.meetings.start(conference.id, now)
            await app_events.emit(
                tx,
                conference,
                app_events.CONFERENCE_STARTED,
                app_events.conference_payload(conference, startTime=now),
                now=now,
            )
        # A forced mute-all holds newcomers too, save the host and co-hosts.
        held = conference.mute_all and not (member.host or member.co_host)
        token = ids.resume_token() if resumable else None
        device = await tx.devices.add(
            NewDevice(
                participant_id=ids.participant_id(),
                conference_pk=conference.id,
                member_id=member.id,
                union_id=person.union_id,
                mic_status=int(DeviceMedia.CLOSED) if held else int(mic),
                camera_status=int(camera),
                host_muted=held,
                joined_at=now,
                resume_digest=None if token is None else ids.digest(token),
                node_id=None if token is None else self.node_id,
            )
        )
        member = await tx.meetings.member(conference.id, person.union_id) or member
        if entering:
            await app_events.emit(
                tx,
                conference,
                app_events.MEMBER_JOINED,
                app_events.member_payload(
                    conference,
                    member,
                    participantId=device.participant_id,
                    micStatus=device.mic_status,
                    cameraStatus=device.camera_status,
                    outerOrgMember=member.outer_org,
                ),
                now=now,
            )
        conference = await tx.meetings.by_pk(conference.id) or conference
        seq = await tx.commands.current_seq(conference.id)
        return Joined(conference, member, device, seq, token)

    async def resume(self, participant_id: str, token: str) -> Joined:
        """A WebSocket device comes back with its resume token; it gets a new one."""
        async with self._store.write() as tx:
            digest = await tx.devices.resume_digest(participant_id)
            if digest is None or not ids.matches(token, digest):
                raise InvalidTicket("forged", "participantId and resumeToken do not match")
            found = await tx.devices.by_participant_id(participant_id)
            assert found is not None
            # Meeting first, then device: the lock order of join and close.
            conference = await tx.meetings.take_pk(found.conference_pk)
            assert conference is not None
            device = await tx.devices.by_participant_id(participant_id)
            assert device is not None
            if conference.status == ConferenceStatus.ENDED or not device.active:
                raise DeviceGone(
                    f"participantId {participant_id} is no longer in the meeting",
                    conference_pk=conference.id,
                    conference_id=conference.conference_id,
                )
            member = await tx.meetings.member(conference.id, device.union_id)
            assert member is not None
            new_token = ids.resume_token()
            await tx.devices.set_resume_digest(participant_id, ids.digest(new_token), self.node_id)
            seq = await tx.commands.current_seq(conference.id)
        return Joined(conference, member, device, seq, new_token)

    async def leave(self, participant_id: str, *, resume_token_digest: str | None = None) -> bool:
        """A device leaves; its member leaves with the last of their devices.

        With ``resume_token_digest`` (a lost WebSocket device whose grace period ran out) it
        leaves only if it has not resumed since, here or in another server process.
        """
        now = self.clock.now_ms()
        async with self._store.write() as tx:
            found = await self._active_device(tx, participant_id)
            # Meeting first, then device: the lock order of join and close, so no deadlock.
            conference = await tx.meetings.take_pk(found.conference_pk)
            assert conference is not None
            device = await self._active_device(tx, participant_id)
            if resume_token_digest is not None and resume_token_digest != (
                await tx.devices.resume_digest(participant_id)
            ):
                return False
            await tx.devices.remove(participant_id, now)
            remaining = await tx.devices.active_of_member(device.member_id)
            if not remaining:
                member = await tx.meetings.member(conference.id, device.union_id)
                assert member is not None
                await tx.meetings.leave(member, now, AttendStatus.LEFT)
                await app_events.emit(
                    tx,
                    conference,
                    app_events.MEMBER_LEFT,
                    app_events.member_payload(
                        conference,
                        member,
                        attendStatus=int(AttendStatus.LEFT),
                        participantId=participant_id,
                    ),
                    now=now,
                )
        return True

    async def report_media(
        self, participant_id: str, *, mic: int | None = None, camera: int | None = None
    ) -> Device:
        """A device reports its microphone and camera. A host mute is not overridden."""
        for value in (mic, camera):
            if value is not None and value not in _MEDIA_VALUES:
                raise InvalidParams("micStatus and cameraStatus must be 1 (closed) or 2 (open)")
        async with self._store.write() as tx:
            found = await self._active_device(tx, participant_id)
            # The meeting first (lock order of join and close), for its new revision.
            await tx.meetings.take_pk(found.conference_pk)
            device = await self._active_device(tx, participant_id)
            if mic is not None and device.host_muted:
                mic = DeviceMedia.CLOSED
            if mic == DeviceMedia.OPEN and device.mic_status != DeviceMedia.OPEN:
                # Held by the meeting rather than the host: self-unmute is not allowed.
                mic = mic if await _may_unmute_self(tx, device) else DeviceMedia.CLOSED
            await tx.devices.report_media(participant_id, mic=mic, camera=camera)
            updated = await tx.devices.by_participant_id(participant_id)
            assert updated is not None
            return updated

    async def decline(self, conference_id: str, union_id: str, description: str) -> None:
        """An invited member declines the call: attendStatus 4 with the reason."""
        async with self._store.write() as tx:
            conference = await self._conference(tx, conference_id)
            member = await tx.meetings.member(conference.id, union_id)
            if member is None:
                raise UnknownUser(f"{union_id} is not a member of conference {conference_id}")
            if member.attend_status not in (AttendStatus.INITIALISED, AttendStatus.CALLING):
                raise InvalidParams("only an invited member who has not joined can decline")
            await tx.meetings.decline(member.id, description[:512])
            await app_events.emit(
                tx,
                conference,
                app_events.MEMBER_DECLINED,
                app_events.member_payload(
                    conference,
                    member,
                    attendStatus=int(AttendStatus.JOIN_FAILED),
                    rejectDescription=description[:512],
                ),
                now=self.clock.now_ms(),
            )

    async def resumable_devices(self) -> list[tuple[str, str]]:
        """(participantId, resume token digest) of every WebSocket device in a meeting."""
        async with self._store.read() as tx:
            return await tx.devices.resumable()

    async def device(self, participant_id: str) -> tuple[Device, str]:
        """A device and the conferenceId of its meeting."""
        async with self._store.read() as tx:
            device = await tx.devices.by_participant_id(participant_id)
            if device is None:
                raise NotFound(f"participantId {participant_id} does not exist")
            conference = await tx.meetings.by_pk(device.conference_pk)
        assert conference is not None
        return device, conference.conference_id

    async def _active_device(self, tx: Writes, participant_id: str) -> Device:
        device = await tx.devices.by_participant_id(participant_id)
        if device is None or not device.active:
            raise NotFound(f"participantId {participant_id} is not in a meeting")
        return device
