"""query_values: numbers and booleans of a query string, turned into plain values."""

from __future__ import annotations

import pytest

from confplane.api.query_values import INT32_MAX, integer, max_results, whole_number
from confplane.domain.errors import InvalidParams


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("0", 0), ("7", 7), ("007", 7), ("99", 99), ("100", None), ("", None), (None, None)],
)
def test_whole_number_within_its_maximum(raw: str | None, expected: int | None) -> None:
    assert whole_number(raw, maximum=99) == expected


@pytest.mark.parametrize("raw", ["-1", "+1", " 1", "1 ", "1.0", "²", "１２", "٣", "1" * 5000])
def test_whole_number_is_ascii_digits_only(raw: str) -> None:
    assert whole_number(raw, maximum=10**18) is None


def test_max_results_bounds_and_message() -> None:
    assert max_results(None) is None and max_results("") is None
    assert max_results("0") == 0 and max_results(str(INT32_MAX)) == INT32_MAX
    for raw in (str(INT32_MAX + 1), "-1", "x", "1" * 5000):
        with pytest.raises(InvalidParams, match=r"^maxResults must be a positive 32-bit integer$"):
            max_results(raw)


def test_integer_keeps_its_sign_and_range() -> None:
    assert integer("n", "-5") == -5 and integer("n", None) is None
    with pytest.raises(InvalidParams, match=r"^n must be an integer$"):
        integer("n", "--5")
    with pytest.raises(InvalidParams, match=r"^n is out of range$"):
        integer("n", "5", maximum=4)
