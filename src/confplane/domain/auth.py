"""Access tokens: issued for an app's credentials, stored hashed, checked on every call."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

from confplane.domain import ids
from confplane.domain.clock import Clock
from confplane.domain.errors import InvalidCredentials, InvalidToken, PermissionDenied
from confplane.domain.model import AppKind, Principal
from confplane.domain.sealing import seal, unseal
from confplane.domain.storage import DirectoryReads, Store

TOKEN_LIFETIME_S = 7200
# Grants kept in memory at most this long: a permission change made through another
# server process reaches this one within it (this process's own changes at once).
TOKEN_CACHE_S = 5.0
TOKEN_CACHE_MAX = 10_000
# A token asked for again is renewed (its expiry moved to now + lifetime) at most this
# often: an app that asks before every call costs a read, and its token's expiry lags a
# full lifetime by under a second.
RENEW_EVERY_MS = 1_000


@dataclass(frozen=True, slots=True)
class _Grant:
    app_id: int
    org_id: int
    expires_at: int
    permissions: frozenset[str]
    fetched_at: float
    app_key: str
    corp_id: str


@dataclass(frozen=True, slots=True)
class IssuedToken:
    access_token: str
    expire_in: int


class AuthService:
    """Issues tokens and checks them.

    The check of a token runs on every call, so what a token grants is cached in memory
    for ``cache_s`` seconds (0 turns the cache off), keyed by the token's digest. The
    expiry time is cached with it and compared on every call, so a token stops working
    the millisecond it expires; ``forget_app`` drops an app's grants at once when its
    permissions change in this process.
    """

    def __init__(
        self,
        store: Store,
        token_lifetime_s: int = TOKEN_LIFETIME_S,
        *,
        cache_s: float = 0.0,
        clock: Callable[[], float] = time.monotonic,
        server_clock: Clock | None = None,
        token_key: bytes | None = None,
    ) -> None:
        self._server_clock = server_clock or Clock()
        # Seals the tokens kept for handing out again (see sealing); every process of a
        # server shares it, so each can hand out the others' tokens.
        self._token_key = token_key or secrets.token_bytes(32)
        self._store = store
        self._lifetime_s = token_lifetime_s
        self._cache_s = cache_s
        self._clock = clock
        self._grants: dict[str, _Grant] = {}

    def forget_all(self) -> None:
        """Drop every cached grant (the directory was emptied)."""
        self._grants.clear()

    def forget_app(self, app_id: int) -> None:
        """Drop cached grants of an app whose permissions just changed."""
        self._grants = {k: g for k, g in self._grants.items() if g.app_id != app_id}

    async def _grant(self, digest: str, *, cached_ok: bool = True) -> _Grant | None:
        now = self._clock()
        cached = self._grants.get(digest) if cached_ok else None
        if cached is not None and now - cached.fetched_at < self._cache_s:
            return cached
        async with self._store.read() as tx:
            row = await tx.directory.token_grant(digest)
        if row is None:
            return None
        granted = frozenset(p for p in row.permissions.split(",") if p)
        grant = _Grant(
            row.app_id, row.org_id, row.expires_at, granted, now, row.app_key, row.corp_id
        )
        if self._cache_s > 0:
            if len(self._grants) >= TOKEN_CACHE_MAX:
                self._grants = {
                    k: g for k, g in self._grants.items() if now - g.fetched_at < self._cache_s
                }
                if len(self._grants) >= TOKEN_CACHE_MAX:
                    self._grants.clear()
            self._grants[digest] = grant
        return grant

    async def token_for_app(self, app_key: str, app_secret: str) -> IssuedToken:
        """GetAccessToken: an internal app's token for its own org."""
        async with self._store.read() as tx:
            found = await tx.directory.app_with_secret(app_key)
            if found is None or found[0].kind != AppKind.INTERNAL or found[0].org_id is None:
                raise InvalidCredentials("appKey does not name an internal app")
            app, secret_hash, _ = found
            assert app.org_id is not None
            if not ids.matches(app_secret, secret_hash):
                raise InvalidCredentials("appSecret does not match")
            live = await self._live(tx.directory, app.id, app.org_id)
        return live or await self._issue(app.id, app.org_id)

    async def token_for_suite(
        self, suite_key: str, suite_secret: str, auth_corp_id: str, suite_ticket: str
    ) -> IssuedToken:
        """GetCorpAccessToken: a third-party app's token for one org that authorised it."""
        async with self._store.read() as tx:
            found = await tx.directory.app_with_secret(suite_key)
            if found is None or found[0].kind != AppKind.SUITE:
                raise InvalidCredentials("suiteKey does not name a third-party app")
            app, secret_hash, ticket_hash = found
            if not ids.matches(suite_secret, secret_hash):
                raise InvalidCredentials("suiteSecret does not match")
            if ticket_hash is None or not ids.matches(suite_ticket, ticket_hash):
                raise InvalidCredentials("suiteTicket is not the suite's current ticket")
            org = await tx.directory.org_by_corp_id(auth_corp_id)
            if org is None or not await tx.directory.suite_authorized(app.id, org.id):
                raise InvalidCredentials("authCorpId has not authorised this suite")
            live = await self._live(tx.directory, app.id, org.id)
        return live or await self._issue(app.id, org.id)

    async def _live(
        self, directory: DirectoryReads, app_id: int, org_id: int
    ) -> IssuedToken | None:
        """The app's live token, if it was renewed within the last RENEW_EVERY_MS: then
        renewing it again would move its expiry by less than that, so nothing is written
        (apps that ask for a token per call cost a read, not a write)."""
        now = self._server_clock.now_ms()
        live = await directory.live_token(app_id, org_id, now)
        if live is None:
            return None
        sealed, token_digest, expires_at = live
        token = unseal(self._token_key, sealed, token_digest)
        if token is None:
            return None
        # Renewed long enough ago, or given a longer life than this server now grants.
        if abs(now + self._lifetime_s * 1000 - expires_at) >= RENEW_EVERY_MS:
            return None
        return IssuedToken(access_token=token, expire_in=self._lifetime_s)

    async def _issue(self, app_id: int, org_id: int) -> IssuedToken:
        """As DingTalk does: while the app's token lives, the same token, its validity
        renewed; after it expired, a new one."""
        async with self._store.write() as tx:
            now = self._server_clock.now_ms()
            expires_at = now + self._lifetime_s * 1000
            live = await tx.directory.live_token(app_id, org_id, now)
            token = None if live is None else unseal(self._token_key, live[0], live[1])
            if token is not None:
                digest = ids.digest(token)
                await tx.directory.renew_token(digest, expires_at)
                self._grants.pop(digest, None)
            else:
                token = ids.access_token()
                digest = ids.digest(token)
                sealed = seal(self._token_key, token)
                await tx.directory.add_token(sealed, digest, app_id, org_id, expires_at, now)
        return IssuedToken(access_token=token, expire_in=self._lifetime_s)

    async def authenticate(self, raw_token: str | None, scope: str) -> Principal:
        """The caller behind a token, if the token is live and grants ``scope``."""
        if not raw_token:
            raise InvalidToken("access token is missing")
        digest = ids.digest(raw_token)
        grant = await self._grant(digest)
        if grant is None:
            raise InvalidToken("access token is unknown")
        if grant.expires_at <= self._server_clock.now_ms():
            # Its app may have renewed it since it was cached (in another process too).
            grant = await self._grant(digest, cached_ok=False)
            if grant is None or grant.expires_at <= self._server_clock.now_ms():
                raise InvalidToken("access token has expired")
        if scope not in grant.permissions:
            raise PermissionDenied(scope)
        return Principal(
            grant.app_id, grant.org_id, grant.permissions, grant.app_key, grant.corp_id
        )
