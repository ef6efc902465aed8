"""Queries over orgs, apps, suite authorisations, users and access tokens."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import and_, bindparam, delete, insert, select, update

from confplane.domain.model import App, Org, User
from confplane.domain.storage import NewApp, TokenGrant
from confplane.store.raw import Statement, Table
from confplane.store.schema import access_tokens, apps, orgs, suite_authorizations, users


def _permissions(joined: str) -> tuple[str, ...]:
    return tuple(p for p in joined.split(",") if p)


def _org(row: Any) -> Org:
    return Org(id=row.id, corp_id=row.corp_id, name=row.name)


def _app(row: Any) -> App:
    return App(
        id=row.id,
        app_key=row.app_key,
        kind=row.kind,
        name=row.name,
        org_id=row.org_id,
        permissions=_permissions(row.permissions),
    )


def _user(row: Any) -> User:
    return User(
        id=row.id,
        org_id=row.org_id,
        union_id=row.union_id,
        user_id=row.user_id,
        nick=row.nick,
        job_number=row.job_number,
    )


# The lookups of GetAccessToken, CreateVideoConference and CloseVideoConference, as
# plain SQL on the driver (see store.raw): through SQLAlchemy each cost more than the
# rest of its request's database work.
_U = "id, org_id, union_id, user_id, nick, job_number"
_USER_BY_UNION_ID = Statement(f"SELECT {_U} FROM users WHERE union_id = :uid")
_USERS_BY_UNION_IDS = Statement(
    f"SELECT {_U} FROM users WHERE union_id IN (SELECT value FROM json_each(:uids))",
    postgres=f"SELECT {_U} FROM users WHERE union_id = ANY(:uids)",
)
_APP_BY_KEY = Statement(
    "SELECT id, app_key, kind, name, org_id, permissions, secret_hash, suite_ticket_hash"
    " FROM apps WHERE app_key = :key"
)
_LIVE_TOKEN = Statement(
    "SELECT token, token_hash, expires_at FROM access_tokens WHERE app_id = :app"
    " AND org_id = :org AND expires_at > :now AND token IS NOT NULL"
    " ORDER BY expires_at DESC LIMIT 1"
)
_SWEEP_TOKENS = delete(access_tokens).where(access_tokens.c.expires_at < bindparam("now"))
_INSERT_TOKEN = insert(access_tokens)


class DirectoryTable(Table):
    """``DirectoryReads`` and ``DirectoryWrites`` over one connection of a transaction."""

    __slots__ = ()

    async def add_org(self, corp_id: str, name: str, now: int) -> Org:
        result = await self._conn.execute(
            insert(orgs).values(corp_id=corp_id, name=name, created_at=now).returning(orgs)
        )
        return _org(result.one())

    async def org_by_corp_id(self, corp_id: str) -> Org | None:
        row = (await self._conn.execute(select(orgs).where(orgs.c.corp_id == corp_id))).first()
        return None if row is None else _org(row)

    async def list_orgs(self) -> list[Org]:
        rows = await self._conn.execute(select(orgs).order_by(orgs.c.id))
        return [_org(r) for r in rows]

    async def any_org(self) -> bool:
        return (await self._conn.execute(select(orgs.c.id).limit(1))).first() is not None

    async def add_app(self, app: NewApp) -> App:
        result = await self._conn.execute(
            insert(apps)
            .values(
                app_key=app.app_key,
                secret_hash=app.secret_hash,
                kind=app.kind,
                name=app.name,
                org_id=app.org_id,
                permissions=",".join(app.permissions),
                created_at=app.created_at,
            )
            .returning(apps)
        )
        return _app(result.one())

    async def app_with_secret(self, app_key: str) -> tuple[App, str, str | None] | None:
        """The app, its secret digest and its suite ticket digest."""
        rows = await self._rows(_APP_BY_KEY, key=app_key)
        if not rows:
            return None
        id_, key, kind, name, org_id, permissions, secret_hash, ticket_hash = rows[0]
        app = App(
            id=id_,
            app_key=key,
            kind=kind,
            name=name,
            org_id=org_id,
            permissions=_permissions(permissions),
        )
        return app, secret_hash, ticket_hash

    async def app_by_key(self, app_key: str) -> App | None:
        found = await self.app_with_secret(app_key)
        return None if found is None else found[0]

    async def list_apps(self) -> list[App]:
        rows = await self._conn.execute(select(apps).order_by(apps.c.id))
        return [_app(r) for r in rows]

    async def set_permissions(self, app_id: int, permissions: Sequence[str]) -> None:
        query = update(apps).where(apps.c.id == app_id).values(permissions=",".join(permissions))
        await self._conn.execute(query)

    async def set_secret(self, app_id: int, secret_hash: str) -> None:
        query = update(apps).where(apps.c.id == app_id).values(secret_hash=secret_hash)
        await self._conn.execute(query)

    async def set_suite_ticket(self, app_id: int, ticket_hash: str) -> None:
        query = update(apps).where(apps.c.id == app_id).values(suite_ticket_hash=ticket_hash)
        await self._conn.execute(query)

    async def authorize_suite(self, app_id: int, org_id: int) -> None:
        exists = await self.suite_authorized(app_id, org_id)
        if not exists:
            await self._conn.execute(
                insert(suite_authorizations).values(app_id=app_id, org_id=org_id)
            )

    async def suite_authorized(self, app_id: int, org_id: int) -> bool:
        row = (
            await self._conn.execute(
                select(suite_authorizations.c.app_id).where(
                    and_(
                        suite_authorizations.c.app_id == app_id,
                        suite_authorizations.c.org_id == org_id,
                    )
                )
            )
        ).first()
        return row is not None

    async def add_user(
        self, org_id: int, union_id: str, user_id: str, nick: str, job_number: str | None
    ) -> User:
        values = {
            "org_id": org_id,
            "union_id": union_id,
            "user_id": user_id,
            "nick": nick,
            "job_number": job_number,
        }
        result = await self._conn.execute(insert(users).values(**values).returning(users))
        return _user(result.one())

    async def user_by_union_id(self, union_id: str) -> User | None:
        rows = await self._rows(_USER_BY_UNION_ID, uid=union_id)
        return User(*rows[0]) if rows else None

    async def user_by_user_id(self, org_id: int, user_id: str) -> User | None:
        row = (
            await self._conn.execute(
                select(users).where(and_(users.c.org_id == org_id, users.c.user_id == user_id))
            )
        ).first()
        return None if row is None else _user(row)

    async def users_by_union_ids(self, union_ids: Sequence[str]) -> list[User]:
        if not union_ids:
            return []
        rows = await self._rows(_USERS_BY_UNION_IDS, uids=self._dialect.list_param(union_ids))
        return [User(*r) for r in rows]

    async def list_users(self, org_id: int) -> list[User]:
        rows = await self._conn.execute(
            select(users).where(users.c.org_id == org_id).order_by(users.c.id)
        )
        return [_user(r) for r in rows]

    async def add_token(
        self, sealed: str, token_hash: str, app_id: int, org_id: int, expires_at: int, now: int
    ) -> None:
        # Expired tokens are swept as new ones are issued, so the table holds about one
        # live token per app and org.
        await self._conn.execute(_SWEEP_TOKENS, {"now": now})
        await self._conn.execute(
            _INSERT_TOKEN,
            {
                "token_hash": token_hash,
                "app_id": app_id,
                "org_id": org_id,
                "expires_at": expires_at,
                "token": sealed,
            },
        )

    async def live_token(self, app_id: int, org_id: int, now: int) -> tuple[str, str, int] | None:
        rows = await self._rows(_LIVE_TOKEN, app=app_id, org=org_id, now=now)
        if not rows:
            return None
        token, token_hash, expires_at = rows[0]
        return str(token), str(token_hash), int(expires_at)

    async def renew_token(self, token_hash: str, expires_at: int) -> None:
        query = (
            update(access_tokens)
            .where(access_tokens.c.token_hash == token_hash)
            .values(expires_at=expires_at)
        )
        await self._conn.execute(query)

    async def token_grant(self, token_hash: str) -> TokenGrant | None:
        row = (
            await self._conn.execute(
                select(
                    access_tokens.c.app_id,
                    access_tokens.c.org_id,
                    access_tokens.c.expires_at,
                    apps.c.permissions,
                    apps.c.app_key,
                    orgs.c.corp_id,
                )
                .join(apps, apps.c.id == access_tokens.c.app_id)
                .join(orgs, orgs.c.id == access_tokens.c.org_id)
                .where(access_tokens.c.token_hash == token_hash)
            )
        ).first()
        if row is None:
            return None
        return TokenGrant(
            row.app_id, row.org_id, row.expires_at, row.permissions, row.app_key, row.corp_id
        )
