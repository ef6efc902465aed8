"""The console's sign-in sessions: signed, not stored, so every server process accepts
a session another one issued.

A session is ``c1.<body>.<mac>``: a random id and an expiry under an HMAC whose key is
the server's console key bound to the admin token, so changing the admin token ends
every session. Its CSRF token is a second HMAC of the session id: a page can read it,
another site cannot, and it is worth nothing without the session cookie.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from confplane.domain.clock import Clock

SESSION_TTL_S = 12 * 3600
_PREFIX = "c1."
_MAC_BYTES = 24


@dataclass(frozen=True, slots=True)
class ConsoleSession:
    token: str
    session_id: str
    expires_at: int


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class ConsoleSessions:
    def __init__(self, key: bytes, admin_token: str, clock: Clock | None = None) -> None:
        self._clock = clock or Clock()
        self._key = hmac.new(key, admin_token.encode(), hashlib.sha256).digest()

    def _mac(self, purpose: bytes, body: bytes) -> bytes:
        return hmac.new(self._key, purpose + b"\n" + body, hashlib.sha256).digest()[:_MAC_BYTES]

    def issue(self) -> ConsoleSession:
        session_id = secrets.token_hex(16)
        expires_at = self._clock.now_ms() + SESSION_TTL_S * 1000
        raw = f"{session_id}\n{expires_at}".encode()
        token = _PREFIX + _b64(raw) + "." + _b64(self._mac(b"session", raw))
        return ConsoleSession(token, session_id, expires_at)

    def verify(self, token: str | None) -> str | None:
        """The session id of a valid, unexpired session token, else None."""
        if not token or not token.startswith(_PREFIX):
            return None
        try:
            body_part, mac_part = token[len(_PREFIX) :].split(".")
            raw, mac = _unb64(body_part), _unb64(mac_part)
            session_id, expires_raw = raw.decode().split("\n")
            expires_at = int(expires_raw)
        except (ValueError, UnicodeDecodeError):
            return None
        if not hmac.compare_digest(mac, self._mac(b"session", raw)):
            return None
        if expires_at <= self._clock.now_ms():
            return None
        return session_id

    def csrf_token(self, session_id: str) -> str:
        return _b64(self._mac(b"csrf", session_id.encode()))

    def csrf_valid(self, session_id: str, given: str | None) -> bool:
        return bool(given) and hmac.compare_digest(
            (given or "").encode(), self.csrf_token(session_id).encode()
        )
