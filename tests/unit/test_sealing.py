"""Tokens kept sealed: only the server key opens them, and only for their own digest."""

from __future__ import annotations

import secrets

from confplane.domain.ids import access_token, digest
from confplane.domain.sealing import seal, unseal


def test_a_sealed_token_opens_with_its_key_and_digest_only() -> None:
    key, other = secrets.token_bytes(32), secrets.token_bytes(32)
    token = access_token()
    sealed = seal(key, token)
    assert token not in sealed and token.encode().hex() != sealed
    assert unseal(key, sealed, digest(token)) == token
    assert unseal(other, sealed, digest(token)) is None
    assert unseal(key, sealed, digest(access_token())) is None
    assert unseal(key, "not hex", digest(token)) is None
