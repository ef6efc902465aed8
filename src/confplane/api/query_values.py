"""Query-string values turned into plain values at the edge (DingTalk's clients send
numbers and booleans as text: Python writes ``True``, Node ``true``)."""

from __future__ import annotations

from confplane.domain.errors import InvalidParams

_INT64_MAX = 2**63 - 1
INT32_MAX = 2**31 - 1
# Ids and positions the admin API and the console take: up to 18 digits, within int64.
EIGHTEEN_DIGITS_MAX = 10**18 - 1


def whole_number(raw: str | None, *, maximum: int) -> int | None:
    """``raw`` as a number when it is ASCII digits only (no sign; '²' and '１' are digits
    to str.isdigit() but not here) and at most ``maximum``; otherwise None."""
    if raw is None or not (raw.isascii() and raw.isdigit()):
        return None
    # int() refuses thousands of digits: a number that long is over any maximum anyway.
    if len(raw.lstrip("0")) > len(str(maximum)):
        return None
    value = int(raw)
    return value if value <= maximum else None


def max_results(raw: str | None) -> int | None:
    """DingTalk's ``maxResults`` of a member list: absent, or 0 to 2**31 - 1."""
    if raw is None or raw == "":
        return None
    value = whole_number(raw, maximum=INT32_MAX)
    if value is None:
        raise InvalidParams("maxResults must be a positive 32-bit integer")
    return value


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
