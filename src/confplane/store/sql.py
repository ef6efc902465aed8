"""The store: the domain's ``Store`` on SQLite or PostgreSQL, with its read cache."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncConnection

from confplane.config import DEFAULT_READ_CACHE_ROWS
from confplane.domain.media import combine_member_media, meeting_media_status
from confplane.domain.model import ConferenceState, ConferenceStatus, ConferenceView, Device, Member
from confplane.domain.storage import MeetingViews, MemberSlice
from confplane.store import meta, schema
from confplane.store.commands import CommandTable
from confplane.store.controls import ControlTable
from confplane.store.database import Database
from confplane.store.devices import DeviceTable
from confplane.store.dialect import dialect_for
from confplane.store.directory import DirectoryTable
from confplane.store.events import EventTable
from confplane.store.group_reads import Coalescer
from confplane.store.guest_attempts import GuestAttemptTable
from confplane.store.meetings import MeetingTable
from confplane.store.nodes import NodeTable
from confplane.store.notify import PostgresChannel
from confplane.store.readcache import RevisionCache
from confplane.store.schedules import ScheduleTable
from confplane.store.short_links import ShortLinkTable
from confplane.store.statistics import StatisticsTable
from confplane.store.usage import CacheUse, PoolUse


class Transaction:
    """One transaction's tables (``Reads`` / ``Writes``), all on its one connection."""

    __slots__ = (
        "commands",
        "controls",
        "devices",
        "directory",
        "events",
        "guest_attempts",
        "meetings",
        "nodes",
        "schedules",
        "short_links",
        "statistics",
    )

    def __init__(self, conn: AsyncConnection, db: Database) -> None:
        self.meetings = MeetingTable(conn, db.dialect)
        self.devices = DeviceTable(conn, db.dialect)
        self.directory = DirectoryTable(conn, db.dialect)
        self.controls = ControlTable(conn, db.dialect)
        self.schedules = ScheduleTable(conn, db.dialect)
        self.statistics = StatisticsTable(conn, db.dialect)
        self.short_links = ShortLinkTable(conn, db.dialect)
        self.guest_attempts = GuestAttemptTable(conn, db.dialect)
        self.events = EventTable(conn, db.dialect)
        self.commands = CommandTable(conn, db.dialect, self.events)
        self.nodes = NodeTable(conn, db.dialect)


class SqlStore:
    """``confplane.domain.storage.Store`` over one database.

    Members slices and batch answers are kept per meeting revision (store.readcache), so
    a read that finds the revision it was kept at skips reading and converting rows.
    """

    def __init__(
        self,
        url: str,
        *,
        sqlite_synchronous: str = "FULL",
        read_cache_rows: int = DEFAULT_READ_CACHE_ROWS,
    ) -> None:
        self._db = Database(dialect_for(url, sqlite_synchronous=sqlite_synchronous))
        dialect = self._db.dialect
        self.shared_by_processes = dialect.shared_by_processes
        # The two kinds of answers share the budget.
        self._slices: RevisionCache[MemberSlice] = RevisionCache(read_cache_rows // 2)
        self._batches: RevisionCache[MeetingViews] = RevisionCache(read_cache_rows // 2)
        # Where a meeting's state is a round trip, the requests of one loop turn share one.
        self._group_states: Coalescer[ConferenceState] | None = (
            Coalescer(self._read_states, key=lambda state: state.conference_id)
            if dialect.groups_reads
            else None
        )
        self._on_events: list[Callable[[], None]] = []

    async def start(self) -> None:
        """Bring the schema to the newest version."""
        await self._db.migrate()

    async def close(self) -> None:
        await self._db.close()

    def channel(self) -> PostgresChannel | None:
        """Notifications between the server processes of this database, where it has them."""
        return self._db.dialect.channel()

    @asynccontextmanager
    async def read(self) -> AsyncIterator[Transaction]:
        async with self._db.read() as conn:
            yield Transaction(conn, self._db)

    @asynccontextmanager
    async def write(self) -> AsyncIterator[Transaction]:
        async with self._db.write() as conn:
            tx = Transaction(conn, self._db)
            yield tx
            await tx.events.flush()
        if tx.events.appended:
            for listener in self._on_events:
                listener()

    def on_events(self, listener: Callable[[], None]) -> None:
        """``listener()`` after each commit of this process that wrote events."""
        self._on_events.append(listener)

    async def reset(self) -> None:
        """Every org, app, user, token, meeting, member, device and command gone, in one
        transaction; the server's own keys stay (links and tickets keep their format)."""
        async with self._db.write() as conn:
            for table in reversed(schema.metadata.sorted_tables):
                if table is not schema.server_meta:
                    await conn.execute(table.delete())
        self._slices.clear()
        self._batches.clear()

    async def problem(self) -> str | None:
        """Why this store cannot serve now (the database does not answer, or its schema
        is not the newest), if it cannot."""
        try:
            async with self._db.read() as conn:
                current = await meta.schema_version(conn)
        except Exception as exc:
            return f"the database does not answer ({type(exc).__name__})"
        head = self._db.head_revision()
        if current != head:
            return f"the database schema is at {current}, not {head}"
        return None

    def pool_use(self) -> PoolUse:
        return self._db.pool_use()

    def read_cache_use(self) -> tuple[CacheUse, ...]:
        return tuple(
            CacheUse(name, cache.hits, cache.misses, cache.rows)
            for name, cache in (("members", self._slices), ("batch", self._batches))
        )

    async def after_bulk_load(self) -> None:
        """After many rows were added at once (bench.seed): refresh the planner's view."""
        await self._db.dialect.after_bulk_load(self._db.engine)

    async def server_value(self, key: str, make: str) -> str:
        async with self._db.write() as conn:
            return await meta.get_or_create(conn, key, make)

    # -- reads through the cache ------------------------------------------------------

    async def _read_states(self, conference_ids: list[str]) -> list[ConferenceState]:
        async with self._db.read() as conn:
            return await MeetingTable(conn, self._db.dialect).states(conference_ids)

    async def meeting_states(self, conference_ids: Sequence[str]) -> dict[str, ConferenceState]:
        if self._group_states is not None:
            return await self._group_states.lookup(conference_ids)
        return {s.conference_id: s for s in await self._read_states(list(conference_ids))}

    async def members_slice(self, state: ConferenceState, after_id: int, limit: int) -> MemberSlice:
        key = (state.id, after_id, limit)
        found = self._slices.get(key, state.revision)
        if found is not None:
            return found
        # Read after the state: at least as new as the revision it is kept for.
        async with self._db.read() as conn:
            rows = await MeetingTable(conn, self._db.dialect).members_after(
                state.id, after_id, limit + 1
            )
        fresh = MemberSlice(rows[:limit], len(rows) > limit)
        return self._slices.put(key, state.revision, fresh, len(fresh.members))

    async def meeting_views(
        self, wanted: Sequence[str], live: Sequence[ConferenceState]
    ) -> MeetingViews:
        key = tuple(wanted)
        revisions = tuple(sorted((c.id, c.revision) for c in live))
        found = self._batches.get(key, revisions)
        if found is not None:
            return found
        # Read after the states: at least as new as the revisions the answer is kept for.
        async with self._db.read() as conn:
            meetings = MeetingTable(conn, self._db.dialect)
            conferences = [
                c
                for c in await meetings.by_ids([c.conference_id for c in live])
                if c.status != ConferenceStatus.ENDED
            ]
            pks = [c.id for c in conferences]
            members = await meetings.members_of(pks) if pks else []
            devices = await DeviceTable(conn, self._db.dialect).active_of(pks) if pks else []
        order = {cid: i for i, cid in enumerate(wanted)}
        conferences.sort(key=lambda c: order[c.conference_id])
        members_of: dict[int, list[Member]] = {}
        for m in members:
            members_of.setdefault(m.conference_pk, []).append(m)
        devices_of: dict[int, list[Device]] = {}
        for d in devices:
            devices_of.setdefault(d.conference_pk, []).append(d)
        views = MeetingViews(
            [
                ConferenceView(
                    conference=c,
                    members=combine_member_media(
                        members_of.get(c.id, []), devices_of.get(c.id, [])
                    ),
                    media_status=meeting_media_status(c, devices_of.get(c.id, [])),
                )
                for c in conferences
            ]
        )
        # The key (up to 50 ids) is weighed too: a batch of unknown ids holds no rows.
        return self._batches.put(key, revisions, views, len(members) + len(wanted))
