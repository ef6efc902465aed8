"""The admin API's events: the log (tail, follow), webhooks, dead letters and replay."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from starlette.responses import Response, StreamingResponse

from confplane.api import responses
from confplane.api.endpoint import Call
from confplane.api.query_values import EIGHTEEN_DIGITS_MAX, whole_number
from confplane.domain.app_events import DeadLetter, Event, Subscriber
from confplane.domain.errors import InvalidParams
from confplane.domain.subscriptions import SubscriptionService
from confplane.wire import codec
from confplane.wire import events as w
from confplane.wire.events import event_body
from confplane.wire.models import SuccessResponse

# How often a follower of the log looks for new events.
FOLLOW_POLL_S = 0.25


def _webhook(hook: Subscriber, app_key: str, *, with_secret: bool = False) -> w.WebhookBody:
    return w.WebhookBody(
        id=hook.id,
        app_key=app_key,
        url=hook.url,
        event_types=None if hook.event_types is None else list(hook.event_types),
        max_attempts=hook.max_attempts,
        secret=hook.secret if with_secret else None,
    )


def _dead(letter: DeadLetter) -> w.DeadLetterBody:
    return w.DeadLetterBody(
        id=letter.id,
        webhook_id=letter.subscriber_id,
        attempts=letter.attempts,
        last_error=letter.last_error,
        event=event_body(letter.event),
    )


def _whole(name: str, raw: str) -> int:
    value = whole_number(raw, maximum=EIGHTEEN_DIGITS_MAX)
    if value is None:
        raise InvalidParams(f"{name} must be a whole number")
    return value


def _int(call: Call, name: str, default: int) -> int:
    raw = call.query(name)
    return default if raw is None or raw == "" else _whole(name, raw)


async def list_events(call: Call) -> Response | w.EventList:
    """The event log after ``after`` (an event's id); ``follow=true`` streams it, one
    JSON object a line, until the client hangs up."""
    subs = call.services.subscriptions
    after = _int(call, "after", 0)
    limit = _int(call, "limit", 100)
    corp_id = call.query("corpId") or None
    conference_id = call.query("conferenceId") or None
    follow = call.query("follow")
    if follow not in (None, "", "true", "false"):
        raise InvalidParams("follow must be true or false")
    first = await subs.tail(corp_id, after, limit, conference_id)
    if follow == "true":
        return StreamingResponse(
            _follow(subs, first, after, corp_id, conference_id),
            media_type="application/x-ndjson",
            headers=responses.headers(call.request_id),
        )
    last = first[-1].id if first else after
    return w.EventList(items=[event_body(e) for e in first], last_id=last)


async def _follow(
    subs: SubscriptionService,
    first: list[Event],
    after: int,
    corp_id: str | None,
    conference_id: str | None,
) -> AsyncIterator[bytes]:
    batch = first
    while True:
        for event in batch:
            yield codec.encode(event_body(event)) + b"\n"
            after = event.id
        if not batch:
            await asyncio.sleep(FOLLOW_POLL_S)
        batch = await subs.tail(corp_id, after, 1000, conference_id)


async def add_webhook(call: Call) -> w.WebhookBody:
    req = await call.body(w.WebhookRequest)
    app_key = call.path("appKey")
    hook = await call.services.subscriptions.add_webhook(
        app_key, req.url, req.secret, req.event_types, req.max_attempts
    )
    return _webhook(hook, app_key, with_secret=True)


async def list_webhooks(call: Call) -> w.WebhookList:
    app_key = call.path("appKey")
    hooks = await call.services.subscriptions.webhooks(app_key)
    return w.WebhookList(items=[_webhook(h, app_key) for h in hooks])


async def remove_webhook(call: Call) -> SuccessResponse:
    webhook_id = _whole("webhookId", call.path("webhookId"))
    await call.services.subscriptions.remove_webhook(call.path("appKey"), webhook_id)
    return SuccessResponse(success=True)


async def stream_status(call: Call) -> w.StreamStatusBody:
    """The app's Stream-mode connections held by the process that answers."""
    app = await call.services.directory.get_app(call.path("appKey"))
    return w.StreamStatusBody(
        app_key=app.app_key, connections=call.services.streams.count_of(app.id)
    )


async def dead_letters(call: Call) -> w.DeadLetterList:
    letters = await call.services.subscriptions.dead_letters(call.path("appKey"))
    return w.DeadLetterList(items=[_dead(d) for d in letters])


async def replay(call: Call) -> w.ReplayBody:
    req = await call.body(w.ReplayRequest)
    count = await call.services.subscriptions.replay(call.path("appKey"), req.ids)
    call.services.deliverer.wake()
    return w.ReplayBody(replayed=count)
