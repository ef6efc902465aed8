"""ConferenceService on a real database: create, mute, lock, close, query, members."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

import pytest

from confplane.domain.conferences import (
    DEFAULT_PAGE_SIZE,
    MAX_BATCH_IDS,
    MAX_INVITEES,
    WALK_SLICE,
)
from confplane.domain.errors import (
    ConferenceEnded,
    ConferenceLocked,
    ConferenceNotFound,
    ConferenceOfOtherOrg,
    InvalidParams,
    InvalidTitle,
    MissingConferenceId,
    NotHost,
    ParticipantLimit,
    UnknownUser,
)
from confplane.domain.events import Command
from confplane.domain.model import (
    AttendStatus,
    Conference,
    ConferenceStatus,
    DeviceMedia,
    LockAction,
    Member,
    MuteAction,
)
from confplane.domain.storage import NewMember

from .conftest import Tenant, World, build_world, make_tenant

CLOSED, OPEN = int(DeviceMedia.CLOSED), int(DeviceMedia.OPEN)


@dataclass
class RecordingNotifier:
    """A Notifier that keeps what is published, as a device channel would receive it."""

    published: list[Command] = field(default_factory=list)

    async def publish(self, commands: Sequence[Command]) -> None:
        self.published.extend(commands)


async def create(
    world: World,
    tenant: Tenant,
    invite: Sequence[str] = (),
    *,
    invite_caller: bool = False,
    title: str = "weekly sync",
) -> str:
    created = await world.conferences.create(
        tenant.principal,
        creator_union_id=tenant.host,
        title=title,
        invitee_union_ids=invite,
        invite_caller=invite_caller,
    )
    return created.conference.conference_id


async def walk(
    world: World,
    tenant: Tenant,
    conference_id: str,
    *,
    next_token: str | None = None,
    max_results: int | None = None,
) -> list[Member]:
    """Every member of one page, through the service's own walk."""
    result = await world.conferences.members(
        tenant.principal, conference_id, next_token=next_token, max_results=max_results
    )
    return [m async for page in result.slices() for m in page]


async def conference_row(world: World, conference_id: str) -> Conference:
    async with world.store.read() as tx:
        found = await tx.meetings.by_id(conference_id)
    assert found is not None
    return found


def with_notifier(world: World) -> tuple[World, RecordingNotifier]:
    """The services over the same store, with a notifier that records what they publish."""
    notifier = RecordingNotifier()
    return build_world(world.store, notifier=notifier), notifier


# -- CreateVideoConference -------------------------------------------------------------


async def test_create_answers_the_wire_fields(world: World, tenant: Tenant) -> None:
    created = await world.conferences.create(
        tenant.principal, creator_union_id=tenant.host, title="  planning  "
    )
    c = created.conference
    assert re.fullmatch(r"[0-9a-f]{24}", c.conference_id)
    assert re.fullmatch(r"[1-9][0-9]{8}", c.room_code)
    assert re.fullmatch(r"[0-9]{4}", c.conference_password)
    assert re.fullmatch(r"[0-9]{6}", c.host_password)
    assert created.external_link_url == f"http://confplane.test/j/{c.room_code}"
    assert created.phone_numbers == []
    assert c.title == "planning"
    assert c.status == ConferenceStatus.INITIALISED
    assert c.start_time is None and c.end_time is None
    assert c.locked is False and c.mute_all is False
    assert c.host_union_id == tenant.host
    assert c.org_id == tenant.org.id
    assert c.member_count == 1
    assert await conference_row(world, c.conference_id) == c


async def test_create_lists_host_then_invitees_initialised(world: World, tenant: Tenant) -> None:
    invite = [tenant.union(2), tenant.union(1), tenant.union(2), tenant.host]
    cid = await create(world, tenant, invite)
    members = await walk(world, tenant, cid)
    assert [m.union_id for m in members] == [tenant.host, tenant.union(2), tenant.union(1)]
    assert [m.attend_status for m in members] == [1, 1, 1]
    assert [m.host for m in members] == [True, False, False]
    assert [m.nick for m in members] == ["user 0", "user 2", "user 1"]
    assert [m.job_number for m in members] == ["J000", "J002", "J001"]
    for m in members:
        assert m.join_time is None and m.leave_time is None and m.duration_ms == 0
        assert not (m.co_host or m.outer_org or m.pstn)
    assert (await conference_row(world, cid)).member_count == 3


async def test_invite_caller_makes_invitees_calling(world: World, tenant: Tenant) -> None:
    cid = await create(world, tenant, [tenant.union(1), tenant.union(2)], invite_caller=True)
    members = await walk(world, tenant, cid)
    assert [(m.union_id, m.attend_status) for m in members] == [
        (tenant.host, AttendStatus.INITIALISED),
        (tenant.union(1), AttendStatus.CALLING),
        (tenant.union(2), AttendStatus.CALLING),
    ]


async def test_invitee_of_another_org_is_an_outer_member(
    world: World, tenant: Tenant, other_tenant: Tenant
) -> None:
    cid = await create(world, tenant, [other_tenant.host, tenant.union(1)])
    members = await walk(world, tenant, cid)
    assert [m.outer_org for m in members] == [False, True, False]


@pytest.mark.parametrize("title", ["", "   ", "t" * 129])
async def test_create_refuses_bad_titles(world: World, tenant: Tenant, title: str) -> None:
    with pytest.raises(InvalidTitle):
        await world.conferences.create(tenant.principal, creator_union_id=tenant.host, title=title)


async def test_create_accepts_a_title_of_128_characters(world: World, tenant: Tenant) -> None:
    title = "会" * 128
    cid = await create(world, tenant, title=title)
    assert (await conference_row(world, cid)).title == title


async def test_create_refusals_create_nothing(
    world: World, tenant: Tenant, other_tenant: Tenant
) -> None:
    with pytest.raises(InvalidParams):
        await world.conferences.create(tenant.principal, creator_union_id="", title="t")
    with pytest.raises(UnknownUser):  # the creator must be a user of the caller's org
        await world.conferences.create(
            tenant.principal, creator_union_id=other_tenant.host, title="t"
        )
    with pytest.raises(UnknownUser):
        await world.conferences.create(tenant.principal, creator_union_id="nobody", title="t")
    with pytest.raises(UnknownUser):
        await world.conferences.create(
            tenant.principal,
            creator_union_id=tenant.host,
            title="t",
            invitee_union_ids=[tenant.union(1), "nobody"],
        )
    async with world.store.read() as tx:
        made = await tx.meetings.of_org(tenant.org.id, live_only=False, limit=10)
    assert made == []


async def test_create_respects_the_member_limit(world: World, tenant: Tenant) -> None:
    small = build_world(world.store, max_members=3)
    await small.conferences.create(
        tenant.principal,
        creator_union_id=tenant.host,
        title="three",
        invitee_union_ids=[tenant.union(1), tenant.union(2)],
    )
    with pytest.raises(ParticipantLimit):
        await small.conferences.create(
            tenant.principal,
            creator_union_id=tenant.host,
            title="four",
            invitee_union_ids=[tenant.union(1), tenant.union(2), tenant.union(3)],
        )


async def test_title_length_counts_after_trimming(world: World, tenant: Tenant) -> None:
    cid = await create(world, tenant, title="  " + "t" * 128 + "  ")
    assert (await conference_row(world, cid)).title == "t" * 128


async def org_with_users(world: World, count: int) -> Tenant:
    """A tenant with ``count`` extra users, written in one transaction."""
    tenant = await make_tenant(world, users=1)
    async with world.store.write() as tx:
        for i in range(count):
            await tx.directory.add_user(
                tenant.org.id,
                f"{tenant.org.corp_id}-many{i:04d}",
                f"many{i:04d}",
                f"many {i}",
                None,
            )
    tenant.users += await world.directory.list_users(tenant.org.corp_id)
    tenant.users = list({u.union_id: u for u in tenant.users}.values())
    return tenant


async def test_five_hundred_invitees_are_allowed(world: World) -> None:
    many = await org_with_users(world, MAX_INVITEES)
    invitees = [u.union_id for u in many.users[1 : MAX_INVITEES + 1]]
    assert len(invitees) == MAX_INVITEES == 500
    cid = await create(world, many, invitees)
    assert (await conference_row(world, cid)).member_count == 501


async def test_more_than_five_hundred_invitees_are_refused(world: World) -> None:
    many = await org_with_users(world, MAX_INVITEES + 1)
    invitees = [u.union_id for u in many.users[1:]]
    assert len(invitees) == MAX_INVITEES + 1
    with pytest.raises(ParticipantLimit):
        await create(world, many, invitees)


# -- MuteMembers -------------------------------------------------------------------------


async def test_mute_closes_every_active_device_of_the_user(world: World, tenant: Tenant) -> None:
    world, notifier = with_notifier(world)
    cid = await create(world, tenant, [tenant.union(1)])
    phone = await world.presence.join(cid, tenant.union(1))
    laptop = await world.presence.join(cid, tenant.union(1), mic=CLOSED)
    bystander = await world.presence.join(cid, tenant.union(2))
    gone = await world.presence.join(cid, tenant.union(1))
    await world.presence.leave(gone.device.participant_id)

    await world.conferences.mute(
        tenant.principal, cid, action=MuteAction.MUTE, targets=[(tenant.union(1), None)]
    )

    for joined in (phone, laptop):
        device = await world.device(joined.device.participant_id)
        assert (device.mic_status, device.host_muted) == (CLOSED, True)
        assert device.camera_status == OPEN  # only the microphone
    other = await world.device(bystander.device.participant_id)
    assert (other.mic_status, other.host_muted) == (OPEN, False)
    left = await world.device(gone.device.participant_id)
    assert (left.active, left.host_muted) == (False, False)

    [command] = notifier.published
    assert command.kind == "mute" and command.conference_id == cid
    assert set(command.participant_ids or ()) == {
        phone.device.participant_id,
        laptop.device.participant_id,
    }


async def test_mute_one_participant_only(world: World, tenant: Tenant) -> None:
    cid = await create(world, tenant)
    phone = await world.presence.join(cid, tenant.host)
    laptop = await world.presence.join(cid, tenant.host)
    await world.conferences.mute(
        tenant.principal,
        cid,
        action=MuteAction.MUTE,
        targets=[(tenant.host, laptop.device.participant_id)],
    )
    assert (await world.device(laptop.device.participant_id)).mic_status == CLOSED
    assert (await world.device(phone.device.participant_id)).mic_status == OPEN
    other = await world.presence.join(cid, tenant.union(3))
    with pytest.raises(InvalidParams):  # another user's device is not theirs
        await world.conferences.mute(
            tenant.principal,
            cid,
            action=MuteAction.MUTE,
            targets=[(tenant.host, other.device.participant_id)],
        )
    with pytest.raises(InvalidParams):
        await world.conferences.mute(
            tenant.principal, cid, action=MuteAction.MUTE, targets=[(tenant.host, "nosuchdevice")]
        )


async def test_un_mute_opens_and_clears_the_host_mute(world: World, tenant: Tenant) -> None:
    cid = await create(world, tenant)
    joined = await world.presence.join(cid, tenant.host, mic=CLOSED)
    pid = joined.device.participant_id
    await world.conferences.mute(
        tenant.principal, cid, action=MuteAction.MUTE, targets=[(tenant.host, None)]
    )
    await world.conferences.mute(
        tenant.principal, cid, action=MuteAction.UNMUTE, targets=[(tenant.host, pid)]
    )
    device = await world.device(pid)
    assert (device.mic_status, device.host_muted) == (OPEN, False)


async def test_mute_of_a_member_without_devices_changes_nothing(
    world: World, tenant: Tenant
) -> None:
    world, notifier = with_notifier(world)
    cid = await create(world, tenant, [tenant.union(1)])
    await world.conferences.mute(
        tenant.principal, cid, action=MuteAction.MUTE, targets=[(tenant.union(1), None)]
    )
    assert notifier.published == []


# Unknown action words are refused before the service is called (test_actions).
@pytest.mark.parametrize(
    ("targets", "error"),
    [
        ([], InvalidParams),
        ([("HOST", None), ("HOST", None)], InvalidParams),
        ([("", None)], InvalidParams),
        ([("nobody", None)], UnknownUser),
    ],
)
async def test_mute_refusals(
    world: World,
    tenant: Tenant,
    targets: list[tuple[str, str | None]],
    error: type[Exception],
) -> None:
    cid = await create(world, tenant)
    joined = await world.presence.join(cid, tenant.host)
    real = [(tenant.host if u == "HOST" else u, p) for u, p in targets]
    with pytest.raises(error):
        await world.conferences.mute(tenant.principal, cid, action=MuteAction.MUTE, targets=real)
    assert (await world.device(joined.device.participant_id)).mic_status == OPEN


async def test_mute_of_a_non_member_user_of_the_org(world: World, tenant: Tenant) -> None:
    cid = await create(world, tenant)
    with pytest.raises(UnknownUser):
        await world.conferences.mute(
            tenant.principal, cid, action=MuteAction.MUTE, targets=[(tenant.union(4), None)]
        )


# -- lookups shared by mute, lock, close, members ----------------------------------------


async def test_meeting_lookups(world: World, tenant: Tenant, other_tenant: Tenant) -> None:
    theirs = await create(world, other_tenant)
    p = tenant.principal
    host = [(tenant.host, None)]
    calls: dict[str, Callable[[str], Awaitable[object]]] = {
        "mute": lambda cid: world.conferences.mute(p, cid, action=MuteAction.MUTE, targets=host),
        "lock": lambda cid: world.conferences.lock(p, cid, action=LockAction.LOCK),
        "close": lambda cid: world.conferences.close(p, cid, union_id=tenant.host),
        "members": lambda cid: world.conferences.members(p, cid, next_token=None, max_results=None),
    }
    for call in calls.values():
        with pytest.raises(MissingConferenceId):
            await call("")
        with pytest.raises(ConferenceNotFound):
            await call("000000000000000000000000")
        with pytest.raises(ConferenceOfOtherOrg):
            await call(theirs)
    # Nothing happened to the other org's meeting.
    row = await conference_row(world, theirs)
    assert (row.status, row.locked) == (ConferenceStatus.INITIALISED, False)


# -- LockConference ----------------------------------------------------------------------


async def test_lock_and_unlock(world: World, tenant: Tenant) -> None:
    world, notifier = with_notifier(world)
    cid = await create(world, tenant, [tenant.union(1)])
    await world.presence.join(cid, tenant.host)

    await world.conferences.lock(tenant.principal, cid, action=LockAction.LOCK)
    assert (await conference_row(world, cid)).locked is True
    await world.conferences.lock(tenant.principal, cid, action=LockAction.LOCK)  # again: no change
    with pytest.raises(ConferenceLocked):
        await world.presence.join(cid, tenant.union(1))  # an invitee
    with pytest.raises(ConferenceLocked):
        await world.presence.join(cid, tenant.union(3))  # a walk-in
    with pytest.raises(ConferenceLocked):
        await world.presence.join(cid, tenant.host)  # a second device of someone inside

    await world.conferences.lock(tenant.principal, cid, action=LockAction.UNLOCK)
    assert (await conference_row(world, cid)).locked is False
    await world.presence.join(cid, tenant.union(1))
    assert [c.kind for c in notifier.published] == ["locked", "unlocked"]


# -- CloseVideoConference ----------------------------------------------------------------


async def test_close_ends_attendance(world: World, tenant: Tenant) -> None:
    world, notifier = with_notifier(world)
    u = tenant.union
    cid = await create(world, tenant, [u(1), u(2), u(3)], invite_caller=True)
    await world.presence.join(cid, tenant.host)
    present = await world.presence.join(cid, u(1))
    second = await world.presence.join(cid, u(1))
    left = await world.presence.join(cid, u(2))
    await world.presence.leave(left.device.participant_id)
    walk_in = await world.presence.join(cid, u(4))
    before_left = await world.member(cid, u(2))

    await world.conferences.close(tenant.principal, cid, union_id=tenant.host)

    row = await conference_row(world, cid)
    assert row.status == ConferenceStatus.ENDED
    assert row.end_time is not None and row.start_time is not None
    assert row.end_time >= row.start_time
    for union_id in (tenant.host, u(1), u(4)):
        m = await world.member(cid, union_id)
        assert m.attend_status == AttendStatus.LEFT
        assert m.leave_time == row.end_time
        assert m.present_since is None
        assert m.join_time is not None
        assert m.duration_ms == row.end_time - m.join_time
    # Who had already left is untouched; who was still being called failed to join.
    assert await world.member(cid, u(2)) == before_left
    waiting = await world.member(cid, u(3))
    assert waiting.attend_status == AttendStatus.JOIN_FAILED
    assert waiting.join_time is None and waiting.duration_ms == 0
    assert waiting.reject_description
    for joined in (present, second, walk_in):
        assert (await world.device(joined.device.participant_id)).active is False
    assert [c.kind for c in notifier.published] == ["closed"]
    assert notifier.published[0].participant_ids is None  # every device


async def test_close_marks_never_joined_members_join_failed(world: World, tenant: Tenant) -> None:
    cid = await create(world, tenant, [tenant.union(1)])
    await world.conferences.close(tenant.principal, cid, union_id=tenant.host)
    members = await walk(world, tenant, cid)
    assert [m.attend_status for m in members] == [AttendStatus.JOIN_FAILED] * 2


async def test_close_refusals(world: World, tenant: Tenant, other_tenant: Tenant) -> None:
    cid = await create(world, tenant, [tenant.union(1)])
    with pytest.raises(InvalidParams):
        await world.conferences.close(tenant.principal, cid, union_id="")
    with pytest.raises(UnknownUser):
        await world.conferences.close(tenant.principal, cid, union_id="nobody")
    with pytest.raises(UnknownUser):  # the host's name in another org's mouth
        await world.conferences.close(tenant.principal, cid, union_id=other_tenant.host)
    with pytest.raises(NotHost):
        await world.conferences.close(tenant.principal, cid, union_id=tenant.union(1))
    assert (await conference_row(world, cid)).status == ConferenceStatus.INITIALISED


async def test_an_ended_meeting_refuses_changes_but_answers_reads(
    world: World, tenant: Tenant
) -> None:
    cid = await create(world, tenant, [tenant.union(1)])
    await world.presence.join(cid, tenant.host)
    await world.conferences.close(tenant.principal, cid, union_id=tenant.host)
    p = tenant.principal
    with pytest.raises(ConferenceEnded):
        await world.conferences.close(p, cid, union_id=tenant.host)
    with pytest.raises(ConferenceEnded):
        await world.conferences.close(p, cid, union_id=tenant.union(1))
    with pytest.raises(ConferenceEnded):
        await world.conferences.lock(p, cid, action=LockAction.LOCK)
    with pytest.raises(ConferenceEnded):
        await world.conferences.mute(p, cid, action=MuteAction.MUTE, targets=[(tenant.host, None)])
    with pytest.raises(ConferenceEnded):
        await world.presence.join(cid, tenant.union(1))
    with pytest.raises(ConferenceEnded):
        await world.presence.decline(cid, tenant.union(1), "busy")
    with pytest.raises(ConferenceEnded):  # QueryConferenceInfoBatch of ended meetings only
        await world.conferences.query_batch(p, [cid])
    members = await walk(world, tenant, cid)
    assert [m.attend_status for m in members] == [AttendStatus.LEFT, AttendStatus.JOIN_FAILED]
    assert (await conference_row(world, cid)).locked is False


# -- QueryConferenceInfoBatch ------------------------------------------------------------


async def test_query_batch_views(world: World, tenant: Tenant, other_tenant: Tenant) -> None:
    u = tenant.union
    quiet = await create(world, tenant, [u(1)], title="quiet")
    busy = await create(world, tenant, [u(1), u(2)], title="busy")
    ended = await create(world, tenant, title="ended")
    await world.conferences.close(tenant.principal, ended, union_id=tenant.host)

    host = await world.presence.join(busy, tenant.host, mic=CLOSED, camera=OPEN)
    await world.presence.join(busy, u(1), mic=CLOSED, camera=CLOSED)
    await world.presence.join(busy, u(1), mic=OPEN, camera=CLOSED)
    await world.presence.decline(busy, u(2), "Sorry, I am in a meeting.")

    views = (
        await world.conferences.query_batch(
            tenant.principal, [busy, "000000000000000000000000", ended, quiet, busy]
        )
    ).views
    assert [v.conference.conference_id for v in views] == [busy, quiet]

    b, q = views
    assert (b.conference.title, b.conference.status) == ("busy", ConferenceStatus.STARTED)
    assert b.conference.start_time is not None
    assert b.media_status == 0  # one mic open, one camera open
    assert [
        (m.member.union_id, m.member.attend_status, m.mic_status, m.camera_status)
        for m in b.members
    ] == [
        (tenant.host, 3, CLOSED, OPEN),
        (u(1), 3, OPEN, CLOSED),
        (u(2), 4, 0, 0),
    ]
    assert b.members[2].member.reject_description == "Sorry, I am in a meeting."

    assert (q.conference.status, q.conference.start_time, q.media_status) == (0, None, 0)
    assert [(m.mic_status, m.camera_status) for m in q.members] == [(0, 0), (0, 0)]

    # Once nobody's camera or microphone is open, bits 1 and 2 are set.
    await world.conferences.mute(
        tenant.principal, busy, action=MuteAction.MUTE, targets=[(u(1), None)]
    )
    await world.presence.report_media(host.device.participant_id, camera=CLOSED)
    [b] = (await world.conferences.query_batch(tenant.principal, [busy])).views
    assert b.media_status == 3

    with pytest.raises(ConferenceOfOtherOrg):
        await world.conferences.query_batch(
            tenant.principal, [busy, await create(world, other_tenant)]
        )


async def test_query_batch_of_unknown_ids_is_empty(world: World, tenant: Tenant) -> None:
    assert (await world.conferences.query_batch(tenant.principal, ["nope", "nada"])).views == []


async def test_query_batch_limits(world: World, tenant: Tenant) -> None:
    cid = await create(world, tenant)
    with pytest.raises(InvalidParams):
        await world.conferences.query_batch(tenant.principal, [])
    with pytest.raises(InvalidParams):
        await world.conferences.query_batch(tenant.principal, [cid, ""])
    with pytest.raises(InvalidParams):
        await world.conferences.query_batch(tenant.principal, [cid] + ["x"] * MAX_BATCH_IDS)
    views = (
        await world.conferences.query_batch(tenant.principal, [cid] + ["x"] * (MAX_BATCH_IDS - 1))
    ).views
    assert [v.conference.conference_id for v in views] == [cid]


# -- QueryConferenceMembers --------------------------------------------------------------


async def test_members_pages_with_tokens(world: World, tenant: Tenant) -> None:
    many = await make_tenant(world, users=8)
    cid = await create(world, many, [u.union_id for u in many.users[1:]])
    expected = [u.union_id for u in many.users]

    seen: list[str] = []
    token: str | None = "0"
    pages = 0
    while token is not None:
        result = await world.conferences.members(
            many.principal, cid, next_token=token, max_results=3
        )
        assert result.total_count == 8
        page = [m async for chunk in result.slices() for m in chunk]
        seen += [m.union_id for m in page]
        token = result.next_token()
        pages += 1
        assert len(page) == (3 if token else 2)
    assert seen == expected
    assert pages == 3


async def test_members_page_that_ends_exactly_has_no_token(world: World, tenant: Tenant) -> None:
    cid = await create(world, tenant, [tenant.union(1)])
    result = await world.conferences.members(tenant.principal, cid, next_token="", max_results=2)
    assert len([m async for chunk in result.slices() for m in chunk]) == 2
    assert result.next_token() is None


async def test_members_default_page_size(world: World, tenant: Tenant) -> None:
    cid = await create(world, tenant)
    result = await world.conferences.members(
        tenant.principal, cid, next_token=None, max_results=None
    )
    assert result.limit == DEFAULT_PAGE_SIZE == 128


async def test_walk_in_during_a_walk_is_listed_at_the_end(world: World, tenant: Tenant) -> None:
    cid = await create(world, tenant, [tenant.union(1), tenant.union(2)])
    first = await world.conferences.members(tenant.principal, cid, next_token=None, max_results=2)
    page = [m async for chunk in first.slices() for m in chunk]
    token = first.next_token()
    assert token is not None
    await world.presence.join(cid, tenant.union(4))
    rest = await walk(world, tenant, cid, next_token=token, max_results=10)
    assert [m.union_id for m in page + rest] == [
        tenant.host,
        tenant.union(1),
        tenant.union(2),
        tenant.union(4),
    ]


async def test_members_token_refusals(world: World, tenant: Tenant) -> None:
    a = await create(world, tenant, [tenant.union(1), tenant.union(2)])
    b = await create(world, tenant, [tenant.union(1), tenant.union(2)])
    first = await world.conferences.members(tenant.principal, a, next_token=None, max_results=1)
    _ = [m async for chunk in first.slices() for m in chunk]
    token = first.next_token()
    assert token is not None
    with pytest.raises(InvalidParams):  # a token of meeting a, used for meeting b
        await world.conferences.members(tenant.principal, b, next_token=token, max_results=1)
    with pytest.raises(InvalidParams):
        await world.conferences.members(tenant.principal, a, next_token="garbage", max_results=1)
    with pytest.raises(InvalidParams):
        await world.conferences.members(tenant.principal, a, next_token=token[:-2], max_results=1)
    for bad in (0, -1):
        with pytest.raises(InvalidParams):
            await world.conferences.members(tenant.principal, a, next_token=None, max_results=bad)


async def test_members_walk_longer_than_a_slice(world: World, tenant: Tenant) -> None:
    cid = await create(world, tenant)
    row = await conference_row(world, cid)
    extra = WALK_SLICE + 1
    async with world.store.write() as tx:
        await tx.meetings.add_members(
            row.id,
            [
                NewMember(f"bulk{i:05d}", f"bulk {i}", None, AttendStatus.INITIALISED)
                for i in range(extra)
            ],
        )
    total = extra + 1

    # One page bigger than a slice: read in two slices, and the token follows the last.
    result = await world.conferences.members(
        tenant.principal, cid, next_token=None, max_results=WALK_SLICE + 1
    )
    slices = [chunk async for chunk in result.slices()]
    assert [len(s) for s in slices] == [WALK_SLICE, 1]
    assert result.total_count == total
    token = result.next_token()
    assert token is not None
    rest = await walk(world, tenant, cid, next_token=token, max_results=WALK_SLICE * 5)
    ids = [m.union_id for s in slices for m in s] + [m.union_id for m in rest]
    assert ids == [tenant.host] + [f"bulk{i:05d}" for i in range(extra)]

    # A page of exactly everything has no token after it.
    whole = await world.conferences.members(
        tenant.principal, cid, next_token=None, max_results=total
    )
    assert sum([len(c) async for c in whole.slices()]) == total
    assert whole.next_token() is None


async def test_a_room_code_in_use_is_never_given_twice(
    world: World, tenant: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = await create(world, tenant)
    async with world.store.read() as tx:
        taken = await tx.meetings.by_id(first)
    assert taken is not None
    # The random source repeats the code in use before it offers a new one.
    offered = iter([taken.room_code, taken.room_code, "987654321"])
    monkeypatch.setattr("confplane.domain.ids.room_code", lambda: next(offered))
    second = await create(world, tenant)
    async with world.store.read() as tx:
        fresh = await tx.meetings.by_id(second)
    assert fresh is not None and fresh.room_code == "987654321"


async def test_concurrent_reads_each_see_every_write_acknowledged_before_them(
    world: World, tenant: Tenant
) -> None:
    # Pages and batch answers read together (on PostgreSQL, through one group read each
    # turn) and kept per revision: a read made after a write returned sees it.
    cid = await create(world, tenant, [tenant.union(1)])

    async def locked_as_seen() -> set[bool]:
        views = await world.conferences.query_batch(tenant.principal, [cid])
        return {v.conference.locked for v in views.views}

    async def totals() -> set[int]:
        walks = await asyncio.gather(
            *(
                world.conferences.members(tenant.principal, cid, next_token=None, max_results=None)
                for _ in range(20)
            )
        )
        return {w.total_count for w in walks}

    lock, unlock = LockAction.LOCK, LockAction.UNLOCK
    for action, locked in [(lock, True), (unlock, False), (lock, True), (unlock, False)]:
        await world.conferences.lock(tenant.principal, cid, action=action)
        seen = await asyncio.gather(*(locked_as_seen() for _ in range(20)))
        assert set().union(*seen) == {locked}
    assert await totals() == {2}
    await world.presence.join(cid, tenant.union(2))  # a third member
    assert await totals() == {3}
