"""Heartbeats, lost connections and the grace period, on a server with short timers."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator

import pytest

from confplane.client.admin import AdminClient
from confplane.client.device import DeviceError
from confplane.devices.protocol import Close
from confplane.testing import ServerProcess
from conftest import make_org
from devices_kit import Kit

HEARTBEAT_S = 0.2
GRACE_S = 1.0


@pytest.fixture(scope="module")
def quick_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    proc = ServerProcess(
        tmp_path_factory.mktemp("quick-server"),
        extra_args=["--device-heartbeat", str(HEARTBEAT_S), "--device-grace", str(GRACE_S)],
    )
    proc.start()
    yield proc
    proc.stop()


@pytest.fixture
async def kit(quick_server: ServerProcess) -> AsyncIterator[Kit]:
    with AdminClient(quick_server.base_url, quick_server.admin_token) as admin:
        kit = Kit(make_org(quick_server, admin))
        yield kit
        await kit.close()


async def eventually(condition: Callable[[], bool], within: float = 15.0) -> None:
    """Wait for a state the server reaches on its own timers (no event to await)."""
    deadline = asyncio.get_running_loop().time() + within
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("the condition did not come true in time")
        await asyncio.sleep(0.05)


def status(kit: Kit, conference_id: str, union_id: str) -> int:
    return int(kit.member_model(conference_id, union_id).attend_status)


async def test_a_silent_device_is_dropped_and_leaves_after_the_grace_period(kit: Kit) -> None:
    org = kit.org
    cid = kit.meeting().conference_id
    silent = await kit.member(cid, org.users[1], heartbeat=False)
    beating = await kit.member(cid, org.users[2])
    error = await silent.next_error()
    assert (error.code, error.close) == ("heartbeat_timeout", Close.TIMEOUT)
    assert (await silent.wait_closed()).code == Close.TIMEOUT
    await eventually(lambda: status(kit, cid, org.users[1]) == 6)
    # All this while the device that keeps its heartbeat stayed.
    assert beating.closed is None
    assert status(kit, cid, org.users[2]) == 3
    org.mute(cid, org.users[2])
    assert (await beating.next_command()).kind == "mute"


async def test_resume_within_the_grace_period_keeps_the_member(kit: Kit) -> None:
    org = kit.org
    cid = kit.meeting().conference_id
    back = await kit.member(cid, org.users[1])
    gone = await kit.member(cid, org.users[2])
    await back.drop()
    await gone.drop()
    org.mute(cid, org.users[1])
    joined = await back.resume()
    assert joined.resumed is True
    assert (await back.next_command()).kind == "mute"
    # The grace period of the one that did not come back runs out...
    await eventually(lambda: status(kit, cid, org.users[2]) == 6)
    # ...and the one that did is still in, and still obeys.
    assert status(kit, cid, org.users[1]) == 3
    org.lock(cid)
    assert (await back.next_command()).kind == "locked"


async def test_resume_after_the_grace_period_is_refused(kit: Kit) -> None:
    org = kit.org
    cid = kit.meeting().conference_id
    device = await kit.member(cid, org.users[1])
    await device.drop()
    await eventually(lambda: status(kit, cid, org.users[1]) == 6)
    with pytest.raises(DeviceError) as refused:
        await device.resume()
    assert (refused.value.code, refused.value.close) == ("resume_expired", Close.GONE)
    # A new join is a new device.
    again = await kit.member(cid, org.users[1])
    assert again.participant_id != device.participant_id
    assert status(kit, cid, org.users[1]) == 3


async def test_a_connection_that_never_joins_is_closed(kit: Kit) -> None:
    idle = kit.device()
    await idle.connect()
    error = await idle.next_error()
    assert (error.code, error.close) == ("join_timeout", Close.TIMEOUT)
    assert (await idle.wait_closed()).code == Close.TIMEOUT


async def test_after_a_restart_devices_resume_and_the_rest_leave(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    server = ServerProcess(
        tmp_path_factory.mktemp("restarted"),
        extra_args=["--device-heartbeat", "5", "--device-grace", str(GRACE_S * 2)],
    )
    server.start()
    try:
        with AdminClient(server.base_url, server.admin_token) as admin:
            kit = Kit(make_org(server, admin))
            org = kit.org
            cid = kit.meeting().conference_id
            back = await kit.member(cid, org.users[1])
            gone = await kit.member(cid, org.users[2])
            server.restart()
            assert (await back.wait_closed()).code == Close.RESTART
            assert (await gone.wait_closed()).code == Close.RESTART
            joined = await back.resume()
            assert joined.participant_id == back.participant_id
            # The device that did not come back leaves once its grace period is over.
            await eventually(lambda: status(kit, cid, org.users[2]) == 6)
            assert status(kit, cid, org.users[1]) == 3
            org.mute(cid, org.users[1])
            assert (await back.next_command()).kind == "mute"
            await kit.close()
    finally:
        server.stop()
