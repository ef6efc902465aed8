"""Domain services on a real store (a temp SQLite file, and a fresh PostgreSQL database)."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from confplane.domain.auth import AuthService
from confplane.domain.conferences import ConferenceService
from confplane.domain.directory import DirectoryService
from confplane.domain.events import Notifier
from confplane.domain.model import READ_SCOPE, WRITE_SCOPE, Device, Member, Org, Principal, User
from confplane.domain.paging import CursorCodec
from confplane.domain.presence import PresenceService
from confplane.store.sql import SqlStore
from confplane.testing import fresh_postgres_database

BACKENDS = ["sqlite", "postgres"]


@dataclass
class World:
    """Every domain service over one migrated store, as the server wires them."""

    store: SqlStore
    cursor: CursorCodec
    auth: AuthService
    directory: DirectoryService
    conferences: ConferenceService
    presence: PresenceService

    async def member(self, conference_id: str, union_id: str) -> Member:
        async with self.store.read() as tx:
            conference = await tx.meetings.by_id(conference_id)
            assert conference is not None
            member = await tx.meetings.member(conference.id, union_id)
        assert member is not None, f"{union_id} is not a member of {conference_id}"
        return member

    async def device(self, participant_id: str) -> Device:
        device, _ = await self.presence.device(participant_id)
        return device


@dataclass
class Tenant:
    """A fresh org with an internal app (both scopes), its principal and five users."""

    org: Org
    app_key: str
    app_secret: str
    principal: Principal
    users: list[User]

    @property
    def host(self) -> str:
        return self.users[0].union_id

    def union(self, index: int) -> str:
        return self.users[index].union_id


def build_world(
    store: SqlStore,
    *,
    key: bytes | None = None,
    max_members: int = 200_000,
    notifier: Notifier | None = None,
) -> World:
    cursor = CursorCodec(key or secrets.token_bytes(32))
    conferences = ConferenceService(
        store,
        cursor,
        public_url="http://confplane.test/",
        max_members=max_members,
        notifier=notifier,
    )
    return World(
        store=store,
        cursor=cursor,
        auth=AuthService(store),
        directory=DirectoryService(store),
        conferences=conferences,
        presence=PresenceService(store, max_members=max_members),
    )


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    if request.param == "sqlite":
        path: Path = tmp_path_factory.mktemp("unit-sqlite") / "confplane.db"
        yield f"sqlite:///{path}"
        return
    with fresh_postgres_database() as url:
        yield url


@pytest.fixture(scope="session")
async def store(database_url: str) -> AsyncIterator[SqlStore]:
    """One store per back-end, migrated once, shared by the session's tests."""
    store = SqlStore(database_url)
    await store.start()
    yield store
    await store.close()


@pytest.fixture
def world(store: SqlStore) -> World:
    return build_world(store)


async def make_tenant(world: World, users: int = 5) -> Tenant:
    """A new org through the directory, its token through AuthService, as a real app gets it."""
    corp_id = "ding" + secrets.token_hex(6)
    org = await world.directory.create_org(f"org {corp_id}", corp_id)
    creds = await world.directory.create_internal_app(corp_id, "unit app")
    people = [
        await world.directory.create_user(corp_id, nick=f"user {i}", job_number=f"J{i:03d}")
        for i in range(users)
    ]
    issued = await world.auth.token_for_app(creds.app.app_key, creds.app_secret)
    principal = await world.auth.authenticate(issued.access_token, WRITE_SCOPE)
    assert principal.permissions == {READ_SCOPE, WRITE_SCOPE}
    return Tenant(org, creds.app.app_key, creds.app_secret, principal, people)


@pytest.fixture
async def tenant(world: World) -> Tenant:
    return await make_tenant(world)


@pytest.fixture
async def other_tenant(world: World) -> Tenant:
    return await make_tenant(world)
