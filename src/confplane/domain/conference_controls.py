"""More of the conference API: one meeting's details, its settings, focus, nicknames and
invitations (QueryConferenceInfo, QueryConferenceInfoByRoomCode,
QueryUserOnGoingConference, InviteUsers, UpdateMemberNick, UpdateVideoConferenceSetting,
UpdateVideoConferenceExtInfo, Focus)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from functools import cached_property

from confplane.domain import app_events, commands, events
from confplane.domain.conferences import MAX_INVITEES, apply_lock, apply_mute_all
from confplane.domain.errors import (
    ConferenceLocked,
    InvalidParams,
    MissingConferenceId,
    NoTelephoneGateway,
    ParticipantLimit,
    UnknownUser,
)
from confplane.domain.events import Command
from confplane.domain.meeting_service import MeetingService, check_owner
from confplane.domain.meeting_settings import (
    ConferenceDetails,
    FocusAction,
    Invitee,
    MeetingSettings,
    OngoingMeetings,
    RoomCodePage,
    SettingChanges,
)
from confplane.domain.model import AttendStatus, Member, Principal
from confplane.domain.paging import CursorCodec
from confplane.domain.storage import NewMember

MAX_NICK = 64
# An ext info object is the app's own data about the meeting, kept as it came.
MAX_EXT_INFO_BYTES = 4096
DEFAULT_ROOM_PAGE_SIZE = 20
MAX_ROOM_PAGE_SIZE = 100


class ConferenceControlService(MeetingService):
    @cached_property
    def _room_cursor(self) -> CursorCodec:
        return self._cursor.derive("roomCodes")

    # -- QueryConferenceInfo ---------------------------------------------------

    async def details(self, principal: Principal, conference_id: str) -> ConferenceDetails:
        """One meeting of the caller's org, in progress or ended."""
        if not conference_id:
            raise MissingConferenceId("conferenceId is missing")
        async with self._store.read() as tx:
            found = await tx.meetings.by_id(conference_id)
            conference = check_owner(found, principal, conference_id)
            settings = await tx.controls.settings(conference.id)
            attendance = await tx.controls.attendance(conference.id)
            host = await tx.meetings.member(conference.id, conference.host_union_id)
        return ConferenceDetails(
            conference=conference,
            settings=settings,
            attendance=attendance,
            creator_nick=host.nick if host is not None else None,
            external_link_url=self.join_link(conference.room_code),
        )

    # -- QueryConferenceInfoByRoomCode -------------------------------------------

    async def by_room_code(
        self,
        principal: Principal,
        room_code: str,
        *,
        next_token: str | None,
        max_results: int | None,
    ) -> RoomCodePage:
        """The meetings a room code names, newest first. A room code names one meeting
        in confplane; another org's meeting is refused like every other read of it."""
        if not room_code:
            raise InvalidParams("roomCode is required")
        limit = DEFAULT_ROOM_PAGE_SIZE if max_results is None else max_results
        if not 1 <= limit <= MAX_ROOM_PAGE_SIZE:
            raise InvalidParams(f"maxResults must be 1-{MAX_ROOM_PAGE_SIZE}")
        before = self._room_cursor.decode(next_token, principal.org_id, owner="org")
        async with self._store.read() as tx:
            rows = await tx.controls.of_room_code(
                room_code, limit=limit + 1, before_pk=before or None
            )
            total = await tx.controls.count_of_room_code(room_code)
            page = rows[:limit]
            for conference in page:
                check_owner(conference, principal, conference.conference_id)
            hosts = {c.host_union_id for c in page}
            creators = await tx.directory.users_by_union_ids(list(hosts))
        has_more = len(rows) > limit
        return RoomCodePage(
            conferences=page,
            creator_nicks={u.union_id: u.nick for u in creators},
            total_count=total,
            next_token=(
                self._room_cursor.encode(principal.org_id, page[-1].id) if has_more else None
            ),
            public_url=self.public_url,
        )

    # -- QueryUserOnGoingConference ----------------------------------------------

    async def ongoing_of_user(self, principal: Principal, union_id: str) -> OngoingMeetings:
        """The caller's org's meetings in progress that the user is in now."""
        if not union_id:
            raise InvalidParams("unionId is required")
        async with self._store.read() as tx:
            user = await tx.directory.user_by_union_id(union_id)
            if user is None or user.org_id != principal.org_id:
                raise UnknownUser(f"unionId {union_id} is not a user of this org")
            found = await tx.controls.present_in(principal.org_id, union_id)
        return OngoingMeetings(conference_ids=[cid for cid, _ in found], members=dict(found))

    # -- InviteUsers -------------------------------------------------------------

    async def invite(
        self,
        principal: Principal,
        conference_id: str,
        *,
        inviter_union_id: str | None,
        invitees: Sequence[Invitee],
        phone_invitees: int,
    ) -> None:
        """Ask users into a meeting in progress: new members are called (attendStatus 2),
        members who left or failed to join are called again, those present stay."""
        if phone_invitees:
            raise NoTelephoneGateway(
                "phoneInviteeList: confplane has no telephone gateway to call numbers"
            )
        if not invitees:
            raise InvalidParams("inviteeList must name at least one user")
        if any(not i.union_id for i in invitees):
            raise InvalidParams("inviteeList[].unionId is required")
        if any(i.nick is not None and len(i.nick.strip()) > MAX_NICK for i in invitees):
            raise InvalidParams(f"inviteeList[].nick must be at most {MAX_NICK} characters")
        wanted = {i.union_id: i for i in invitees}
        if len(wanted) > MAX_INVITEES:
            raise ParticipantLimit(f"at most {MAX_INVITEES} invitees per call")
        async with self._store.write() as tx:
            conference = await self._live(tx, principal, conference_id)
            if conference.locked:
                raise ConferenceLocked(f"conference {conference_id} is locked")
            if inviter_union_id:
                inviter = await tx.directory.user_by_union_id(inviter_union_id)
                if inviter is None or inviter.org_id != principal.org_id:
                    raise UnknownUser(f"unionId {inviter_union_id} is not a user of this org")
            users = {u.union_id: u for u in await tx.directory.users_by_union_ids(list(wanted))}
            missing = [u for u in wanted if u not in users]
            if missing:
                raise UnknownUser(f"unknown invitee {missing[0]}")
            new: list[NewMember] = []
            called: list[Member] = []
            for union_id, invitee in wanted.items():
                member = await tx.meetings.member(conference.id, union_id)
                if member is None:
                    user = users[union_id]
                    nick = (invitee.nick or "").strip() or user.nick
                    new.append(
                        NewMember(
                            union_id,
                            nick,
                            user.job_number,
                            AttendStatus.CALLING,
                            outer_org=user.org_id != principal.org_id,
                        )
                    )
                elif member.attend_status != AttendStatus.IN_MEETING:
                    await tx.controls.call_again(member.id)
                    called.append(member)
            if conference.member_count + len(new) > self.max_members:
                raise ParticipantLimit(f"a conference holds at most {self.max_members} members")
            await tx.controls.invite(conference.id, new)
            invited: list[NewMember | Member] = [*new, *called]
            for person in invited:
                await app_events.emit(
                    tx,
                    conference,
                    app_events.MEMBER_INVITED,
                    # Called again: calling now, whatever the row said before.
                    app_events.member_payload(
                        conference, person, attendStatus=int(AttendStatus.CALLING)
                    ),
                )

    # -- UpdateMemberNick --------------------------------------------------------

    async def update_nick(
        self, principal: Principal, conference_id: str, *, union_id: str, nick: str
    ) -> None:
        """A member's name in this meeting; every device of the meeting is told."""
        if not union_id:
            raise InvalidParams("unionId is required")
        nick = nick.strip()
        if not 1 <= len(nick) <= MAX_NICK:
            raise InvalidParams(f"nick must be 1-{MAX_NICK} characters")
        command = None
        async with self._store.write() as tx:
            conference = await self._live(tx, principal, conference_id)
            member = await tx.meetings.member(conference.id, union_id)
            if member is None:
                raise UnknownUser(f"{union_id} is not a member of conference {conference_id}")
            if member.nick != nick:
                await tx.controls.set_nick(member.id, nick)
                command = await commands.record(
                    tx, conference, events.NICK_CHANGED, data={"union_id": union_id, "nick": nick}
                )
        await self._publish([command])

    # -- UpdateVideoConferenceSetting ----------------------------------------------

    async def update_settings(
        self, principal: Principal, conference_id: str, changes: SettingChanges
    ) -> None:
        """Change what the request names, in one transaction. lockConference and muteAll
        do exactly what LockConference and MuteAll do; a mute-all made here holds the
        microphones when self-unmute is not allowed (as MuteAll's forceMute does)."""
        if changes.empty():
            raise InvalidParams("name at least one setting to change")
        recorded: list[Command | None] = []
        async with self._store.write() as tx:
            conference = await self._live(tx, principal, conference_id)
            before = await tx.controls.settings(conference.id)
            after = dataclasses.replace(
                before,
                allow_unmute_self=_given(changes.allow_unmute_self, before.allow_unmute_self),
                auto_transfer_host=_given(changes.auto_transfer_host, before.auto_transfer_host),
                forbidden_share_screen=_given(
                    changes.forbidden_share_screen, before.forbidden_share_screen
                ),
                only_internal_employees=_given(
                    changes.only_internal_employees, before.only_internal_employees
                ),
            )
            if changes.lock_conference is not None:
                recorded.append(await apply_lock(tx, conference, changes.lock_conference))
            if changes.mute_all is not None:
                recorded.append(
                    await apply_mute_all(
                        tx, conference, changes.mute_all, force=not after.allow_unmute_self
                    )
                )
            if after != before:
                await tx.controls.save_settings(conference.id, after)
                recorded.append(
                    await commands.record(
                        tx, conference, events.SETTINGS_CHANGED, data=_device_settings(after)
                    )
                )
        await self._publish(recorded)

    # -- UpdateVideoConferenceExtInfo ----------------------------------------------

    async def update_ext_info(
        self, principal: Principal, conference_id: str, ext_info: str | None
    ) -> None:
        """Keep the app's JSON object about the meeting (``None``: no body, no change)."""
        if ext_info is not None and len(ext_info.encode()) > MAX_EXT_INFO_BYTES:
            raise InvalidParams(f"the ext info must be at most {MAX_EXT_INFO_BYTES} bytes")
        async with self._store.write() as tx:
            conference = await self._live(tx, principal, conference_id)
            if ext_info is None:
                return
            before = await tx.controls.settings(conference.id)
            if before.ext_info != ext_info:
                await tx.controls.save_settings(
                    conference.id, dataclasses.replace(before, ext_info=ext_info)
                )

    # -- Focus -------------------------------------------------------------------

    async def focus(
        self, principal: Principal, conference_id: str, *, action: FocusAction, union_id: str
    ) -> None:
        """Spotlight one member in the meeting for everyone, or end the spotlight."""
        focusing = action is FocusAction.FOCUS
        if focusing and not union_id:
            raise InvalidParams("unionId is required to focus")
        command = None
        async with self._store.write() as tx:
            conference = await self._live(tx, principal, conference_id)
            settings = await tx.controls.settings(conference.id)
            target: str | None = None
            if focusing:
                member = await tx.meetings.member(conference.id, union_id)
                if member is None:
                    raise UnknownUser(f"{union_id} is not a member of conference {conference_id}")
                if member.attend_status != AttendStatus.IN_MEETING:
                    raise InvalidParams(f"{union_id} is not in the meeting now")
                target = union_id
            if settings.focus_union_id != target:
                await tx.controls.save_settings(
                    conference.id, dataclasses.replace(settings, focus_union_id=target)
                )
                command = await commands.record(
                    tx, conference, events.FOCUS, data={"union_id": target}
                )
        await self._publish([command])


def _given(value: bool | None, current: bool) -> bool:
    return current if value is None else value


def _device_settings(settings: MeetingSettings) -> dict[str, object]:
    """The settings a device acts on, as ``settings_changed`` carries them."""
    return {
        "allow_unmute_self": settings.allow_unmute_self,
        "forbidden_share_screen": settings.forbidden_share_screen,
        "only_internal_employees_join": settings.only_internal_employees,
        "auto_transfer_host": settings.auto_transfer_host,
    }
