"""AuthService on a real database: tokens issued, checked, expired and scoped."""

from __future__ import annotations

import pytest

from confplane.domain.auth import AuthService
from confplane.domain.clock import Clock
from confplane.domain.errors import InvalidCredentials, InvalidToken, PermissionDenied
from confplane.domain.ids import digest
from confplane.domain.model import READ_SCOPE, WRITE_SCOPE

from .conftest import Tenant, World


async def test_token_for_app_grants_both_scopes(world: World, tenant: Tenant) -> None:
    issued = await world.auth.token_for_app(tenant.app_key, tenant.app_secret)
    assert issued.expire_in == 7200
    assert len(issued.access_token) >= 16
    for scope in (READ_SCOPE, WRITE_SCOPE):
        principal = await world.auth.authenticate(issued.access_token, scope)
        assert principal.org_id == tenant.org.id
        assert principal.app_id == tenant.principal.app_id
        assert principal.permissions == {READ_SCOPE, WRITE_SCOPE}


async def test_a_token_is_handed_out_again_while_it_lives(world: World, tenant: Tenant) -> None:
    clock = Clock()
    clock.freeze()
    auth = AuthService(world.store, token_lifetime_s=7200, server_clock=clock)
    first = await auth.token_for_app(tenant.app_key, tenant.app_secret)
    assert (await auth.token_for_app(tenant.app_key, tenant.app_secret)) == first
    clock.advance(7_000_000)
    # Asked for again late in its life: the same token, valid for a full lifetime again.
    assert (await auth.token_for_app(tenant.app_key, tenant.app_secret)) == first
    renewed = await _expires_at(world, first.access_token)
    assert renewed == clock.now_ms() + 7_200_000
    clock.advance(7_000_000)
    await auth.authenticate(first.access_token, READ_SCOPE)
    clock.advance(201_000)
    with pytest.raises(InvalidToken):
        await auth.authenticate(first.access_token, READ_SCOPE)
    fresh = await auth.token_for_app(tenant.app_key, tenant.app_secret)
    assert fresh.access_token != first.access_token
    await auth.authenticate(fresh.access_token, WRITE_SCOPE)


async def test_a_token_asked_for_twice_within_a_second_is_not_rewritten(
    world: World, tenant: Tenant
) -> None:
    clock = Clock()
    clock.freeze()
    auth = AuthService(world.store, token_lifetime_s=7200, server_clock=clock)
    issued = await auth.token_for_app(tenant.app_key, tenant.app_secret)
    before = await _expires_at(world, issued.access_token)
    clock.advance(500)
    assert await auth.token_for_app(tenant.app_key, tenant.app_secret) == issued
    assert await _expires_at(world, issued.access_token) == before
    clock.advance(600)  # over a second since it was renewed: renewed again
    assert await auth.token_for_app(tenant.app_key, tenant.app_secret) == issued
    assert await _expires_at(world, issued.access_token) == clock.now_ms() + 7_200_000


async def test_tokens_are_stored_hashed(world: World, tenant: Tenant) -> None:
    issued = await world.auth.token_for_app(tenant.app_key, tenant.app_secret)
    async with world.store.read() as tx:
        assert await tx.directory.token_grant(issued.access_token) is None
        grant = await tx.directory.token_grant(digest(issued.access_token))
    assert grant is not None and grant.org_id == tenant.org.id


async def test_wrong_secret_and_unknown_key(world: World, tenant: Tenant) -> None:
    with pytest.raises(InvalidCredentials):
        await world.auth.token_for_app(tenant.app_key, tenant.app_secret + "x")
    with pytest.raises(InvalidCredentials):
        await world.auth.token_for_app(tenant.app_key, "")
    with pytest.raises(InvalidCredentials):
        await world.auth.token_for_app("dingnosuchapp", tenant.app_secret)


@pytest.mark.parametrize("raw", [None, "", "nonsense", "0" * 32])
async def test_missing_or_unknown_token(world: World, raw: str | None) -> None:
    with pytest.raises(InvalidToken):
        await world.auth.authenticate(raw, READ_SCOPE)


async def test_expired_token_is_invalid(world: World, tenant: Tenant) -> None:
    # Issued with a lifetime of 0 s it expires the millisecond it is made.
    short = AuthService(world.store, token_lifetime_s=0)
    issued = await short.token_for_app(tenant.app_key, tenant.app_secret)
    assert issued.expire_in == 0
    with pytest.raises(InvalidToken):
        await world.auth.authenticate(issued.access_token, READ_SCOPE)
    with pytest.raises(InvalidToken):
        await short.authenticate(issued.access_token, WRITE_SCOPE)


async def test_expired_tokens_are_swept_when_new_ones_are_issued(
    world: World, tenant: Tenant
) -> None:
    clock = Clock()
    auth = AuthService(world.store, token_lifetime_s=60, server_clock=clock)
    first = await auth.token_for_app(tenant.app_key, tenant.app_secret)
    clock.advance(7_300_000)  # past the tenant's own token (7,200 s) and this one
    second = await auth.token_for_app(tenant.app_key, tenant.app_secret)
    assert second.access_token != first.access_token
    async with world.store.read() as tx:
        assert await tx.directory.token_grant(digest(second.access_token)) is not None
        assert await tx.directory.token_grant(digest(first.access_token)) is None
    with pytest.raises(InvalidToken):
        await auth.authenticate(first.access_token, READ_SCOPE)


async def _expires_at(world: World, token: str) -> int:
    async with world.store.read() as tx:
        grant = await tx.directory.token_grant(digest(token))
    assert grant is not None
    return grant.expires_at


async def test_missing_permission(world: World, tenant: Tenant) -> None:
    creds = await world.directory.create_internal_app(tenant.org.corp_id, "reader", [READ_SCOPE])
    issued = await world.auth.token_for_app(creds.app.app_key, creds.app_secret)
    principal = await world.auth.authenticate(issued.access_token, READ_SCOPE)
    assert principal.permissions == {READ_SCOPE}
    with pytest.raises(PermissionDenied) as raised:
        await world.auth.authenticate(issued.access_token, WRITE_SCOPE)
    assert raised.value.scope == WRITE_SCOPE


async def test_app_without_permissions_is_denied_everything(world: World, tenant: Tenant) -> None:
    creds = await world.directory.create_internal_app(tenant.org.corp_id, "nothing", [])
    issued = await world.auth.token_for_app(creds.app.app_key, creds.app_secret)
    for scope in (READ_SCOPE, WRITE_SCOPE):
        with pytest.raises(PermissionDenied):
            await world.auth.authenticate(issued.access_token, scope)


async def test_permission_changes_apply_to_tokens_already_issued(
    world: World, tenant: Tenant
) -> None:
    issued = await world.auth.token_for_app(tenant.app_key, tenant.app_secret)
    await world.directory.set_permissions(tenant.app_key, [READ_SCOPE])
    await world.auth.authenticate(issued.access_token, READ_SCOPE)
    with pytest.raises(PermissionDenied):
        await world.auth.authenticate(issued.access_token, WRITE_SCOPE)
    await world.directory.set_permissions(tenant.app_key, [READ_SCOPE, WRITE_SCOPE])
    await world.auth.authenticate(issued.access_token, WRITE_SCOPE)


async def test_suite_token_for_an_authorising_org(world: World, tenant: Tenant) -> None:
    suite = await world.directory.create_suite("a suite", [READ_SCOPE])
    suite_key = suite.app.app_key
    ticket = await world.directory.new_suite_ticket(suite_key)
    corp = tenant.org.corp_id

    with pytest.raises(InvalidCredentials):  # not authorised yet
        await world.auth.token_for_suite(suite_key, suite.app_secret, corp, ticket)
    await world.directory.authorize_suite(suite_key, corp)
    await world.directory.authorize_suite(suite_key, corp)  # twice is harmless

    issued = await world.auth.token_for_suite(suite_key, suite.app_secret, corp, ticket)
    principal = await world.auth.authenticate(issued.access_token, READ_SCOPE)
    assert principal.org_id == tenant.org.id
    assert principal.app_id == suite.app.id
    with pytest.raises(PermissionDenied):
        await world.auth.authenticate(issued.access_token, WRITE_SCOPE)

    for args in [
        (suite_key, suite.app_secret + "x", corp, ticket),
        (suite_key, suite.app_secret, corp, ticket + "x"),
        (suite_key, suite.app_secret, "dingnosuchcorp", ticket),
        (tenant.app_key, tenant.app_secret, corp, ticket),  # an internal app is no suite
    ]:
        with pytest.raises(InvalidCredentials):
            await world.auth.token_for_suite(*args)

    # A new ticket replaces the old one.
    fresh = await world.directory.new_suite_ticket(suite_key)
    with pytest.raises(InvalidCredentials):
        await world.auth.token_for_suite(suite_key, suite.app_secret, corp, ticket)
    await world.auth.token_for_suite(suite_key, suite.app_secret, corp, fresh)


async def test_suite_key_is_not_an_internal_app(world: World) -> None:
    suite = await world.directory.create_suite("another suite")
    with pytest.raises(InvalidCredentials):
        await world.auth.token_for_app(suite.app.app_key, suite.app_secret)


async def test_suite_without_ticket_cannot_get_tokens(world: World, tenant: Tenant) -> None:
    suite = await world.directory.create_suite("ticketless suite")
    await world.directory.authorize_suite(suite.app.app_key, tenant.org.corp_id)
    with pytest.raises(InvalidCredentials):
        await world.auth.token_for_suite(
            suite.app.app_key, suite.app_secret, tenant.org.corp_id, ""
        )
