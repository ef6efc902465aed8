"""Identifier and secret generation."""

import hashlib
import hmac
import secrets


def conference_id() -> str:
    return secrets.token_hex(12)


def participant_id() -> str:
    return secrets.token_hex(12)


def room_code() -> str:
    return str(secrets.randbelow(900_000_000) + 100_000_000)


def numeric_password(digits: int) -> str:
    return str(secrets.randbelow(10**digits)).zfill(digits)


def access_token() -> str:
    return secrets.token_hex(16)


def app_key() -> str:
    return "ding" + secrets.token_hex(8)


def app_secret() -> str:
    return secrets.token_urlsafe(48)


def union_id() -> str:
    return secrets.token_urlsafe(21).replace("-", "x").replace("_", "y")


def digest(secret: str) -> str:
    """Secrets and tokens are stored as SHA-256 digests, never in clear."""
    return hashlib.sha256(secret.encode()).hexdigest()


def matches(secret: str, stored_digest: str) -> bool:
    """Whether ``secret`` is the one whose digest was stored (compared in constant time)."""
    return hmac.compare_digest(stored_digest, digest(secret))


def resume_token() -> str:
    return secrets.token_urlsafe(24)
