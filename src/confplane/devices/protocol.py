"""The device protocol, version 1: JSON text frames with a ``type`` field.

docs/device-protocol.md describes every frame; this module is its only encoder and
decoder, shared by the server and by confplane.client.device.
"""

from __future__ import annotations

from typing import Any

import msgspec

VERSION = 1
PATH = "/confplane/v1/devices/ws"
# Frames larger than this are refused with close 1009 (the server's WebSocket layer
# refuses anything past MAX_MESSAGE_BYTES before it is even buffered).
MAX_FRAME_BYTES = 8 * 1024
MAX_MESSAGE_BYTES = 64 * 1024


class Frame(msgspec.Struct, tag_field="type", rename="camel", omit_defaults=True):
    """Base of every frame. Unknown fields are ignored, for forward compatibility."""


Ref = int | str | None

# -- device -> server -------------------------------------------------------------


class Join(Frame, tag="join"):
    """Enter a meeting: with a join ticket (a member) or roomCode + password (a guest)."""

    conference_id: str | None = None
    ticket: str | None = None
    room_code: str | None = None
    password: str | None = None
    nick: str | None = None
    mic: int = 2
    camera: int = 2
    v: int = VERSION


class Resume(Frame, tag="resume"):
    """Come back after a lost connection, within the grace period."""

    participant_id: str
    resume_token: str
    last_seq: int = 0
    v: int = VERSION


class State(Frame, tag="state"):
    """What the device's microphone and camera are now (1 closed, 2 open)."""

    mic: int | None = None
    camera: int | None = None
    ref: Ref = None


class Ping(Frame, tag="ping"):
    ref: Ref = None


class Leave(Frame, tag="leave"):
    pass


Inbound = Join | Resume | State | Ping | Leave

# -- server -> device -------------------------------------------------------------


class Joined(Frame, tag="joined"):
    conference_id: str
    participant_id: str
    union_id: str
    nick: str
    resume_token: str
    seq: int
    mic: int
    camera: int
    host_muted: bool
    locked: bool
    host: bool
    co_host: bool
    heartbeat_s: float
    grace_s: float
    resumed: bool = False
    v: int = VERSION


class Command(Frame, tag="command"):
    seq: int
    kind: str
    conference_id: str
    data: dict[str, Any] = {}


class Ack(Frame, tag="ack"):
    """The answer to a ``state`` with a ``ref``: the state the server now holds."""

    ref: Ref = None
    mic: int | None = None
    camera: int | None = None


class Correction(Frame, tag="correction"):
    """The server did not believe a report: the device must take this state."""

    mic: int
    camera: int
    reason: str
    ref: Ref = None


class Pong(Frame, tag="pong"):
    ref: Ref = None
    time: int = 0


class Error(Frame, tag="error"):
    code: str
    message: str
    ref: Ref = None
    # The WebSocket close code that follows, if the server is closing the connection.
    close: int | None = None


Outbound = Joined | Command | Ack | Correction | Pong | Error


class Envelope(msgspec.Struct):
    """Just enough of a frame to tell an unknown type from a malformed known one."""

    type: str


class Close:
    """WebSocket close codes (1000-1015 are RFC 6455; 4000-4999 are confplane's)."""

    NORMAL = 1000
    TOO_BIG = 1009
    INTERNAL = 1011
    RESTART = 1012
    BAD_REQUEST = 4400
    UNAUTHORIZED = 4401
    FORBIDDEN = 4403
    NOT_FOUND = 4404
    TIMEOUT = 4408
    REPLACED = 4409
    GONE = 4410
    LOCKED = 4423
    RATE_LIMITED = 4429
    SLOW_CONSUMER = 4508
    FULL = 4503


_encoder = msgspec.json.Encoder()
inbound_decoder = msgspec.json.Decoder(Inbound)
outbound_decoder = msgspec.json.Decoder(Outbound)
envelope_decoder = msgspec.json.Decoder(Envelope)


def encode(frame: Frame) -> str:
    return _encoder.encode(frame).decode()


def camel(data: dict[str, object]) -> dict[str, object]:
    """Command data keys in the protocol's spelling (the domain writes snake_case)."""
    out: dict[str, object] = {}
    for key, value in data.items():
        head, *rest = key.split("_")
        out[head + "".join(p.title() for p in rest)] = value
    return out


def ws_url(public_url: str, path: str = PATH) -> str:
    """Where devices (or another WebSocket at ``path``) connect, for a server whose
    public base URL is ``public_url``."""
    base = public_url.rstrip("/")
    scheme, _, rest = base.partition("://")
    return ("wss" if scheme == "https" else "ws") + "://" + rest + path
