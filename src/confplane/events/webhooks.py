"""Sending one event to one webhook: a JSON POST, signed with the webhook's secret."""

from __future__ import annotations

import hashlib
import hmac

import httpx
import msgspec

from confplane.domain.app_events import Event, Subscriber
from confplane.events.stream import DELIVERED, Outcome
from confplane.wire.events import event_body

# A receiver gets this long to answer before the attempt counts as failed.
TIMEOUT_S = 10.0

_encode = msgspec.json.Encoder().encode


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """``v1=`` HMAC-SHA256 of ``{timestamp}.{body}`` with the webhook's secret, hex."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "v1=" + mac.hexdigest()


def body_of(event: Event) -> bytes:
    """The event as the log shows it, less the log's own id (receivers go by eventId)."""
    fields = msgspec.to_builtins(event_body(event))
    del fields["id"]
    return _encode(fields)


class WebhookSender:
    def __init__(self, *, timeout_s: float = TIMEOUT_S) -> None:
        self._client = httpx.AsyncClient(timeout=timeout_s, follow_redirects=False)

    async def close(self) -> None:
        await self._client.aclose()

    async def deliver(self, hook: Subscriber, event: Event, attempt: int, now_ms: int) -> Outcome:
        body = body_of(event)
        timestamp = str(now_ms)
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "confplane-webhooks",
            "X-Confplane-Event-Id": event.event_id,
            "X-Confplane-Event-Type": event.type,
            "X-Confplane-Timestamp": timestamp,
            "X-Confplane-Attempt": str(attempt),
            "X-Confplane-Signature": signature(hook.secret or "", timestamp, body),
        }
        try:
            answer = await self._client.post(hook.url, content=body, headers=headers)
        except httpx.TimeoutException:
            return Outcome(False, "the receiver did not answer in time")
        except httpx.HTTPError as exc:
            return Outcome(False, f"{type(exc).__name__}: {exc}"[:512])
        if 200 <= answer.status_code < 300:
            return DELIVERED
        return Outcome(False, f"the receiver answered {answer.status_code}")
