"""AuthService's in-memory grant cache: what it may keep, and for how long (a fake clock)."""

from __future__ import annotations

import pytest

from confplane.domain.auth import AuthService
from confplane.domain.clock import Clock
from confplane.domain.directory import DirectoryService
from confplane.domain.errors import InvalidToken, PermissionDenied
from confplane.domain.model import READ_SCOPE, WRITE_SCOPE

from .conftest import Tenant, World


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def _set_permissions_elsewhere(world: World, app_key: str, scopes: list[str]) -> None:
    """As another server process would: straight to the store, no callback here."""
    async with world.store.write() as tx:
        app = await tx.directory.app_by_key(app_key)
        assert app is not None
        await tx.directory.set_permissions(app.id, scopes)


async def test_change_from_another_process_applies_once_the_cache_time_passes(
    world: World, tenant: Tenant
) -> None:
    clock = FakeClock()
    auth = AuthService(world.store, cache_s=5.0, clock=clock)
    issued = await auth.token_for_app(tenant.app_key, tenant.app_secret)
    await auth.authenticate(issued.access_token, WRITE_SCOPE)
    await _set_permissions_elsewhere(world, tenant.app_key, [READ_SCOPE])
    clock.now += 4.9
    await auth.authenticate(issued.access_token, WRITE_SCOPE)  # still the cached grant
    clock.now += 0.2
    with pytest.raises(PermissionDenied):
        await auth.authenticate(issued.access_token, WRITE_SCOPE)


async def test_change_in_this_process_applies_at_once(world: World, tenant: Tenant) -> None:
    auth = AuthService(world.store, cache_s=5.0, clock=FakeClock())
    directory = DirectoryService(world.store, on_permissions_changed=auth.forget_app)
    issued = await auth.token_for_app(tenant.app_key, tenant.app_secret)
    await auth.authenticate(issued.access_token, WRITE_SCOPE)
    await directory.set_permissions(tenant.app_key, [READ_SCOPE])
    with pytest.raises(PermissionDenied):
        await auth.authenticate(issued.access_token, WRITE_SCOPE)
    await directory.set_permissions(tenant.app_key, [READ_SCOPE, WRITE_SCOPE])
    await auth.authenticate(issued.access_token, WRITE_SCOPE)


async def test_expiry_is_checked_on_every_call_even_when_cached(
    world: World, tenant: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    server_clock = Clock()
    auth = AuthService(
        world.store,
        token_lifetime_s=60,
        cache_s=3600.0,
        clock=FakeClock(),
        server_clock=server_clock,
    )
    issued = await auth.token_for_app(tenant.app_key, tenant.app_secret)
    await auth.authenticate(issued.access_token, READ_SCOPE)  # now in the cache
    server_clock.advance(61_000)
    with pytest.raises(InvalidToken):
        await auth.authenticate(issued.access_token, READ_SCOPE)
