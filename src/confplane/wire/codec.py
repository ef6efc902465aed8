"""The one JSON encoder and the request decoder."""

from __future__ import annotations

import re
from typing import Any, TypeVar

import msgspec

from confplane.domain.errors import InvalidParams

T = TypeVar("T")

_encoder = msgspec.json.Encoder()
# \u0000 not itself escaped (an even run of backslashes before it).
_JSON_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")
_decoders: dict[type[Any], msgspec.json.Decoder[Any]] = {}


def encode(value: Any) -> bytes:
    return _encoder.encode(value)


def decode(body: bytes, into: type[T]) -> T:
    """Decode and validate a request body; any fault becomes InvalidParams."""
    decoder = _decoders.get(into)
    if decoder is None:
        decoder = _decoders[into] = msgspec.json.Decoder(into)
    if not body.strip():
        raise InvalidParams("request body is empty; a JSON object is required")
    if _JSON_NUL.search(body):
        # PostgreSQL text cannot hold U+0000; both back-ends refuse it alike.
        raise InvalidParams("strings must not contain NUL characters")
    try:
        decoded: T = decoder.decode(body)
        return decoded
    except msgspec.ValidationError as exc:
        raise InvalidParams(str(exc)) from None
    except (msgspec.DecodeError, UnicodeDecodeError) as exc:
        raise InvalidParams(f"request body is not valid UTF-8 JSON ({exc})") from None
    except RecursionError:  # arrays or objects nested thousands deep
        raise InvalidParams("request body nests too deeply") from None
