"""A server per back-end with the emulator on (its clock can be moved), for test modules
that import these fixtures."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from confplane.client.admin import AdminClient
from confplane.client.emulator import EmulatorClient
from confplane.testing import ServerProcess, fresh_postgres_database
from conftest import BACKENDS, Org, make_org


@pytest.fixture(scope="module", params=BACKENDS)
def emu_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerProcess]:
    data_dir = tmp_path_factory.mktemp(f"emulated-{request.param}")
    args = ["--emulator", "--no-demo"]
    if request.param == "sqlite":
        proc = ServerProcess(data_dir, extra_args=args)
        proc.start()
        yield proc
        proc.stop()
        return
    with fresh_postgres_database() as url:
        proc = ServerProcess(data_dir, database_url=url, extra_args=args)
        proc.start()
        yield proc
        proc.stop()


@pytest.fixture
def emulator(emu_server: ServerProcess) -> Iterator[EmulatorClient]:
    """The emulator, its state and clock reset around each test; the clock is frozen so
    every time a test reads back is the one it set."""
    with EmulatorClient(emu_server.base_url, emu_server.admin_token) as client:
        client.reset()
        client.freeze_clock()
        yield client
        client.reset()
        client.real_clock()


@pytest.fixture
def emu_admin(emu_server: ServerProcess) -> Iterator[AdminClient]:
    with AdminClient(emu_server.base_url, emu_server.admin_token) as admin:
        yield admin


@pytest.fixture
def emu_org(emu_server: ServerProcess, emulator: EmulatorClient, emu_admin: AdminClient) -> Org:
    return make_org(emu_server, emu_admin)


@pytest.fixture
def emu_other_org(
    emu_server: ServerProcess, emulator: EmulatorClient, emu_admin: AdminClient
) -> Org:
    return make_org(emu_server, emu_admin)
