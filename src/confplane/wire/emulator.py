"""Bodies of the emulator controls (``/confplane/v1/emulator/...``), camelCase."""

from __future__ import annotations

from typing import Any

from confplane.wire.models import Body


class ResetRequest(Body):
    demo: bool = False


class DemoUserBody(Body):
    union_id: str
    nick: str


class DemoBody(Body):
    corp_id: str
    app_key: str
    app_secret: str
    users: list[DemoUserBody]


class ResetBody(Body):
    took_ms: float
    demo: DemoBody | None = None


class FaultErrorBody(Body):
    status: int
    code: str
    message: str | None = None


class FaultRequest(Body):
    operation: str
    # One of: an error to answer, a latency to add, a dropped connection.
    error: FaultErrorBody | None = None
    latency_ms: int | None = None
    drop: bool = False
    app_key: str | None = None
    conference_id: str | None = None
    times: int | None = None
    fraction: float | None = None
    seed: int | None = None


class FaultBody(Body):
    id: str
    operation: str
    kind: str
    app_key: str | None
    conference_id: str | None
    error: FaultErrorBody | None
    latency_ms: int
    times: int | None
    fraction: float | None
    seed: int | None
    matched: int
    hits: int


class FaultList(Body):
    faults: list[FaultBody]


class RateLimitBody(Body):
    # Calls per second per app and operation; None: no limit.
    qps: int | None = None


class JournalEntryBody(Body):
    seq: int
    time: int
    operation: str
    app_key: str | None
    corp_id: str | None
    conference_id: str | None
    # Every meeting a call named, when it named several (QueryConferenceInfoBatch).
    conference_ids: list[str] | None
    method: str
    path: str
    query: dict[str, str]
    request: Any
    status: int
    code: str | None
    request_id: str
    latency_ms: float
    # Why an error answer was given (the x-confplane-error-detail header).
    detail: str | None = None


class JournalBody(Body):
    entries: list[JournalEntryBody]


class ClockRequest(Body):
    freeze: bool | None = None
    set: int | None = None
    advance_ms: int | None = None


class ClockBody(Body):
    now: int
    frozen: bool
    offset_ms: int


class JournalQuery(Body):
    """The journal's query string (GET /confplane/v1/emulator/journal)."""

    operation: str | None = None
    app_key: str | None = None
    conference_id: str | None = None
    # Entries at or after this instant (ms since 1970), or after this sequence number.
    since: int | None = None
    after_seq: int | None = None
    # true: a stream of entries, one JSON object a line, until the client hangs up.
    follow: bool | None = None
