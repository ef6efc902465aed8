"""Access tokens kept so they can be handed out again, but never in clear.

A token is stored as its SHA-256 digest (what requests are checked against) and sealed:
XORed with HMAC-SHA256(server key, digest). Only a holder of the server key recovers it
from the row; a token unsealed with another key does not match its digest and is not
handed out.
"""

from __future__ import annotations

import hashlib
import hmac

from confplane.domain.ids import digest, matches


def _pad(key: bytes, token_digest: str, length: int) -> bytes:
    return hmac.new(key, token_digest.encode(), hashlib.sha256).digest()[:length]


def seal(key: bytes, token: str) -> str:
    raw = token.encode()
    if len(raw) > 32:
        raise ValueError("a token to seal has at most 32 bytes")
    pad = _pad(key, digest(token), len(raw))
    return bytes(a ^ b for a, b in zip(raw, pad, strict=True)).hex()


def unseal(key: bytes, sealed: str, token_digest: str) -> str | None:
    """The token, or None if ``sealed`` was not sealed with ``key`` for that digest."""
    try:
        raw = bytes.fromhex(sealed)
    except ValueError:
        return None
    pad = _pad(key, token_digest, len(raw))
    try:
        token = bytes(a ^ b for a, b in zip(raw, pad, strict=True)).decode()
    except UnicodeDecodeError:
        return None
    return token if matches(token, token_digest) else None
