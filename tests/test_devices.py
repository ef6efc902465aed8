"""Devices over WebSocket against the real server: join, leave, resume, and every command
reaching the devices it names and no others."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from confplane.client.device import CLOSED, OPEN, Device, DeviceError
from confplane.devices.protocol import Ack, Close, Correction
from conftest import Org, api_error, make_org
from devices_kit import Kit, barrier, kinds_until


@pytest.fixture
async def kit(org: Org) -> AsyncIterator[Kit]:
    kit = Kit(org)
    yield kit
    await kit.close()


# -- joining -------------------------------------------------------------------------


async def test_ticket_join_makes_an_invited_member_present(kit: Kit) -> None:
    org = kit.org
    meeting = kit.meeting(invite=[org.users[1], org.users[2]], invite_caller=True)
    cid = meeting.conference_id
    assert kit.member_model(cid, org.users[1]).attend_status == 2
    device = await kit.member(cid, org.users[1], mic=CLOSED)
    joined = device.joined
    assert joined is not None
    assert (joined.conference_id, joined.union_id, joined.nick) == (cid, org.users[1], "user 1")
    assert (joined.mic, joined.camera, joined.host_muted, joined.locked) == (1, 2, False, False)
    assert len(joined.participant_id) == 24 and joined.resume_token
    assert kit.member_model(cid, org.users[1]).attend_status == 3
    assert kit.member_model(cid, org.users[2]).attend_status == 2
    assert org.batch([cid]).infos[0].status == 2
    user = kit.batch_user(cid, org.users[1])
    assert (user.attend_status, user.mic_status, user.camera_status) == (3, 1, 2)


async def test_host_device_learns_its_role(kit: Kit) -> None:
    cid = kit.meeting().conference_id
    device = await kit.member(cid, kit.org.host)
    assert device.joined is not None and device.joined.host is True
    assert kit.member_model(cid, kit.org.host).attend_status == 3


async def test_a_second_device_adds_a_participant_not_a_member(kit: Kit) -> None:
    org = kit.org
    cid = kit.meeting(invite=[org.users[1]]).conference_id
    phone = await kit.member(cid, org.users[1])
    laptop = await kit.member(cid, org.users[1], mic=CLOSED)
    assert phone.participant_id != laptop.participant_id
    page = org.members(cid)
    assert page.total_count == 2
    assert [m.union_id for m in page.member_models] == [org.host, org.users[1]]
    # One device open is enough for the member's microphone to be open.
    assert kit.batch_user(cid, org.users[1]).mic_status == 2


async def test_a_guest_joins_with_room_code_and_password(kit: Kit) -> None:
    meeting = kit.meeting()
    guest = await kit.guest(meeting, nick="Visitor Wu")
    assert guest.union_id is not None and guest.joined is not None
    model = kit.member_model(meeting.conference_id, guest.union_id)
    assert (model.user_nick, model.outer_org_member, model.attend_status) == (
        "Visitor Wu",
        True,
        3,
    )
    # Guests obey like anyone: mute reaches them.
    kit.org.mute(meeting.conference_id, guest.union_id)
    assert (await guest.next_command()).kind == "mute"


async def test_a_wrong_password_or_room_refuses_the_guest(kit: Kit) -> None:
    meeting = kit.meeting()
    for room, password in ((meeting.room_code, "x" + meeting.password), ("000000000", "1234")):
        device = kit.device(room_code=room, password=password, nick="intruder")
        with pytest.raises(DeviceError) as refused:
            await device.join()
        assert (refused.value.code, refused.value.close) == ("wrong_password", 4401)
        assert (await device.wait_closed()).code == Close.UNAUTHORIZED


async def test_leaving_with_the_last_device_leaves_the_meeting(kit: Kit) -> None:
    org = kit.org
    cid = kit.meeting().conference_id
    phone = await kit.member(cid, org.users[1])
    laptop = await kit.member(cid, org.users[1])
    closed = await phone.leave()
    assert closed.code == Close.NORMAL
    assert kit.member_model(cid, org.users[1]).attend_status == 3
    await laptop.leave()
    model = kit.member_model(cid, org.users[1])
    assert model.attend_status == 6 and model.leave_time is not None
    # Leaving is for good: the device cannot resume.
    with pytest.raises(DeviceError) as refused:
        await laptop.resume()
    assert (refused.value.code, refused.value.close) == ("resume_expired", Close.GONE)


# -- commands reach the right devices and only them ---------------------------------


async def test_mute_with_a_participant_reaches_that_device_only(kit: Kit) -> None:
    org = kit.org
    cid = kit.meeting().conference_id
    phone = await kit.member(cid, org.users[1])
    laptop = await kit.member(cid, org.users[1])
    other = await kit.member(cid, org.users[2])
    org.mute(cid, org.users[1], participant_id=phone.participant_id)
    assert await barrier(org, cid, [phone, laptop, other]) == [
        ["mute", "locked", "unlocked"],
        ["locked", "unlocked"],
        ["locked", "unlocked"],
    ]
    assert (phone.mic, phone.host_muted, laptop.mic) == (CLOSED, True, OPEN)
    assert org.admin.device(str(phone.participant_id))["micStatus"] == 1
    assert org.admin.device(str(laptop.participant_id))["micStatus"] == 2


async def test_mute_without_a_participant_reaches_every_device_of_the_user(kit: Kit) -> None:
    org = kit.org
    cid = kit.meeting().conference_id
    phone = await kit.member(cid, org.users[1])
    laptop = await kit.member(cid, org.users[1])
    other = await kit.member(cid, org.users[2])
    org.mute(cid, org.users[1])
    org.mute(cid, org.users[1], action="un_mute")
    assert await barrier(org, cid, [phone, laptop, other]) == [
        ["mute", "unmute", "locked", "unlocked"],
        ["mute", "unmute", "locked", "unlocked"],
        ["locked", "unlocked"],
    ]
    # Every command carries the meeting's sequence number, in order, without gaps.
    assert [c.seq for c in phone.commands] == [1, 2, 3, 4]
    assert [c.seq for c in other.commands] == [3, 4]


async def test_commands_of_one_meeting_stay_in_it(kit: Kit) -> None:
    org = kit.org
    first = kit.meeting().conference_id
    second = kit.meeting().conference_id
    here = await kit.member(first, org.users[1])
    there = await kit.member(second, org.users[1])
    org.lock(first)
    org.mute(first, org.users[1])
    assert await kinds_until(here, "mute") == ["locked", "mute"]
    assert await barrier(org, second, [there]) == [["locked", "unlocked"]]


async def test_reports_show_in_the_api(kit: Kit) -> None:
    org = kit.org
    cid = kit.meeting().conference_id
    device = await kit.member(cid, org.users[1])
    answer = await device.report(mic=CLOSED, camera=CLOSED)
    assert isinstance(answer, Ack) and (answer.mic, answer.camera) == (1, 1)
    user = kit.batch_user(cid, org.users[1])
    assert (user.mic_status, user.camera_status) == (1, 1)
    answer = await device.report(camera=OPEN)
    assert isinstance(answer, Ack) and (answer.mic, answer.camera) == (1, 2)
    assert kit.batch_user(cid, org.users[1]).camera_status == 2


async def test_a_host_muted_microphone_is_corrected_not_believed(kit: Kit) -> None:
    org = kit.org
    cid = kit.meeting().conference_id
    device = await kit.member(cid, org.users[1], obey=False)
    org.mute(cid, org.users[1])
    assert (await device.next_command()).kind == "mute"
    answer = await device.report(mic=OPEN)
    assert isinstance(answer, Correction)
    assert (answer.mic, answer.reason) == (1, "host_muted")
    assert kit.batch_user(cid, org.users[1]).mic_status == 1
    # Released by un_mute, the device may open its microphone again.
    org.mute(cid, org.users[1], action="un_mute")
    assert (await device.next_command()).kind == "unmute"
    await device.report(mic=CLOSED)
    answer = await device.report(mic=OPEN)
    assert isinstance(answer, Ack) and answer.mic == 2
    assert kit.batch_user(cid, org.users[1]).mic_status == 2


async def test_lock_refuses_a_join_and_reaches_everyone_inside(kit: Kit) -> None:
    org = kit.org
    cid = kit.meeting().conference_id
    inside = await kit.member(cid, org.users[1])
    org.lock(cid)
    assert (await inside.next_command()).kind == "locked"
    assert inside.locked is True
    outside = kit.device(conference_id=cid, ticket=await kit.ticket(cid, org.users[2]))
    with pytest.raises(DeviceError) as refused:
        await outside.join()
    assert (refused.value.code, refused.value.close) == ("conference_locked", Close.LOCKED)
    assert (await outside.wait_closed()).code == Close.LOCKED
    # So is a new device of someone already inside, and a guest.
    with pytest.raises(DeviceError):
        await kit.member(cid, org.users[1])
    org.lock(cid, "unlock")
    assert (await inside.next_command()).kind == "unlocked"
    await kit.member(cid, org.users[2])


async def test_close_disconnects_everyone_with_the_reason(kit: Kit) -> None:
    org = kit.org
    meeting = kit.meeting(invite=[org.users[1]])
    cid = meeting.conference_id
    devices = [
        await kit.member(cid, org.host),
        await kit.member(cid, org.users[1]),
        await kit.member(cid, org.users[1]),
        await kit.guest(meeting),
    ]
    late = kit.device(conference_id=cid, ticket=await kit.ticket(cid, org.users[2]))
    org.close(cid)
    for device in devices:
        command = await device.next_command()
        assert (command.kind, command.data) == ("closed", {"reason": "the host closed the meeting"})
        closed = await device.wait_closed()
        assert (closed.code, closed.reason) == (Close.GONE, "the host closed the meeting")
        assert device.ended is True
    assert {m.attend_status for m in org.members(cid).member_models} == {6}
    with pytest.raises(DeviceError) as refused:
        await late.join()
    assert (refused.value.code, refused.value.close) == ("conference_ended", Close.GONE)


async def test_kick_removes_the_device_and_forbidden_rejoin_sticks(kit: Kit) -> None:
    org = kit.org
    cid = kit.meeting().conference_id
    target = await kit.member(cid, org.users[1])
    other = await kit.member(cid, org.users[2])
    assert kit.kick(cid, org.users[1], forbidden_rejoin=True).success is True
    command = await target.next_command()
    assert (command.kind, command.data) == ("kicked", {"forbiddenRejoin": True})
    assert (await target.wait_closed()).code == Close.FORBIDDEN
    assert kit.member_model(cid, org.users[1]).attend_status == 5
    with pytest.raises(DeviceError) as refused:
        await kit.member(cid, org.users[1])
    assert (refused.value.code, refused.value.close) == ("rejoin_forbidden", Close.FORBIDDEN)
    assert await barrier(org, cid, [other]) == [["locked", "unlocked"]]


async def test_kick_of_one_device_keeps_the_member_and_allows_rejoin(kit: Kit) -> None:
    org = kit.org
    cid = kit.meeting().conference_id
    phone = await kit.member(cid, org.users[1])
    laptop = await kit.member(cid, org.users[1])
    kit.kick(cid, org.users[1], participant_id=phone.participant_id)
    assert (await phone.next_command()).data == {"forbiddenRejoin": False}
    assert await barrier(org, cid, [laptop]) == [["locked", "unlocked"]]
    assert kit.member_model(cid, org.users[1]).attend_status == 3
    await laptop.leave()
    assert kit.member_model(cid, org.users[1]).attend_status == 6
    await kit.member(cid, org.users[1])
    assert kit.member_model(cid, org.users[1]).attend_status == 3


async def test_kick_errors_are_the_apis(kit: Kit) -> None:
    org = kit.org
    cid = kit.meeting().conference_id
    assert api_error(kit.kick, cid, org.users[3]).code == "unknownUserError"
    await kit.member(cid, org.users[1])
    error = api_error(kit.kick, cid, org.users[1], participant_id="nope")
    assert (error.status, error.code) == (400, "paramsError")
    org.close(cid)
    assert api_error(kit.kick, cid, org.users[1]).code == "resourceClose"
    assert api_error(kit.cohosts, cid, "add", [org.users[1]]).code == "resourceClose"


async def test_kick_and_co_hosts_of_another_orgs_meeting_are_refused(
    kit: Kit, other_org: Org
) -> None:
    foreign = other_org.create()
    assert api_error(kit.kick, foreign, other_org.host).code == "orgAccessForbidden"
    error = api_error(kit.cohosts, foreign, "add", [other_org.host])
    assert error.code == "orgAccessForbidden"


async def test_co_host_changes_reach_every_device(kit: Kit) -> None:
    org = kit.org
    cid = kit.meeting(invite=[org.users[2]]).conference_id
    host = await kit.member(cid, org.host)
    target = await kit.member(cid, org.users[1])
    assert kit.cohosts(cid, "add", [org.users[1], org.users[2]]).success is True
    for device in (host, target):
        first, second = await device.next_command(), await device.next_command()
        assert (first.kind, first.data) == (
            "role_changed",
            {"unionId": org.users[1], "host": False, "coHost": True},
        )
        assert second.data["unionId"] == org.users[2]
    assert target.co_host is True and host.co_host is False
    assert kit.member_model(cid, org.users[1]).co_host is True
    kit.cohosts(cid, "remove", [org.users[1]])
    assert (await target.next_command()).data["coHost"] is False
    assert target.co_host is False
    assert api_error(kit.cohosts, cid, "add", [org.host]).code == "paramsError"
    assert api_error(kit.cohosts, cid, "promote", [org.users[1]]).code == "paramsError"


# -- reconnecting ----------------------------------------------------------------------


async def test_resume_keeps_the_participant_and_replays_missed_commands_in_order(
    kit: Kit,
) -> None:
    org = kit.org
    cid = kit.meeting().conference_id
    device = await kit.member(cid, org.users[1])
    other = await kit.member(cid, org.users[2])
    participant_id = device.participant_id
    await device.drop()
    org.mute(cid, org.users[1])
    org.lock(cid)
    org.mute(cid, org.users[2])
    org.mute(cid, org.users[1], action="un_mute")
    assert kit.member_model(cid, org.users[1]).attend_status == 3
    joined = await device.resume()
    assert joined.resumed is True and joined.participant_id == participant_id
    assert (joined.mic, joined.host_muted, joined.locked) == (2, False, True)
    missed = [await device.next_command() for _ in range(3)]
    assert [(c.kind, c.seq) for c in missed] == [("mute", 1), ("locked", 2), ("unmute", 4)]
    # The meeting is locked already, so the barrier only adds "unlocked".
    assert await barrier(org, cid, [device, other]) == [
        ["unlocked"],
        ["locked", "mute", "unlocked"],
    ]
    assert org.members(cid).total_count == 3


async def test_resume_after_a_kick_delivers_the_kick(kit: Kit) -> None:
    org = kit.org
    cid = kit.meeting().conference_id
    device = await kit.member(cid, org.users[1])
    await device.drop()
    org.mute(cid, org.users[1])
    kit.kick(cid, org.users[1])
    with pytest.raises(DeviceError) as refused:
        await device.resume()
    assert (refused.value.code, refused.value.close) == ("connection_closed", Close.FORBIDDEN)
    assert [c.kind for c in device.commands] == ["mute", "kicked"]
    assert (await device.wait_closed()).code == Close.FORBIDDEN


async def test_resume_after_close_delivers_the_close(kit: Kit) -> None:
    org = kit.org
    cid = kit.meeting().conference_id
    device = await kit.member(cid, org.users[1])
    await device.drop()
    org.close(cid)
    with pytest.raises(DeviceError):
        await device.resume()
    assert [c.kind for c in device.commands] == ["closed"]
    assert (await device.wait_closed()).code == Close.GONE


async def test_a_second_connection_of_one_device_replaces_the_first(kit: Kit) -> None:
    org = kit.org
    cid = kit.meeting().conference_id
    device = await kit.member(cid, org.users[1])
    assert device.participant_id is not None and device.resume_token is not None
    twin = kit.device()
    twin.participant_id, twin.resume_token = device.participant_id, device.resume_token
    await twin.resume()
    assert (await device.wait_closed()).code == Close.REPLACED
    org.mute(cid, org.users[1])
    assert (await twin.next_command()).kind == "mute"
    # The old resume token was used up by the twin.
    with pytest.raises(DeviceError) as refused:
        await device.resume()
    assert refused.value.code == "invalid_ticket"


# -- simulated devices of the admin API --------------------------------------------


async def test_simulated_devices_obey_at_once_beside_real_ones(kit: Kit) -> None:
    org = kit.org
    cid = kit.meeting().conference_id
    simulated = org.admin.join(cid, org.users[1])["participantId"]
    real = await kit.member(cid, org.users[1])
    org.mute(cid, org.users[1])
    assert org.admin.device(simulated)["micStatus"] == 1
    assert (await real.next_command()).kind == "mute"
    org.lock(cid)
    assert (await real.next_command()).kind == "locked"
    org.admin.leave(simulated)
    assert kit.member_model(cid, org.users[1]).attend_status == 3


# -- join tickets ------------------------------------------------------------------------


async def test_join_ticket_errors_are_dingtalk_shaped(kit: Kit, other_org: Org) -> None:
    org = kit.org
    cid = kit.meeting().conference_id
    with pytest.raises(DeviceError) as err:
        await kit.ticket(cid, other_org.users[0])
    assert err.value.code == "unknownUserError"
    other_cid = other_org.create()
    with pytest.raises(DeviceError) as err:
        await kit.ticket(other_cid, org.users[0])
    assert err.value.code == "orgAccessForbidden"
    with pytest.raises(DeviceError) as err:
        await kit.ticket(cid, org.users[1], ttl_seconds=0)
    assert err.value.code == "paramsError"
    reader = make_org(
        org.server, org.admin, users=1, permissions=["VideoConference.Conference.Read"]
    )
    with pytest.raises(DeviceError) as err:
        await Kit(reader).ticket(cid, reader.users[0])
    assert err.value.code == "Forbidden.AccessDenied.AccessTokenPermissionDenied"
    org.close(cid)
    with pytest.raises(DeviceError) as err:
        await kit.ticket(cid, org.users[1])
    assert err.value.code == "resourceClose"


async def test_an_invited_user_of_another_org_gets_a_ticket(kit: Kit, other_org: Org) -> None:
    cid = kit.meeting(invite=[other_org.users[1]]).conference_id
    device = await kit.member(cid, other_org.users[1])
    assert device.union_id == other_org.users[1]
    assert kit.member_model(cid, other_org.users[1]).outer_org_member is True


def test_devices_module_is_importable_without_a_server() -> None:
    assert Device("http://127.0.0.1:1").url == "ws://127.0.0.1:1/confplane/v1/devices/ws"
