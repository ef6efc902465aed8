"""Bad input and faults on the device channel: each gets its documented error frame or
close code, and no other device or meeting notices."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, MutableMapping
from typing import Any, cast

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from confplane.client.device import Device, DeviceError
from confplane.devices import protocol
from confplane.devices.connection import HARD_OUTBOX, Connection
from confplane.devices.hub import Hub
from confplane.devices.protocol import Close
from confplane.domain.events import Command
from confplane.domain.presence import Joined
from conftest import Org
from devices_kit import Kit, barrier
from unit import factories


@pytest.fixture
async def kit(org: Org) -> AsyncIterator[Kit]:
    kit = Kit(org)
    yield kit
    await kit.close()


async def refused(device: Device) -> tuple[str, int | None]:
    """Join (or resume) must fail: the error code and the close code that followed."""
    with pytest.raises(DeviceError) as err:
        await device.join() if device.participant_id is None else await device.resume()
    closed = await device.wait_closed()
    assert closed.code == err.value.close
    return err.value.code, err.value.close


# -- frames a joined device gets wrong: an error, and the connection stays -------------


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        ("this is not json", "bad_frame"),
        ("[1, 2, 3]", "bad_frame"),
        ("{}", "bad_frame"),
        ('{"type": "state", "mic": "loud"}', "bad_frame"),
        ('{"type": "state", "mic": 7}', "bad_frame"),
        ('{"type": "dance"}', "unknown_type"),
        ('{"type": 5}', "bad_frame"),
        (b"\xff\xfe binary junk", "bad_frame"),
    ],
)
async def test_a_bad_frame_after_joining_gets_an_error_and_nothing_else(
    kit: Kit, frame: str | bytes, code: str
) -> None:
    org = kit.org
    cid = kit.meeting().conference_id
    device = await kit.member(cid, org.users[1])
    await device.send_raw(frame)
    error = await device.next_error()
    assert (error.code, error.close) == (code, None)
    await device.ping()
    org.mute(cid, org.users[1])
    assert (await device.next_command()).kind == "mute"
    assert kit.member_model(cid, org.users[1]).attend_status == 3


async def test_a_second_join_on_one_connection_is_refused_and_the_first_stands(
    kit: Kit,
) -> None:
    org = kit.org
    cid = kit.meeting().conference_id
    device = await kit.member(cid, org.users[1])
    again = protocol.Join(conference_id=cid, ticket=await kit.ticket(cid, org.users[2]))
    await device.send_raw(protocol.encode(again))
    assert (await device.next_error()).code == "already_joined"
    resume = protocol.Resume(participant_id="x", resume_token="y")
    await device.send_raw(protocol.encode(resume))
    assert (await device.next_error()).code == "already_joined"
    assert org.members(cid).total_count == 2  # the host (invited) and user 1, not user 2
    org.mute(cid, org.users[1])
    assert (await device.next_command()).kind == "mute"


# -- before joining: an error and close 4400 -------------------------------------------


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        ("garbage", "bad_frame"),
        ('{"type": "dance"}', "unknown_type"),
        ('{"type": "state", "mic": 1}', "not_joined"),
        ('{"type": "leave"}', "not_joined"),
        ('{"type": "join"}', "bad_frame"),
        ('{"type": "join", "v": 2, "roomCode": "1", "password": "2"}', "unsupported_version"),
        ('{"type": "join", "roomCode": "1", "password": "2", "mic": 3}', "bad_frame"),
    ],
)
async def test_a_bad_first_frame_closes_with_4400(kit: Kit, frame: str, code: str) -> None:
    device = kit.device()
    await device.connect()
    await device.send_raw(frame)
    error = await device.next_error()
    assert (error.code, error.close) == (code, Close.BAD_REQUEST)
    assert (await device.wait_closed()).code == Close.BAD_REQUEST


async def test_a_ping_before_joining_is_answered(kit: Kit) -> None:
    device = kit.device()
    await device.connect()
    pong = await device.ping()
    assert pong.time > 0


# -- credentials ---------------------------------------------------------------------


async def test_forged_and_malformed_tickets_are_refused_with_4401(kit: Kit) -> None:
    org = kit.org
    cid = kit.meeting().conference_id
    ticket = await kit.ticket(cid, org.users[1])
    body, mac = ticket.rsplit(".", 1)
    forged_mac = body + "." + ("A" if mac[0] != "A" else "B") + mac[1:]
    # The same ticket naming another user: the signature no longer matches.
    other_body = body.replace(body[5:9], "AAAA") if body[5:9] != "AAAA" else body[:-1]
    for bad in (forged_mac, other_body + "." + mac, "t1.bm9wZQ.bm9wZQ", "", "junk"):
        device = kit.device(conference_id=cid, ticket=bad)
        assert await refused(device) == ("invalid_ticket", Close.UNAUTHORIZED)
    assert org.members(cid).total_count == 1


async def test_a_ticket_for_another_meeting_is_refused(kit: Kit) -> None:
    org = kit.org
    first = kit.meeting().conference_id
    second = kit.meeting().conference_id
    ticket = await kit.ticket(first, org.users[1])
    device = kit.device(conference_id=second, ticket=ticket)
    assert await refused(device) == ("ticket_other_meeting", Close.UNAUTHORIZED)
    assert kit.org.members(second).total_count == 1


async def test_an_expired_ticket_is_refused(kit: Kit) -> None:
    org = kit.org
    cid = kit.meeting().conference_id
    body = await org_ticket(kit, cid, org.users[1], ttl_seconds=1)
    await asyncio.sleep(body["expireIn"] + 0.1)  # wait for the expiry, not for an answer
    device = kit.device(conference_id=cid, ticket=body["ticket"])
    assert await refused(device) == ("ticket_expired", Close.UNAUTHORIZED)


async def org_ticket(kit: Kit, cid: str, union_id: str, **kwargs: Any) -> dict[str, Any]:
    from confplane.client.device import request_ticket

    return await request_ticket(kit.url, kit.org.token, cid, union_id, **kwargs)


async def test_a_wrong_resume_token_is_refused_and_the_device_keeps_its_place(
    kit: Kit,
) -> None:
    org = kit.org
    cid = kit.meeting().conference_id
    device = await kit.member(cid, org.users[1])
    thief = kit.device()
    thief.participant_id, thief.resume_token = device.participant_id, "guessed"
    assert await refused(thief) == ("invalid_ticket", Close.UNAUTHORIZED)
    stranger = kit.device()
    stranger.participant_id, stranger.resume_token = "0" * 24, "guessed"
    assert await refused(stranger) == ("invalid_ticket", Close.UNAUTHORIZED)
    org.mute(cid, org.users[1])
    assert (await device.next_command()).kind == "mute"


# -- size and rate ----------------------------------------------------------------------


async def test_an_oversized_frame_closes_with_1009(kit: Kit) -> None:
    org = kit.org
    cid = kit.meeting().conference_id
    bystander = await kit.member(cid, org.users[2])
    device = await kit.member(cid, org.users[1])
    await device.send_raw('{"type": "ping", "ref": "' + "x" * protocol.MAX_FRAME_BYTES + '"}')
    error = await device.next_error()
    assert (error.code, error.close) == ("frame_too_large", Close.TOO_BIG)
    assert (await device.wait_closed()).code == Close.TOO_BIG
    # Past the WebSocket layer's own cap the frame is not even read: a bare 1009.
    huge = await kit.member(cid, org.users[3])
    await huge.send_raw("x" * (protocol.MAX_MESSAGE_BYTES + 1))
    assert (await huge.wait_closed()).code == Close.TOO_BIG
    assert await barrier(org, cid, [bystander]) == [["locked", "unlocked"]]
    # A lost connection is not a departure: the device may resume within the grace period.
    assert kit.member_model(cid, org.users[1]).attend_status == 3
    await device.resume()


async def test_a_flood_is_cut_off_and_nobody_else_notices(kit: Kit) -> None:
    org = kit.org
    cid = kit.meeting().conference_id
    elsewhere = kit.meeting().conference_id
    flooder = await kit.member(cid, org.users[1])
    neighbour = await kit.member(cid, org.users[2])
    stranger = await kit.member(elsewhere, org.users[3])
    frame = protocol.encode(protocol.Ping())
    for _ in range(500):
        try:
            await flooder.send_raw(frame)
        except Exception:  # the server may close while the flood is still going
            break
    error = await flooder.next_error()
    assert (error.code, error.close) == ("rate_limited", Close.RATE_LIMITED)
    assert (await flooder.wait_closed()).code == Close.RATE_LIMITED
    org.mute(cid, org.users[2])
    assert (await neighbour.next_command()).kind == "mute"
    org.mute(elsewhere, org.users[3])
    assert (await stranger.next_command()).kind == "mute"


# -- a device that stops reading --------------------------------------------------------


async def test_a_device_that_stops_reading_does_not_hold_up_the_others(kit: Kit) -> None:
    org = kit.org
    cid = kit.meeting(invite=org.users[1:]).conference_id
    reader = await kit.member(cid, org.users[1])
    ticket = await kit.ticket(cid, org.users[2])
    # A socket that takes almost nothing, and a client that stops reading at once.
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 2048)
    sock.connect(("127.0.0.1", org.server.port))
    stalled = await connect(
        Device(kit.url).url, sock=sock, compression=None, ping_interval=None, max_queue=1
    )
    try:
        await stalled.send(protocol.encode(protocol.Join(conference_id=cid, ticket=ticket)))
        # Joined before the first lock (a join after it would be refused): seen through the
        # API, since this client reads nothing.
        for _ in range(200):
            if kit.member_model(cid, org.users[2]).attend_status == 3:
                break
            await asyncio.sleep(0.02)
        rounds = 40
        for i in range(rounds):
            org.lock(cid, "lock" if i % 2 == 0 else "unlock")
            # Each command reaches the reading device while the other is not reading.
            command = await reader.next_command()
            assert command.seq == i + 1
        # Nothing was lost for the stalled one either: it gets everything once it reads.
        frames = [protocol.outbound_decoder.decode(await stalled.recv()) for _ in range(rounds + 1)]
        assert isinstance(frames[0], protocol.Joined)
        assert [cast(protocol.Command, f).seq for f in frames[1:]] == list(range(1, rounds + 1))
    finally:
        await stalled.close()


class _Presence:
    """Stands in for PresenceService: records the grace-period departures."""

    def __init__(self) -> None:
        self.left = asyncio.Event()

    async def leave(self, participant_id: str, *, resume_token_digest: str | None = None) -> bool:
        self.left.set()
        return True


class _Log:
    """Stands in for CommandLog: these tests publish every command live."""

    async def after(self, *_args: Any) -> list[Command]:
        return []


def _joined(participant_id: str) -> Joined:
    device = factories.device(1, participant_id=participant_id)
    return Joined(factories.conference(), factories.member(1), device, seq=0)


async def _session(hub: Hub, conn: Connection) -> None:
    """What devices.session does around a connection that sends nothing."""
    conn.task = asyncio.current_task()
    try:
        await asyncio.Event().wait()
    except asyncio.CancelledError:
        task = asyncio.current_task()
        assert conn.killed and task is not None
        task.uncancel()
    finally:
        hub.detach(conn)


async def test_a_connection_whose_writes_hang_is_dropped_and_the_hub_never_waits() -> None:
    presence = _Presence()
    hub = Hub(cast(Any, presence), cast(Any, _Log()), heartbeat_s=0.5, grace_s=0.01)
    never = asyncio.Event()
    delivered: list[MutableMapping[str, Any]] = []

    async def hung(_message: MutableMapping[str, Any]) -> None:
        await never.wait()  # the device's TCP window is shut

    all_there = asyncio.Event()

    async def fine(message: MutableMapping[str, Any]) -> None:
        delivered.append(message)
        if len(delivered) == 10:
            all_there.set()

    stuck, healthy = Connection(hung, hub.now()), Connection(fine, hub.now())
    stuck_task = asyncio.create_task(_session(hub, stuck))
    healthy_task = asyncio.create_task(_session(hub, healthy))
    await asyncio.sleep(0)  # the sessions start, as the server's do before any join
    hub.attach(stuck, _joined("stuck"), 0, resumed=False)
    hub.attach(healthy, _joined("healthy"), 0, resumed=False)
    for seq in range(1, 11):
        hub.notify(1, seq, [Command("locked", 1, "c0ffee", None, {}, seq)])
    await asyncio.sleep(0)  # let the writers run once
    assert not stuck.killed and stuck.stuck_for(hub.now()) >= 0
    # The sweep finds a write stuck for longer than the device may stay silent (the
    # healthy device keeps talking, so its heartbeat is fresh).
    later = hub.now() + hub.stuck_s + 1
    healthy.last_seen = later
    hub.sweep(later)
    await stuck_task
    assert stuck.killed and "stuck" not in hub.devices
    await asyncio.wait_for(presence.left.wait(), 5)  # then its grace period ran out
    await asyncio.wait_for(all_there.wait(), 5)
    assert [m["type"] for m in delivered] == ["websocket.send"] * 10
    assert [protocol.outbound_decoder.decode(m["text"]).seq for m in delivered] == list(
        range(1, 11)
    )
    healthy.kill()
    await healthy_task


async def test_a_connection_too_far_behind_is_dropped_at_once() -> None:
    hub = Hub(cast(Any, _Presence()), cast(Any, _Log()), grace_s=60)
    never = asyncio.Event()

    async def hung(_message: MutableMapping[str, Any]) -> None:
        await never.wait()

    stuck = Connection(hung, hub.now())
    task = asyncio.create_task(_session(hub, stuck))
    await asyncio.sleep(0)  # the session starts, as the server's does before any join
    hub.attach(stuck, _joined("stuck"), 0, resumed=False)
    for seq in range(1, HARD_OUTBOX + 3):
        hub.notify(1, seq, [Command("locked", 1, "c0ffee", None, {}, seq)])
    await task
    assert stuck.killed and not hub.devices
    await hub.stop()


async def test_a_resume_claiming_a_future_seq_still_gets_what_follows(kit: Kit) -> None:
    org = kit.org
    cid = kit.meeting().conference_id
    device = await kit.member(cid, org.users[1])
    await device.drop()
    device.seq = 10**9  # a confused (or hostile) device
    await device.resume()
    org.lock(cid)
    command = await device.next_command()
    assert (command.kind, command.seq) == ("locked", 1)


async def test_guessing_a_room_password_is_cut_off(kit: Kit) -> None:
    from confplane.domain.guest_attempts import PER_CLIENT

    target, other = kit.meeting(), kit.meeting()
    wrong = "x" + target.password
    for _ in range(PER_CLIENT):
        device = kit.device(room_code=target.room_code, password=wrong, nick="guesser")
        assert await refused(device) == ("wrong_password", Close.UNAUTHORIZED)
    # Now even the right password from this client waits out the window (other clients:
    # tests/test_guest_attempts.py); other rooms are not affected.
    late = kit.device(room_code=target.room_code, password=target.password, nick="late")
    assert await refused(late) == ("rate_limited", Close.RATE_LIMITED)
    await kit.guest(other)


async def test_a_device_closed_for_flooding_gets_no_fresh_burst_by_resuming(kit: Kit) -> None:
    org = kit.org
    cid = kit.meeting(invite=[org.users[1]]).conference_id
    ticket = await kit.ticket(cid, org.users[1])
    url = Device(kit.url).url
    async with connect(url, compression=None) as ws:
        await ws.send(protocol.encode(protocol.Join(conference_id=cid, ticket=ticket)))
        joined = protocol.outbound_decoder.decode(await ws.recv())
        assert isinstance(joined, protocol.Joined)
        for i in range(100):
            await ws.send(protocol.encode(protocol.Ping(ref=i)))
        frames = await _until_closed(ws)
        assert isinstance(frames[-1], protocol.Error) and frames[-1].code == "rate_limited"
    async with connect(url, compression=None) as ws:
        resume = protocol.Resume(
            participant_id=joined.participant_id, resume_token=joined.resume_token
        )
        await ws.send(protocol.encode(resume))
        assert isinstance(protocol.outbound_decoder.decode(await ws.recv()), protocol.Joined)
        for i in range(30):
            await ws.send(protocol.encode(protocol.Ping(ref=i)))
        answers = await _until_closed(ws)
    # The allowance the flood used up came back with the device: refused again, long
    # before thirty frames (a fresh connection would have had a burst of sixty).
    pongs = [a for a in answers if isinstance(a, protocol.Pong)]
    assert isinstance(answers[-1], protocol.Error) and answers[-1].code == "rate_limited"
    assert len(pongs) < 10


async def _until_closed(ws: Any) -> list[Any]:
    """Every frame the server sends until it closes the connection."""
    frames = []
    with contextlib.suppress(ConnectionClosed):
        async for message in ws:
            frames.append(protocol.outbound_decoder.decode(message))
    return frames


class _Transport:
    def __init__(self) -> None:
        self.aborted = False

    def abort(self) -> None:
        self.aborted = True


class _Protocol:
    """Stands in for uvicorn's WebSocket protocol, whose send() the session gets."""

    def __init__(self) -> None:
        self.transport = _Transport()

    async def send(self, message: MutableMapping[str, Any]) -> None:
        await asyncio.Event().wait()  # the peer reads nothing


async def test_a_killed_connection_is_reset_not_left_open() -> None:
    peer = _Protocol()
    conn = Connection(peer.send, asyncio.get_running_loop().time())
    conn.send("frame")
    await asyncio.sleep(0)
    conn.kill()
    # Its unsent bytes would stay in the kernel while the peer keeps its window shut.
    assert peer.transport.aborted
