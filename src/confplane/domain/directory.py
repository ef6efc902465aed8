"""Orgs, apps, third-party suites and users: what the admin API manages."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from confplane.domain import ids
from confplane.domain.clock import now_ms
from confplane.domain.errors import Conflict, InvalidParams, NotFound
from confplane.domain.model import ALL_SCOPES, App, AppKind, Org, User
from confplane.store import directory as store
from confplane.store.database import Connection, Database

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


class DirectoryService:
    def __init__(
        self, db: Database, *, on_permissions_changed: Callable[[int], None] | None = None
    ) -> None:
        self._db = db
        # Told the app id after its permissions change (AuthService drops cached grants).
        self._on_permissions_changed = on_permissions_changed

    async def _org(self, conn: Connection, corp_id: str) -> Org:
        org = await store.org_by_corp_id(conn, corp_id)
        if org is None:
            raise NotFound(f"org {corp_id} does not exist")
        return org

    async def create_org(self, name: str, corp_id: str | None = None) -> Org:
        corp_id = corp_id or "ding" + ids.app_key()[4:]
        _check_id("corpId", corp_id)
        _check_text("name", name, 256)
        async with self._db.write() as conn:
            if await store.org_by_corp_id(conn, corp_id) is not None:
                raise Conflict(f"org {corp_id} already exists")
            return await store.insert_org(conn, corp_id, name.strip(), now_ms())

    async def get_org(self, corp_id: str) -> Org:
        async with self._db.read() as conn:
            return await self._org(conn, corp_id)

    async def list_orgs(self) -> list[Org]:
        async with self._db.read() as conn:
            return await store.list_orgs(conn)

    async def has_orgs(self) -> bool:
        async with self._db.read() as conn:
            return await store.any_org(conn)

    async def create_internal_app(
        self, corp_id: str, name: str, permissions: Sequence[str] = ALL_SCOPES
    ) -> AppCredentials:
        _check_text("name", name, 256)
        perms = _check_permissions(permissions)
        async with self._db.write() as conn:
            org = await self._org(conn, corp_id)
            secret = ids.app_secret()
            app = await store.insert_app(
                conn,
                app_key=ids.app_key(),
                secret_hash=ids.digest(secret),
                kind=AppKind.INTERNAL,
                name=name,
                org_id=org.id,
                permissions=perms,
                now=now_ms(),
            )
            return AppCredentials(app=app, app_secret=secret)

    async def create_suite(
        self, name: str, permissions: Sequence[str] = ALL_SCOPES
    ) -> AppCredentials:
        _check_text("name", name, 256)
        perms = _check_permissions(permissions)
        async with self._db.write() as conn:
            secret = ids.app_secret()
            app = await store.insert_app(
                conn,
                app_key="suite" + ids.app_key()[4:],
                secret_hash=ids.digest(secret),
                kind=AppKind.SUITE,
                name=name,
                org_id=None,
                permissions=perms,
                now=now_ms(),
            )
            return AppCredentials(app=app, app_secret=secret)

    async def _app(self, conn: Connection, app_key: str) -> App:
        app = await store.app_by_key(conn, app_key)
        if app is None:
            raise NotFound(f"app {app_key} does not exist")
        return app

    async def get_app(self, app_key: str) -> App:
        async with self._db.read() as conn:
            return await self._app(conn, app_key)

    async def list_apps(self) -> list[App]:
        async with self._db.read() as conn:
            return await store.list_apps(conn)

    async def set_permissions(self, app_key: str, permissions: Sequence[str]) -> App:
        perms = _check_permissions(permissions)
        async with self._db.write() as conn:
            app = await self._app(conn, app_key)
            await store.update_app(conn, app.id, permissions=perms)
            updated = await self._app(conn, app_key)
        if self._on_permissions_changed is not None:
            self._on_permissions_changed(app.id)
        return updated

    async def new_suite_ticket(self, suite_key: str) -> str:
        """Rotate the suite's ticket (DingTalk pushes one to the suite periodically)."""
        async with self._db.write() as conn:
            app = await self._app(conn, suite_key)
            if app.kind != AppKind.SUITE:
                raise InvalidParams(f"{suite_key} is not a third-party suite")
            ticket = ids.app_secret()
            await store.update_app(conn, app.id, suite_ticket_hash=ids.digest(ticket))
            return ticket

    async def authorize_suite(self, suite_key: str, corp_id: str) -> None:
        async with self._db.write() as conn:
            app = await self._app(conn, suite_key)
            if app.kind != AppKind.SUITE:
                raise InvalidParams(f"{suite_key} is not a third-party suite")
            org = await self._org(conn, corp_id)
            await store.authorize_suite(conn, app.id, org.id)

    async def create_user(
        self,
        corp_id: str,
        *,
        nick: str,
        user_id: str | None = None,
        union_id: str | None = None,
        job_number: str | None = None,
    ) -> User:
        union_id = union_id or ids.union_id()
        user_id = user_id or ids.numeric_password(12)
        _check_id("unionId", union_id)
        _check_id("userId", user_id)
        _check_text("nick", nick, 256)
        _check_text("jobNumber", job_number, 64, required=False)
        async with self._db.write() as conn:
            org = await self._org(conn, corp_id)
            if await store.user_by_union_id(conn, union_id) is not None:
                raise Conflict(f"unionId {union_id} already exists")
            if await store.user_by_user_id(conn, org.id, user_id) is not None:
                raise Conflict(f"userId {user_id} already exists in {corp_id}")
            return await store.insert_user(
                conn,
                org_id=org.id,
                union_id=union_id,
                user_id=user_id,
                nick=nick.strip(),
                job_number=job_number,
            )

    async def list_users(self, corp_id: str) -> list[User]:
        async with self._db.read() as conn:
            org = await self._org(conn, corp_id)
            return await store.list_users(conn, org.id)

    async def get_user(self, union_id: str) -> User:
        async with self._db.read() as conn:
            user = await store.user_by_union_id(conn, union_id)
        if user is None:
            raise NotFound(f"user {union_id} does not exist")
        return user
