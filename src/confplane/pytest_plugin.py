"""pytest fixtures that put a confplane emulator behind an app's tests (docs/testing.md).

Installed with confplane and loaded through the ``pytest11`` entry point: any test may ask
for ``confplane`` (a server reset to the demo org, and its credentials) and the
``confplane_*`` fixtures. One server process (``confplane serve --emulator`` on SQLite)
serves the whole session; it starts when a test first needs it.
"""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar, cast

import httpx
import pytest

from confplane.client.admin import AdminClient
from confplane.client.device import OPEN, Device, DeviceError
from confplane.client.dingtalk import AppCredentials, AsyncDingTalkClient, DingTalkClient
from confplane.client.emulator import EmulatorClient
from confplane.testing import ServerProcess

if TYPE_CHECKING:
    from alibabacloud_tea_openapi.models import Config

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True, slots=True)
class Confplane:
    """The emulator as one test sees it: reset to the demo org before the test."""

    endpoint: str  # "127.0.0.1:port", what the official SDK's Config takes
    base_url: str  # "http://127.0.0.1:port"
    admin_token: str
    corp_id: str
    app_key: str  # the demo org's internal app (both permissions)
    app_secret: str
    users: list[str]  # unionIds of the demo users; users[0] is "demo-host"
    admin: AdminClient  # shared by the session; do not close
    emulator: EmulatorClient  # shared by the session; do not close
    reset_ms: float  # how long the server took to reset (its tookMs)

    @property
    def host(self) -> str:
        return self.users[0]

    @property
    def credentials(self) -> AppCredentials:
        return AppCredentials(self.app_key, self.app_secret)

    def sdk_config(self) -> Config:
        """A new ``alibabacloud_tea_openapi.models.Config`` for the official SDK's clients."""
        from alibabacloud_tea_openapi.models import Config

        return Config(protocol="http", endpoint=self.endpoint)

    def client(self) -> DingTalkClient:
        """A new sync client of the demo app; close it (``with``) when done."""
        return DingTalkClient(self.credentials, endpoint=self.base_url)

    def async_client(self) -> AsyncDingTalkClient:
        """A new async client of the demo app; ``aclose`` it (``async with``) when done."""
        return AsyncDingTalkClient(self.credentials, endpoint=self.base_url)


@dataclass(slots=True)
class _Session:
    server: ServerProcess
    admin: AdminClient
    emulator: EmulatorClient


@pytest.fixture(scope="session")
def confplane_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """A ``confplane serve --emulator`` process for the whole session, on a free loopback
    port, with its own SQLite file under the session's tmp dir and a generated admin token;
    stopped at the end. Its ``endpoint``, ``base_url`` and ``admin_token`` are attributes.
    The ``CONFPLANE_*`` variables of the environment are ignored (blanked for the child),
    so a developer's ``CONFPLANE_DATABASE_URL`` never points it at a real database."""
    server = ServerProcess(
        tmp_path_factory.mktemp("confplane"),
        admin_token=secrets.token_urlsafe(16),
        extra_args=["--emulator"],
        env={name: "" for name in os.environ if name.startswith("CONFPLANE_")},
    )
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def _confplane_session(confplane_server: ServerProcess) -> Iterator[_Session]:
    url, token = confplane_server.base_url, confplane_server.admin_token
    with AdminClient(url, token) as admin, EmulatorClient(url, token) as emulator:
        yield _Session(confplane_server, admin, emulator)


@pytest.fixture
def confplane(_confplane_session: _Session) -> Confplane:
    """The session's server, reset before the test (one HTTP call): only the demo org, a
    fresh app with both permissions and five users; no meetings, devices or faults, an
    empty journal, the configured rate limit (none), real time."""
    session = _confplane_session
    answer = session.emulator.reset(demo=True)
    demo = answer["demo"]
    return Confplane(
        endpoint=session.server.endpoint,
        base_url=session.server.base_url,
        admin_token=session.server.admin_token,
        corp_id=demo["corpId"],
        app_key=demo["appKey"],
        app_secret=demo["appSecret"],
        users=[user["unionId"] for user in demo["users"]],
        admin=session.admin,
        emulator=session.emulator,
        reset_ms=float(answer["tookMs"]),
    )


@pytest.fixture
def confplane_sdk_config(confplane: Confplane) -> Config:
    """The official SDK's ``Config(protocol="http", endpoint=...)`` for this server (needs
    ``alibabacloud-tea-openapi``, only when asked for)."""
    return confplane.sdk_config()


@pytest.fixture
def confplane_client(confplane: Confplane) -> Iterator[DingTalkClient]:
    """confplane's sync ``DingTalkClient`` of the demo app; closed after the test."""
    with confplane.client() as client:
        yield client


@pytest.fixture
def confplane_admin(confplane: Confplane) -> AdminClient:
    """The admin API (orgs, apps, users, simulated devices: ``join(conferenceId,
    unionId)``); the server is reset first."""
    return confplane.admin


@pytest.fixture
def confplane_emulator(confplane: Confplane) -> EmulatorClient:
    """The emulator controls: faults, rate limit, journal, clock; the server is reset
    first."""
    return confplane.emulator


def _async_fixture(func: F) -> F:
    """pytest-asyncio's fixture decorator, so the fixture also works in its strict mode;
    without pytest-asyncio, a fixture that fails the test and says why."""
    try:
        import pytest_asyncio
    except ImportError:  # pragma: no cover - pytest-asyncio is a test dependency here

        def missing() -> NoReturn:
            pytest.fail(f"{func.__name__} needs pytest-asyncio (pip install pytest-asyncio)")

        missing.__doc__ = func.__doc__
        return cast(F, pytest.fixture(missing, name=func.__name__))
    return cast(F, pytest_asyncio.fixture(func))


@_async_fixture
async def confplane_async_client(confplane: Confplane) -> AsyncIterator[AsyncDingTalkClient]:
    """confplane's ``AsyncDingTalkClient`` of the demo app, closed after the test; for async
    tests under pytest-asyncio (strict or auto mode). It runs in the event loop of
    ``asyncio_default_fixture_loop_scope``: keep that equal to the tests' loop scope
    (both unset, or both "session")."""
    async with confplane.async_client() as client:
        yield client


QPS_LIMIT_CODE = "Forbidden.AccessDenied.QpsLimitForAppkeyAndApi"


@dataclass(slots=True)
class Devices:
    """Joins live devices (``confplane.client.device.Device``, WebSocket) to meetings.

    ``await devices(conference_id, union_id)`` gets a join ticket for the user and joins;
    the device answers the host's commands (``next_command()``, ``mic``, ``host_muted``).
    Tickets are asked for by a helper app ("confplane devices") the factory adds to the
    demo org, so the demo app's journal entries and rate-limit budget stay its own; the
    helper waits out a rate limit the test set and replaces a token the clock expired."""

    confplane: Confplane
    http: httpx.AsyncClient
    devices: list[Device] = field(default_factory=list)
    _helper: AppCredentials | None = None
    _token: str | None = None

    async def __call__(
        self,
        conference_id: str,
        union_id: str,
        *,
        mic: int = OPEN,
        camera: int = OPEN,
        **options: Any,
    ) -> Device:
        """A device of ``union_id`` joined to the meeting (mic/camera: 1 closed, 2 open;
        ``options`` go to ``Device``: nick, obey, heartbeat, on_command, ...)."""
        ticket = await self._ticket(conference_id, union_id)
        device = Device(
            self.confplane.base_url,
            conference_id=conference_id,
            ticket=ticket,
            mic=mic,
            camera=camera,
            **options,
        )
        self.devices.append(device)
        await device.join()
        return device

    async def close(self) -> None:
        for device in self.devices:
            await device.drop()

    async def _ticket(self, conference_id: str, union_id: str) -> str:
        path = f"/confplane/v1/conferences/{conference_id}/join-tickets"
        for fresh in (self._token is None, True):
            if fresh:
                self._token = await self._new_token()
            assert self._token is not None
            headers = {"x-acs-dingtalk-access-token": self._token}
            try:
                answer = await self._post(path, {"unionId": union_id}, headers)
            except DeviceError as err:
                if err.code != "InvalidAuthentication" or fresh:
                    raise
                continue
            return str(answer["ticket"])
        raise AssertionError("unreachable")

    async def _new_token(self) -> str:
        cp = self.confplane
        if self._helper is None:
            auth = {"Authorization": f"Bearer {cp.admin_token}"}
            path = f"/confplane/v1/admin/orgs/{cp.corp_id}/apps"
            app = await self._post(path, {"name": "confplane devices"}, auth)
            self._helper = AppCredentials(app["appKey"], app["appSecret"])
        body = {"appKey": self._helper.app_key, "appSecret": self._helper.app_secret}
        return str((await self._post("/v1.0/oauth2/accessToken", body, {}))["accessToken"])

    async def _post(self, path: str, body: dict[str, Any], headers: dict[str, str]) -> Any:
        """POST; a call over the test's rate limit is sent again in the next second."""
        for _ in range(30):
            response = await self.http.post(
                self.confplane.base_url + path, json=body, headers=headers
            )
            answer = response.json()
            if response.status_code < 400:
                return answer
            if answer.get("code") != QPS_LIMIT_CODE:
                raise DeviceError(str(answer.get("code")), str(answer.get("message")))
            await asyncio.sleep(0.1)
        raise DeviceError(QPS_LIMIT_CODE, "the rate limit did not let the helper app through")


@_async_fixture
async def confplane_devices(confplane: Confplane) -> AsyncIterator[Devices]:
    """A factory of live WebSocket devices, for async tests (``Device`` is asyncio-only;
    a sync test joins simulated devices with ``confplane_admin.join``):
    ``device = await confplane_devices(conference_id, union_id, mic=1)``. Every device is
    dropped after the test. Same event-loop rule as ``confplane_async_client``."""
    async with httpx.AsyncClient(timeout=10.0) as http:
        devices = Devices(confplane, http)
        try:
            yield devices
        finally:
            await devices.close()
