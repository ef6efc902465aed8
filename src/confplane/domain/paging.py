"""Opaque, tamper-proof nextToken for keyset paging over a meeting's members.

A token names the last member id returned and the meeting it belongs to, signed with
the server's key: members are listed in join order (id order), so a walk never repeats
or skips a member who stays in the meeting, and every page is one index range scan.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import struct

from confplane.domain.errors import InvalidParams

_VERSION = 1
_LAYOUT = struct.Struct(">BQQ")
_MAC_BYTES = 10
FIRST_PAGE_TOKENS = ("", "0")


class CursorCodec:
    def __init__(self, key: bytes) -> None:
        self._key = key

    def derive(self, purpose: str) -> CursorCodec:
        """A codec for another kind of listing: its tokens are not valid here, nor ours there."""
        return CursorCodec(hmac.new(self._key, purpose.encode(), hashlib.sha256).digest())

    def _mac(self, body: bytes) -> bytes:
        return hmac.new(self._key, body, hashlib.sha256).digest()[:_MAC_BYTES]

    def encode(self, conference_pk: int, last_member_id: int) -> str:
        body = _LAYOUT.pack(_VERSION, conference_pk, last_member_id)
        return base64.urlsafe_b64encode(body + self._mac(body)).decode().rstrip("=")

    def decode(self, token: str | None, conference_pk: int, *, owner: str = "meeting") -> int:
        """The row id to continue after (0 for the first page)."""
        if token is None or token in FIRST_PAGE_TOKENS:
            return 0
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        except (ValueError, TypeError):
            raise InvalidParams("nextToken is not a token this server issued") from None
        if len(raw) != _LAYOUT.size + _MAC_BYTES:
            raise InvalidParams("nextToken is not a token this server issued")
        body, mac = raw[: _LAYOUT.size], raw[_LAYOUT.size :]
        if not hmac.compare_digest(mac, self._mac(body)):
            raise InvalidParams("nextToken is not a token this server issued")
        version, pk, last_id = _LAYOUT.unpack(body)
        if version != _VERSION or pk != conference_pk:
            raise InvalidParams(f"nextToken belongs to another {owner}")
        return int(last_id)
