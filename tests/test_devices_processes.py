"""Two server processes on one PostgreSQL database, fanning out through Redis or through
PostgreSQL's LISTEN/NOTIFY: a command made through either reaches devices connected to
the other, in the meeting's order."""

from __future__ import annotations

import os
import socket
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from confplane.client.admin import AdminClient
from confplane.testing import ServerProcess, postgres_pair
from conftest import Org, make_org
from devices_kit import Kit

REDIS_URL = os.environ.get("CONFPLANE_TEST_REDIS", "redis://127.0.0.1:6379/0")


def _redis_is_up() -> bool:
    host_port = REDIS_URL.split("//", 1)[1].split("/", 1)[0]
    host, _, port = host_port.partition(":")
    try:
        with socket.create_connection((host, int(port or 6379)), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture(scope="module", params=["redis", "notify"])
def pair(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[ServerProcess, ...]]:
    extra: list[str] = []
    if request.param == "redis":
        if not _redis_is_up():
            pytest.skip(f"no Redis at {REDIS_URL}")
        extra = ["--redis-url", REDIS_URL]
    root: Path = tmp_path_factory.mktemp(f"pair-{request.param}")
    with postgres_pair(root, extra_args=extra) as servers:
        yield servers


@pytest.fixture
async def kits(pair: tuple[ServerProcess, ...]) -> AsyncIterator[tuple[Kit, Kit]]:
    a, b = pair
    with AdminClient(a.base_url, a.admin_token) as admin:
        org_a = make_org(a, admin)
    # The same org and app, spoken to through the other process.
    org_b = Org(b, org_a.admin, org_a.corp_id, org_a.app_key, org_a.app_secret, org_a.users)
    kit_a, kit_b = Kit(org_a), Kit(org_b)
    yield kit_a, kit_b
    await kit_a.close()
    await kit_b.close()


async def test_commands_cross_processes_in_order(kits: tuple[Kit, Kit]) -> None:
    on_a, on_b = kits
    org_a, org_b = on_a.org, on_b.org
    cid = on_a.meeting().conference_id
    here = await on_a.member(cid, org_a.users[1])
    there = await on_b.member(cid, org_a.users[2])
    org_a.mute(cid, org_a.users[2])  # made on A, for a device on B
    org_b.lock(cid)  # made on B, for everyone
    org_a.mute(cid, org_a.users[1], action="mute")
    assert [(c.kind, c.seq) for c in [await there.next_command() for _ in range(2)]] == [
        ("mute", 1),
        ("locked", 2),
    ]
    assert [(c.kind, c.seq) for c in [await here.next_command() for _ in range(2)]] == [
        ("locked", 2),
        ("mute", 3),
    ]
    org_b.close(cid)
    assert (await here.next_command()).kind == "closed"
    assert (await there.next_command()).kind == "closed"


async def test_a_device_resumes_on_the_other_process(kits: tuple[Kit, Kit]) -> None:
    on_a, on_b = kits
    org = on_a.org
    cid = on_a.meeting().conference_id
    device = await on_a.member(cid, org.users[1])
    await device.drop()
    org.mute(cid, org.users[1])
    device.url = on_b.device().url  # come back through B
    joined = await device.resume()
    assert joined.resumed is True
    assert (await device.next_command()).kind == "mute"
    on_a.org.lock(cid)  # made on A, the device now on B
    assert (await device.next_command()).kind == "locked"
