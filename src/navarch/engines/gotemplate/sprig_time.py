"""Sprig v3.3's date functions, over ``gotime``'s Go time model.

Each follows Sprig's Go code path for the values a template can hand it:

- ``date``/``dateInZone``/``date_in_zone``/``htmlDate``/``htmlDateInZone`` take a
  ``time.Time``, or an ``int``/``int64`` (Unix seconds; a Go ``int`` is a template constant, an
  ``int64`` comes from data); anything else (a string, a float, a ``time.Duration``) means
  *now*. The zone is ``time.LoadLocation``'s (``""`` and ``UTC`` are UTC, ``Local`` the
  machine's); an unknown zone is UTC. ``date`` formats in Local.
- ``toDate``/``mustToDate`` parse in Local (``toDate`` gives the zero time on error).
- ``dateModify``/``date_modify`` add a ``time.ParseDuration`` duration (a bad one leaves the
  time as it is); ``mustDateModify``/``must_date_modify`` fail instead.
- ``duration`` takes seconds as an ``int64`` or a base-10 string (anything else is 0; a
  template constant is an ``int``, hence ``0s``); ``durationRound`` a duration string, an
  ``int64`` of nanoseconds or a ``time.Time`` (the time since), rounded down to the largest
  unit (``2h``, ``3d``, ``1mo``, ``1y``).
- ``ago`` is the time since a ``time.Time`` or Unix seconds, to the second.
- ``now`` carries a monotonic clock reading, as Go's does (printed ``m=+0.000123``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from navarch.engines.gotemplate.funcs import FuncError, GoFunc
from navarch.engines.gotemplate.gotime import (
    HOUR,
    MINUTE,
    SECOND,
    Location,
    Time,
    TimeError,
    duration_round,
    duration_string,
    load_location,
    local,
    parse_duration,
    parse_time,
)
from navarch.engines.gotemplate.values import I64

FUNCS: dict[str, GoFunc] = {}
F = TypeVar("F", bound=Callable[..., Any])


def _register(*names: str, params: tuple[str, ...]) -> Callable[[F], F]:
    def wrap(fn: F) -> F:
        for name in names:
            FUNCS[name] = GoFunc(name, fn, params)
        return fn

    return wrap


def _as_time(value: Any) -> Time:
    """Sprig's type switch: a time, Unix seconds as int or int64, else now."""
    if isinstance(value, Time):
        return value
    if type(value) is int or type(value) is I64:
        return Time.unix(int(value))
    return Time.now()


def _zone(name: str) -> Location:
    try:
        return load_location(name)
    except TimeError:
        return load_location("UTC")


@_register("now", params=())
def _now() -> Time:
    return Time.now()


@_register("dateInZone", "date_in_zone", params=("string", "any", "string"))
def date_in_zone(layout: str, value: Any, zone: str) -> str:
    return _as_time(value).with_loc(_zone(zone)).format(layout)


@_register("date", params=("string", "any"))
def _date(layout: str, value: Any) -> str:
    return date_in_zone(layout, value, "Local")


@_register("htmlDate", params=("any",))
def _html_date(value: Any) -> str:
    return date_in_zone("2006-01-02", value, "Local")


@_register("htmlDateInZone", params=("any", "string"))
def _html_date_in_zone(value: Any, zone: str) -> str:
    return date_in_zone("2006-01-02", value, zone)


@_register("dateModify", "date_modify", params=("string", "time.Time"))
def _date_modify(text: str, t: Time) -> Time:
    try:
        d = parse_duration(text)
    except TimeError:
        return t
    return t.add(int(d))


@_register("mustDateModify", "must_date_modify", params=("string", "time.Time"))
def _must_date_modify(text: str, t: Time) -> Time:
    try:
        d = parse_duration(text)
    except TimeError as exc:
        raise FuncError(str(exc)) from None
    return t.add(int(d))


@_register("toDate", params=("string", "string"))
def _to_date(layout: str, text: str) -> Time:
    try:
        return parse_time(layout, text, local(), local())
    except TimeError:
        return Time.zero()


@_register("mustToDate", params=("string", "string"))
def _must_to_date(layout: str, text: str) -> Time:
    try:
        return parse_time(layout, text, local(), local())
    except TimeError as exc:
        raise FuncError(str(exc)) from None


@_register("unixEpoch", params=("time.Time",))
def _unix_epoch(t: Time) -> str:
    return str(t.sec)


@_register("ago", params=("any",))
def _ago(value: Any) -> str:
    return duration_string(duration_round(Time.now().sub(_as_time(value)), SECOND))


def _parse_int64(text: str) -> int:
    """strconv.ParseInt(text, 10, 64) as Sprig uses it: 0 on a syntax error, the nearest
    int64 when out of range."""
    body = text[1:] if text[:1] in ("+", "-") else text
    if not body or not all("0" <= c <= "9" for c in body):
        return 0
    return max(min(int(text), 2**63 - 1), -(2**63))


def _wrap64(value: int) -> int:
    return (value + 2**63) % 2**64 - 2**63


@_register("duration", params=("any",))
def _duration(value: Any) -> str:
    if isinstance(value, str):
        seconds = _parse_int64(value)
    elif type(value) is I64:
        seconds = int(value)
    else:
        seconds = 0
    return duration_string(_wrap64(seconds * SECOND))


_YEAR = HOUR * 24 * 365
_MONTH = HOUR * 24 * 30
_DAY = HOUR * 24


@_register("durationRound", params=("any",))
def _duration_round(value: Any) -> str:
    if isinstance(value, str):
        try:
            d = int(parse_duration(value))
        except TimeError:
            d = 0
    elif type(value) is I64:
        d = int(value)
    elif isinstance(value, Time):
        d = Time.now().sub(value)
    else:
        d = 0
    u = d % 2**64  # Go's uint64(d), then negated when d < 0
    if d < 0:
        u = -u % 2**64
    for size, unit in (
        (_YEAR, "y"),
        (_MONTH, "mo"),
        (_DAY, "d"),
        (HOUR, "h"),
        (MINUTE, "m"),
        (SECOND, "s"),
    ):
        if u > size:
            return f"{u // size}{unit}"
    return "0s"
