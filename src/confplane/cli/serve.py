"""``confplane serve``: run the server."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from confplane.config import (
    DEFAULT_BODY_TIMEOUT_S,
    DEFAULT_DATA_DIR,
    DEFAULT_HEADER_TIMEOUT_S,
    DEFAULT_HOST,
    DEFAULT_IDLE_TIMEOUT_S,
    DEFAULT_PORT,
    DEFAULT_READ_CACHE_ROWS,
    Settings,
)


class LogFormatChoice(StrEnum):
    TEXT = "text"
    JSON = "json"


def serve(
    host: Annotated[str, typer.Option(envvar="CONFPLANE_HOST", help="Address to listen on.")] = (
        DEFAULT_HOST
    ),
    port: Annotated[int, typer.Option(envvar="CONFPLANE_PORT", help="Port to listen on.")] = (
        DEFAULT_PORT
    ),
    data_dir: Annotated[
        Path, typer.Option(envvar="CONFPLANE_DATA_DIR", help="Where the SQLite file lives.")
    ] = DEFAULT_DATA_DIR,
    database_url: Annotated[
        str | None,
        typer.Option(
            envvar="CONFPLANE_DATABASE_URL",
            help="sqlite:///path or postgresql://user@host/db (default: SQLite in data dir).",
        ),
    ] = None,
    admin_token: Annotated[
        str | None, typer.Option(envvar="CONFPLANE_ADMIN_TOKEN", help="Admin API token.")
    ] = None,
    public_url: Annotated[
        str | None, typer.Option(envvar="CONFPLANE_PUBLIC_URL", help="Base of join links.")
    ] = None,
    demo: Annotated[
        bool, typer.Option(envvar="CONFPLANE_DEMO", help="Seed a demo org on first start.")
    ] = True,
    token_lifetime: Annotated[
        int, typer.Option(envvar="CONFPLANE_TOKEN_LIFETIME", help="Access token seconds.")
    ] = 7200,
    log_level: Annotated[str, typer.Option(envvar="CONFPLANE_LOG_LEVEL")] = "info",
    workers: Annotated[
        int,
        typer.Option(
            envvar="CONFPLANE_WORKERS",
            min=1,
            help="Server processes sharing the port (more than 1 wants PostgreSQL).",
        ),
    ] = 1,
    device_heartbeat: Annotated[
        float,
        typer.Option(
            envvar="CONFPLANE_DEVICE_HEARTBEAT",
            min=0.05,
            help="Seconds between device heartbeats; silent for 3 of them is a lost device.",
        ),
    ] = 15.0,
    device_grace: Annotated[
        float,
        typer.Option(
            envvar="CONFPLANE_DEVICE_GRACE",
            min=0.0,
            help="Seconds a lost device keeps its place in the meeting to resume.",
        ),
    ] = 30.0,
    node_timeout: Annotated[
        float,
        typer.Option(
            envvar="CONFPLANE_NODE_TIMEOUT",
            min=0.1,
            help="Seconds without a heartbeat after which a server process sharing the "
            "database is dead (its lost devices then leave after the grace period).",
        ),
    ] = 10.0,
    redis_url: Annotated[
        str | None,
        typer.Option(
            envvar="CONFPLANE_REDIS_URL",
            help="redis://host:port: fan device commands out to every worker process.",
        ),
    ] = None,
    read_cache_rows: Annotated[
        int,
        typer.Option(
            envvar="CONFPLANE_READ_CACHE_ROWS",
            min=0,
            help="Member rows of pages and batch answers kept per process (0: none).",
        ),
    ] = DEFAULT_READ_CACHE_ROWS,
    emulator: Annotated[
        bool,
        typer.Option(
            "--emulator/--no-emulator",
            envvar="CONFPLANE_EMULATOR",
            help="Serve the emulator controls (reset, faults, journal, clock) for app tests.",
        ),
    ] = False,
    qps_limit: Annotated[
        int | None,
        typer.Option(
            envvar="CONFPLANE_QPS_LIMIT",
            min=1,
            help="Calls per second each app may make of each operation (DingTalk's QPS limit).",
        ),
    ] = None,
    journal_size: Annotated[
        int,
        typer.Option(
            envvar="CONFPLANE_JOURNAL_SIZE",
            min=1,
            help="API calls the emulator's journal keeps per process.",
        ),
    ] = 10_000,
    event_retry_base: Annotated[
        int,
        typer.Option(
            envvar="CONFPLANE_EVENT_RETRY_BASE_MS",
            min=1,
            help="Milliseconds before an event's first redelivery (doubling after, with jitter).",
        ),
    ] = 1_000,
    webhook_timeout: Annotated[
        float,
        typer.Option(
            envvar="CONFPLANE_WEBHOOK_TIMEOUT",
            min=0.1,
            help="Seconds a webhook receiver has to answer before the attempt fails.",
        ),
    ] = 10.0,
    stream_ping: Annotated[
        float,
        typer.Option(
            envvar="CONFPLANE_STREAM_PING",
            min=0.1,
            help="Seconds between SYSTEM pings on each Stream-mode connection.",
        ),
    ] = 30.0,
    access_log: Annotated[
        bool,
        typer.Option(
            "--access-log/--no-access-log",
            envvar="CONFPLANE_ACCESS_LOG",
            help="A line per API call on stderr: operation, app, status, code, latency, id.",
        ),
    ] = True,
    log_format: Annotated[
        LogFormatChoice,
        typer.Option(envvar="CONFPLANE_LOG_FORMAT", help="The access log's lines."),
    ] = LogFormatChoice.TEXT,
    metrics: Annotated[
        bool,
        typer.Option(
            "--metrics/--no-metrics",
            envvar="CONFPLANE_METRICS",
            help="Serve GET /metrics (Prometheus format, no token: keep it off the internet).",
        ),
    ] = True,
    header_timeout: Annotated[
        float,
        typer.Option(
            envvar="CONFPLANE_HEADER_TIMEOUT",
            min=0.01,
            help="Seconds to send the request headers, from connecting or the last answer.",
        ),
    ] = DEFAULT_HEADER_TIMEOUT_S,
    body_timeout: Annotated[
        float,
        typer.Option(
            envvar="CONFPLANE_BODY_TIMEOUT",
            min=0.01,
            help="Seconds to send the request body once its headers are in (else 408).",
        ),
    ] = DEFAULT_BODY_TIMEOUT_S,
    idle_timeout: Annotated[
        float,
        typer.Option(
            envvar="CONFPLANE_IDLE_TIMEOUT",
            min=0.01,
            help="Seconds a kept-alive connection may wait for its next request.",
        ),
    ] = DEFAULT_IDLE_TIMEOUT_S,
    max_connections: Annotated[
        int | None,
        typer.Option(
            envvar="CONFPLANE_MAX_CONNECTIONS",
            min=1,
            help="Open connections per process, devices included (default: from the "
            "open-files limit); idle ones are closed first.",
        ),
    ] = None,
) -> None:
    """Run the server."""
    from confplane.server import run

    settings = Settings(
        host=host,
        port=port,
        data_dir=data_dir,
        database_url=database_url,
        admin_token=admin_token,
        public_url=public_url,
        seed_demo=demo,
        token_lifetime_s=token_lifetime,
        emulator=emulator,
        qps_limit=qps_limit,
        journal_size=journal_size,
        event_retry_base_ms=event_retry_base,
        webhook_timeout_s=webhook_timeout,
        stream_ping_s=stream_ping,
        access_log=access_log,
        log_format=log_format.value,
        metrics=metrics,
        device_heartbeat_s=device_heartbeat,
        device_grace_s=device_grace,
        node_timeout_s=node_timeout,
        redis_url=redis_url,
        read_cache_rows=read_cache_rows,
        header_timeout_s=header_timeout,
        body_timeout_s=body_timeout,
        idle_timeout_s=idle_timeout,
        max_connections=max_connections,
    )
    run(settings, log_level=log_level, workers=workers)
