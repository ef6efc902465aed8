"""Orgs, apps, third-party suites and users: what the admin API manages."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from confplane.domain import ids
from confplane.domain.clock import now_ms
from confplane.domain.errors import Conflict, InvalidParams, NotFound
from confplane.domain.model import ALL_SCOPES, App, AppKind, Org, User
from confplane.domain.storage import DirectoryReads, DirectoryWrites, NewApp, Store

_ID_PATTERN = re.compile(r"^[A-Za-z0-9_.\-]{1,64}$")


@dataclass(frozen=True, slots=True)
class AppCredentials:
    """An app as created: the only time its secret is shown."""

    app: App
    app_secret: str


def _check_id(name: str, value: str) -> None:
    if not _ID_PATTERN.match(value):
        raise InvalidParams(f"{name} must be 1-64 letters, digits, '.', '_' or '-'")


def _check_text(name: str, value: str | None, limit: int, *, required: bool = True) -> None:
    """Names fit their columns: over-long text is refused, never truncated."""
    if value is None and not required:
        return
    if value is None or (required and not value.strip()) or len(value) > limit:
        raise InvalidParams(f"{name} must be 1-{limit} characters")


def _check_permissions(permissions: Sequence[str]) -> tuple[str, ...]:
    unknown = [p for p in permissions if p not in ALL_SCOPES]
    if unknown:
        raise InvalidParams(f"unknown permissions: {', '.join(unknown)}")
    return tuple(dict.fromkeys(permissions))


@dataclass(frozen=True, slots=True)
class NewUser:
    """A user to add; the ids are made up when not given."""

    nick: str
    user_id: str | None = None
    union_id: str | None = None
    job_number: str | None = None


class DirectoryService:
    def __init__(
        self, store: Store, *, on_permissions_changed: Callable[[int], None] | None = None
    ) -> None:
        self._store = store
        # Told the app id after its permissions change (AuthService drops cached grants).
        self._on_permissions_changed = on_permissions_changed

    async def _org(self, directory: DirectoryReads, corp_id: str) -> Org:
        org = await directory.org_by_corp_id(corp_id)
        if org is None:
            raise NotFound(f"org {corp_id} does not exist")
        return org

    async def create_org(self, name: str, corp_id: str | None = None) -> Org:
        async with self._store.write() as tx:
            return await self._add_org(tx.directory, name, corp_id)

    async def _add_org(self, directory: DirectoryWrites, name: str, corp_id: str | None) -> Org:
        corp_id = corp_id or "ding" + ids.app_key()[4:]
        _check_id("corpId", corp_id)
        _check_text("name", name, 256)
        if await directory.org_by_corp_id(corp_id) is not None:
            raise Conflict(f"org {corp_id} already exists")
        return await directory.add_org(corp_id, name.strip(), now_ms())

    async def create_org_with_app(
        self,
        name: str,
        corp_id: str | None,
        app_name: str,
        users: Sequence[NewUser],
    ) -> tuple[Org, AppCredentials, list[User]]:
        """An org, its internal app (both permissions) and its users, in one transaction
        (one commit: what the emulator's reset to the demo org makes)."""
        async with self._store.write() as tx:
            org = await self._add_org(tx.directory, name, corp_id)
            creds = await self._add_internal_app(tx.directory, org, app_name, ALL_SCOPES)
            made = [await self._add_user(tx.directory, org, user) for user in users]
        return org, creds, made

    async def get_org(self, corp_id: str) -> Org:
        async with self._store.read() as tx:
            return await self._org(tx.directory, corp_id)

    async def list_orgs(self) -> list[Org]:
        async with self._store.read() as tx:
            return await tx.directory.list_orgs()

    async def has_orgs(self) -> bool:
        async with self._store.read() as tx:
            return await tx.directory.any_org()

    async def create_internal_app(
        self, corp_id: str, name: str, permissions: Sequence[str] = ALL_SCOPES
    ) -> AppCredentials:
        async with self._store.write() as tx:
            org = await self._org(tx.directory, corp_id)
            return await self._add_internal_app(tx.directory, org, name, permissions)

    async def _add_internal_app(
        self, directory: DirectoryWrites, org: Org, name: str, permissions: Sequence[str]
    ) -> AppCredentials:
        _check_text("name", name, 256)
        perms = _check_permissions(permissions)
        secret = ids.app_secret()
        new = NewApp(
            ids.app_key(), ids.digest(secret), AppKind.INTERNAL, name, org.id, perms, now_ms()
        )
        return AppCredentials(app=await directory.add_app(new), app_secret=secret)

    async def create_suite(
        self, name: str, permissions: Sequence[str] = ALL_SCOPES
    ) -> AppCredentials:
        _check_text("name", name, 256)
        perms = _check_permissions(permissions)
        async with self._store.write() as tx:
            secret = ids.app_secret()
            new = NewApp(
                "suite" + ids.app_key()[4:],
                ids.digest(secret),
                AppKind.SUITE,
                name,
                None,
                perms,
                now_ms(),
            )
            app = await tx.directory.add_app(new)
            return AppCredentials(app=app, app_secret=secret)

    async def _app(self, directory: DirectoryReads, app_key: str) -> App:
        app = await directory.app_by_key(app_key)
        if app is None:
            raise NotFound(f"app {app_key} does not exist")
        return app

    async def get_app(self, app_key: str) -> App:
        async with self._store.read() as tx:
            return await self._app(tx.directory, app_key)

    async def list_apps(self) -> list[App]:
        async with self._store.read() as tx:
            return await tx.directory.list_apps()

    async def set_permissions(self, app_key: str, permissions: Sequence[str]) -> App:
        perms = _check_permissions(permissions)
        async with self._store.write() as tx:
            app = await self._app(tx.directory, app_key)
            await tx.directory.set_permissions(app.id, perms)
            updated = await self._app(tx.directory, app_key)
        if self._on_permissions_changed is not None:
            self._on_permissions_changed(app.id)
        return updated

    async def rotate_secret(self, app_key: str) -> AppCredentials:
        """A new secret for an app or suite (the old one stops working at once); the
        tokens already issued keep working until they expire, as the app's cached token
        would. The new secret is shown this once."""
        secret = ids.app_secret()
        async with self._store.write() as tx:
            app = await self._app(tx.directory, app_key)
            await tx.directory.set_secret(app.id, ids.digest(secret))
        return AppCredentials(app=app, app_secret=secret)

    async def new_suite_ticket(self, suite_key: str) -> str:
        """Rotate the suite's ticket (DingTalk pushes one to the suite periodically)."""
        async with self._store.write() as tx:
            app = await self._app(tx.directory, suite_key)
            if app.kind != AppKind.SUITE:
                raise InvalidParams(f"{suite_key} is not a third-party suite")
            ticket = ids.app_secret()
            await tx.directory.set_suite_ticket(app.id, ids.digest(ticket))
            return ticket

    async def authorize_suite(self, suite_key: str, corp_id: str) -> None:
        async with self._store.write() as tx:
            app = await self._app(tx.directory, suite_key)
            if app.kind != AppKind.SUITE:
                raise InvalidParams(f"{suite_key} is not a third-party suite")
            org = await self._org(tx.directory, corp_id)
            await tx.directory.authorize_suite(app.id, org.id)

    async def create_user(
        self,
        corp_id: str,
        *,
        nick: str,
        user_id: str | None = None,
        union_id: str | None = None,
        job_number: str | None = None,
    ) -> User:
        async with self._store.write() as tx:
            org = await self._org(tx.directory, corp_id)
            user = NewUser(nick, user_id, union_id, job_number)
            return await self._add_user(tx.directory, org, user)

    async def _add_user(self, directory: DirectoryWrites, org: Org, user: NewUser) -> User:
        union_id = user.union_id or ids.union_id()
        user_id = user.user_id or ids.numeric_password(12)
        _check_id("unionId", union_id)
        _check_id("userId", user_id)
        _check_text("nick", user.nick, 256)
        _check_text("jobNumber", user.job_number, 64, required=False)
        if await directory.user_by_union_id(union_id) is not None:
            raise Conflict(f"unionId {union_id} already exists")
        if await directory.user_by_user_id(org.id, user_id) is not None:
            raise Conflict(f"userId {user_id} already exists in {org.corp_id}")
        return await directory.add_user(
            org.id, union_id, user_id, user.nick.strip(), user.job_number
        )

    async def list_users(self, corp_id: str) -> list[User]:
        async with self._store.read() as tx:
            org = await self._org(tx.directory, corp_id)
            return await tx.directory.list_users(org.id)

    async def get_user(self, union_id: str) -> User:
        async with self._store.read() as tx:
            user = await tx.directory.user_by_union_id(union_id)
        if user is None:
            raise NotFound(f"user {union_id} does not exist")
        return user
