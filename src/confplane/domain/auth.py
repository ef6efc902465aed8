"""Access tokens: issued for an app's credentials, stored hashed, checked on every call."""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from confplane.domain import ids
from confplane.domain.clock import now_ms
from confplane.domain.errors import InvalidCredentials, InvalidToken, PermissionDenied
from confplane.domain.model import AppKind, Principal
from confplane.store import directory as store
from confplane.store.database import Connection, Database

TOKEN_LIFETIME_S = 7200


@dataclass(frozen=True, slots=True)
class IssuedToken:
    access_token: str
    expire_in: int


class AuthService:
    def __init__(self, db: Database, token_lifetime_s: int = TOKEN_LIFETIME_S) -> None:
        self._db = db
        self._lifetime_s = token_lifetime_s

    async def token_for_app(self, app_key: str, app_secret: str) -> IssuedToken:
        """GetAccessToken: an internal app's token for its own org."""
        async with self._db.write() as conn:
            found = await store.app_with_secret(conn, app_key)
            if found is None or found[0].kind != AppKind.INTERNAL or found[0].org_id is None:
                raise InvalidCredentials("appKey does not name an internal app")
            app, secret_hash, _ = found
            assert app.org_id is not None
            if not hmac.compare_digest(secret_hash, ids.digest(app_secret)):
                raise InvalidCredentials("appSecret does not match")
            return await self._issue(conn, app.id, app.org_id)

    async def token_for_suite(
        self, suite_key: str, suite_secret: str, auth_corp_id: str, suite_ticket: str
    ) -> IssuedToken:
        """GetCorpAccessToken: a third-party app's token for one org that authorised it."""
        async with self._db.write() as conn:
            found = await store.app_with_secret(conn, suite_key)
            if found is None or found[0].kind != AppKind.SUITE:
                raise InvalidCredentials("suiteKey does not name a third-party app")
            app, secret_hash, ticket_hash = found
            if not hmac.compare_digest(secret_hash, ids.digest(suite_secret)):
                raise InvalidCredentials("suiteSecret does not match")
            if ticket_hash is None or not hmac.compare_digest(
                ticket_hash, ids.digest(suite_ticket)
            ):
                raise InvalidCredentials("suiteTicket is not the suite's current ticket")
            org = await store.org_by_corp_id(conn, auth_corp_id)
            if org is None or not await store.suite_authorized(conn, app.id, org.id):
                raise InvalidCredentials("authCorpId has not authorised this suite")
            return await self._issue(conn, app.id, org.id)

    async def _issue(self, conn: Connection, app_id: int, org_id: int) -> IssuedToken:
        token = ids.access_token()
        now = now_ms()
        expires_at = now + self._lifetime_s * 1000
        await store.insert_token(conn, ids.digest(token), app_id, org_id, expires_at, now)
        return IssuedToken(access_token=token, expire_in=self._lifetime_s)

    async def authenticate(self, raw_token: str | None, scope: str) -> Principal:
        """The caller behind a token, if the token is live and grants ``scope``."""
        if not raw_token:
            raise InvalidToken("access token is missing")
        async with self._db.read() as conn:
            grant = await store.token_grant(conn, ids.digest(raw_token))
        if grant is None:
            raise InvalidToken("access token is unknown")
        app_id, org_id, expires_at, permissions = grant
        if expires_at <= now_ms():
            raise InvalidToken("access token has expired")
        granted = frozenset(p for p in permissions.split(",") if p)
        if scope not in granted:
            raise PermissionDenied(scope)
        return Principal(app_id=app_id, org_id=org_id, permissions=granted)
