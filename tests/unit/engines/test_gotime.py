"""Go's time model (engines/gotemplate/gotime.py): layouts, parsing, durations, zones.

The expected texts are what Go 1.26 prints for the same calls (the differential corpus in
tests/templates checks the same behaviours against Go itself, through Sprig's functions).
"""

from __future__ import annotations

import pytest

from navarch.engines.gotemplate import gotime
from navarch.engines.gotemplate.gotime import (
    SECOND,
    UTC,
    Duration,
    Time,
    TimeError,
    date,
    duration_string,
    fixed_zone,
    format_time,
    load_location,
    parse_duration,
    parse_time,
)

# 2024-03-05 07:08:09.012345678 UTC, a Tuesday, the 65th day of a leap year
T = Time(1709622489, 12345678)


def fmt(layout: str, t: Time = T) -> str:
    return format_time(t, layout)


def parse(layout: str, value: str) -> Time:
    return parse_time(layout, value, UTC, UTC)


def parse_error(layout: str, value: str) -> str:
    with pytest.raises(TimeError) as err:
        parse(layout, value)
    return str(err.value)


@pytest.mark.parametrize(
    ("layout", "expected"),
    [
        ("Mon Monday Jan January", "Tue Tuesday Mar March"),
        ("01 1 02 2 _2 002 __2", "03 3 05 5  5 065  65"),
        ("15 03 3 04 4 05 5 PM pm", "07 07 7 08 8 09 9 AM am"),
        ("06 2006 MST", "24 2024 UTC"),
        ("2006-01-02T15:04:05Z07:00", "2024-03-05T07:08:09Z"),
        ("Mon Jan _2 15:04:05 MST 2006", "Tue Mar  5 07:08:09 UTC 2024"),
        ("Janet Monsoon MSTX", "Janet Monsoon UTCX"),  # Jan, Mon: not before a lowercase
        ("_2006 __2006", "_2024  65024"),  # _2006 is a literal _; __2 then 0, then 06
        ("", ""),
    ],
)
def test_format_elements(layout: str, expected: str) -> None:
    assert fmt(layout) == expected


def test_format_fractions() -> None:
    assert fmt("05.0|.00|.000|.000000000|.9|.99|.999999999|,000") == (
        "09.0|.01|.012|.012345678||.01|.012345678|,012"
    )
    assert fmt(".9999999999 .0000000000") == ".012345678 .012345678"  # at most nine digits
    assert fmt(".001 .00") == ".003 .01"  # not a fraction when a digit follows: 01 is the month
    assert fmt("5.999", Time(0, 120000000)) == "0.12"


def test_format_numeric_zones() -> None:
    kolkata = T.with_loc(fixed_zone("IST", 5 * 3600 + 1800))
    zones = "Z0700 Z07:00 Z07 Z070000 Z07:00:00 -0700 -07:00 -07 -070000 -07:00:00 MST"
    assert fmt(zones, kolkata) == (
        "+0530 +05:30 +05 +053000 +05:30:00 +0530 +05:30 +05 +053000 +05:30:00 IST"
    )
    assert fmt(zones, T) == "Z Z Z Z Z +0000 +00:00 +00 +000000 +00:00:00 UTC"
    lmt = T.with_loc(fixed_zone("", -(4 * 3600 + 56 * 60 + 2)))
    assert fmt("-07:00:00 MST", lmt) == "-04:56:02 -0456"  # no name: MST prints the offset


def test_format_years_outside_four_digits() -> None:
    year_minus_4 = date(-4, 1, 1, 0, 0, 0, 0, UTC)
    assert fmt("2006 06", year_minus_4) == "-0004 04"
    assert fmt("2006-01-02 15:04:05", Time.zero()) == "0001-01-01 00:00:00"


def test_string_is_gos_with_the_monotonic_reading() -> None:
    assert T.go_string() == "2024-03-05 07:08:09.012345678 +0000 UTC"
    assert Time(T.sec, 0, mono=1_500_000_123).go_string().endswith(" m=+1.500000123")
    assert Time(T.sec, 0, mono=-5).go_string().endswith(" m=-0.000000005")
    assert T.go_syntax() == "time.Date(2024, time.March, 5, 7, 8, 9, 12345678, time.UTC)"


@pytest.mark.parametrize(
    ("layout", "value", "expected"),
    [
        ("2006-01-02", "2024-03-05", "2024-03-05 00:00:00 +0000 UTC"),
        ("Jan _2 2006", "mar  5 2024", "2024-03-05 00:00:00 +0000 UTC"),
        ("15:04:05", "10:11:12.5", "0000-01-01 10:11:12.5 +0000 UTC"),  # implied fraction
        ("15:04:05.999", "10:11:12", "0000-01-01 10:11:12 +0000 UTC"),
        ("3:04PM", "12:30AM", "0000-01-01 00:30:00 +0000 UTC"),
        ("06", "68", "2068-01-01 00:00:00 +0000 UTC"),
        ("06", "69", "1969-01-01 00:00:00 +0000 UTC"),
        ("2006-002", "2024-060", "2024-02-29 00:00:00 +0000 UTC"),
        ("2006 01 02", "2024   03 05", "2024-03-05 00:00:00 +0000 UTC"),  # spaces match runs
        ("15:04 -0700", "10:00 +0100", "0000-01-01 10:00:00 +0100 +0100"),
        ("15:04 MST", "10:00 EST", "0000-01-01 10:00:00 +0000 EST"),  # unknown: offset 0
        ("15:04 MST", "10:00 GMT+3", "0000-01-01 13:00:00 +0300 GMT+3"),  # wall clock kept
        ("2006-01-02T15:04:05Z07:00", "2024-03-05T10:00:00Z", "2024-03-05 10:00:00 +0000 UTC"),
    ],
)
def test_parse(layout: str, value: str, expected: str) -> None:
    assert parse(layout, value).go_string() == expected


@pytest.mark.parametrize(
    ("layout", "value", "message"),
    [
        ("2006-01-02", "2024-13-05", 'parsing time "2024-13-05": month out of range'),
        ("2006-01-02", "2024-04-31", 'parsing time "2024-04-31": day out of range'),
        (
            "2006-01-02",
            "2024-03-05T10",
            'parsing time "2024-03-05T10": extra text: "T10"',
        ),
        (
            "2006-01-02",
            "24-03-05",
            'parsing time "24-03-05" as "2006-01-02": cannot parse "24-03-05" as "2006"',
        ),
        (
            "x-",
            "x",
            'parsing time "x" as "x-": cannot parse "" as "x-"',  # where the literal stopped
        ),
        ("15:04", "24:00", 'parsing time "24:00": hour out of range'),
        (
            "15:04 -0700",
            "10:00 +2500",
            'parsing time "10:00 +2500": time zone offset hour out of range',
        ),
        ("2006-002", "2023-366", 'parsing time "2023-366": day-of-year out of range'),
        (
            "2006-01-02",
            "2024-03-0\u00e9",
            'parsing time "2024-03-0\\xc3\\xa9" as "2006-01-02": '
            'cannot parse "0\\xc3\\xa9" as "02"',
        ),
    ],
)
def test_parse_errors_have_gos_text(layout: str, value: str, message: str) -> None:
    assert parse_error(layout, value) == message


def test_parse_offset_of_the_location_gives_the_location() -> None:
    paris = load_location("Europe/Paris")
    t = parse_time("2006-01-02 15:04 -0700", "2024-03-05 10:00 +0100", paris, paris)
    assert t.loc is paris and fmt("MST", t) == "CET"
    t = parse_time("2006-01-02 15:04 MST", "2024-07-05 10:00 CEST", paris, paris)
    assert t.loc is paris and t.go_string() == "2024-07-05 10:00:00 +0200 CEST"
    t = parse_time("2006-01-02 15:04", "2024-07-05 10:00", paris, paris)
    assert fmt("15:04 MST", t.with_loc(None)) == "08:00 UTC"


def test_unnamed_whole_hour_zones_are_shared_like_gos() -> None:
    assert fixed_zone("", 3600) is fixed_zone("", 3600)
    assert fixed_zone("", 5400) is not fixed_zone("", 5400)
    assert fixed_zone("X", 3600) is not fixed_zone("X", 3600)
    assert parse("-0700", "+0100") == parse("-0700", "+0100")
    assert parse("-0700", "+0130") != parse("-0700", "+0130")


def test_date_normalizes_like_gos() -> None:
    assert date(2024, 10, 32, 0, 0, 0, 0, UTC).go_string() == "2024-11-01 00:00:00 +0000 UTC"
    assert date(2024, 0, 1, 25, -1, 0, -1, UTC).go_string() == (
        "2023-12-02 00:58:59.999999999 +0000 UTC"
    )
    new_york = load_location("America/New_York")
    gap = date(2024, 3, 10, 2, 30, 0, 0, new_york)  # skipped by DST: Go takes the old offset
    assert gap.go_string() == "2024-03-10 01:30:00 -0500 EST"
    twice = date(2024, 11, 3, 1, 30, 0, 0, new_york)  # seen twice: the first one
    assert twice.go_string() == "2024-11-03 01:30:00 -0400 EDT"


def test_locations() -> None:
    assert load_location("") is UTC and load_location("UTC") is UTC
    assert load_location("Local") is gotime.local()
    for bad in ("No/Such_Zone", "../etc/passwd", "/etc/localtime", "europe/paris"):
        with pytest.raises(TimeError):
            load_location(bad)
    assert load_location("Asia/Tokyo") is not load_location("Asia/Tokyo")  # new each time
    assert load_location("Asia/Tokyo").go_string() == "Asia/Tokyo"


def test_local_follows_tz_as_go_reads_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "Europe/Paris")
    assert gotime._init_local().name == "Europe/Paris"
    monkeypatch.setenv("TZ", ":Asia/Tokyo")
    assert gotime._init_local().name == "Asia/Tokyo"
    for utc in ("", "UTC", "No/Such_Zone"):
        monkeypatch.setenv("TZ", utc)
        local = gotime._init_local()
        assert (local.name, local.lookup(0)) == ("UTC", ("UTC", 0, False))
    monkeypatch.delenv("TZ")
    assert gotime._init_local().name == "Local"


@pytest.mark.parametrize(
    ("text", "nanoseconds"),
    [
        ("1h30m", 5400 * SECOND),
        ("-1.5h", -5400 * SECOND),
        ("+.5s", SECOND // 2),
        ("5.s", 5 * SECOND),
        ("1us1\u00b5s1\u03bcs1ns", 3001),
        ("0", 0),
        ("-0", 0),
        ("9223372036854775807ns", 2**63 - 1),
        ("-9223372036854775808ns", -(2**63)),
    ],
)
def test_parse_duration(text: str, nanoseconds: int) -> None:
    assert parse_duration(text) == nanoseconds


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", 'time: invalid duration ""'),
        ("1d", 'time: unknown unit "d" in duration "1d"'),
        ("10", 'time: missing unit in duration "10"'),
        (".h", 'time: invalid duration ".h"'),
        ("9223372036854775808ns", 'time: invalid duration "9223372036854775808ns"'),
        ("2562048h", 'time: invalid duration "2562048h"'),
        ("1 h", 'time: unknown unit " h" in duration "1 h"'),
    ],
)
def test_parse_duration_errors(text: str, message: str) -> None:
    with pytest.raises(TimeError) as err:
        parse_duration(text)
    assert str(err.value) == message


@pytest.mark.parametrize(
    ("nanoseconds", "text"),
    [
        (0, "0s"),
        (1, "1ns"),
        (1500, "1.5\u00b5s"),
        (1_500_000, "1.5ms"),
        (95 * SECOND, "1m35s"),
        (3600 * SECOND, "1h0m0s"),
        (-(5400 * SECOND + 512345678), "-1h30m0.512345678s"),
        (-(2**63), "-2562047h47m16.854775808s"),
    ],
)
def test_duration_string(nanoseconds: int, text: str) -> None:
    assert duration_string(nanoseconds) == text
    assert Duration(nanoseconds).go_string() == text


def test_time_arithmetic_and_equality() -> None:
    later = T.add(90 * 60 * SECOND)
    assert later.sub(T) == 5400 * SECOND and T.sub(later) == -5400 * SECOND
    assert T.compare(later) == -1 and later.compare(T) == 1
    assert Time(T.sec, T.nsec) == T and T.with_loc(gotime.local()) != T
    assert Time(0).sub(Time.zero()) == 2**63 - 1  # past a Duration's range: clamped, as Go
    assert Time.zero().sub(Time(0)) == -(2**63)
    with_mono = Time(T.sec, 0, mono=10)
    assert with_mono.add(5).mono == 15 and with_mono.with_loc(UTC).mono is None
    assert fmt("15:04:05.000", T.round_to(3600 * SECOND, up=False)) == "07:00:00.000"
    assert fmt("15:04", T.round_to(3600 * SECOND, up=True)) == "07:00"
    assert fmt("2006-01-02", date(2024, 1, 31, 0, 0, 0, 0, UTC).add_date(0, 1, 0)) == ("2024-03-02")
