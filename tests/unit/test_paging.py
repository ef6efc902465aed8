"""CursorCodec: the signed members nextToken."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import struct

import pytest

from confplane.domain.errors import InvalidParams
from confplane.domain.paging import CursorCodec

KEY = bytes(range(32))


@pytest.fixture
def codec() -> CursorCodec:
    return CursorCodec(KEY)


@pytest.mark.parametrize(
    ("conference_pk", "last_member_id"),
    [(1, 1), (1, 0), (7, 123_456), (2**40, 2**50), (2**64 - 1, 2**64 - 1)],
)
def test_round_trip(codec: CursorCodec, conference_pk: int, last_member_id: int) -> None:
    token = codec.encode(conference_pk, last_member_id)
    assert codec.decode(token, conference_pk) == last_member_id
    # A second codec with the same key (another process, or after a restart) agrees.
    assert CursorCodec(KEY).decode(token, conference_pk) == last_member_id


def test_token_is_url_safe_and_unpadded(codec: CursorCodec) -> None:
    for pk, last in [(1, 1), (2**63, 99), (5, 2**64 - 1)]:
        token = codec.encode(pk, last)
        assert re.fullmatch(r"[A-Za-z0-9_-]+", token), token
        assert token not in ("", "0")


def test_tokens_differ_per_position_and_meeting(codec: CursorCodec) -> None:
    tokens = {codec.encode(pk, last) for pk in (1, 2) for last in (1, 2, 3)}
    assert len(tokens) == 6


@pytest.mark.parametrize("first", [None, "", "0"])
def test_first_page_tokens(codec: CursorCodec, first: str | None) -> None:
    assert codec.decode(first, 1) == 0
    assert codec.decode(first, 999) == 0


def test_every_single_character_change_is_refused(codec: CursorCodec) -> None:
    token = codec.encode(42, 4242)
    alphabet = "AB_-9z"
    for i, ch in enumerate(token):
        replacement = next(c for c in alphabet if c != ch)
        tampered = token[:i] + replacement + token[i + 1 :]
        with pytest.raises(InvalidParams):
            codec.decode(tampered, 42)


def test_forged_body_without_the_key_is_refused(codec: CursorCodec) -> None:
    genuine = base64.urlsafe_b64decode(codec.encode(42, 10) + "==")
    body = struct.pack(">BQQ", 1, 42, 10_000)  # same meeting, skip ahead
    forged = base64.urlsafe_b64encode(body + genuine[-10:]).decode().rstrip("=")
    with pytest.raises(InvalidParams):
        codec.decode(forged, 42)


def test_token_of_another_meeting_is_refused(codec: CursorCodec) -> None:
    token = codec.encode(42, 10)
    with pytest.raises(InvalidParams, match="another meeting"):
        codec.decode(token, 43)


def test_token_signed_with_another_key_is_refused(codec: CursorCodec) -> None:
    token = CursorCodec(b"another key" * 3).encode(42, 10)
    with pytest.raises(InvalidParams):
        codec.decode(token, 42)


def test_truncated_and_extended_tokens_are_refused(codec: CursorCodec) -> None:
    token = codec.encode(42, 10)
    for bad in (token[:-1], token[:-4], token[:10], token + "AAAA", token + token):
        with pytest.raises(InvalidParams):
            codec.decode(bad, 42)


@pytest.mark.parametrize(
    "garbage",
    [
        "1",
        "00",
        " ",
        "null",
        "abc",
        "!!!!",
        "%2F%2F",
        "====",
        "会议会议",
        "\x00\x00\x00\x00",
        "-" * 36,
        "A" * 36,
        "A" * 10_000,
        base64.b64encode(b"x" * 27).decode(),
        base64.urlsafe_b64encode(bytes(27)).decode(),
        base64.urlsafe_b64encode(b"\xff" * 27).decode(),
        "123000000",  # the seed's example token: not one this server issued
    ],
)
def test_garbage_is_invalid_params(codec: CursorCodec, garbage: str) -> None:
    with pytest.raises(InvalidParams):
        codec.decode(garbage, 1)


def test_unknown_version_is_refused() -> None:
    codec = CursorCodec(KEY)
    # A correctly signed token of a version this server does not speak.
    body = struct.pack(">BQQ", 2, 42, 10)
    mac = hmac.new(KEY, body, hashlib.sha256).digest()[:10]
    token = base64.urlsafe_b64encode(body + mac).decode().rstrip("=")
    with pytest.raises(InvalidParams):
        codec.decode(token, 42)
