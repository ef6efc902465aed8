"""Who receives an app's events: its Stream-mode connections and its webhooks; the tail
of the event log and the dead letters (docs/events.md)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Sequence
from urllib.parse import urlsplit

from confplane.domain import ids
from confplane.domain.app_events import EVENT_TYPES, WEBHOOK, DeadLetter, Event, Subscriber
from confplane.domain.clock import Clock
from confplane.domain.errors import InvalidCredentials, InvalidParams, NotFound
from confplane.domain.model import App
from confplane.domain.storage import Reads, Store

DEFAULT_MAX_ATTEMPTS = 8
MAX_ATTEMPTS_LIMIT = 50
TAIL_LIMIT = 1000
# A ticket is good for this long between connections/open and the WebSocket.
TICKET_LIFETIME_MS = 60_000


class StreamTickets:
    """The ticket connections/open hands out: the appKey and an expiry, signed with the
    server's key, so that any process of the server accepts it."""

    def __init__(self, key: bytes, clock: Clock) -> None:
        self._key = key
        self._clock = clock

    def _mac(self, body: str) -> str:
        return hmac.new(self._key, body.encode(), hashlib.sha256).hexdigest()[:32]

    def issue(self, app_key: str) -> str:
        expires_at = self._clock.now_ms() + TICKET_LIFETIME_MS
        body = f"{secrets.token_hex(4)}.{expires_at}.{app_key}"
        return f"{body}.{self._mac(body)}"

    def app_key(self, ticket: str) -> str | None:
        """The app the ticket was issued to, if it is ours and has not expired."""
        body, _, mac = ticket.rpartition(".")
        if not body or not hmac.compare_digest(mac, self._mac(body)):
            return None
        _nonce, expires_at, app_key = body.split(".", 2)
        if int(expires_at) < self._clock.now_ms():
            return None
        return app_key


def _check_types(event_types: Sequence[str] | None) -> list[str] | None:
    if event_types is None:
        return None
    unknown = [t for t in event_types if t not in EVENT_TYPES]
    if unknown:
        raise InvalidParams(f"unknown event type {unknown[0]}")
    return list(dict.fromkeys(event_types))


def _check_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or len(url) > 2048:
        raise InvalidParams("url must be an http:// or https:// URL")
    return url


class SubscriptionService:
    def __init__(self, store: Store, tickets: StreamTickets, clock: Clock) -> None:
        self._store = store
        self.tickets = tickets
        self._clock = clock

    async def _app(self, tx: Reads, app_key: str) -> App:
        app = await tx.directory.app_by_key(app_key)
        if app is None:
            raise NotFound(f"no app {app_key}")
        return app

    # -- Stream mode ---------------------------------------------------------------

    async def open_stream(self, client_id: str, client_secret: str) -> tuple[App, str]:
        """connections/open: the app, and a ticket for its WebSocket."""
        async with self._store.read() as tx:
            found = await tx.directory.app_with_secret(client_id)
        if found is None:
            raise InvalidCredentials("clientId does not name an app")
        app, secret_hash, _ = found
        if not ids.matches(client_secret, secret_hash):
            raise InvalidCredentials("clientSecret does not match")
        async with self._store.write() as wtx:
            await wtx.events.stream_subscriber(app.id, DEFAULT_MAX_ATTEMPTS, self._clock.now_ms())
        return app, self.tickets.issue(app.app_key)

    async def app_of_ticket(self, ticket: str) -> App | None:
        app_key = self.tickets.app_key(ticket)
        if app_key is None:
            return None
        async with self._store.read() as tx:
            return await tx.directory.app_by_key(app_key)

    # -- webhooks --------------------------------------------------------------------

    async def add_webhook(
        self,
        app_key: str,
        url: str,
        secret: str | None,
        event_types: Sequence[str] | None,
        max_attempts: int | None,
    ) -> Subscriber:
        """The new webhook; its secret is made when none is given (shown once)."""
        attempts = DEFAULT_MAX_ATTEMPTS if max_attempts is None else max_attempts
        if not 1 <= attempts <= MAX_ATTEMPTS_LIMIT:
            raise InvalidParams(f"maxAttempts must be 1-{MAX_ATTEMPTS_LIMIT}")
        if secret is not None and not 16 <= len(secret) <= 256:
            raise InvalidParams("secret must have 16-256 characters")
        types = _check_types(event_types)
        async with self._store.write() as tx:
            app = await self._app(tx, app_key)
            existing = await tx.events.subscribers_of_app(app.id)
            if any(s.kind == WEBHOOK and s.url == url for s in existing):
                raise InvalidParams(f"app {app_key} already has a webhook at {url}")
            return await tx.events.add_subscriber(
                app.id,
                WEBHOOK,
                _check_url(url),
                secret or secrets.token_urlsafe(32),
                types,
                attempts,
                self._clock.now_ms(),
            )

    async def webhooks(self, app_key: str) -> list[Subscriber]:
        async with self._store.read() as tx:
            app = await self._app(tx, app_key)
            return [s for s in await tx.events.subscribers_of_app(app.id) if s.kind == WEBHOOK]

    async def remove_webhook(self, app_key: str, webhook_id: int) -> None:
        async with self._store.write() as tx:
            app = await self._app(tx, app_key)
            found = await tx.events.subscriber(webhook_id)
            if found is None or found.app_id != app.id or found.kind != WEBHOOK:
                raise NotFound(f"app {app_key} has no webhook {webhook_id}")
            await tx.events.remove_subscriber(webhook_id)

    # -- dead letters ----------------------------------------------------------------

    async def dead_letters(self, app_key: str, limit: int = TAIL_LIMIT) -> list[DeadLetter]:
        async with self._store.read() as tx:
            app = await self._app(tx, app_key)
            subs = [s.id for s in await tx.events.subscribers_of_app(app.id)]
            return await tx.events.dead_letters(subs, limit)

    async def replay(self, app_key: str, delivery_ids: Sequence[int] | None) -> int:
        """Dead letters of the app delivered again from the start; how many."""
        async with self._store.write() as tx:
            app = await self._app(tx, app_key)
            subs = [s.id for s in await tx.events.subscribers_of_app(app.id)]
            return await tx.events.replay(subs, delivery_ids, self._clock.now_ms())

    # -- the log ---------------------------------------------------------------------

    async def tail(
        self,
        corp_id: str | None,
        after_id: int,
        limit: int = TAIL_LIMIT,
        conference_id: str | None = None,
    ) -> list[Event]:
        if not 1 <= limit <= TAIL_LIMIT:
            raise InvalidParams(f"limit must be 1-{TAIL_LIMIT}")
        async with self._store.read() as tx:
            org_id = None
            if corp_id is not None:
                org = await tx.directory.org_by_corp_id(corp_id)
                if org is None:
                    raise NotFound(f"no org {corp_id}")
                org_id = org.id
            return await tx.events.after(org_id, after_id, limit, conference_id)
