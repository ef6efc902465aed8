"""The services of one server process, built once at start-up in dependency order."""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass, field
from weakref import WeakKeyDictionary

from confplane.api.access_log import AccessLog, LogFormat
from confplane.api.metrics import Metrics
from confplane.api.metrics_processes import worker_directory
from confplane.api.watch import Watch
from confplane.config import Settings
from confplane.devices.fanout import ChannelFanout, Fanout, LocalFanout, RedisChannel
from confplane.devices.hub import Hub
from confplane.devices.nodes import NodeWatch
from confplane.devices.protocol import ws_url
from confplane.domain.auth import AuthService
from confplane.domain.clock import Clock
from confplane.domain.commands import CommandLog
from confplane.domain.conference_controls import ConferenceControlService
from confplane.domain.conferences import ConferenceService
from confplane.domain.console import ConsoleService
from confplane.domain.console_sessions import ConsoleSessions
from confplane.domain.directory import DirectoryService
from confplane.domain.guest_attempts import GuestAttempts
from confplane.domain.join_page import JoinPageService
from confplane.domain.links import LinkService
from confplane.domain.nodes import NodeRegistry, new_node_id
from confplane.domain.paging import CursorCodec
from confplane.domain.presence import PresenceService
from confplane.domain.schedules import ScheduleService
from confplane.domain.statistics import StatisticsService
from confplane.domain.storage import MeetingViews, MemberSlice
from confplane.domain.subscriptions import StreamTickets, SubscriptionService
from confplane.domain.tickets import TicketCodec, TicketService
from confplane.emulator.controls import Emulator
from confplane.emulator.ratelimit import RateLimit
from confplane.events.deliverer import Deliverer
from confplane.events.stream import StreamHub
from confplane.events.webhooks import WebhookSender
from confplane.store.sql import SqlStore
from confplane.wire.render import MemberPageTemplate

log = logging.getLogger("confplane")


@dataclass(slots=True)
class Renderings:
    """What the API renders of answers the store shares between requests (its read cache
    keeps one per meeting revision), kept as long as the store keeps the answer."""

    batches: WeakKeyDictionary[MeetingViews, bytes] = field(default_factory=WeakKeyDictionary)
    pages: WeakKeyDictionary[MemberSlice, MemberPageTemplate] = field(
        default_factory=WeakKeyDictionary
    )


@dataclass(frozen=True, slots=True)
class Services:
    store: SqlStore
    auth: AuthService
    directory: DirectoryService
    conferences: ConferenceService
    # Scheduled meetings (opened and closed by the clock) and meeting statistics.
    schedules: ScheduleService
    statistics: StatisticsService
    presence: PresenceService
    admin_token: str
    tickets: TicketService
    # The meeting controls and details beyond ConferenceService's, and the links into
    # meetings (short links, auto-login URLs).
    controls: ConferenceControlService
    links: LinkService
    # Guests' password attempts, counted per client and room in the store.
    guests: GuestAttempts
    hub: Hub
    fanout: Fanout
    # This process's heartbeat and the sweep of dead processes' devices; None when no
    # other process shares the database (the hub's start covers that case).
    node_watch: NodeWatch | None
    renderings: Renderings
    clock: Clock
    watch: Watch
    # Each API call's line and metrics, or None (``--no-access-log --no-metrics``).
    access_log: AccessLog | None
    # GET /metrics, or None (``--no-metrics``).
    metrics: Metrics | None
    # No other process can hold devices of this database (the hub may then end lost
    # devices' stays at start).
    sole_process: bool
    # Events to apps (docs/events.md): who receives them, the Stream-mode connections
    # held here, and the loop that delivers from the outbox.
    subscriptions: SubscriptionService
    streams: StreamHub
    # Where this server is reached (links, Stream-mode endpoints).
    public_url: str
    deliverer: Deliverer
    # The web console (its operator acts on any org's meetings) and its signed sessions,
    # and what the join page at /j/{roomCode} may read.
    console: ConsoleService
    console_sessions: ConsoleSessions
    join_page: JoinPageService


def admin_token(settings: Settings) -> str:
    """The configured admin token, else one kept in the data directory (made once)."""
    if settings.admin_token:
        return settings.admin_token
    path = settings.data_dir / "admin-token"
    if path.exists():
        return path.read_text().strip()
    token = secrets.token_urlsafe(32)
    path.write_text(token + "\n")
    path.chmod(0o600)
    return token


async def build_services(settings: Settings) -> Services:
    settings.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    store = SqlStore(
        settings.resolved_database_url,
        sqlite_synchronous=settings.sqlite_synchronous,
        read_cache_rows=settings.read_cache_rows,
    )
    await store.start()
    clock = Clock()
    cursor_key = await store.server_value("cursor_key", secrets.token_hex(32))
    ticket_key = await store.server_value("ticket_key", secrets.token_hex(32))
    token_key = await store.server_value("token_key", secrets.token_hex(32))
    node_id = new_node_id()
    presence = PresenceService(
        store, max_members=settings.max_members, clock=clock, node_id=node_id
    )
    metrics = _metrics(settings, store)
    hub = Hub(
        presence,
        CommandLog(store),
        heartbeat_s=settings.device_heartbeat_s,
        grace_s=settings.device_grace_s,
        clock=clock,
        observer=metrics,
    )
    fanout = _fanout(settings, store, hub)
    sole_process = not store.shared_by_processes and settings.processes == 1
    node_watch = (
        None
        if sole_process
        else NodeWatch(
            NodeRegistry(
                store,
                presence,
                node_id,
                timeout_s=settings.node_timeout_s,
                grace_s=settings.device_grace_s,
                clock=clock,
            ),
            hub,
        )
    )
    auth = AuthService(
        store,
        settings.token_lifetime_s,
        cache_s=settings.token_cache_s,
        server_clock=clock,
        token_key=bytes.fromhex(token_key),
    )
    emulator = Emulator(clock, settings.journal_size) if settings.emulator else None
    stream_key = await store.server_value("stream_key", secrets.token_hex(32))
    console_key = await store.server_value("console_key", secrets.token_hex(32))
    streams = StreamHub(ping_s=settings.stream_ping_s)
    deliverer = Deliverer(
        store,
        streams,
        WebhookSender(timeout_s=settings.webhook_timeout_s),
        backoff_base_ms=settings.event_retry_base_ms,
        attempt_timeout_s=settings.webhook_timeout_s,
    )
    store.on_events(deliverer.wake)
    if metrics is not None:
        metrics.observe_events(deliverer, streams)
    cursor = CursorCodec(bytes.fromhex(cursor_key))
    tickets = TicketService(
        store,
        TicketCodec(bytes.fromhex(ticket_key), clock),
        device_url=ws_url(settings.resolved_public_url),
    )
    return Services(
        store=store,
        auth=auth,
        directory=DirectoryService(store, on_permissions_changed=auth.forget_app),
        conferences=ConferenceService(
            store,
            cursor,
            public_url=settings.resolved_public_url,
            max_members=settings.max_members,
            notifier=fanout,
            clock=clock,
        ),
        schedules=ScheduleService(
            store, public_url=settings.resolved_public_url, notifier=fanout, clock=clock
        ),
        statistics=StatisticsService(store, cursor, clock=clock),
        presence=presence,
        admin_token=admin_token(settings),
        tickets=tickets,
        controls=ConferenceControlService(
            store,
            cursor,
            public_url=settings.resolved_public_url,
            max_members=settings.max_members,
            notifier=fanout,
            clock=clock,
        ),
        links=LinkService(store, tickets, public_url=settings.resolved_public_url, clock=clock),
        guests=GuestAttempts(store, clock),
        hub=hub,
        fanout=fanout,
        node_watch=node_watch,
        renderings=Renderings(),
        clock=clock,
        watch=Watch(RateLimit(settings.qps_limit), emulator),
        access_log=(
            AccessLog(LogFormat(settings.log_format), lines=settings.access_log, calls=metrics)
            if settings.access_log or metrics is not None
            else None
        ),
        metrics=metrics,
        sole_process=sole_process,
        subscriptions=SubscriptionService(
            store, StreamTickets(bytes.fromhex(stream_key), clock), clock
        ),
        streams=streams,
        public_url=settings.resolved_public_url,
        deliverer=deliverer,
        console=ConsoleService(store),
        # Real time, not the server's clock: the emulator moving it must not sign anyone out.
        console_sessions=ConsoleSessions(bytes.fromhex(console_key), admin_token(settings)),
        join_page=JoinPageService(store, tickets.codec),
    )


def _metrics(settings: Settings, store: SqlStore) -> Metrics | None:
    """This process's metrics; a worker of several writes them where its parent said
    (api.metrics_processes)."""
    if not settings.metrics:
        return None
    metrics = Metrics(multiprocess_dir=worker_directory() if settings.processes > 1 else None)
    metrics.observe_store(store)
    return metrics


def _fanout(settings: Settings, store: SqlStore, hub: Hub) -> Fanout:
    """Commands reach devices on every server process: through Redis when given, else
    the database's own notifications where it has them; else there is one process."""
    if settings.redis_url:
        return ChannelFanout(hub, RedisChannel(settings.redis_url))
    channel = store.channel()
    if channel is not None:
        return ChannelFanout(hub, channel)
    if settings.processes > 1:
        log.warning(
            "%d processes on SQLite without --redis-url: a device only gets the "
            "commands made through the process it is connected to",
            settings.processes,
        )
    return LocalFanout(hub)


class Runtime:
    """Where the routes find the services once the app has started them (lifespan)."""

    __slots__ = ("_services",)

    def __init__(self) -> None:
        self._services: Services | None = None

    def start(self, services: Services) -> None:
        self._services = services

    @property
    def services(self) -> Services:
        if self._services is None:
            raise RuntimeError("the app has not started")
        return self._services
