"""DingTalk's Stream mode, as the official ``dingtalk-stream`` SDKs speak it: the
connections/open call and the frames on the WebSocket (docs/events.md)."""

from __future__ import annotations

import msgspec

from confplane.wire.models import Body


class Subscription(Body):
    type: str = ""
    topic: str = ""


class OpenConnectionRequest(Body):
    client_id: str = ""
    client_secret: str = ""
    subscriptions: list[Subscription] = msgspec.field(default_factory=list)
    ua: str | None = None
    local_ip: str | None = None


class OpenConnectionResponse(Body):
    endpoint: str
    ticket: str


class Frame(msgspec.Struct, rename="camel", omit_defaults=True):
    """What the server sends: ``data`` is a JSON string, as the SDKs expect."""

    spec_version: str
    type: str
    headers: dict[str, str]
    data: str


class Ack(msgspec.Struct, rename="camel"):
    """What an SDK answers a frame with. The Python SDK's code is its handler's status
    (200 OK); the Node SDK always says 200 and puts ``{"status": "SUCCESS" | "LATER"}`` in
    ``data``."""

    code: int = 0
    headers: dict[str, str] = msgspec.field(default_factory=dict)
    message: str = ""
    data: str | None = None


class AckStatus(msgspec.Struct):
    status: str = ""
