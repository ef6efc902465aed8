"""Bodies of the admin API's events, webhooks and dead letters (docs/events.md)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec

from confplane.domain.app_events import Event
from confplane.domain.subscriptions import TAIL_LIMIT
from confplane.wire.models import Body

# An event id as the log's query reads it: at most 18 digits.
MAX_EVENT_ID = 10**18 - 1


class WebhookRequest(Body):
    url: str
    secret: str | None = None
    event_types: list[str] | None = None
    max_attempts: int | None = None


class WebhookBody(Body):
    id: int
    app_key: str
    url: str
    event_types: list[str] | None = None
    max_attempts: int = 0
    # Only in the answer that made it.
    secret: str | None = None


class WebhookList(Body):
    items: list[WebhookBody]


class EventBody(Body):
    id: int
    event_id: str
    event_type: str
    event_born_time: int
    event_corp_id: str
    conference_id: str
    seq: int
    data: dict[str, Any]


def event_body(event: Event) -> EventBody:
    return EventBody(
        id=event.id,
        event_id=event.event_id,
        event_type=event.type,
        event_born_time=event.born_at,
        event_corp_id=event.corp_id,
        conference_id=event.conference_id,
        seq=event.seq,
        data=event.payload,
    )


class EventsQuery(Body):
    """The query of the event log's GET (what api.admin_events reads)."""

    after: Annotated[int, msgspec.Meta(ge=0, le=MAX_EVENT_ID)] | None = None
    limit: Annotated[int, msgspec.Meta(ge=1, le=TAIL_LIMIT)] | None = None
    corp_id: str | None = None
    conference_id: str | None = None
    follow: Literal["true", "false"] | None = None


class EventList(Body):
    items: list[EventBody]
    # The id to ask ``after`` next.
    last_id: int


class DeadLetterBody(Body):
    id: int
    webhook_id: int
    attempts: int
    last_error: str
    event: EventBody


class DeadLetterList(Body):
    items: list[DeadLetterBody]


class ReplayRequest(Body):
    ids: list[int] | None = None


class ReplayBody(Body):
    replayed: int


class StreamStatusBody(Body):
    app_key: str
    connections: int
