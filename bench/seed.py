"""Bulk seeding for the benchmarks, written through confplane's own store layer.

It runs before the server starts, on the same database URL: the admin API joins one
device per call, far too slow for a 100,000-member meeting.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from confplane.domain import ids
from confplane.domain.directory import DirectoryService
from confplane.domain.model import AttendStatus, DeviceMedia
from confplane.domain.storage import NewDevice, NewMeeting, NewMember
from confplane.store.sql import SqlStore, Transaction

MEMBER_CHUNK = 5_000


@dataclass(frozen=True, slots=True)
class Sizes:
    """How much to seed; the defaults are the issue's figures."""

    lock_conferences: int = 64
    # MuteMembers: members (each with one device) spread over meetings, because writes to
    # one meeting take turns (its row is locked until commit).
    mute_conferences: int = 32
    mute_members: int = 4
    batch_conferences: int = 10
    batch_members: int = 50
    page_members: int = 10_000
    walk_members: int = 100_000
    close_conferences: int = 20_000
    invitees: int = 2


@dataclass(slots=True)
class Seeded:
    corp_id: str = ""
    app_key: str = ""
    app_secret: str = ""
    host: str = ""
    invitees: list[str] = field(default_factory=list)
    # (conferenceId, unionId) of every member MuteMembers rotates over.
    mute_targets: list[tuple[str, str]] = field(default_factory=list)
    lock_conferences: list[str] = field(default_factory=list)
    batch_conferences: list[str] = field(default_factory=list)
    page_conference: str = ""
    walk_conference: str = ""
    close_conferences: list[str] = field(default_factory=list)
    conferences_seeded: int = 0
    seconds: float = 0.0


_room_codes: set[str] = set()


def _room_code() -> str:
    """Random 9-digit codes collide within ~20,000 meetings (a unique column): skip repeats."""
    while True:
        code = ids.room_code()
        if code not in _room_codes:
            _room_codes.add(code)
            return code


def _meeting(org_id: int, host: str, now: int, title: str) -> NewMeeting:
    return NewMeeting(
        conference_id=ids.conference_id(),
        org_id=org_id,
        title=title,
        host_union_id=host,
        room_code=_room_code(),
        conference_password=ids.numeric_password(4),
        host_password=ids.numeric_password(6),
        created_at=now,
        start_time=now,
    )


def _present(union_id: str, nick: str, now: int, *, host: bool) -> NewMember:
    return NewMember(
        union_id=union_id,
        nick=nick,
        job_number=f"J{abs(hash(union_id)) % 1_000_000:06d}",
        attend_status=AttendStatus.IN_MEETING,
        host=host,
        join_time=now,
    )


class _Seeder:
    def __init__(self, tx: Transaction, org_id: int, host: str, host_nick: str) -> None:
        self.tx = tx
        self.org_id = org_id
        self.host = host
        self.host_nick = host_nick
        self.now = time.time_ns() // 1_000_000
        self.count = 0

    async def conferences(self, n: int, title: str) -> list[tuple[int, str]]:
        meetings = [_meeting(self.org_id, self.host, self.now, title) for _ in range(n)]
        host = _present(self.host, self.host_nick, self.now, host=True)
        made: list[tuple[int, str]] = []
        for start in range(0, n, MEMBER_CHUNK):
            chunk = await self.tx.meetings.add_many(meetings[start : start + MEMBER_CHUNK], [host])
            made += [(c.id, c.conference_id) for c in chunk]
        self.count += n
        return made

    async def members(self, pk: int, n: int, prefix: str) -> list[str]:
        """``n`` members besides the host; their unionIds."""
        union_ids = [f"{prefix}{i:06d}" for i in range(n)]
        for start in range(0, n, MEMBER_CHUNK):
            chunk = [
                _present(u, f"member {u}", self.now, host=False)
                for u in union_ids[start : start + MEMBER_CHUNK]
            ]
            await self.tx.meetings.add_members(pk, chunk)
        return union_ids

    async def devices(self, pk: int) -> None:
        """One active device, microphone and camera open, for every member of a meeting."""
        for member in await self.tx.meetings.members_after(pk, 0, 1_000_000):
            await self.tx.devices.add(
                NewDevice(
                    participant_id=ids.participant_id(),
                    conference_pk=pk,
                    member_id=member.id,
                    union_id=member.union_id,
                    mic_status=int(DeviceMedia.OPEN),
                    camera_status=int(DeviceMedia.OPEN),
                    host_muted=False,
                    joined_at=self.now,
                    resume_digest=None,
                )
            )


async def seed(database_url: str, sizes: Sizes = Sizes()) -> Seeded:
    """An org, its app and users, and every meeting the benchmark scenarios use."""
    started = time.perf_counter()
    store = SqlStore(database_url)
    try:
        await store.start()
        directory = DirectoryService(store)
        org = await directory.create_org("bench org")
        creds = await directory.create_internal_app(org.corp_id, "bench app")
        host = await directory.create_user(org.corp_id, nick="bench host")
        invitees = [
            (await directory.create_user(org.corp_id, nick=f"invitee {i}")).union_id
            for i in range(sizes.invitees)
        ]
        out = Seeded(
            corp_id=org.corp_id,
            app_key=creds.app.app_key,
            app_secret=creds.app_secret,
            host=host.union_id,
            invitees=invitees,
        )
        async with store.write() as tx:
            s = _Seeder(tx, org.id, host.union_id, host.nick)
            for pk, cid in await s.conferences(sizes.mute_conferences, "bench mute"):
                members = await s.members(pk, sizes.mute_members, f"mute{pk}-")
                out.mute_targets += [(cid, union_id) for union_id in members]
                await s.devices(pk)
            out.lock_conferences = [
                c for _, c in await s.conferences(sizes.lock_conferences, "lock")
            ]
            for pk, cid in await s.conferences(sizes.batch_conferences, "bench batch"):
                await s.members(pk, sizes.batch_members - 1, f"b{pk}-")
                await s.devices(pk)
                out.batch_conferences.append(cid)
            [(pk, out.page_conference)] = await s.conferences(1, "bench page")
            await s.members(pk, sizes.page_members - 1, "page")
            [(pk, out.walk_conference)] = await s.conferences(1, "bench walk")
            await s.members(pk, sizes.walk_members - 1, "walk")
            out.close_conferences = [
                c for _, c in await s.conferences(sizes.close_conferences, "bench close")
            ]
            out.conferences_seeded = s.count
        await store.after_bulk_load()
    finally:
        await store.close()
    out.seconds = time.perf_counter() - started
    return out


async def count_conferences(database_url: str, org_corp_id: str) -> int:
    """Meetings the org holds now (to check that every acknowledged create is stored)."""
    store = SqlStore(database_url)
    try:
        async with store.read() as tx:
            org = await tx.directory.org_by_corp_id(org_corp_id)
            assert org is not None
            return await tx.meetings.count_of_org(org.id, live_only=False)
    finally:
        await store.close()
