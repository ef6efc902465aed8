"""DirectoryService: orgs, apps, suites and users, with their identifier rules."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest

from confplane.domain.directory import NewUser
from confplane.domain.errors import Conflict, InvalidParams, NotFound
from confplane.domain.model import ALL_SCOPES, READ_SCOPE, WRITE_SCOPE, AppKind
from confplane.store.sql import SqlStore

from .conftest import Tenant, World, build_world


def corp() -> str:
    return "ding" + secrets.token_hex(6)


async def test_org_round_trip(world: World) -> None:
    corp_id = corp()
    org = await world.directory.create_org("  Acme  ", corp_id)
    assert (org.corp_id, org.name) == (corp_id, "Acme")
    assert await world.directory.get_org(corp_id) == org
    assert org in await world.directory.list_orgs()
    assert await world.directory.has_orgs()


async def test_org_without_corp_id_gets_one(world: World) -> None:
    org = await world.directory.create_org("generated")
    assert org.corp_id.startswith("ding") and len(org.corp_id) > 4
    assert (await world.directory.get_org(org.corp_id)).id == org.id


async def test_org_rules(world: World) -> None:
    corp_id = corp()
    await world.directory.create_org("first", corp_id)
    with pytest.raises(Conflict):
        await world.directory.create_org("again", corp_id)
    for bad in ("has space", "a/b", "x" * 65, "会议", "a?b"):
        with pytest.raises(InvalidParams):
            await world.directory.create_org("bad", bad)
    with pytest.raises(InvalidParams):
        await world.directory.create_org("   ", corp())
    with pytest.raises(NotFound):
        await world.directory.get_org("dingnosuchorg")


async def test_has_orgs_on_an_empty_database(tmp_path: Path) -> None:
    store = SqlStore(f"sqlite:///{tmp_path / 'empty.db'}")
    await store.start()
    try:
        fresh = build_world(store)
        assert not await fresh.directory.has_orgs()
        assert await fresh.directory.list_orgs() == []
        await fresh.directory.create_org("one", corp())
        assert await fresh.directory.has_orgs()
    finally:
        await store.close()


async def test_internal_app(world: World, tenant: Tenant) -> None:
    creds = await world.directory.create_internal_app(tenant.org.corp_id, "reporting", [READ_SCOPE])
    app = creds.app
    assert app.kind == AppKind.INTERNAL
    assert app.org_id == tenant.org.id
    assert app.permissions == (READ_SCOPE,)
    assert app.app_key.startswith("ding")
    assert len(creds.app_secret) >= 32
    assert await world.directory.get_app(app.app_key) == app
    assert app in await world.directory.list_apps()


async def test_app_defaults_to_every_scope_and_dedupes(world: World, tenant: Tenant) -> None:
    default = await world.directory.create_internal_app(tenant.org.corp_id, "default")
    assert default.app.permissions == ALL_SCOPES
    twice = await world.directory.create_internal_app(
        tenant.org.corp_id, "twice", [WRITE_SCOPE, WRITE_SCOPE, READ_SCOPE]
    )
    assert twice.app.permissions == (WRITE_SCOPE, READ_SCOPE)


async def test_app_rules(world: World, tenant: Tenant) -> None:
    with pytest.raises(InvalidParams):
        await world.directory.create_internal_app(tenant.org.corp_id, "x", ["Contact.User.Read"])
    with pytest.raises(NotFound):
        await world.directory.create_internal_app("dingnosuchorg", "x")
    with pytest.raises(NotFound):
        await world.directory.get_app("dingnosuchapp")
    with pytest.raises(NotFound):
        await world.directory.set_permissions("dingnosuchapp", [READ_SCOPE])
    with pytest.raises(InvalidParams):
        await world.directory.set_permissions(tenant.app_key, ["nope"])
    # A refused change leaves the app as it was.
    assert (await world.directory.get_app(tenant.app_key)).permissions == ALL_SCOPES


async def test_set_permissions(world: World, tenant: Tenant) -> None:
    app = await world.directory.set_permissions(tenant.app_key, [WRITE_SCOPE])
    assert app.permissions == (WRITE_SCOPE,)
    assert (await world.directory.get_app(tenant.app_key)).permissions == (WRITE_SCOPE,)
    assert (await world.directory.set_permissions(tenant.app_key, [])).permissions == ()


async def test_suite_ticket_only_for_suites(world: World, tenant: Tenant) -> None:
    suite = await world.directory.create_suite("suite")
    assert suite.app.kind == AppKind.SUITE and suite.app.org_id is None
    first = await world.directory.new_suite_ticket(suite.app.app_key)
    second = await world.directory.new_suite_ticket(suite.app.app_key)
    assert first != second
    with pytest.raises(InvalidParams):
        await world.directory.new_suite_ticket(tenant.app_key)
    with pytest.raises(InvalidParams):
        await world.directory.authorize_suite(tenant.app_key, tenant.org.corp_id)
    with pytest.raises(NotFound):
        await world.directory.authorize_suite(suite.app.app_key, "dingnosuchorg")


async def test_user_round_trip(world: World, tenant: Tenant) -> None:
    union_id = "u" + secrets.token_hex(8)
    user = await world.directory.create_user(
        tenant.org.corp_id, nick=" Li Lei ", union_id=union_id, user_id="manager7", job_number="E7"
    )
    assert (user.union_id, user.user_id, user.nick, user.job_number) == (
        union_id,
        "manager7",
        "Li Lei",
        "E7",
    )
    assert user.org_id == tenant.org.id
    assert await world.directory.get_user(union_id) == user
    listed = await world.directory.list_users(tenant.org.corp_id)
    assert [u.union_id for u in listed] == [*(u.union_id for u in tenant.users), union_id]


async def test_generated_user_ids(world: World, tenant: Tenant) -> None:
    user = tenant.users[0]
    assert 1 <= len(user.union_id) <= 64
    assert user.user_id.isdigit()


async def test_user_rules(world: World, tenant: Tenant, other_tenant: Tenant) -> None:
    taken = tenant.host
    with pytest.raises(Conflict):  # unionIds are unique across orgs
        await world.directory.create_user(other_tenant.org.corp_id, nick="x", union_id=taken)
    with pytest.raises(Conflict):  # userIds are unique within an org
        await world.directory.create_user(
            tenant.org.corp_id, nick="x", user_id=tenant.users[1].user_id
        )
    # ...but another org may reuse a userId.
    await world.directory.create_user(
        other_tenant.org.corp_id, nick="x", user_id=tenant.users[1].user_id
    )
    for bad in ("has space", "a/b", "x" * 65, "?"):
        with pytest.raises(InvalidParams):
            await world.directory.create_user(tenant.org.corp_id, nick="x", union_id=bad)
        with pytest.raises(InvalidParams):
            await world.directory.create_user(tenant.org.corp_id, nick="x", user_id=bad)
    for nick in ("", "   ", "n" * 257):
        with pytest.raises(InvalidParams):
            await world.directory.create_user(tenant.org.corp_id, nick=nick)
    with pytest.raises(NotFound):
        await world.directory.create_user("dingnosuchorg", nick="x")
    with pytest.raises(NotFound):
        await world.directory.get_user("nosuchunionid")
    with pytest.raises(NotFound):
        await world.directory.list_users("dingnosuchorg")


async def test_an_org_with_its_app_and_users_is_made_whole_or_not_at_all(
    world: World, tenant: Tenant
) -> None:
    corp_id = "ding" + secrets.token_hex(6)
    people = [NewUser("Ann", union_id=f"ann-{corp_id}"), NewUser("Ben", job_number="B1")]
    org, creds, users = await world.directory.create_org_with_app("acme", corp_id, "bot", people)
    assert org.corp_id == corp_id and creds.app.org_id == org.id
    assert set(creds.app.permissions) == set(ALL_SCOPES)
    assert [u.nick for u in await world.directory.list_users(corp_id)] == ["Ann", "Ben"]
    assert users[0].union_id == f"ann-{corp_id}" and users[1].job_number == "B1"
    # A user that cannot be added (its unionId is taken) leaves no org and no app behind.
    other = "ding" + secrets.token_hex(6)
    taken = [NewUser("Cid"), NewUser("Dup", union_id=tenant.host)]
    with pytest.raises(Conflict):
        await world.directory.create_org_with_app("half", other, "bot", taken)
    with pytest.raises(NotFound):
        await world.directory.get_org(other)
