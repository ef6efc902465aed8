"""The events outbox: events of meetings, their subscribers, and one delivery row per
event and subscriber until it is delivered (docs/events.md)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import msgspec
from sqlalchemy.ext.asyncio import AsyncConnection

from confplane.domain.app_events import (
    DeadLetter,
    Delivery,
    Event,
    NewEvent,
    Subscriber,
)
from confplane.store.dialect import Dialect
from confplane.store.raw import Statement, Table

_payload = msgspec.json.Decoder(dict[str, Any])
_encode = msgspec.json.Encoder().encode

# A new event ``e`` gets a delivery for every subscriber ``s`` of an app that sees the org's
# meetings (its own org's app, or a suite app the org authorized) whose filter takes it;
# ``{contains}`` is the dialect's substring test (instr on SQLite, strpos on PostgreSQL).
_SUBSCRIBERS_TAKING_E = (
    " event_subscribers s JOIN apps a ON a.id = s.app_id"
    " WHERE (a.org_id = :org OR EXISTS (SELECT 1 FROM suite_authorizations sa"
    " WHERE sa.app_id = a.id AND sa.org_id = :org))"
    " AND (s.event_types IS NULL OR {contains}(s.event_types, ',' || e.type || ',') > 0)"
)
# SQLite: the events of one write in three statements whatever their number (a row of
# ``:rows`` is [type, born_at, payload]); the filter is instr(), not LIKE, because SQLite
# compiles a statement again each time a LIKE pattern bound to it changes, which cost
# more than the rest of the insert.
_NEXT_SEQS = Statement(
    "UPDATE conferences SET event_seq = event_seq + :count WHERE id = :pk RETURNING event_seq"
)
_INSERT_EVENTS = Statement(
    "INSERT INTO events (org_id, conference_pk, conference_id, seq, type, born_at, payload)"
    " SELECT :org, :pk, :cid, :first + r.key, json_extract(r.value, '$[0]'),"
    " json_extract(r.value, '$[1]'), json_extract(r.value, '$[2]')"
    " FROM json_each(:rows) r ORDER BY r.key"
)
_INSERT_DELIVERIES = Statement(
    "INSERT INTO event_deliveries (event_id, subscriber_id, conference_pk, seq, state,"
    " attempts, next_at, lease_until, last_error)"
    " SELECT e.id, s.id, e.conference_pk, e.seq, 'pending', 0, e.born_at, 0, NULL"
    " FROM events e,"
    + _SUBSCRIBERS_TAKING_E.format(contains="instr")
    + " AND e.conference_pk = :pk AND e.seq >= :first AND e.seq < :first + :count"
    " ORDER BY e.seq, s.id"
)
# PostgreSQL: the events of one write and their deliveries in one round trip, whatever
# their number: the numbers taken, the events inserted from arrays in the order given, a
# delivery of each for every subscriber whose filter takes it. ``_EVENTS_FROM_N`` reads
# the meeting's new ``event_seq`` from ``n``, so the device command of the same write
# can take its number in the same UPDATE (store.commands).
_EVENTS_FROM_N = (
    " e AS (INSERT INTO events (org_id, conference_pk, conference_id, seq, type, born_at,"
    " payload) SELECT CAST(:org AS BIGINT), CAST(:pk AS BIGINT), CAST(:cid AS TEXT),"
    " n.event_seq - CAST(:count AS BIGINT) + r.ord, r.type, r.born, r.payload"
    " FROM n, unnest(CAST(:types AS TEXT[]), CAST(:borns AS BIGINT[]),"
    " CAST(:payloads AS TEXT[])) WITH ORDINALITY AS r(type, born, payload, ord)"
    " ORDER BY r.ord RETURNING id, seq, type, born_at),"
    " d AS (INSERT INTO event_deliveries (event_id, subscriber_id, conference_pk, seq, state,"
    " attempts, next_at, lease_until, last_error)"
    " SELECT e.id, s.id, CAST(:pk AS BIGINT), e.seq, 'pending', 0, e.born_at, 0, NULL"
    " FROM e," + _SUBSCRIBERS_TAKING_E.format(contains="strpos") + " ORDER BY e.seq, s.id)"
)
# The statements in WITH run whether or not the last one reads them (bench.pg_bound runs
# this one too).
APPEND_IN_ONE = Statement(
    "WITH n AS (UPDATE conferences SET event_seq = event_seq + CAST(:count AS BIGINT)"
    f" WHERE id = :pk RETURNING event_seq),{_EVENTS_FROM_N} SELECT 1"
)
# The events waiting in a transaction and the device command of the same meeting, in one
# round trip: one UPDATE takes both numbers; the command's number is returned.
APPEND_WITH_COMMAND = Statement(
    "WITH n AS (UPDATE conferences SET seq = seq + 1,"
    " event_seq = event_seq + CAST(:count AS BIGINT) WHERE id = :pk"
    " RETURNING seq, event_seq),"
    " c AS (INSERT INTO device_commands (conference_pk, seq, kind, targets, data, created_at)"
    " SELECT CAST(:pk AS BIGINT), n.seq, CAST(:kind AS TEXT), CAST(:targets AS TEXT),"
    " CAST(:data AS TEXT), CAST(:created_at AS BIGINT) FROM n RETURNING seq),"
    f"{_EVENTS_FROM_N} SELECT seq FROM c"
)

_E = (
    "e.id, e.org_id, (SELECT o.corp_id FROM orgs o WHERE o.id = e.org_id),"
    " e.conference_id, e.seq, e.type, e.born_at, e.payload"
)
# A delivery is claimable when due, not leased, and first of its meeting's queue for its
# subscriber (so each subscriber gets a meeting's events in order).
_CLAIMABLE = (
    "SELECT d.id FROM event_deliveries d"
    " WHERE d.subscriber_id {subs} AND d.state = 'pending' AND d.next_at <= :now"
    " AND d.lease_until <= :now"
    " AND NOT EXISTS (SELECT 1 FROM event_deliveries p WHERE p.subscriber_id = d.subscriber_id"
    " AND p.conference_pk = d.conference_pk AND p.state = 'pending' AND p.seq < d.seq)"
    " ORDER BY d.id LIMIT :limit"
)
_CLAIM = Statement(
    "UPDATE event_deliveries SET lease_until = :lease_until WHERE id IN ("
    + _CLAIMABLE.format(subs="IN (SELECT value FROM json_each(:subs))")
    + ") RETURNING id",
    postgres="UPDATE event_deliveries SET lease_until = :lease_until WHERE id IN ("
    + _CLAIMABLE.format(subs="= ANY(:subs)")
    + " FOR UPDATE SKIP LOCKED) RETURNING id",
)
_CLAIMED = Statement(
    f"SELECT d.id, d.subscriber_id, d.attempts, {_E} FROM event_deliveries d"
    " JOIN events e ON e.id = d.event_id WHERE d.id IN (SELECT value FROM json_each(:ids))"
    " ORDER BY d.id",
    postgres=f"SELECT d.id, d.subscriber_id, d.attempts, {_E} FROM event_deliveries d"
    " JOIN events e ON e.id = d.event_id WHERE d.id = ANY(:ids) ORDER BY d.id",
)
_DELETE = Statement(
    "DELETE FROM event_deliveries WHERE id IN (SELECT value FROM json_each(:ids))",
    postgres="DELETE FROM event_deliveries WHERE id = ANY(:ids)",
)
_RETRY = Statement(
    "UPDATE event_deliveries SET attempts = :attempts, next_at = :next_at, lease_until = 0,"
    " last_error = :error WHERE id = :id"
)
_BURY = Statement(
    "UPDATE event_deliveries SET state = 'dead', attempts = :attempts, lease_until = 0,"
    " last_error = :error WHERE id = :id"
)
_REPLAY_ALL = Statement(
    "UPDATE event_deliveries SET state = 'pending', attempts = 0, next_at = :now,"
    " lease_until = 0 WHERE state = 'dead'"
    " AND subscriber_id IN (SELECT value FROM json_each(:subs)) RETURNING id",
    postgres="UPDATE event_deliveries SET state = 'pending', attempts = 0, next_at = :now,"
    " lease_until = 0 WHERE state = 'dead' AND subscriber_id = ANY(:subs) RETURNING id",
)
_REPLAY_SOME = Statement(
    "UPDATE event_deliveries SET state = 'pending', attempts = 0, next_at = :now,"
    " lease_until = 0 WHERE state = 'dead'"
    " AND subscriber_id IN (SELECT value FROM json_each(:subs))"
    " AND id IN (SELECT value FROM json_each(:ids)) RETURNING id",
    postgres="UPDATE event_deliveries SET state = 'pending', attempts = 0, next_at = :now,"
    " lease_until = 0 WHERE state = 'dead' AND subscriber_id = ANY(:subs) AND id = ANY(:ids)"
    " RETURNING id",
)
_DEAD = Statement(
    f"SELECT d.id, d.subscriber_id, d.attempts, d.last_error, {_E} FROM event_deliveries d"
    " JOIN events e ON e.id = d.event_id WHERE d.state = 'dead'"
    " AND d.subscriber_id IN (SELECT value FROM json_each(:subs)) ORDER BY d.id LIMIT :limit",
    postgres=f"SELECT d.id, d.subscriber_id, d.attempts, d.last_error, {_E}"
    " FROM event_deliveries d JOIN events e ON e.id = d.event_id WHERE d.state = 'dead'"
    " AND d.subscriber_id = ANY(:subs) ORDER BY d.id LIMIT :limit",
)
_DEPTH = Statement(
    "SELECT"
    " (SELECT COUNT(*) FROM event_deliveries WHERE state = 'pending'),"
    " (SELECT COUNT(*) FROM event_deliveries WHERE state = 'dead')"
)
_AFTER_ALL = Statement(f"SELECT {_E} FROM events e WHERE e.id > :after ORDER BY e.id LIMIT :limit")
_AFTER_ORG = Statement(
    f"SELECT {_E} FROM events e WHERE e.org_id = :org AND e.id > :after ORDER BY e.id LIMIT :limit"
)
_AFTER_MEETING = Statement(
    f"SELECT {_E} FROM events e WHERE e.conference_id = :cid AND e.id > :after"
    " AND (:org < 0 OR e.org_id = :org) ORDER BY e.id LIMIT :limit",
    postgres=f"SELECT {_E} FROM events e WHERE e.conference_id = :cid AND e.id > :after"
    " AND (CAST(:org AS BIGINT) < 0 OR e.org_id = :org) ORDER BY e.id LIMIT :limit",
)
_S = "id, app_id, kind, url, secret, event_types, max_attempts, created_at"
_SUBSCRIBERS_OF_APP = Statement(
    f"SELECT {_S} FROM event_subscribers WHERE app_id = :app ORDER BY id"
)
_ALL_SUBSCRIBERS = Statement(f"SELECT {_S} FROM event_subscribers ORDER BY id")
_SUBSCRIBER = Statement(f"SELECT {_S} FROM event_subscribers WHERE id = :id")
_STREAM_OF_APP = Statement(
    f"SELECT {_S} FROM event_subscribers WHERE app_id = :app AND kind = 'stream'"
)
_ADD_SUBSCRIBER = Statement(
    "INSERT INTO event_subscribers (app_id, kind, url, secret, event_types, max_attempts,"
    " created_at) VALUES (:app, :kind, :url, :secret, :types, :max_attempts, :now)"
    f" RETURNING {_S}"
)
_ADD_STREAM = Statement(
    "INSERT INTO event_subscribers (app_id, kind, url, secret, event_types, max_attempts,"
    " created_at) VALUES (:app, 'stream', '', NULL, NULL, :max_attempts, :now)"
    " ON CONFLICT (app_id, kind, url) DO NOTHING"
)
_REMOVE_DELIVERIES = Statement("DELETE FROM event_deliveries WHERE subscriber_id = :id")
_REMOVE_SUBSCRIBER = Statement("DELETE FROM event_subscribers WHERE id = :id")
_PRUNE_DELIVERIES = Statement(
    "DELETE FROM event_deliveries WHERE event_id IN (SELECT id FROM events WHERE born_at < :before)"
)
_PRUNE_EVENTS = Statement("DELETE FROM events WHERE born_at < :before RETURNING id")


def _event(row: Sequence[Any]) -> Event:
    id_, org_id, corp_id, conference_id, seq, type_, born_at, payload = row
    return Event(
        id=int(id_),
        org_id=int(org_id),
        corp_id=str(corp_id),
        conference_id=str(conference_id),
        seq=int(seq),
        type=str(type_),
        born_at=int(born_at),
        payload=_payload.decode(payload),
    )


def _subscriber(row: Sequence[Any]) -> Subscriber:
    id_, app_id, kind, url, secret, types, max_attempts, created_at = row
    return Subscriber(
        id=int(id_),
        app_id=int(app_id),
        kind=str(kind),
        url=str(url),
        secret=secret,
        event_types=None if types is None else tuple(t for t in types.split(",") if t),
        max_attempts=int(max_attempts),
        created_at=int(created_at),
    )


class EventTable(Table):
    """``EventReads`` and ``EventWrites`` over one connection of a transaction."""

    __slots__ = ("_pending", "appended")

    def __init__(self, conn: AsyncConnection, dialect: Dialect) -> None:
        super().__init__(conn, dialect)
        # Whether this transaction wrote an event (the store wakes deliverers after commit).
        self.appended = False
        # PostgreSQL: events of one meeting not yet sent. They go with the next device
        # command of that meeting (one round trip for both), else before this table's
        # next statement, else at the end of the transaction (``flush``).
        self._pending: list[NewEvent] = []

    async def _rows(self, statement: Statement, **params: Any) -> list[tuple[Any, ...]]:
        if self._pending:
            await self.flush()
        return await super()._rows(statement, **params)

    async def flush(self) -> None:
        """Send the events still waiting (before the transaction commits)."""
        if self._pending:
            params = self.take_pending()
            await super()._rows(APPEND_IN_ONE, **params)

    def pending_of(self, conference_pk: int) -> bool:
        return bool(self._pending) and self._pending[0].conference_pk == conference_pk

    def take_pending(self) -> dict[str, Any]:
        """The waiting events as the parameters of ``_EVENTS_FROM_N``; none wait after."""
        events, self._pending = self._pending, []
        first = events[0]
        return {
            "org": first.org_id,
            "pk": first.conference_pk,
            "cid": first.conference_id,
            "count": len(events),
            "types": [e.type for e in events],
            "borns": [e.born_at for e in events],
            "payloads": [_encode(e.payload).decode() for e in events],
        }

    # -- the outbox ------------------------------------------------------------------

    async def append(self, event: NewEvent) -> None:
        await self.append_many([event])

    async def append_many(self, events: Sequence[NewEvent]) -> None:
        if not events:
            return
        self.appended = True
        first = events[0]
        if any(e.conference_pk != first.conference_pk for e in events):
            raise ValueError("append_many takes the events of one meeting")
        count = len(events)
        if self._dialect.returning_in_cte:
            if self._pending and self._pending[0].conference_pk != first.conference_pk:
                await self.flush()
            self._pending.extend(events)
            return
        # Taking the numbers updates the meeting's row, which stays locked until commit:
        # a meeting's committed events are numbered in commit order, without gaps.
        last = int((await self._rows(_NEXT_SEQS, pk=first.conference_pk, count=count))[0][0])
        params: dict[str, Any] = {
            "org": first.org_id,
            "pk": first.conference_pk,
            "cid": first.conference_id,
            "first": last - count + 1,
            "count": count,
            "rows": _encode(
                [[e.type, e.born_at, _encode(e.payload).decode()] for e in events]
            ).decode(),
        }
        await self._rows(_INSERT_EVENTS, **params)
        await self._rows(_INSERT_DELIVERIES, **params)

    async def after(
        self, org_id: int | None, after_id: int, limit: int, conference_id: str | None = None
    ) -> list[Event]:
        if conference_id is not None:
            org = -1 if org_id is None else org_id
            rows = await self._rows(
                _AFTER_MEETING, cid=conference_id, after=after_id, org=org, limit=limit
            )
        elif org_id is None:
            rows = await self._rows(_AFTER_ALL, after=after_id, limit=limit)
        else:
            rows = await self._rows(_AFTER_ORG, org=org_id, after=after_id, limit=limit)
        return [_event(r) for r in rows]

    async def prune(self, before: int) -> int:
        await self._rows(_PRUNE_DELIVERIES, before=before)
        rows = await self._rows(_PRUNE_EVENTS, before=before)
        return len(rows)

    # -- subscribers -----------------------------------------------------------------

    async def subscribers_of_app(self, app_id: int) -> list[Subscriber]:
        return [_subscriber(r) for r in await self._rows(_SUBSCRIBERS_OF_APP, app=app_id)]

    async def all_subscribers(self) -> list[Subscriber]:
        return [_subscriber(r) for r in await self._rows(_ALL_SUBSCRIBERS)]

    async def subscriber(self, subscriber_id: int) -> Subscriber | None:
        rows = await self._rows(_SUBSCRIBER, id=subscriber_id)
        return _subscriber(rows[0]) if rows else None

    async def add_subscriber(
        self,
        app_id: int,
        kind: str,
        url: str,
        secret: str | None,
        event_types: Sequence[str] | None,
        max_attempts: int,
        now: int,
    ) -> Subscriber:
        types = None if event_types is None else "," + ",".join(event_types) + ","
        rows = await self._rows(
            _ADD_SUBSCRIBER,
            app=app_id,
            kind=kind,
            url=url,
            secret=secret,
            types=types,
            max_attempts=max_attempts,
            now=now,
        )
        return _subscriber(rows[0])

    async def stream_subscriber(self, app_id: int, max_attempts: int, now: int) -> Subscriber:
        await self._rows(_ADD_STREAM, app=app_id, max_attempts=max_attempts, now=now)
        return _subscriber((await self._rows(_STREAM_OF_APP, app=app_id))[0])

    async def remove_subscriber(self, subscriber_id: int) -> None:
        await self._rows(_REMOVE_DELIVERIES, id=subscriber_id)
        await self._rows(_REMOVE_SUBSCRIBER, id=subscriber_id)

    # -- deliveries ------------------------------------------------------------------

    async def claim(
        self, subscriber_ids: Sequence[int], now: int, lease_until: int, limit: int
    ) -> list[Delivery]:
        if not subscriber_ids:
            return []
        subs = self._dialect.list_param(subscriber_ids)
        claimed = await self._rows(_CLAIM, subs=subs, now=now, lease_until=lease_until, limit=limit)
        if not claimed:
            return []
        ids = self._dialect.list_param([int(r[0]) for r in claimed])
        return [
            Delivery(id=int(r[0]), subscriber_id=int(r[1]), attempts=int(r[2]), event=_event(r[3:]))
            for r in await self._rows(_CLAIMED, ids=ids)
        ]

    async def delivered(self, delivery_ids: Sequence[int]) -> None:
        if delivery_ids:
            await self._rows(_DELETE, ids=self._dialect.list_param(delivery_ids))

    async def retry(self, delivery_id: int, attempts: int, next_at: int, error: str) -> None:
        await self._rows(
            _RETRY, id=delivery_id, attempts=attempts, next_at=next_at, error=error[:512]
        )

    async def bury(self, delivery_id: int, attempts: int, error: str) -> None:
        await self._rows(_BURY, id=delivery_id, attempts=attempts, error=error[:512])

    async def replay(
        self, subscriber_ids: Sequence[int], delivery_ids: Sequence[int] | None, now: int
    ) -> int:
        if not subscriber_ids:
            return 0
        subs = self._dialect.list_param(subscriber_ids)
        if delivery_ids is None:
            rows = await self._rows(_REPLAY_ALL, subs=subs, now=now)
        else:
            ids = self._dialect.list_param(delivery_ids)
            rows = await self._rows(_REPLAY_SOME, subs=subs, ids=ids, now=now)
        return len(rows)

    async def dead_letters(self, subscriber_ids: Sequence[int], limit: int) -> list[DeadLetter]:
        if not subscriber_ids:
            return []
        subs = self._dialect.list_param(subscriber_ids)
        return [
            DeadLetter(
                id=int(r[0]),
                subscriber_id=int(r[1]),
                attempts=int(r[2]),
                last_error=str(r[3] or ""),
                event=_event(r[4:]),
            )
            for r in await self._rows(_DEAD, subs=subs, limit=limit)
        ]

    async def depth(self) -> tuple[int, int]:
        pending, dead = (await self._rows(_DEPTH))[0]
        return int(pending), int(dead)
