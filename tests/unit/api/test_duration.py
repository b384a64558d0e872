"""Go durations, as Sveltos users write them."""

from __future__ import annotations

import pytest

from navarch.api.duration import format_duration, parse_duration


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("1h", 3600),
        ("1h30m", 5400),
        ("1.5h", 5400),
        ("90s", 90),
        ("300ms", 0.3),
        ("0", 0),
        ("2h45m30s", 9930),
        ("-5m", -300),
        ("1h0m0s", 3600),
    ],
)
def test_parse(text: str, seconds: float) -> None:
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["", "1", "h", "1d", "1h 30m", "abc"])
def test_rejects_what_go_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="invalid duration"):
        parse_duration(text)


def test_format_is_gos_canonical_form() -> None:
    assert format_duration(3600) == "1h0m0s"
    assert format_duration(300) == "5m0s"
    assert format_duration(30) == "30s"
    assert parse_duration(format_duration(18000)) == 18000
