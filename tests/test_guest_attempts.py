"""Guest passwords: attempts are counted per client (its address) and room, in the
database, so every server process sees one count; one client over its limit shuts out
itself, never the other guests (docs/device-protocol.md, "Credentials").

Clients are told apart by their source address: every 127.x.y.z is loopback on Linux, so
a test connects from as many clients as it needs."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import secrets
import sqlite3
from collections.abc import AsyncIterator, Iterator

import asyncpg  # type: ignore[import-untyped]
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from confplane.client.admin import AdminClient
from confplane.client.device import Device
from confplane.client.emulator import EmulatorClient
from confplane.devices import protocol
from confplane.devices.protocol import Close
from confplane.domain.guest_attempts import PER_CLIENT, PER_ROOM, PRUNE_EVERY_MS, WINDOW_MS
from confplane.testing import ServerProcess, postgres_pair
from conftest import Org, make_org
from devices_kit import Kit, Meeting

# The emulated servers and their fixtures (tests/emulated.py), on real time below.
pytest_plugins = ("emulated",)

WRONG = ("wrong_password", Close.UNAUTHORIZED)
REFUSED = ("rate_limited", Close.RATE_LIMITED)

# Each test takes client addresses of its own: the server (and its counts) outlive a test.
_subnets = itertools.count(10)


def addresses() -> Iterator[str]:
    """Fresh loopback addresses, one per client."""
    subnet = next(_subnets)
    return (f"127.{subnet}.{host // 250}.{host % 250 + 1}" for host in itertools.count())


def unknown_room() -> str:
    return "9" + "".join(secrets.choice("0123456789") for _ in range(8))


async def attempt(
    url: str,
    room_code: str,
    password: str,
    client: str,
    *,
    headers: dict[str, str] | None = None,
) -> tuple[str, int | None]:
    """One guest join from ``client``: ("joined", None) or the error code and the close
    code that followed."""
    join = protocol.Join(room_code=room_code, password=password, nick="guest")
    async with connect(
        Device(url).url,
        compression=None,
        local_addr=(client, 0),
        additional_headers=headers,
        proxy=None,
    ) as ws:
        await ws.send(protocol.encode(join))
        answer = protocol.outbound_decoder.decode(await ws.recv())
        if isinstance(answer, protocol.Joined):
            await ws.send(protocol.encode(protocol.Leave()))
            return "joined", None
        assert isinstance(answer, protocol.Error)
        with contextlib.suppress(ConnectionClosed):
            await ws.recv()
        assert ws.close_code == answer.close
        return answer.code, answer.close


async def use_up(
    url: str, room_code: str, client: str, *, headers: dict[str, str] | None = None
) -> None:
    """``client`` tries wrong passwords on the room until its limit, each refused as
    wrong; the next is refused for the client."""
    for _ in range(PER_CLIENT):
        assert await attempt(url, room_code, "wrong", client, headers=headers) == WRONG
    assert await attempt(url, room_code, "wrong", client, headers=headers) == REFUSED


@pytest.fixture
async def kit(org: Org) -> AsyncIterator[Kit]:
    kit = Kit(org)
    yield kit
    await kit.close()


# -- one process, either back-end ------------------------------------------------------


async def test_a_client_over_its_limit_is_refused_and_no_one_else(kit: Kit) -> None:
    url = kit.url
    room, other_room = kit.meeting(), kit.meeting()
    guesser, guest = addresses(), addresses()
    attacker = next(guesser)
    await use_up(url, room.room_code, attacker)
    # The right password from the guesser waits out its window too...
    assert await attempt(url, room.room_code, room.password, attacker) == REFUSED
    # ...but other clients get in, and a wrong password of theirs is just wrong.
    visitor = next(guest)
    assert await attempt(url, room.room_code, room.password, visitor) == ("joined", None)
    assert await attempt(url, room.room_code, "wrong", visitor) == WRONG
    # The guesser's count is of that room only.
    assert await attempt(url, other_room.room_code, other_room.password, attacker) == (
        "joined",
        None,
    )
    # Joins that succeed do not count: one address (an office behind NAT) brings in more
    # guests than the limit.
    office = next(guest)
    for _ in range(PER_CLIENT + 2):
        assert await attempt(url, room.room_code, room.password, office) == ("joined", None)
    device = kit.device(
        room_code=room.room_code, password=room.password, nick="late", local_address=office
    )
    assert (await device.join()).union_id.startswith("guest")


async def test_an_unknown_room_code_is_counted_like_a_real_one(kit: Kit) -> None:
    # The answers must not tell which rooms exist: the same errors in the same order.
    real, client = kit.meeting(), addresses()
    await use_up(kit.url, unknown_room(), next(client))
    await use_up(kit.url, real.room_code, next(client))


async def test_parallel_guesses_cannot_slip_under_the_limit(kit: Kit) -> None:
    room, client = kit.meeting(), next(addresses())
    answers = await asyncio.gather(
        *(attempt(kit.url, room.room_code, "wrong", client) for _ in range(PER_CLIENT * 3))
    )
    # One process takes a client's attempts on a room in turn: exactly the limit.
    assert answers.count(WRONG) == PER_CLIENT
    assert answers.count(REFUSED) == PER_CLIENT * 2


async def test_past_the_room_ceiling_only_clients_that_tried_it_are_refused(kit: Kit) -> None:
    url, room, clients = kit.url, kit.meeting(), addresses()
    for _ in range(PER_ROOM // PER_CLIENT):
        await use_up(url, room.room_code, next(clients))
    # The room has had its ceiling of wrong passwords. A new client still gets its try...
    late = next(clients)
    assert await attempt(url, room.room_code, "wrong", late) == WRONG
    # ...and after a wrong one it is refused, long before its own limit.
    assert await attempt(url, room.room_code, room.password, late) == REFUSED
    # A guest who types the right password the first time always gets in.
    assert await attempt(url, room.room_code, room.password, next(clients)) == ("joined", None)
    # Another room is not concerned.
    other = kit.meeting()
    assert await attempt(url, other.room_code, "wrong", late) == WRONG


async def test_a_forwarded_for_header_counts_only_from_a_trusted_proxy(kit: Kit) -> None:
    url, room, clients = kit.url, kit.meeting(), addresses()
    spoofer = next(clients)
    await use_up(url, room.room_code, spoofer)
    # From an address the server does not trust as a proxy, the header changes nothing.
    forged = {"X-Forwarded-For": "203.0.113.7"}
    assert await attempt(url, room.room_code, "wrong", spoofer, headers=forged) == REFUSED
    # 127.0.0.1 is a proxy uvicorn trusts by default: its clients are counted apart, and
    # the proxy's own connections stay free.
    behind = {"X-Forwarded-For": f"198.51.100.{secrets.randbelow(250) + 1}"}
    await use_up(url, room.room_code, "127.0.0.1", headers=behind)
    assert await attempt(url, room.room_code, room.password, "127.0.0.1") == ("joined", None)


async def test_an_ipv6_client_counts_as_its_slash_64(kit: Kit) -> None:
    url, room = kit.url, kit.meeting()
    prefix = f"2001:db8:{secrets.randbelow(65536):x}"
    # Through the trusted proxy on 127.0.0.1, as clients of an IPv6 network reach it.
    await use_up(url, room.room_code, "127.0.0.1", headers={"X-Forwarded-For": f"{prefix}:1::5"})
    same_network = {"X-Forwarded-For": f"{prefix}:1::abcd"}
    assert await attempt(url, room.room_code, "wrong", "127.0.0.1", headers=same_network) == (
        REFUSED
    )
    next_network = {"X-Forwarded-For": f"{prefix}:2::5"}
    assert await attempt(url, room.room_code, "wrong", "127.0.0.1", headers=next_network) == (WRONG)


# -- two processes on one PostgreSQL ----------------------------------------------------


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ServerProcess, ...]]:
    with postgres_pair(tmp_path_factory.mktemp("guest-pair")) as servers:
        yield servers


async def test_two_processes_keep_one_count(pair: tuple[ServerProcess, ...]) -> None:
    a, b = pair
    with AdminClient(a.base_url, a.admin_token) as admin:
        room = Kit(make_org(a, admin)).meeting()
    clients = addresses()
    guesser = next(clients)
    # Wrong passwords spread over both processes add up to one limit...
    for i in range(PER_CLIENT):
        server = (a, b)[i % 2]
        assert await attempt(server.base_url, room.room_code, "wrong", guesser) == WRONG
    for server in (a, b):
        assert await attempt(server.base_url, room.room_code, room.password, guesser) == REFUSED
    # ...and another client gets in through either.
    visitor = next(clients)
    for server in (a, b):
        assert await attempt(server.base_url, room.room_code, room.password, visitor) == (
            "joined",
            None,
        )


# -- the emulator: its clock moves the windows, its reset clears the counts ------------


@pytest.fixture(scope="module")
def emu_clock_frozen() -> bool:
    return False


@pytest.fixture
def emu_room(emu_org: Org) -> Meeting:
    return Kit(emu_org).meeting()


async def test_the_emulator_reset_clears_the_counts(
    emu_server: ServerProcess, emulator: EmulatorClient, emu_room: Meeting
) -> None:
    url, clients = emu_server.base_url, addresses()
    guesser, fake = next(clients), unknown_room()
    await use_up(url, emu_room.room_code, guesser)
    await use_up(url, fake, guesser)
    assert await attempt(url, emu_room.room_code, emu_room.password, next(clients)) == (
        "joined",
        None,
    )
    emulator.reset()
    # The room code is gone with its meeting; the unknown one is simply wrong again.
    assert await attempt(url, fake, "wrong", guesser) == WRONG


async def test_a_window_ends_by_the_server_clock(
    emu_server: ServerProcess, emulator: EmulatorClient, emu_room: Meeting
) -> None:
    url, guesser = emu_server.base_url, next(addresses())
    emulator.freeze_clock()
    await use_up(url, emu_room.room_code, guesser)
    emulator.advance_clock(WINDOW_MS - 1)
    assert await attempt(url, emu_room.room_code, emu_room.password, guesser) == REFUSED
    emulator.advance_clock(1)
    assert await attempt(url, emu_room.room_code, emu_room.password, guesser) == ("joined", None)
    # A fresh window: a full allowance again.
    await use_up(url, emu_room.room_code, guesser)
    # A clock set back far before the window began does not keep the client out longer.
    emulator.advance_clock(-2 * WINDOW_MS)
    assert await attempt(url, emu_room.room_code, emu_room.password, guesser) == ("joined", None)


async def counted_rows(server: ServerProcess) -> int:
    """Rows of the attempts table, read from the server's database."""
    query = "SELECT count(*) FROM guest_attempts"
    if server.database_url is None:
        with contextlib.closing(sqlite3.connect(server.data_dir / "confplane.db")) as db:
            return int(db.execute(query).fetchone()[0])
    conn = await asyncpg.connect(server.database_url)
    try:
        return int(await conn.fetchval(query))
    finally:
        await conn.close()


async def test_ended_windows_are_pruned(
    emu_server: ServerProcess, emulator: EmulatorClient, emu_room: Meeting
) -> None:
    url, clients = emu_server.base_url, addresses()
    emulator.freeze_clock()
    for room in (emu_room.room_code, unknown_room(), unknown_room()):
        assert await attempt(url, room, "wrong", next(clients)) == WRONG
    assert await counted_rows(emu_server) == 6  # each a client's row and the room's
    emulator.advance_clock(max(WINDOW_MS, PRUNE_EVERY_MS))
    assert await counted_rows(emu_server) == 6  # nothing is pruned by itself...
    # ...the next attempt, in a new window, deletes the rows of ended ones.
    assert await attempt(url, unknown_room(), "wrong", next(clients)) == WRONG
    assert await counted_rows(emu_server) == 2
