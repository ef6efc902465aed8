"""Query-string values turned into plain values at the edge (DingTalk's clients send
numbers and booleans as text: Python writes ``True``, Node ``true``)."""

from __future__ import annotations

from confplane.domain.errors import InvalidParams

_INT64_MAX = 2**63 - 1


def integer(name: str, raw: str | None, *, maximum: int = _INT64_MAX) -> int | None:
    if raw is None or raw == "":
        return None
    digits = raw[1:] if raw.startswith("-") else raw
    if not (digits.isascii() and digits.isdigit()) or len(digits) > 19:
        raise InvalidParams(f"{name} must be an integer")
    value = int(raw)
    if not -maximum <= value <= maximum:
        raise InvalidParams(f"{name} is out of range")
    return value


def boolean(name: str, raw: str | None) -> bool | None:
    if raw is None or raw == "":
        return None
    lowered = raw.lower()
    if lowered not in ("true", "false"):
        raise InvalidParams(f"{name} must be true or false")
    return lowered == "true"
