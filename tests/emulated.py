"""A server per back-end with the emulator on (its clock can be moved), for test modules
that load these fixtures (``pytest_plugins = ("emulated",)``).

A module changes its server's options by overriding ``emu_server_args``, and keeps real
time by overriding ``emu_clock_frozen``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from confplane.client.admin import AdminClient
from confplane.client.emulator import EmulatorClient
from confplane.testing import ServerProcess, server_on
from conftest import BACKENDS, Org, make_org


@pytest.fixture(scope="module")
def emu_server_args() -> list[str]:
    """``serve`` options besides --emulator and --no-demo."""
    return []


@pytest.fixture(scope="module")
def emu_clock_frozen() -> bool:
    """Frozen, every time a test reads back is the one it set."""
    return True


@pytest.fixture(scope="module", params=BACKENDS)
def emu_server(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    emu_server_args: list[str],
) -> Iterator[ServerProcess]:
    data_dir = tmp_path_factory.mktemp(f"emulated-{request.param}")
    args = ["--emulator", "--no-demo", *emu_server_args]
    with server_on(request.param, data_dir, extra_args=args) as server:
        yield server


@pytest.fixture
def emulator(emu_server: ServerProcess, emu_clock_frozen: bool) -> Iterator[EmulatorClient]:
    """The emulator, its state and clock reset around each test."""
    with EmulatorClient(emu_server.base_url, emu_server.admin_token) as client:
        client.reset()
        if emu_clock_frozen:
            client.freeze_clock()
        yield client
        client.reset()  # real time again too


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
