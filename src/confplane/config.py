"""Server settings: flags first, then CONFPLANE_* environment variables, then defaults."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8080
DEFAULT_DATA_DIR = Path("./confplane-data")
# Member rows of read answers each process keeps (a row and its rendering: about 600 B).
DEFAULT_READ_CACHE_ROWS = 50_000
DEFAULT_HEADER_TIMEOUT_S = 10.0
DEFAULT_BODY_TIMEOUT_S = 30.0
DEFAULT_IDLE_TIMEOUT_S = 5.0


@dataclass(frozen=True, slots=True)
class Settings:
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    data_dir: Path = DEFAULT_DATA_DIR
    database_url: str | None = None
    admin_token: str | None = None
    public_url: str | None = None
    seed_demo: bool = True
    max_members: int = 200_000
    token_lifetime_s: int = 7200
    # How long a process may answer from its memory what a token grants (expiry is
    # still checked on every call); 0 asks the database every time. See AuthService.
    token_cache_s: float = 5.0
    sqlite_synchronous: str = "FULL"
    # Devices: how often a device must send a frame (it is dropped after three silent
    # intervals), and how long a dropped device keeps its place to resume.
    device_heartbeat_s: float = 15.0
    device_grace_s: float = 30.0
    # Processes sharing PostgreSQL renew a heartbeat every third of this; one unheard of
    # for this long plus the grace period is dead, and its devices' stays end.
    node_timeout_s: float = 10.0
    # Fan-out between server processes through Redis; without it, PostgreSQL's
    # LISTEN/NOTIFY, and with SQLite none (one process).
    redis_url: str | None = None
    # How many server processes share the database (set by ``serve --workers``).
    processes: int = 1
    # Member rows of pages and batch answers each process keeps, valid while their
    # meeting's revision stands (see store.readcache); 0 keeps none.
    read_cache_rows: int = DEFAULT_READ_CACHE_ROWS
    # The emulator controls (/confplane/v1/emulator/...): reset, faults, journal, clock.
    emulator: bool = False
    # Calls per second each app may make of each operation (DingTalk's QPS limit); None:
    # no limit. The emulator can change it at run time.
    qps_limit: int | None = None
    # API calls the emulator's journal keeps per process.
    journal_size: int = 10_000
    # Events to apps (docs/events.md): the first retry's delay (doubling after), and how
    # long a webhook receiver has to answer.
    event_retry_base_ms: int = 1_000
    webhook_timeout_s: float = 10.0
    # Seconds between the SYSTEM pings sent on each Stream-mode connection.
    stream_ping_s: float = 30.0
    # A line per API call on stderr ("text" or "json").
    access_log: bool = True
    log_format: str = "text"
    # GET /metrics in Prometheus's format (api.metrics).
    metrics: bool = True
    # HTTP connections (confplane.http_limits): seconds to send the request headers (from
    # connecting or the previous response), the body, and to start a next request on a
    # kept-alive connection; open connections per process (None: from the open-files
    # limit). Device WebSockets live by their heartbeat instead.
    header_timeout_s: float = DEFAULT_HEADER_TIMEOUT_S
    body_timeout_s: float = DEFAULT_BODY_TIMEOUT_S
    idle_timeout_s: float = DEFAULT_IDLE_TIMEOUT_S
    max_connections: int | None = None

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'confplane.db').resolve()}"

    @property
    def resolved_public_url(self) -> str:
        return self.public_url or f"http://{self.host}:{self.port}"
