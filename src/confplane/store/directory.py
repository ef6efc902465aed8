"""Queries over orgs, apps, suite authorisations, users and access tokens."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import and_, bindparam, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from confplane.domain.model import App, Org, User
from confplane.store.schema import access_tokens, apps, orgs, suite_authorizations, users


def _org(row: Any) -> Org:
    return Org(id=row.id, corp_id=row.corp_id, name=row.name)


def _app(row: Any) -> App:
    perms = tuple(p for p in row.permissions.split(",") if p)
    return App(
        id=row.id,
        app_key=row.app_key,
        kind=row.kind,
        name=row.name,
        org_id=row.org_id,
        permissions=perms,
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


# GetAccessToken's statements, built once with bound parameters (see store.conferences).
_APP_BY_KEY = select(apps).where(apps.c.app_key == bindparam("app_key"))
_SWEEP_TOKENS = delete(access_tokens).where(access_tokens.c.expires_at < bindparam("now"))
_INSERT_TOKEN = insert(access_tokens)


async def insert_org(conn: AsyncConnection, corp_id: str, name: str, now: int) -> Org:
    result = await conn.execute(
        insert(orgs).values(corp_id=corp_id, name=name, created_at=now).returning(orgs)
    )
    return _org(result.one())


async def org_by_corp_id(conn: AsyncConnection, corp_id: str) -> Org | None:
    row = (await conn.execute(select(orgs).where(orgs.c.corp_id == corp_id))).first()
    return None if row is None else _org(row)


async def org_by_id(conn: AsyncConnection, org_id: int) -> Org | None:
    row = (await conn.execute(select(orgs).where(orgs.c.id == org_id))).first()
    return None if row is None else _org(row)


async def list_orgs(conn: AsyncConnection) -> list[Org]:
    rows = await conn.execute(select(orgs).order_by(orgs.c.id))
    return [_org(r) for r in rows]


async def any_org(conn: AsyncConnection) -> bool:
    return (await conn.execute(select(orgs.c.id).limit(1))).first() is not None


async def insert_app(
    conn: AsyncConnection,
    *,
    app_key: str,
    secret_hash: str,
    kind: str,
    name: str,
    org_id: int | None,
    permissions: Sequence[str],
    now: int,
) -> App:
    result = await conn.execute(
        insert(apps)
        .values(
            app_key=app_key,
            secret_hash=secret_hash,
            kind=kind,
            name=name,
            org_id=org_id,
            permissions=",".join(permissions),
            created_at=now,
        )
        .returning(apps)
    )
    return _app(result.one())


async def app_with_secret(
    conn: AsyncConnection, app_key: str
) -> tuple[App, str, str | None] | None:
    """The app, its secret digest and its suite ticket digest."""
    row = (await conn.execute(_APP_BY_KEY, {"app_key": app_key})).first()
    if row is None:
        return None
    return _app(row), row.secret_hash, row.suite_ticket_hash


async def app_by_key(conn: AsyncConnection, app_key: str) -> App | None:
    found = await app_with_secret(conn, app_key)
    return None if found is None else found[0]


async def list_apps(conn: AsyncConnection) -> list[App]:
    rows = await conn.execute(select(apps).order_by(apps.c.id))
    return [_app(r) for r in rows]


async def update_app(
    conn: AsyncConnection,
    app_id: int,
    *,
    permissions: Sequence[str] | None = None,
    suite_ticket_hash: str | None = None,
) -> None:
    values: dict[str, Any] = {}
    if permissions is not None:
        values["permissions"] = ",".join(permissions)
    if suite_ticket_hash is not None:
        values["suite_ticket_hash"] = suite_ticket_hash
    if values:
        await conn.execute(update(apps).where(apps.c.id == app_id).values(**values))


async def authorize_suite(conn: AsyncConnection, app_id: int, org_id: int) -> None:
    exists = await suite_authorized(conn, app_id, org_id)
    if not exists:
        await conn.execute(insert(suite_authorizations).values(app_id=app_id, org_id=org_id))


async def suite_authorized(conn: AsyncConnection, app_id: int, org_id: int) -> bool:
    row = (
        await conn.execute(
            select(suite_authorizations.c.app_id).where(
                and_(
                    suite_authorizations.c.app_id == app_id,
                    suite_authorizations.c.org_id == org_id,
                )
            )
        )
    ).first()
    return row is not None


async def insert_user(
    conn: AsyncConnection,
    *,
    org_id: int,
    union_id: str,
    user_id: str,
    nick: str,
    job_number: str | None,
) -> User:
    result = await conn.execute(
        insert(users)
        .values(org_id=org_id, union_id=union_id, user_id=user_id, nick=nick, job_number=job_number)
        .returning(users)
    )
    return _user(result.one())


async def user_by_union_id(conn: AsyncConnection, union_id: str) -> User | None:
    row = (await conn.execute(select(users).where(users.c.union_id == union_id))).first()
    return None if row is None else _user(row)


async def user_by_user_id(conn: AsyncConnection, org_id: int, user_id: str) -> User | None:
    row = (
        await conn.execute(
            select(users).where(and_(users.c.org_id == org_id, users.c.user_id == user_id))
        )
    ).first()
    return None if row is None else _user(row)


async def users_by_union_ids(conn: AsyncConnection, union_ids: Sequence[str]) -> list[User]:
    if not union_ids:
        return []
    rows = await conn.execute(select(users).where(users.c.union_id.in_(list(union_ids))))
    return [_user(r) for r in rows]


async def list_users(conn: AsyncConnection, org_id: int) -> list[User]:
    rows = await conn.execute(select(users).where(users.c.org_id == org_id).order_by(users.c.id))
    return [_user(r) for r in rows]


async def insert_token(
    conn: AsyncConnection, token_hash: str, app_id: int, org_id: int, expires_at: int, now: int
) -> None:
    # Expired tokens are swept as new ones are issued, keeping the table small.
    await conn.execute(_SWEEP_TOKENS, {"now": now})
    await conn.execute(
        _INSERT_TOKEN,
        {"token_hash": token_hash, "app_id": app_id, "org_id": org_id, "expires_at": expires_at},
    )


async def token_grant(conn: AsyncConnection, token_hash: str) -> tuple[int, int, int, str] | None:
    """(app_id, org_id, expires_at, permissions) of a token, or None."""
    row = (
        await conn.execute(
            select(
                access_tokens.c.app_id,
                access_tokens.c.org_id,
                access_tokens.c.expires_at,
                apps.c.permissions,
            )
            .join(apps, apps.c.id == access_tokens.c.app_id)
            .where(access_tokens.c.token_hash == token_hash)
        )
    ).first()
    if row is None:
        return None
    return row.app_id, row.org_id, row.expires_at, row.permissions
