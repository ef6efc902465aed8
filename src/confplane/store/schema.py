"""Table definitions (SQLAlchemy Core), shared by SQLite and PostgreSQL."""

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)

metadata = MetaData()

# BigInteger primary keys become plain INTEGER on SQLite so they alias the rowid.
PK = BigInteger().with_variant(Integer(), "sqlite")

orgs = Table(
    "orgs",
    metadata,
    Column("id", PK, primary_key=True, autoincrement=True),
    Column("corp_id", String(64), nullable=False, unique=True),
    Column("name", String(256), nullable=False),
    Column("created_at", BigInteger, nullable=False),
)

apps = Table(
    "apps",
    metadata,
    Column("id", PK, primary_key=True, autoincrement=True),
    Column("app_key", String(64), nullable=False, unique=True),
    Column("secret_hash", String(64), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("name", String(256), nullable=False),
    Column("org_id", PK, ForeignKey("orgs.id"), nullable=True),
    Column("permissions", Text, nullable=False),
    Column("suite_ticket_hash", String(64), nullable=True),
    Column("created_at", BigInteger, nullable=False),
)

suite_authorizations = Table(
    "suite_authorizations",
    metadata,
    Column("app_id", PK, ForeignKey("apps.id"), primary_key=True),
    Column("org_id", PK, ForeignKey("orgs.id"), primary_key=True),
)

access_tokens = Table(
    "access_tokens",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("app_id", PK, ForeignKey("apps.id"), nullable=False),
    Column("org_id", PK, ForeignKey("orgs.id"), nullable=False),
    Column("expires_at", BigInteger, nullable=False),
    # The token sealed (domain.sealing), handed out again to its app while it lives (0004).
    Column("token", String(64), nullable=True),
    Index("ix_access_tokens_expires_at", "expires_at"),
    Index("ix_access_tokens_app_org", "app_id", "org_id"),
)

users = Table(
    "users",
    metadata,
    Column("id", PK, primary_key=True, autoincrement=True),
    Column("org_id", PK, ForeignKey("orgs.id"), nullable=False),
    Column("union_id", String(64), nullable=False, unique=True),
    Column("user_id", String(64), nullable=False),
    Column("nick", String(256), nullable=False),
    Column("job_number", String(64), nullable=True),
    UniqueConstraint("org_id", "user_id", name="uq_users_org_user"),
)

conferences = Table(
    "conferences",
    metadata,
    Column("id", PK, primary_key=True, autoincrement=True),
    Column("conference_id", String(64), nullable=False, unique=True),
    Column("org_id", PK, ForeignKey("orgs.id"), nullable=False),
    Column("title", String(512), nullable=False),
    Column("status", Integer, nullable=False),
    Column("locked", Boolean, nullable=False),
    Column("mute_all", Boolean, nullable=False),
    Column("host_union_id", String(64), nullable=False),
    Column("room_code", String(16), nullable=False, unique=True),
    Column("conference_password", String(16), nullable=False),
    Column("host_password", String(16), nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("start_time", BigInteger, nullable=True),
    Column("end_time", BigInteger, nullable=True),
    Column("member_count", Integer, nullable=False),
    # Per-meeting sequence of commands pushed to devices.
    Column("seq", BigInteger, nullable=False),
    # Raised by every write transaction that locks the meeting (see store.meetings):
    # whatever was read of the meeting at one revision holds until the next.
    Column("revision", BigInteger, nullable=False, server_default="0"),
    # Per-meeting sequence of the events apps receive (store.events).
    Column("event_seq", BigInteger, nullable=False, server_default="0"),
    Index("ix_conferences_org_status", "org_id", "status"),
)

members = Table(
    "members",
    metadata,
    Column("id", PK, primary_key=True, autoincrement=True),
    Column("conference_pk", PK, ForeignKey("conferences.id"), nullable=False),
    Column("union_id", String(64), nullable=False),
    Column("nick", String(256), nullable=False),
    Column("job_number", String(64), nullable=True),
    Column("attend_status", Integer, nullable=False),
    Column("join_time", BigInteger, nullable=True),
    Column("leave_time", BigInteger, nullable=True),
    Column("duration_ms", BigInteger, nullable=False),
    Column("present_since", BigInteger, nullable=True),
    Column("host", Boolean, nullable=False),
    Column("co_host", Boolean, nullable=False),
    Column("outer_org", Boolean, nullable=False),
    Column("pstn", Boolean, nullable=False),
    Column("reject_description", String(512), nullable=True),
    Column("rejoin_forbidden", Boolean, nullable=False),
    # Asked in by CreateVideoConference or InviteUsers (QueryConferenceInfo's invitedNum, 0005).
    Column("invited", Boolean, nullable=False, server_default=false()),
    UniqueConstraint("conference_pk", "union_id", name="uq_members_conference_union"),
    # Keyset paging walks (conference_pk, id).
    Index("ix_members_conference_id", "conference_pk", "id"),
)

devices = Table(
    "devices",
    metadata,
    Column("participant_id", String(64), primary_key=True),
    Column("conference_pk", PK, ForeignKey("conferences.id"), nullable=False),
    Column("member_id", PK, ForeignKey("members.id"), nullable=False),
    Column("union_id", String(64), nullable=False),
    Column("mic_status", Integer, nullable=False),
    Column("camera_status", Integer, nullable=False),
    Column("host_muted", Boolean, nullable=False),
    Column("active", Boolean, nullable=False),
    Column("joined_at", BigInteger, nullable=False),
    Column("left_at", BigInteger, nullable=True),
    # SHA-256 of the secret a WebSocket device resumes with; NULL for simulated devices.
    Column("resume_hash", String(64), nullable=True),
    # The server process holding the device's WebSocket (server_nodes), set on join and
    # resume; NULL for simulated devices (0009).
    Column("node_id", String(64), nullable=True),
    Index("ix_devices_member", "member_id"),
    Index("ix_devices_conference_active", "conference_pk", "active"),
    Index("ix_devices_node_active", "node_id", "active"),
)

# Server processes sharing the database, each renewing its heartbeat (0009). A process
# whose heartbeat is too old is dead: one other process at a time claims it (claimed_by
# until claimed_until) to end the stays of its devices that did not resume elsewhere.
server_nodes = Table(
    "server_nodes",
    metadata,
    Column("node_id", String(64), primary_key=True),
    Column("started_at", BigInteger, nullable=False),
    Column("heartbeat_at", BigInteger, nullable=False),
    Column("claimed_by", String(64), nullable=True),
    Column("claimed_until", BigInteger, nullable=False, server_default="0"),
    Index("ix_server_nodes_heartbeat_at", "heartbeat_at"),
)

# Commands pushed to devices, kept so a device that reconnects gets what it missed.
# (conference_pk, seq) is the per-meeting order; seq comes from conferences.seq.
device_commands = Table(
    "device_commands",
    metadata,
    Column("conference_pk", PK, ForeignKey("conferences.id"), primary_key=True),
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("kind", String(32), nullable=False),
    # JSON list of participantIds; NULL means every device in the meeting.
    Column("targets", Text, nullable=True),
    Column("data", Text, nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Index("ix_device_commands_created_at", "created_at"),
)

# What UpdateVideoConferenceSetting, Focus and UpdateVideoConferenceExtInfo set beyond
# the lock and the mute-all (0005); a meeting without a row has the defaults.
conference_settings = Table(
    "conference_settings",
    metadata,
    Column("conference_pk", PK, ForeignKey("conferences.id"), primary_key=True),
    Column("allow_unmute_self", Boolean, nullable=False),
    Column("auto_transfer_host", Boolean, nullable=False),
    Column("forbidden_share_screen", Boolean, nullable=False),
    Column("only_internal_employees", Boolean, nullable=False),
    Column("focus_union_id", String(64), nullable=True),
    Column("ext_info", Text, nullable=True),
)

# CreateCustomShortLink's links: /s/{code} leads to the meeting's join page (0005).
short_links = Table(
    "short_links",
    metadata,
    Column("code", String(32), primary_key=True),
    Column("conference_pk", PK, ForeignKey("conferences.id"), nullable=False),
    Column("creator_union_id", String(64), nullable=False),
    Column("cool_app_code", String(128), nullable=False),
    Column("extension_app_biz_data", Text, nullable=True),
    Column("use_extension_app", Boolean, nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Index("ix_short_links_conference", "conference_pk"),
)

# Guest password attempts per (room code, client) in a window; client "*" is the room's
# count over every client (domain.guest_attempts). Rows whose window ended are pruned.
guest_attempts = Table(
    "guest_attempts",
    metadata,
    Column("room_code", String(64), primary_key=True),
    Column("client", String(64), primary_key=True),
    Column("attempts", Integer, nullable=False),
    Column("window_end", BigInteger, nullable=False),
    Index("ix_guest_attempts_window_end", "window_end"),
)

server_meta = Table(
    "server_meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

# Scheduled meetings (0006). The meeting's id, roomCode and passwords are chosen when it
# is booked; its conferences row is made when the start time comes (conference_pk).
schedules = Table(
    "schedules",
    metadata,
    Column("id", PK, primary_key=True, autoincrement=True),
    Column("schedule_conference_id", String(64), nullable=False, unique=True),
    Column("org_id", PK, ForeignKey("orgs.id"), nullable=False),
    Column("creator_union_id", String(64), nullable=False),
    Column("title", String(512), nullable=False),
    Column("start_time", BigInteger, nullable=False),
    Column("end_time", BigInteger, nullable=False),
    Column("room_code", String(16), nullable=False, unique=True),
    Column("conference_id", String(64), nullable=False, unique=True),
    Column("conference_password", String(16), nullable=False),
    Column("host_password", String(16), nullable=False),
    Column("conference_pk", PK, ForeignKey("conferences.id"), nullable=True, unique=True),
    Column("cancelled_at", BigInteger, nullable=True),
    # The scheduleConfSettingModel as given (JSON).
    Column("settings", Text, nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Index("ix_schedules_org_id", "org_id", "id"),
    Index("ix_schedules_start_time", "start_time"),
    Index("ix_schedules_end_time", "end_time"),
)

# Events of meetings for apps (docs/events.md): written in the transaction of the change,
# delivered to each subscriber of the org's apps, pruned after delivery and a retention.
events = Table(
    "events",
    metadata,
    Column("id", PK, primary_key=True, autoincrement=True),
    Column("org_id", PK, ForeignKey("orgs.id"), nullable=False),
    Column("conference_pk", PK, ForeignKey("conferences.id"), nullable=False),
    Column("conference_id", String(64), nullable=False),
    Column("seq", BigInteger, nullable=False),
    Column("type", String(64), nullable=False),
    Column("born_at", BigInteger, nullable=False),
    Column("payload", Text, nullable=False),
    UniqueConstraint("conference_pk", "seq", name="uq_events_conference_seq"),
    Index("ix_events_org_id", "org_id", "id"),
    Index("ix_events_born_at", "born_at"),
)

# Who receives an app's events: its Stream-mode connections (one row, url '') or a
# webhook (kind 'webhook', its url and secret); event_types is ',a,b,' or NULL for all.
event_subscribers = Table(
    "event_subscribers",
    metadata,
    Column("id", PK, primary_key=True, autoincrement=True),
    Column("app_id", PK, ForeignKey("apps.id"), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("url", String(2048), nullable=False),
    Column("secret", String(256), nullable=True),
    Column("event_types", Text, nullable=True),
    Column("max_attempts", Integer, nullable=False),
    Column("created_at", BigInteger, nullable=False),
    UniqueConstraint("app_id", "kind", "url", name="uq_event_subscribers_target"),
)

# One row per event and subscriber until it is delivered (then deleted); state 'dead'
# after its last attempt, until replayed. (subscriber_id, conference_pk, seq) is the
# per-meeting order a subscriber is served in.
event_deliveries = Table(
    "event_deliveries",
    metadata,
    Column("id", PK, primary_key=True, autoincrement=True),
    Column("event_id", PK, ForeignKey("events.id"), nullable=False),
    Column("subscriber_id", PK, ForeignKey("event_subscribers.id"), nullable=False),
    Column("conference_pk", PK, nullable=False),
    Column("seq", BigInteger, nullable=False),
    Column("state", String(8), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_at", BigInteger, nullable=False),
    Column("lease_until", BigInteger, nullable=False),
    Column("last_error", String(512), nullable=True),
    Index("ix_event_deliveries_queue", "subscriber_id", "conference_pk", "seq"),
    Index("ix_event_deliveries_due", "state", "next_at"),
    Index("ix_event_deliveries_event", "event_id"),
)
