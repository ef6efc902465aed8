"""The server's metrics, in Prometheus's format (GET /metrics), with prometheus-client.

The hot paths (an API call, a command queued for devices) only count in plain Python: a
bucket's count under the call's operation, status and code (api.metrics_tally). What one
turn of the event loop gathered is handed to prometheus-client's objects once, after the
turn, so an operation, code or kind seen many times in a turn is written once.

Readings that are not events (the database pool, the read cache, and later an events
outbox) are sources: functions read when /metrics is scraped and, with several worker
processes, once a second by each of them (``gauge_source``, ``counter_source``).

With several worker processes (``serve --workers N``) every process writes its values to
files of one directory (prometheus-client's multiprocess mode, see
api.metrics_processes) and the process that is scraped adds up every process's files.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from confplane.api.metrics_processes import forget_dead_processes
from confplane.api.metrics_tally import Tally
from confplane.events.deliverer import Deliverer
from confplane.events.stream import StreamHub
from confplane.store.sql import SqlStore

log = logging.getLogger("confplane.api")

INF = float("inf")
# An API call: a cached read takes a fraction of a millisecond, a write a few.
LATENCY_BUCKETS = (
    0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, INF,
)  # fmt: skip
# From a command's transaction to this process's devices: its commit, then (from another
# process) the fan-out channel and a read of the command log.
LAG_BUCKETS = (
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, INF,
)  # fmt: skip
# How often each worker process publishes its sources when there are several (the one
# scraped reads its own at the scrape).
SAMPLE_EVERY_S = 1.0

Labels = tuple[str, ...]
Reading = Mapping[Labels, float]
Encoder = Callable[[Collector], bytes]


@dataclass(slots=True)
class _Source:
    read: Callable[[], Reading]
    publish: Callable[[Labels, float], None]


@dataclass(slots=True)
class _Pending:
    """What a turn of the loop gathered, not yet handed to prometheus-client."""

    calls: dict[tuple[str, int, str], Tally] = field(default_factory=dict)
    deliveries: dict[str, int] = field(default_factory=dict)
    lags: Tally | None = None
    connected: int | None = None


class Metrics:
    """The metrics of one server process; the API's access log and the device hub
    report to it (``api_call``; ``devices_connected``, ``commands_delivered``,
    ``fanout_lag``: the hub's ``HubObserver``)."""

    def __init__(self, *, multiprocess_dir: str | None = None) -> None:
        self.multiprocess_dir = multiprocess_dir
        self.registry = CollectorRegistry()
        # With several processes the values are read back from every process's files,
        # not from this process's objects.
        own = None if multiprocess_dir else self.registry
        if multiprocess_dir:
            MultiProcessCollector(self.registry, path=multiprocess_dir)  # type: ignore[no-untyped-call]
        self._own = own
        self._requests = Counter(
            "confplane_api_requests",
            "DingTalk API calls answered, by operation, HTTP status and DingTalk error code"
            " (empty when the call succeeded).",
            ["operation", "status", "code"],
            registry=own,
        )
        self._latency = Histogram(
            "confplane_api_request_duration_seconds",
            "Time from a DingTalk API call's arrival to its answer, by operation and code.",
            ["operation", "code"],
            buckets=LATENCY_BUCKETS,
            registry=own,
        )
        self._devices = Gauge(
            "confplane_devices_connected",
            "Devices joined to a meeting over a live WebSocket.",
            registry=own,
            multiprocess_mode="livesum",
        )
        self._delivered = Counter(
            "confplane_device_commands_delivered",
            "Commands queued for sending to devices (one per device), by kind.",
            ["kind"],
            registry=own,
        )
        self._lag = Histogram(
            "confplane_fanout_lag_seconds",
            "Time from a command's recording (in its meeting's transaction) to its delivery"
            " to the devices of a process.",
            buckets=LAG_BUCKETS,
            registry=own,
        )
        self._request_children: dict[tuple[str, int, str], Counter] = {}
        self._latency_children: dict[tuple[str, str], Histogram] = {}
        self._pending = _Pending()
        self._flush_soon = False
        self._sources: list[_Source] = []
        self._sampler: asyncio.Task[None] | None = None

    # -- the hot paths: plain Python until the turn ends ------------------------------

    def api_call(self, operation: str, status: int, code: str | None, latency_s: float) -> None:
        key = (operation, status, code or "")
        tally = self._pending.calls.get(key)
        if tally is None:
            tally = self._pending.calls[key] = Tally(LATENCY_BUCKETS)
        tally.add(latency_s)
        self._schedule()

    def devices_connected(self, count: int) -> None:
        self._pending.connected = count
        self._schedule()

    def commands_delivered(self, kind: str, devices: int) -> None:
        deliveries = self._pending.deliveries
        deliveries[kind] = deliveries.get(kind, 0) + devices
        self._schedule()

    def fanout_lag(self, seconds: float) -> None:
        pending = self._pending
        if pending.lags is None:
            pending.lags = Tally(LAG_BUCKETS)
        pending.lags.add(seconds)
        self._schedule()

    def _schedule(self) -> None:
        if not self._flush_soon:
            self._flush_soon = True
            asyncio.get_running_loop().call_soon(self.flush)

    def flush(self) -> None:
        """Hand what was gathered since the last flush to prometheus-client."""
        self._flush_soon = False
        pending, self._pending = self._pending, _Pending()
        for key, tally in pending.calls.items():
            self._request_child(key).inc(tally.count)
            tally.publish(self._latency_child(key[0], key[2]))
        for kind, devices in pending.deliveries.items():
            self._delivered.labels(kind).inc(devices)
        if pending.lags is not None:
            pending.lags.publish(self._lag)
        if pending.connected is not None:
            self._devices.set(pending.connected)

    def _request_child(self, key: tuple[str, int, str]) -> Counter:
        child = self._request_children.get(key)
        if child is None:
            operation, status, code = key
            child = self._request_children[key] = self._requests.labels(
                operation, str(status), code
            )
        return child

    def _latency_child(self, operation: str, code: str) -> Histogram:
        child = self._latency_children.get((operation, code))
        if child is None:
            child = self._latency_children[(operation, code)] = self._latency.labels(
                operation, code
            )
        return child

    # -- sources: read at a scrape, and every second with several processes --------------

    def gauge_source(
        self,
        name: str,
        documentation: str,
        read: Callable[[], Reading],
        labelnames: Sequence[str] = (),
        *,
        shared: bool = False,
    ) -> None:
        """A reading published as a gauge, summed over the live processes (or, when
        ``shared``, one reading of something they share, such as a count in the
        database: the largest); ``read`` gives the value per tuple of label values
        (``()`` without labels)."""
        gauge = Gauge(
            name,
            documentation,
            labelnames,
            registry=self._own,
            multiprocess_mode="livemax" if shared else "livesum",
        )

        def publish(labels: Labels, value: float) -> None:
            (gauge.labels(*labels) if labels else gauge).set(value)

        self._sources.append(_Source(read, publish))

    def counter_source(
        self,
        name: str,
        documentation: str,
        read: Callable[[], Reading],
        labelnames: Sequence[str] = (),
    ) -> None:
        """A running total this process keeps (``read`` gives it since start), published
        as a counter: an events outbox, say, adds its deliveries so."""
        counter = Counter(name, documentation, labelnames, registry=self._own)
        published: dict[Labels, float] = {}

        def publish(labels: Labels, value: float) -> None:
            grown = value - published.get(labels, 0.0)
            child = counter.labels(*labels) if labels else counter  # shown from 0 on
            if grown > 0:
                child.inc(grown)
                published[labels] = value

        self._sources.append(_Source(read, publish))

    def sample(self) -> None:
        """Publish every source's reading now."""
        for source in self._sources:
            for labels, value in source.read().items():
                source.publish(labels, value)

    def observe_store(self, store: SqlStore) -> None:
        """The store's database pool and read cache, as sources."""
        self.gauge_source(
            "confplane_db_connections",
            "Database connections of the pool: held by a read, by a write, or idle.",
            lambda: _pool_states(store),
            ["state"],
        )
        self.gauge_source(
            "confplane_db_pool_size",
            "Database connections the pool may hold.",
            lambda: {(): float(store.pool_use().size)},
        )
        self.gauge_source(
            "confplane_db_reads_waiting",
            "Reads waiting for one of the connections kept for reads.",
            lambda: {(): float(store.pool_use().waiting_to_read)},
        )
        self.counter_source(
            "confplane_read_cache_hits",
            "Reads answered from the read cache, by cache (members pages, batch answers).",
            lambda: {(c.name,): c.hits for c in store.read_cache_use()},
            ["cache"],
        )
        self.counter_source(
            "confplane_read_cache_misses",
            "Reads the read cache could not answer (read from the database), by cache.",
            lambda: {(c.name,): c.misses for c in store.read_cache_use()},
            ["cache"],
        )

    def observe_events(self, deliverer: Deliverer, streams: StreamHub) -> None:
        """Events to apps (docs/events.md): the outbox, deliveries, Stream connections."""
        self.gauge_source(
            "confplane_events_outbox",
            "Deliveries of events waiting in the outbox (pending) and dead letters (dead).",
            lambda: {("pending",): deliverer.depth[0], ("dead",): deliverer.depth[1]},
            ["state"],
            shared=True,
        )
        self.counter_source(
            "confplane_events_delivered",
            "Events delivered to apps (acknowledged by a Stream-mode SDK or a webhook).",
            lambda: {(): float(deliverer.delivered)},
        )
        self.counter_source(
            "confplane_events_failed_attempts",
            "Attempts to deliver an event that failed (to be retried, or a dead letter).",
            lambda: {(): float(deliverer.failed)},
        )
        self.gauge_source(
            "confplane_event_streams_connected",
            "Stream-mode connections of apps held.",
            lambda: {(): float(streams.count())},
        )

    # -- life cycle and exposition --------------------------------------------------------

    async def start(self) -> None:
        """With several processes, publish the sources every second: the process that
        is scraped cannot read another's."""
        if self.multiprocess_dir and self._sampler is None:
            self._sampler = asyncio.get_running_loop().create_task(self._sample_forever())

    async def stop(self) -> None:
        if self._sampler is not None:
            self._sampler.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sampler
            self._sampler = None
        self.flush()

    async def _sample_forever(self) -> None:
        while True:
            await asyncio.sleep(SAMPLE_EVERY_S)
            try:
                self.sample()
            except Exception:  # the readings wait for the next second; serving goes on
                log.exception("publishing the metrics failed")

    def exposition(self, encode: Encoder) -> bytes:
        """Every metric (of every process) in the format ``encode`` writes."""
        self.flush()
        self.sample()
        if self.multiprocess_dir:
            forget_dead_processes(self.multiprocess_dir)
        return encode(self.registry)


def _pool_states(store: SqlStore) -> Reading:
    use = store.pool_use()
    return {("reading",): use.reading, ("writing",): use.writing, ("idle",): use.idle}
