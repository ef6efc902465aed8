"""PresenceService on a real database: devices joining, leaving, reporting, declining."""

from __future__ import annotations

import pytest

from confplane.domain.errors import (
    ConferenceEnded,
    ConferenceNotFound,
    InvalidParams,
    NotFound,
    ParticipantLimit,
    UnknownUser,
)
from confplane.domain.model import AttendStatus, ConferenceStatus, DeviceMedia, MuteAction

from .conftest import Tenant, World, build_world

CLOSED, OPEN = int(DeviceMedia.CLOSED), int(DeviceMedia.OPEN)


async def create(world: World, tenant: Tenant, invite: list[str] | None = None) -> str:
    created = await world.conferences.create(
        tenant.principal,
        creator_union_id=tenant.host,
        title="presence",
        invitee_union_ids=invite or [],
    )
    return created.conference.conference_id


async def test_first_join_starts_the_meeting(world: World, tenant: Tenant) -> None:
    cid = await create(world, tenant, [tenant.union(1)])
    joined = await world.presence.join(cid, tenant.union(1), mic=CLOSED, camera=OPEN)

    assert joined.conference.status == ConferenceStatus.STARTED
    assert joined.conference.start_time == joined.member.join_time
    member = joined.member
    assert member.attend_status == AttendStatus.IN_MEETING
    assert member.join_time is not None
    assert member.present_since == member.join_time
    assert member.leave_time is None
    assert member == await world.member(cid, tenant.union(1))

    device = joined.device
    assert device.union_id == tenant.union(1)
    assert device.member_id == member.id
    assert (device.mic_status, device.camera_status) == (CLOSED, OPEN)
    assert device.active and not device.host_muted
    assert await world.device(device.participant_id) == device
    assert (await world.presence.device(device.participant_id))[1] == cid

    later = await world.presence.join(cid, tenant.host)
    assert later.conference.start_time == joined.conference.start_time
    assert later.conference.member_count == 2  # both were invited: no new member


async def test_walk_in_becomes_a_member(world: World, tenant: Tenant, other_tenant: Tenant) -> None:
    cid = await create(world, tenant)
    inside = await world.presence.join(cid, tenant.union(3))
    assert inside.member.attend_status == AttendStatus.IN_MEETING
    assert inside.member.host is False and inside.member.outer_org is False
    assert inside.member.nick == "user 3" and inside.member.job_number == "J003"
    assert inside.conference.member_count == 2
    guest = await world.presence.join(cid, other_tenant.union(1), pstn=True)
    assert guest.member.outer_org is True and guest.member.pstn is True
    assert guest.conference.member_count == 3


async def test_second_device_adds_no_member(world: World, tenant: Tenant) -> None:
    cid = await create(world, tenant)
    first = await world.presence.join(cid, tenant.host)
    second = await world.presence.join(cid, tenant.host)
    assert first.device.participant_id != second.device.participant_id
    assert second.member.id == first.member.id
    assert second.member.join_time == first.member.join_time
    assert second.conference.member_count == 1


@pytest.mark.parametrize(("mic", "camera"), [(0, 2), (2, 0), (3, 2), (2, -1)])
async def test_join_refuses_unknown_media_values(
    world: World, tenant: Tenant, mic: int, camera: int
) -> None:
    cid = await create(world, tenant)
    with pytest.raises(InvalidParams):
        await world.presence.join(cid, tenant.host, mic=mic, camera=camera)
    assert (await world.member(cid, tenant.host)).attend_status == AttendStatus.INITIALISED


async def test_join_refusals(world: World, tenant: Tenant) -> None:
    cid = await create(world, tenant)
    with pytest.raises(ConferenceNotFound):
        await world.presence.join("000000000000000000000000", tenant.host)
    with pytest.raises(UnknownUser):
        await world.presence.join(cid, "nobody")
    await world.conferences.close(tenant.principal, cid, union_id=tenant.host)
    with pytest.raises(ConferenceEnded):
        await world.presence.join(cid, tenant.host)


async def test_join_respects_the_member_limit(world: World, tenant: Tenant) -> None:
    small = build_world(world.store, max_members=2)
    created = await small.conferences.create(
        tenant.principal, creator_union_id=tenant.host, title="small"
    )
    cid = created.conference.conference_id
    await small.presence.join(cid, tenant.union(1))
    with pytest.raises(ParticipantLimit):
        await small.presence.join(cid, tenant.union(2))
    # Members already in the meeting may still bring devices.
    await small.presence.join(cid, tenant.union(1))
    await small.presence.join(cid, tenant.host)


async def test_leave_of_the_last_device(world: World, tenant: Tenant) -> None:
    cid = await create(world, tenant)
    phone = await world.presence.join(cid, tenant.host)
    laptop = await world.presence.join(cid, tenant.host)

    await world.presence.leave(phone.device.participant_id)
    still = await world.member(cid, tenant.host)
    assert still.attend_status == AttendStatus.IN_MEETING
    assert still.leave_time is None
    assert (await world.device(phone.device.participant_id)).active is False

    await world.presence.leave(laptop.device.participant_id)
    gone = await world.member(cid, tenant.host)
    assert gone.attend_status == AttendStatus.LEFT
    assert gone.leave_time is not None and gone.join_time is not None
    assert gone.present_since is None
    assert gone.duration_ms == gone.leave_time - gone.join_time
    assert gone.duration_at(gone.leave_time + 60_000) == gone.duration_ms

    with pytest.raises(NotFound):  # a device leaves once
        await world.presence.leave(laptop.device.participant_id)
    with pytest.raises(NotFound):
        await world.presence.leave("nosuchdevice")


async def test_rejoin_keeps_first_join_time_and_adds_up(world: World, tenant: Tenant) -> None:
    cid = await create(world, tenant)
    first = await world.presence.join(cid, tenant.host)
    await world.presence.leave(first.device.participant_id)
    after_first = await world.member(cid, tenant.host)
    assert after_first.leave_time is not None and after_first.join_time is not None
    first_stay = after_first.leave_time - after_first.join_time

    again = await world.presence.join(cid, tenant.host)
    back = again.member
    assert back.attend_status == AttendStatus.IN_MEETING
    assert back.join_time == after_first.join_time  # the first join time stays
    assert back.leave_time is None
    assert back.duration_ms == first_stay
    back_since = back.present_since
    assert back_since is not None and back_since >= after_first.leave_time

    await world.presence.leave(again.device.participant_id)
    final = await world.member(cid, tenant.host)
    assert final.attend_status == AttendStatus.LEFT
    assert final.leave_time is not None
    assert final.duration_ms == first_stay + (final.leave_time - back_since)
    assert final.join_time is not None
    assert final.duration_ms <= final.leave_time - final.join_time  # time away not counted


async def test_host_mute_cannot_be_overridden_by_the_device(world: World, tenant: Tenant) -> None:
    cid = await create(world, tenant)
    joined = await world.presence.join(cid, tenant.host, mic=OPEN, camera=OPEN)
    pid = joined.device.participant_id
    await world.conferences.mute(
        tenant.principal, cid, action=MuteAction.MUTE, targets=[(tenant.host, None)]
    )

    device = await world.presence.report_media(pid, mic=OPEN)
    assert (device.mic_status, device.host_muted) == (CLOSED, True)
    device = await world.presence.report_media(pid, mic=OPEN, camera=CLOSED)
    assert (device.mic_status, device.camera_status) == (CLOSED, CLOSED)  # camera obeys

    await world.conferences.mute(
        tenant.principal, cid, action=MuteAction.UNMUTE, targets=[(tenant.host, pid)]
    )
    device = await world.presence.report_media(pid, mic=CLOSED)
    assert (device.mic_status, device.host_muted) == (CLOSED, False)
    device = await world.presence.report_media(pid, mic=OPEN)
    assert device.mic_status == OPEN


async def test_report_media(world: World, tenant: Tenant) -> None:
    cid = await create(world, tenant)
    pid = (await world.presence.join(cid, tenant.host)).device.participant_id
    device = await world.presence.report_media(pid, camera=CLOSED)
    assert (device.mic_status, device.camera_status) == (OPEN, CLOSED)
    device = await world.presence.report_media(pid)  # nothing reported: nothing changes
    assert (device.mic_status, device.camera_status) == (OPEN, CLOSED)
    for bad in ({"mic": 0}, {"camera": 3}, {"mic": 2, "camera": 7}):
        with pytest.raises(InvalidParams):
            await world.presence.report_media(pid, **bad)
    assert await world.device(pid) == device
    await world.presence.leave(pid)
    with pytest.raises(NotFound):
        await world.presence.report_media(pid, mic=CLOSED)
    with pytest.raises(NotFound):
        await world.presence.device("nosuchdevice")


async def test_decline(world: World, tenant: Tenant) -> None:
    cid = await create(world, tenant, [tenant.union(1), tenant.union(2)])
    await world.presence.decline(cid, tenant.union(1), "Sorry, I am in a meeting.")
    declined = await world.member(cid, tenant.union(1))
    assert declined.attend_status == AttendStatus.JOIN_FAILED
    assert declined.reject_description == "Sorry, I am in a meeting."

    await world.presence.decline(cid, tenant.union(2), "x" * 2000)
    assert (await world.member(cid, tenant.union(2))).reject_description == "x" * 512

    with pytest.raises(InvalidParams):  # declined already
        await world.presence.decline(cid, tenant.union(1), "again")
    await world.presence.join(cid, tenant.host)
    with pytest.raises(InvalidParams):  # inside the meeting
        await world.presence.decline(cid, tenant.host, "no")
    with pytest.raises(UnknownUser):  # not a member
        await world.presence.decline(cid, tenant.union(4), "no")
    with pytest.raises(ConferenceNotFound):
        await world.presence.decline("000000000000000000000000", tenant.union(1), "no")

    # Who declined may still come in later; the reason is cleared.
    back = await world.presence.join(cid, tenant.union(1))
    assert back.member.attend_status == AttendStatus.IN_MEETING
    assert back.member.reject_description is None


async def test_concurrent_first_joins_of_one_user_from_two_devices(
    world: World, tenant: Tenant
) -> None:
    """Two devices of a walk-in user arrive at once: both are let in as one member."""
    import asyncio

    cid = await create(world, tenant)
    results = await asyncio.gather(
        *(world.presence.join(cid, tenant.union(3)) for _ in range(4)), return_exceptions=True
    )
    errors = [r for r in results if isinstance(r, BaseException)]
    assert errors == []
    member = await world.member(cid, tenant.union(3))
    assert member.attend_status == AttendStatus.IN_MEETING
    row = (await world.conferences.query_batch(tenant.principal, [cid])).views[0]
    assert row.conference.member_count == 2
