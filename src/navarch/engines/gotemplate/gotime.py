"""Go's ``time`` package as Sprig's date functions use it: ``Time``, ``Duration``, ``Location``,
layout formatting and parsing, ``ParseDuration``.

Layouts are Go's: the reference time ``Mon Jan 2 15:04:05 MST 2006`` written the way the
result should look (``2006``/``06`` years, ``January``/``Jan``/``01``/``1`` months, ``02``/``2``/
``_2`` days, ``002``/``__2`` days of the year, ``15``/``03``/``3`` hours, ``04``/``4``,
``05``/``5``, ``PM``/``pm``, ``MST``, ``Z07:00`` and the other numeric zones, ``.000``/``.999``
or ``,000`` fractional seconds); everything else is literal text. Parsing follows Go's rules
and error texts (``parsing time "x" as "y": cannot parse "z" as "w"``, ``month out of range``,
``extra text``), including its quirks: an unknown zone abbreviation gets a zero offset, a
``+hhmm`` offset that the default location uses at that instant gives that location.

A ``Time`` is an instant (Unix seconds and nanoseconds), a location (``None`` is UTC, as Go's
nil), and for ``now`` a monotonic clock reading, printed as Go's ``m=+0.001``; ``==`` is Go's
(same instant, location and monotonic reading). Locations come from the system's zoneinfo
files the way Go finds them (``$ZONEINFO``, then ``/usr/share/zoneinfo``...); ``Local`` is
``$TZ`` or ``/etc/localtime`` as Go reads them.
"""

from __future__ import annotations

import os
import struct
import time as _time
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC as _PY_UTC
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from navarch.engines.gotemplate.funcs import FuncError
from navarch.engines.gotemplate.goobject import GoMethod, GoValue, register_type
from navarch.engines.gotemplate.values import I64

NANOSECOND = 1
MICROSECOND = 1000
MILLISECOND = 1000 * MICROSECOND
SECOND = 1000 * MILLISECOND
MINUTE = 60 * SECOND
HOUR = 60 * MINUTE
MIN_DURATION = -(2**63)
MAX_DURATION = 2**63 - 1

_DAY = 86400
_UNIX_TO_ZERO = 62135596800  # seconds from 0001-01-01 UTC (Go's zero Time) to 1970-01-01


class TimeError(ValueError):
    """A parse error with Go's text."""


def _wrap64(value: int) -> int:
    """An int64 computation's result with Go's wraparound."""
    return (value + 2**63) % 2**64 - 2**63


def _quo(a: int, b: int) -> int:
    """Go's truncated integer division."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b > 0) else -q


def _rem(a: int, b: int) -> int:
    """Go's remainder (the sign of the dividend)."""
    return a - _quo(a, b) * b


def go_quote(text: bytes | str) -> str:
    """The time package's own quoting: bytes outside printable ASCII as ``\\xNN``."""
    data = text.encode("utf-8", "surrogateescape") if isinstance(text, str) else text
    out = ['"']
    for b in data:
        if b >= 0x80 or b < 0x20:
            out.append(f"\\x{b:02x}")
        else:
            if b in (0x22, 0x5C):
                out.append("\\")
            out.append(chr(b))
    out.append('"')
    return "".join(out)


# -- the calendar -----------------------------------------------------------------------------


def days_from_civil(year: int, month: int, day: int) -> int:
    """Days from 1970-01-01 to the proleptic Gregorian date (any year)."""
    y = year - (1 if month <= 2 else 0)
    era = y // 400
    yoe = y - era * 400
    doy = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + day - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def civil_from_days(days: int) -> tuple[int, int, int]:
    """(year, month, day) of the day ``days`` after 1970-01-01."""
    z = days + 719468
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    day = doy - (153 * mp + 2) // 5 + 1
    month = mp + 3 if mp < 10 else mp - 9
    return yoe + era * 400 + (1 if month <= 2 else 0), month, day


def is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


_DAYS_BEFORE = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365]


def days_in(month: int, year: int) -> int:
    if month == 2 and is_leap(year):
        return 29
    return _DAYS_BEFORE[month] - _DAYS_BEFORE[month - 1]


_LONG_MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
_LONG_DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]


# -- locations --------------------------------------------------------------------------------

_EPOCH = datetime(1970, 1, 1, tzinfo=_PY_UTC)
_LOOKUP_MIN = int((datetime(1, 1, 2, tzinfo=_PY_UTC) - _EPOCH).total_seconds())
_LOOKUP_MAX = int((datetime(9999, 12, 30, tzinfo=_PY_UTC) - _EPOCH).total_seconds())
_ZONE_SOURCES = (  # Go's platformZoneSources on Unix
    "/usr/share/zoneinfo/",
    "/usr/share/lib/zoneinfo/",
    "/usr/lib/locale/TZ/",
    "/etc/zoneinfo/",
)
Zone = tuple[str, int, bool]  # abbreviation, offset east of UTC in seconds, DST


def _tzif_zones(data: bytes) -> list[Zone]:
    """The zone types of a TZif file (the 64-bit block when there is one), as Go lists them."""
    if data[:4] != b"TZif" or len(data) < 44:
        raise ValueError("not a TZif file")

    def counts(at: int) -> tuple[int, ...]:
        return struct.unpack(">6l", data[at + 20 : at + 44])

    isut, isstd, leap, timecnt, typecnt, charcnt = counts(0)
    at, width = 44, 4
    if data[4:5] >= b"2":
        at += timecnt * 5 + typecnt * 6 + charcnt + leap * 8 + isstd + isut
        isut, isstd, leap, timecnt, typecnt, charcnt = counts(at)
        at, width = at + 44, 8
    at += timecnt * (width + 1)
    types = data[at : at + typecnt * 6]
    chars = data[at + typecnt * 6 : at + typecnt * 6 + charcnt]
    zones: list[Zone] = []
    for i in range(typecnt):
        offset, dst, index = struct.unpack(">lBB", types[i * 6 : i * 6 + 6])
        end = chars.find(b"\0", index)
        zones.append(
            (chars[index : end if end >= 0 else None].decode("latin-1"), offset, bool(dst))
        )
    return zones


class Location(GoValue):
    """A *time.Location: a name and the zone in effect at each instant."""

    __slots__ = ("_fixed", "_info", "name", "zones")
    GO_TYPE = "*time.Location"
    GO_KIND = "ptr"
    FIELDS = ("name", "zone", "tx", "extend", "cacheStart", "cacheEnd", "cacheZone")

    def __init__(
        self,
        name: str,
        zones: list[Zone] | None = None,
        info: zoneinfo.ZoneInfo | None = None,
    ) -> None:
        self.name = name
        self.zones = zones or []
        self._info = info
        self._fixed = info is None and len(self.zones) == 1

    def lookup(self, unix: int) -> Zone:
        """The zone in effect at the instant ``unix``."""
        if not self.zones:
            return ("UTC", 0, False)
        if self._info is None:
            return self.zones[0]
        instant = _EPOCH + timedelta(seconds=min(max(unix, _LOOKUP_MIN), _LOOKUP_MAX))
        local = instant.astimezone(self._info)
        offset = local.utcoffset() or timedelta(0)
        return (local.tzname() or "", offset // timedelta(seconds=1), bool(local.dst()))

    def lookup_name(self, name: str, unix: int) -> int | None:
        """The offset of the zone abbreviated ``name`` around ``unix`` (Go's lookupName)."""
        for abbr, offset, _ in self.zones:
            if abbr == name:
                found, actual, _ = self.lookup(unix - offset)
                if found == abbr:
                    return actual
        for abbr, offset, _ in self.zones:
            if abbr == name:
                return offset
        return None

    def go_string(self) -> str:
        return self.name

    def __deepcopy__(self, memo: dict[int, Any]) -> Location:
        return self  # a pointer: copies share it (and == compares it)

    def __repr__(self) -> str:
        return f"Location({self.name!r})"


UTC = Location("UTC")
_LOCAL: list[Location] = []
_UNNAMED_FIXED: dict[int, Location] = {}
_INFO_CACHE: dict[str, tuple[zoneinfo.ZoneInfo, list[Zone]]] = {}


def fixed_zone(name: str, offset: int) -> Location:
    """time.FixedZone: unnamed whole-hour zones from -12 to +14 are shared (so ``==``)."""
    hour = _quo(_quo(offset, 60), 60)
    if name == "" and -12 <= hour <= 14 and hour * 3600 == offset:
        found = _UNNAMED_FIXED.get(hour)
        if found is None:
            found = _UNNAMED_FIXED[hour] = Location("", [("", offset, False)])
        return found
    return Location(name, [(name, offset, False)])


def _read_zone(path: str, name: str) -> Location:
    cached = _INFO_CACHE.get(path)
    if cached is None:
        with open(path, "rb") as f:
            data = f.read()
        zones = _tzif_zones(data)
        with open(path, "rb") as f:
            info = zoneinfo.ZoneInfo.from_file(f, key=name)
        cached = _INFO_CACHE[path] = (info, zones)
    return Location(name, cached[1], cached[0])


def _load_from(name: str, sources: tuple[str, ...]) -> Location:
    for source in sources:
        try:
            return _read_zone(source + name, name)
        except (OSError, ValueError):
            continue
    raise TimeError(f"unknown time zone {name}")


def load_location(name: str) -> Location:
    """time.LoadLocation; TimeError when there is no such zone."""
    if name in ("", "UTC"):
        return UTC
    if name == "Local":
        return local()
    if ".." in name or name[0] in "/\\":
        raise TimeError("time: invalid location name")
    zoneinfo_dir = os.environ.get("ZONEINFO", "")
    if zoneinfo_dir:
        try:
            return _read_zone(os.path.join(zoneinfo_dir, name), name)
        except (OSError, ValueError):
            pass
    return _load_from(name, _ZONE_SOURCES)


def _init_local() -> Location:
    tz = os.environ.get("TZ")
    if tz is None:
        try:
            return _read_zone("/etc/localtime", "Local")
        except (OSError, ValueError):
            return Location("UTC")
    tz = tz.removeprefix(":")
    if tz.startswith("/"):
        try:
            return _read_zone(tz, "Local" if tz == "/etc/localtime" else tz)
        except (OSError, ValueError):
            return Location("UTC")
    if tz not in ("", "UTC"):
        try:
            return _load_from(tz, _ZONE_SOURCES)
        except TimeError:
            pass
    return Location("UTC")


def local() -> Location:
    """time.Local (read once, as Go does)."""
    if not _LOCAL:
        _LOCAL.append(_init_local())
    return _LOCAL[0]


# -- Duration, Month, Weekday -------------------------------------------------------------------


def _fmt_frac(value: int, prec: int) -> tuple[str, int]:
    """The fraction of ``value / 10**prec`` without trailing zeros (no dot if zero)."""
    digits = ""
    printed = False
    for _ in range(prec):
        digit = value % 10
        printed = printed or digit != 0
        if printed:
            digits = str(digit) + digits
        value //= 10
    return ("." + digits if printed else ""), value


def duration_string(d: int) -> str:
    """Duration.String: ``1h2m3.5s``, ``1.5ms``, ``0s``."""
    u = -d if d < 0 else d
    if u < SECOND:
        if u == 0:
            return "0s"
        if u < MICROSECOND:
            prec, unit = 0, "ns"
        elif u < MILLISECOND:
            prec, unit = 3, "\u00b5s"
        else:
            prec, unit = 6, "ms"
        frac, whole = _fmt_frac(u, prec)
        text = f"{whole}{frac}{unit}"
    else:
        frac, whole = _fmt_frac(u, 9)
        text = f"{whole % 60}{frac}s"
        whole //= 60
        if whole > 0:
            text = f"{whole % 60}m{text}"
            whole //= 60
            if whole > 0:
                text = f"{whole}h{text}"
    return "-" + text if d < 0 else text


def _less_than_half(x: int, y: int) -> bool:
    return x + x < y


def duration_round(d: int, m: int) -> int:
    if m <= 0:
        return d
    r = _rem(d, m)
    if d < 0:
        r = -r
        if _less_than_half(r, m):
            return d + r
        d1 = d - m + r
        return d1 if d1 >= MIN_DURATION else MIN_DURATION
    if _less_than_half(r, m):
        return d - r
    d1 = d + m - r
    return d1 if d1 <= MAX_DURATION else MAX_DURATION


def _unit_float(d: int, unit: int) -> float:
    return float(_quo(d, unit)) + float(_rem(d, unit)) / unit


class Duration(int, GoValue):
    """A time.Duration: int64 nanoseconds, printed as ``1h2m3s``."""

    __slots__ = ()
    GO_TYPE = "time.Duration"
    GO_KIND = "int64"

    def go_string(self) -> str:
        return duration_string(int(self))

    def __repr__(self) -> str:
        return f"Duration({int(self)})"


def _duration_methods() -> dict[str, GoMethod]:
    def d(x: Any) -> int:
        return int(x)

    def abs_(x: Duration) -> Duration:
        v = d(x)
        return Duration(MAX_DURATION if v == MIN_DURATION else abs(v))

    return {
        "Abs": GoMethod(abs_, results=("time.Duration",)),
        "Hours": GoMethod(lambda x: _unit_float(d(x), HOUR), results=("float64",)),
        "Minutes": GoMethod(lambda x: _unit_float(d(x), MINUTE), results=("float64",)),
        "Seconds": GoMethod(lambda x: _unit_float(d(x), SECOND), results=("float64",)),
        "Milliseconds": GoMethod(lambda x: I64(_quo(d(x), MILLISECOND)), results=("int64",)),
        "Microseconds": GoMethod(lambda x: I64(_quo(d(x), MICROSECOND)), results=("int64",)),
        "Nanoseconds": GoMethod(lambda x: I64(d(x)), results=("int64",)),
        "Round": GoMethod(
            lambda x, m: Duration(duration_round(d(x), d(m))),
            ("time.Duration",),
            ("time.Duration",),
        ),
        "Truncate": GoMethod(
            lambda x, m: Duration(d(x) if d(m) <= 0 else d(x) - _rem(d(x), d(m))),
            ("time.Duration",),
            ("time.Duration",),
        ),
        "String": GoMethod(lambda x: duration_string(d(x)), results=("string",)),
    }


Duration.METHODS = _duration_methods()


class Month(int, GoValue):
    __slots__ = ()
    GO_TYPE = "time.Month"
    GO_KIND = "int"

    def go_string(self) -> str:
        if 1 <= self <= 12:
            return _LONG_MONTHS[self - 1]
        return f"%!Month({int(self)})"


class Weekday(int, GoValue):
    __slots__ = ()
    GO_TYPE = "time.Weekday"
    GO_KIND = "int"

    def go_string(self) -> str:
        if 0 <= self <= 6:
            return _LONG_DAYS[self]
        return f"%!Weekday({int(self)})"


for _cls in (Month, Weekday):
    _cls.METHODS = {"String": GoMethod(lambda x: x.go_string(), results=("string",))}

Location.METHODS = {
    "String": GoMethod(lambda x: x.go_string(), results=("string",), pointer=True),
}

# -- durations as text ------------------------------------------------------------------------

_UNITS = {
    b"ns": NANOSECOND,
    b"us": MICROSECOND,
    "\u00b5s".encode(): MICROSECOND,
    "\u03bcs".encode(): MICROSECOND,
    b"ms": MILLISECOND,
    b"s": SECOND,
    b"m": MINUTE,
    b"h": HOUR,
}


def _leading_int(s: bytes) -> tuple[int, bytes] | None:
    """The leading [0-9]* of ``s`` (None on overflow past 1<<63)."""
    i, x = 0, 0
    while i < len(s) and 0x30 <= s[i] <= 0x39:
        if x > (1 << 63) // 10:
            return None
        x = x * 10 + s[i] - 0x30
        if x > 1 << 63:
            return None
        i += 1
    return x, s[i:]


def _leading_fraction(s: bytes) -> tuple[int, float, bytes]:
    i, x, scale, overflow = 0, 0, 1.0, False
    while i < len(s) and 0x30 <= s[i] <= 0x39:
        if not overflow:
            if x > ((1 << 63) - 1) // 10:
                overflow = True
            else:
                y = x * 10 + s[i] - 0x30
                if y > 1 << 63:
                    overflow = True
                else:
                    x = y
                    scale *= 10
        i += 1
    return x, scale, s[i:]


def _duration_part(s: bytes) -> tuple[int, bytes]:
    """One ``1.5h`` of a duration: its nanoseconds and the rest; TimeError with the message
    (the caller adds the text)."""
    if not (s[0] == 0x2E or 0x30 <= s[0] <= 0x39):
        raise TimeError("invalid duration")
    before = len(s)
    lead = _leading_int(s)
    if lead is None:
        raise TimeError("invalid duration")
    v, s = lead
    pre = before != len(s)
    f, scale, post = 0, 1.0, False
    if s[:1] == b".":
        s = s[1:]
        before = len(s)
        f, scale, s = _leading_fraction(s)
        post = before != len(s)
    if not pre and not post:
        raise TimeError("invalid duration")
    i = 0
    while i < len(s) and not (s[i] == 0x2E or 0x30 <= s[i] <= 0x39):
        i += 1
    if i == 0:
        raise TimeError("missing unit in duration")
    unit = _UNITS.get(s[:i])
    if unit is None:
        raise TimeError(f"unknown unit {go_quote(s[:i])} in duration")
    if v > (1 << 63) // unit:
        raise TimeError("invalid duration")
    v *= unit
    if f > 0:
        v += int(float(f) * (float(unit) / scale))  # float64, as Go computes fractions
        if v > 1 << 63:
            raise TimeError("invalid duration")
    return v, s[i:]


def parse_duration(text: str) -> Duration:
    """time.ParseDuration; TimeError with Go's text (``time: invalid duration "x"``)."""
    orig = text.encode("utf-8", "surrogateescape")
    s = orig
    neg = s[:1] == b"-"
    if s[:1] in (b"-", b"+"):
        s = s[1:]
    if s == b"0":
        return Duration(0)
    try:
        if not s:
            raise TimeError("invalid duration")
        total = 0
        while s:
            v, s = _duration_part(s)
            total += v
            if total > 1 << 63:
                raise TimeError("invalid duration")
        if not neg and total > MAX_DURATION:
            raise TimeError("invalid duration")
    except TimeError as exc:
        raise TimeError(f"time: {exc} {go_quote(orig)}") from None
    return Duration(_wrap64(-total) if neg else total)


# -- Time ------------------------------------------------------------------------------------

_WALL_1885 = days_from_civil(1885, 1, 1) * _DAY  # the monotonic encoding's first second
_PROCESS_START = _time.monotonic_ns() - 1


class Time(GoValue):
    """A time.Time: Unix seconds, nanoseconds, location (None: UTC) and monotonic reading."""

    __slots__ = ("loc", "mono", "nsec", "sec")
    GO_TYPE = "time.Time"
    GO_KIND = "struct"
    FIELDS = ("wall", "ext", "loc")

    def __init__(
        self, sec: int, nsec: int = 0, loc: Location | None = None, mono: int | None = None
    ) -> None:
        self.sec = sec
        self.nsec = nsec
        self.loc = None if loc is UTC else loc
        self.mono = mono

    # -- construction

    @staticmethod
    def now() -> Time:
        ns = _time.time_ns()
        sec, nsec = divmod(ns, SECOND)
        return Time(sec, nsec, local(), _time.monotonic_ns() - _PROCESS_START)

    @staticmethod
    def unix(sec: int, nsec: int = 0) -> Time:
        """time.Unix: in the Local location."""
        extra, nsec = divmod(nsec, SECOND)
        return Time(sec + extra, nsec, local())

    @staticmethod
    def zero() -> Time:
        return Time(-_UNIX_TO_ZERO)

    # -- Go's view

    def location(self) -> Location:
        return UTC if self.loc is None else self.loc

    def zone(self) -> Zone:
        return self.location().lookup(self.sec)

    def fields(self) -> tuple[int, int, int, int, int, int, int, int]:
        """(year, month, day, hour, minute, second, weekday, yday) in the time's location."""
        _, offset, _ = self.zone()
        local_sec = self.sec + offset
        days, secs = divmod(local_sec, _DAY)
        year, month, day = civil_from_days(days)
        yday = days - days_from_civil(year, 1, 1) + 1
        return (year, month, day, secs // 3600, secs // 60 % 60, secs % 60, (days + 4) % 7, yday)

    def with_loc(self, loc: Location | None) -> Time:
        """setLoc: a new location, no monotonic reading."""
        return Time(self.sec, self.nsec, loc)

    def strip_mono(self) -> Time:
        return Time(self.sec, self.nsec, self.loc)

    def format(self, layout: str) -> str:
        return format_time(self, layout)

    def go_string(self) -> str:
        text = self.format("2006-01-02 15:04:05.999999999 -0700 MST")
        if self.mono is not None:
            sign = "-" if self.mono < 0 else "+"
            m1, m2 = divmod(abs(self.mono), SECOND)
            m0, m1 = divmod(m1, SECOND)
            whole = f"{m0}{m1:09d}" if m0 else str(m1)
            text += f" m={sign}{whole}.{m2:09d}"
        return text

    def go_syntax(self) -> str:
        year, month, day, hour, minute, second, _, _ = self.fields()
        loc = self.loc
        if loc is None:
            where = "time.UTC"
        elif loc is local():
            where = "time.Local"
        else:
            where = f"time.Location({go_quote(loc.name)})"
        return (
            f"time.Date({year}, time.{_LONG_MONTHS[month - 1]}, {day}, {hour}, {minute}, "
            f"{second}, {self.nsec}, {where})"
        )

    def go_json(self) -> str:
        year = self.fields()[0]
        if not 0 <= year <= 9999:
            raise ValueError(
                "json: error calling MarshalJSON for type time.Time: "
                "Time.MarshalJSON: year outside of range [0,9999]"
            )
        _, offset, _ = self.zone()
        if offset and abs(offset) // 3600 >= 24:
            raise ValueError(
                "json: error calling MarshalJSON for type time.Time: "
                "Time.MarshalJSON: timezone hour outside of range [0,23]"
            )
        return '"' + self.format("2006-01-02T15:04:05.999999999Z07:00") + '"'

    # -- arithmetic and comparison (Go's methods)

    def add(self, d: int) -> Time:
        extra, nsec = divmod(self.nsec + d, SECOND)
        sec = self.sec + extra
        mono = self.mono
        if mono is not None and (
            not MIN_DURATION <= mono + d <= MAX_DURATION or not 0 <= sec - _WALL_1885 <= 2**33 - 1
        ):
            mono = None
        elif mono is not None:
            mono += d
        return Time(sec, nsec, self.loc, mono)

    def sub(self, other: Time) -> int:
        if self.mono is not None and other.mono is not None:
            d = self.mono - other.mono
        else:
            d = (self.sec - other.sec) * SECOND + (self.nsec - other.nsec)
        return min(max(d, MIN_DURATION), MAX_DURATION)

    def compare(self, other: Time) -> int:
        if self.mono is not None and other.mono is not None:
            a, b = self.mono, other.mono
            return (a > b) - (a < b)
        x, y = (self.sec, self.nsec), (other.sec, other.nsec)
        return (x > y) - (x < y)

    def round_to(self, d: int, *, up: bool) -> Time:
        """Truncate (``up`` False) or Round to a multiple of ``d`` since the zero time."""
        t = self.strip_mono()
        if d <= 0:
            return t
        r = ((t.sec + _UNIX_TO_ZERO) * SECOND + t.nsec) % d
        if up and not _less_than_half(r, d):
            return t.add(d - r)
        return t.add(-r)

    def add_date(self, years: int, months: int, days: int) -> Time:
        year, month, day, hour, minute, second, _, _ = self.fields()
        return date(
            year + years,
            month + months,
            day + days,
            hour,
            minute,
            second,
            self.nsec,
            self.location(),
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Time):
            return NotImplemented
        return (
            self.sec == other.sec
            and self.nsec == other.nsec
            and self.loc is other.loc
            and self.mono == other.mono
        )

    def __hash__(self) -> int:
        return hash((self.sec, self.nsec))

    def __deepcopy__(self, memo: dict[int, Any]) -> Time:
        return self  # immutable; Sprig's deepCopy gives an equal time.Time

    def __repr__(self) -> str:
        return f"Time({self.go_string()!r})"


def _norm(hi: int, lo: int, base: int) -> tuple[int, int]:
    extra, lo = divmod(lo, base)
    return hi + extra, lo


def date(
    year: int,
    month: int,
    day: int,
    hour: int,
    minute: int,
    second: int,
    nsec: int,
    loc: Location,
) -> Time:
    """time.Date: values out of range carry over (October 32 is November 1)."""
    year, m0 = _norm(year, month - 1, 12)
    second, nsec = _norm(second, nsec, SECOND)
    minute, second = _norm(minute, second, 60)
    hour, minute = _norm(hour, minute, 60)
    day, hour = _norm(day, hour, 24)
    days = days_from_civil(year, m0 + 1, 1) + day - 1
    unix = days * _DAY + hour * 3600 + minute * 60 + second
    _, offset, _ = loc.lookup(unix)
    if offset:
        _, offset, _ = loc.lookup(unix - offset)
    return Time(unix - offset, nsec, loc)


def _time_methods() -> dict[str, GoMethod]:
    def field(index: int) -> GoMethod:
        return GoMethod(lambda t: t.fields()[index], results=("int",))

    def in_(t: Time, loc: Location | None) -> Time:
        if loc is None:
            raise FuncError("time: missing Location in call to Time.In")
        return t.with_loc(loc)

    def unix_scaled(scale: int) -> GoMethod:
        return GoMethod(
            lambda t: I64(_wrap64(t.sec * scale + t.nsec // (SECOND // scale))),
            results=("int64",),
        )

    t1, dur = ("time.Time",), ("time.Duration",)
    return {
        "Add": GoMethod(lambda t, d: t.add(int(d)), dur, t1),
        "AddDate": GoMethod(lambda t, y, m, d: t.add_date(y, m, d), ("int", "int", "int"), t1),
        "After": GoMethod(lambda t, u: t.compare(u) > 0, t1, ("bool",)),
        "Before": GoMethod(lambda t, u: t.compare(u) < 0, t1, ("bool",)),
        "Compare": GoMethod(lambda t, u: t.compare(u), t1, ("int",)),
        "Equal": GoMethod(lambda t, u: t.compare(u) == 0, t1, ("bool",)),
        "Sub": GoMethod(lambda t, u: Duration(t.sub(u)), t1, dur),
        "Year": field(0),
        "Month": GoMethod(lambda t: Month(t.fields()[1]), results=("time.Month",)),
        "Day": field(2),
        "Hour": field(3),
        "Minute": field(4),
        "Second": field(5),
        "Weekday": GoMethod(lambda t: Weekday(t.fields()[6]), results=("time.Weekday",)),
        "YearDay": field(7),
        "Nanosecond": GoMethod(lambda t: t.nsec, results=("int",)),
        "Unix": GoMethod(lambda t: I64(t.sec), results=("int64",)),
        "UnixMilli": unix_scaled(1000),
        "UnixMicro": unix_scaled(1000_000),
        "UnixNano": unix_scaled(SECOND),
        "IsZero": GoMethod(lambda t: t.sec == -_UNIX_TO_ZERO and t.nsec == 0, results=("bool",)),
        "IsDST": GoMethod(lambda t: t.zone()[2], results=("bool",)),
        "Format": GoMethod(lambda t, layout: t.format(layout), ("string",), ("string",)),
        "String": GoMethod(lambda t: t.go_string(), results=("string",)),
        "GoString": GoMethod(lambda t: t.go_syntax(), results=("string",)),
        "UTC": GoMethod(lambda t: t.with_loc(None), results=t1),
        "Local": GoMethod(lambda t: t.with_loc(local()), results=t1),
        "In": GoMethod(in_, ("*time.Location",), t1),
        "Location": GoMethod(lambda t: t.location(), results=("*time.Location",)),
        "Round": GoMethod(lambda t, d: t.round_to(int(d), up=True), dur, t1),
        "Truncate": GoMethod(lambda t, d: t.round_to(int(d), up=False), dur, t1),
        # results a template cannot take: calling one fails as in Go
        "Clock": GoMethod(lambda t: None, results=("int", "int", "int")),
        "Date": GoMethod(lambda t: None, results=("int", "time.Month", "int")),
        "ISOWeek": GoMethod(lambda t: None, results=("int", "int")),
        "Zone": GoMethod(lambda t: None, results=("string", "int")),
        "ZoneBounds": GoMethod(lambda t: None, results=("time.Time", "time.Time")),
    }


Time.METHODS = _time_methods()

register_type("time.Time", "struct")
register_type("time.Duration", "int64", Duration)
register_type("time.Month", "int", Month)
register_type("time.Weekday", "int", Weekday)
register_type("*time.Location", "ptr")


# -- layouts ---------------------------------------------------------------------------------

# A layout element: (kind, fraction digits, fraction separator). The kind is the element's
# text in the reference layout (".0"/".9" for fractions of any length; Go keeps the digit
# count in 12 bits, hence the & 0xFFF where it is used).
Std = tuple[str, int, int]
_STD_0X = {0x31: "01", 0x32: "02", 0x33: "03", 0x34: "04", 0x35: "05", 0x36: "06"}
_NUMERIC_ZONES = ("-070000", "-07:00:00", "-0700", "-07:00", "-07")  # longest match first
_ISO_ZONES = ("Z070000", "Z07:00:00", "Z0700", "Z07:00", "Z07")


def _lower_at(s: bytes, i: int) -> bool:
    return i < len(s) and 0x61 <= s[i] <= 0x7A


def _digit_at(s: bytes, i: int) -> bool:
    return i < len(s) and 0x30 <= s[i] <= 0x39


def _element_at(layout: bytes, i: int) -> tuple[int, Std] | None:
    """The layout element starting at ``i`` (where it starts and what it is), if any."""
    c, rest = layout[i], layout[i:]
    if c == 0x4A and rest[:3] == b"Jan":  # J
        if rest[:7] == b"January":
            return i, ("January", 0, 0)
        return None if _lower_at(layout, i + 3) else (i, ("Jan", 0, 0))
    if c == 0x4D:  # M
        if rest[:6] == b"Monday":
            return i, ("Monday", 0, 0)
        if rest[:3] == b"Mon" and not _lower_at(layout, i + 3):
            return i, ("Mon", 0, 0)
        return (i, ("MST", 0, 0)) if rest[:3] == b"MST" else None
    if c == 0x30:  # 0
        if len(rest) >= 2 and rest[1] in _STD_0X:
            return i, (_STD_0X[rest[1]], 0, 0)
        return (i, ("002", 0, 0)) if rest[:3] == b"002" else None
    if c == 0x31:  # 1
        return i, ("15" if rest[:2] == b"15" else "1", 0, 0)
    if c == 0x32:  # 2
        return i, ("2006" if rest[:4] == b"2006" else "2", 0, 0)
    if c == 0x5F:  # _
        if rest[1:5] == b"2006":  # a literal _ then the year
            return i + 1, ("2006", 0, 0)
        if rest[1:2] == b"2":
            return i, ("_2", 0, 0)
        return (i, ("__2", 0, 0)) if rest[:3] == b"__2" else None
    if c in (0x33, 0x34, 0x35):  # 3 4 5
        return i, (chr(c), 0, 0)
    if rest[:2] in (b"PM", b"pm"):
        return i, (rest[:2].decode(), 0, 0)
    if c in (0x2D, 0x5A):  # - Z
        for text in _NUMERIC_ZONES if c == 0x2D else _ISO_ZONES:
            if rest.startswith(text.encode()):
                return i, (text, 0, 0)
        return None
    if c in (0x2E, 0x2C) and len(rest) > 1 and rest[1] in (0x30, 0x39):  # .000 ,999
        j = 1
        while j < len(rest) and rest[j] == rest[1]:
            j += 1
        if not _digit_at(rest, j):
            return i, (".0" if rest[1] == 0x30 else ".9", j - 1, c)
    return None


def _element_size(layout: bytes, start: int, std: Std) -> int:
    kind, digits, _ = std
    return 1 + digits if kind in (".0", ".9") else len(kind)


def next_std(layout: bytes) -> tuple[bytes, Std | None, bytes]:
    """The text before the first layout element, the element, and the rest."""
    for i in range(len(layout)):
        found = _element_at(layout, i)
        if found is not None:
            start, std = found
            return layout[:start], std, layout[start + _element_size(layout, start, std) :]
    return layout, None, b""


def _pad(x: int, width: int) -> str:
    text = str(abs(x)).rjust(width, "0")
    return "-" + text if x < 0 else text


def _nano_text(nsec: int, digits: int, sep: int, trim: bool) -> str:
    if trim and (digits == 0 or nsec == 0):
        return ""
    text = f"{nsec:09d}"
    if digits < 9:
        text = text[:digits]
    if trim:
        text = text.rstrip("0")
        if not text:
            return ""
    return chr(sep) + text


def _numeric_zone(offset: int, kind: str) -> str:
    if kind.startswith("Z") and offset == 0:
        return "Z"
    minutes = _quo(offset, 60)
    sign = "-" if minutes < 0 else "+"
    minutes, seconds = abs(minutes), abs(offset)
    text = sign + _pad(minutes // 60, 2)
    colon = ":" if ":" in kind else ""
    if kind not in ("-07", "Z07"):
        text += colon + _pad(minutes % 60, 2)
    if kind in ("-070000", "Z070000", "-07:00:00", "Z07:00:00"):
        text += colon + _pad(seconds % 60, 2)
    return text


class _Fields(NamedTuple):
    """What a layout can print of a time, in its location."""

    year: int
    month: int
    day: int
    hour: int
    minute: int
    second: int
    weekday: int
    yday: int
    nsec: int
    zone: str
    offset: int


_FORMATTERS: dict[str, Callable[[_Fields], str]] = {
    "2006": lambda f: _pad(f.year, 4),
    "06": lambda f: _pad(abs(f.year) % 100, 2),
    "January": lambda f: _LONG_MONTHS[f.month - 1],
    "Jan": lambda f: _LONG_MONTHS[f.month - 1][:3],
    "1": lambda f: str(f.month),
    "01": lambda f: _pad(f.month, 2),
    "Monday": lambda f: _LONG_DAYS[f.weekday],
    "Mon": lambda f: _LONG_DAYS[f.weekday][:3],
    "2": lambda f: str(f.day),
    "_2": lambda f: str(f.day).rjust(2),
    "02": lambda f: _pad(f.day, 2),
    "__2": lambda f: str(f.yday).rjust(3),
    "002": lambda f: _pad(f.yday, 3),
    "15": lambda f: _pad(f.hour, 2),
    "3": lambda f: str(f.hour % 12 or 12),
    "03": lambda f: _pad(f.hour % 12 or 12, 2),
    "4": lambda f: str(f.minute),
    "04": lambda f: _pad(f.minute, 2),
    "5": lambda f: str(f.second),
    "05": lambda f: _pad(f.second, 2),
    "PM": lambda f: "PM" if f.hour >= 12 else "AM",
    "pm": lambda f: "pm" if f.hour >= 12 else "am",
    "MST": lambda f: f.zone if f.zone else _numeric_zone(f.offset, "-0700"),
}


def format_time(t: Time, layout_text: str) -> str:
    """Time.Format."""
    layout = layout_text.encode("utf-8", "surrogateescape")
    zone, offset, _ = t.zone()
    fields = _Fields(*t.fields(), t.nsec, zone, offset)
    out: list[str] = []
    while layout:
        prefix, std, layout = next_std(layout)
        out.append(prefix.decode("utf-8", "surrogateescape"))
        if std is None:
            break
        kind, digits, sep = std
        if kind in (".0", ".9"):
            out.append(_nano_text(t.nsec, digits & 0xFFF, sep, trim=kind == ".9"))
        elif kind in _FORMATTERS:
            out.append(_FORMATTERS[kind](fields))
        else:
            out.append(_numeric_zone(offset, kind))
    return "".join(out)


# -- parsing -----------------------------------------------------------------------------------


class _Bad(Exception):
    """A value that does not match its layout element (``range_error``: a number out of range
    was seen first, which Go reports instead)."""

    def __init__(self, range_error: str = "") -> None:
        super().__init__(range_error)
        self.range_error = range_error


@dataclass
class _Parsed:
    """The fields a parse has seen so far (-1: not seen)."""

    year: int = 0
    month: int = -1
    day: int = -1
    yday: int = -1
    hour: int = 0
    minute: int = 0
    second: int = 0
    nsec: int = 0
    zone_loc: Location | None = None
    zone_offset: int = -1
    zone_name: str = ""
    am: bool = False
    pm: bool = False


def _getnum(s: bytes, fixed: bool) -> tuple[int, bytes]:
    if not _digit_at(s, 0):
        raise _Bad
    if not _digit_at(s, 1):
        if fixed:
            raise _Bad
        return s[0] - 0x30, s[1:]
    return (s[0] - 0x30) * 10 + s[1] - 0x30, s[2:]


def _getnum3(s: bytes, fixed: bool) -> tuple[int, bytes]:
    n = i = 0
    while i < 3 and _digit_at(s, i):
        n = n * 10 + s[i] - 0x30
        i += 1
    if i == 0 or (fixed and i != 3):
        raise _Bad
    return n, s[i:]


def _atoi(s: bytes) -> int:
    neg = False
    if s[:1] in (b"-", b"+"):
        neg = s[:1] == b"-"
        s = s[1:]
    lead = _leading_int(s)
    if lead is None or lead[1]:
        raise _Bad
    return -lead[0] if neg else lead[0]


def _skip(value: bytes, prefix: bytes) -> tuple[bytes, bool]:
    """``value`` after the literal ``prefix`` (runs of spaces match runs of spaces), and
    whether it matched; on a mismatch, what is left where it stopped."""
    while prefix:
        if prefix[0] == 0x20:
            if value and value[0] != 0x20:
                return value, False
            prefix = prefix.lstrip(b" ")
            value = value.lstrip(b" ")
            continue
        if not value or value[0] != prefix[0]:
            return value, False
        prefix, value = prefix[1:], value[1:]
    return value, True


def _lookup_name(names: list[str], value: bytes) -> tuple[int, bytes]:
    """The first name ``value`` starts with, ignoring the case of ASCII letters."""
    for i, name in enumerate(names):
        head = value[: len(name)]
        if len(head) == len(name) and all(
            a == b or (a | 0x20 == b | 0x20 and 0x61 <= a | 0x20 <= 0x7A)
            for a, b in zip(head, name.encode(), strict=True)
        ):
            return i, value[len(name) :]
    raise _Bad


def _parse_nanoseconds(value: bytes, nbytes: int) -> tuple[int, str]:
    """(nanoseconds, range error) of a fraction ``.ddd`` of ``nbytes`` bytes."""
    if value[0] not in (0x2E, 0x2C):
        raise _Bad
    if nbytes > 10:
        value, nbytes = value[:10], 10
    ns = _atoi(value[1:nbytes])
    if ns < 0:
        return 0, "fractional second"
    return ns * 10 ** (10 - nbytes), ""


def _parse_time_zone(value: bytes) -> int:
    """The length of a zone abbreviation at the start of ``value`` (0: none)."""
    if len(value) < 3:
        return 0
    if value[:4] in (b"ChST", b"MeST"):
        return 4
    if value[:3] == b"GMT":
        return 3 + (_signed_offset(value[3:]) if len(value) > 3 else 0)
    if value[0] in (0x2B, 0x2D):
        return _signed_offset(value)
    upper = 0
    while upper < 6 and upper < len(value) and 0x41 <= value[upper] <= 0x5A:
        upper += 1
    if upper == 3:
        return 3
    if upper == 4 and (value[3] == 0x54 or value[:4] == b"WITA"):
        return 4
    if upper == 5 and value[4] == 0x54:
        return 5
    return 0


def _signed_offset(value: bytes) -> int:
    if value[:1] not in (b"-", b"+"):
        return 0
    lead = _leading_int(value[1:])
    if lead is None or lead[1] == value[1:] or lead[0] > 23:
        return 0
    return len(value) - len(lead[1])


_SHORT_MONTHS = [m[:3] for m in _LONG_MONTHS]
_SHORT_DAYS = [d[:3] for d in _LONG_DAYS]
# An element's parser: (fields so far, element, value, rest of the layout) -> (rest of the
# value, range error). _Bad when the value does not match.
_ElementParser = Callable[[_Parsed, Std, bytes, bytes], tuple[bytes, str]]


def _parse_year(p: _Parsed, std: Std, value: bytes, layout: bytes) -> tuple[bytes, str]:
    if std[0] == "06":
        if len(value) < 2:
            raise _Bad
        year = _atoi(value[:2])
        p.year = year + (1900 if year >= 69 else 2000)
        return value[2:], ""
    if len(value) < 4 or not _digit_at(value, 0):
        raise _Bad
    p.year = _atoi(value[:4])
    return value[4:], ""


def _parse_month(p: _Parsed, std: Std, value: bytes, layout: bytes) -> tuple[bytes, str]:
    kind = std[0]
    if kind in ("Jan", "January"):
        index, value = _lookup_name(_SHORT_MONTHS if kind == "Jan" else _LONG_MONTHS, value)
        p.month = index + 1
        return value, ""
    p.month, value = _getnum(value, kind == "01")
    return value, "month" if not 1 <= p.month <= 12 else ""


def _parse_weekday(p: _Parsed, std: Std, value: bytes, layout: bytes) -> tuple[bytes, str]:
    return _lookup_name(_SHORT_DAYS if std[0] == "Mon" else _LONG_DAYS, value)[1], ""


def _parse_day(p: _Parsed, std: Std, value: bytes, layout: bytes) -> tuple[bytes, str]:
    kind = std[0]
    if kind in ("__2", "002"):
        for _ in range(2):
            if kind == "__2" and value[:1] == b" ":
                value = value[1:]
        p.yday, value = _getnum3(value, kind == "002")
        return value, ""
    if kind == "_2" and value[:1] == b" ":
        value = value[1:]
    p.day, value = _getnum(value, kind == "02")
    return value, ""


def _parse_clock(p: _Parsed, std: Std, value: bytes, layout: bytes) -> tuple[bytes, str]:
    kind = std[0]
    number, value = _getnum(value, kind in ("03", "04", "05"))
    if kind in ("15", "3", "03"):
        p.hour = number
        return value, "hour" if number >= (24 if kind == "15" else 13) else ""
    if kind in ("4", "04"):
        p.minute = number
        return value, "minute" if number >= 60 else ""
    p.second = number
    if number >= 60:
        return value, "second"
    # a fraction after the seconds that the layout does not have is read anyway
    if len(value) >= 2 and value[0] in (0x2E, 0x2C) and _digit_at(value, 1):
        _, following, _ = next_std(layout)
        if following is None or following[0] not in (".0", ".9"):
            n = 2
            while n < len(value) and _digit_at(value, n):
                n += 1
            p.nsec, range_error = _parse_nanoseconds(value, n)
            return value[n:], range_error
    return value, ""


def _parse_fraction(p: _Parsed, std: Std, value: bytes, layout: bytes) -> tuple[bytes, str]:
    if std[0] == ".0":  # exactly the layout's digits
        ndigit = 1 + (std[1] & 0xFFF)
        if len(value) < ndigit:
            raise _Bad
        p.nsec, range_error = _parse_nanoseconds(value, ndigit)
        return value[ndigit:], range_error
    if len(value) < 2 or value[0] not in (0x2E, 0x2C) or not _digit_at(value, 1):
        return value, ""  # .999: optional, and any number of digits
    i = 1
    while _digit_at(value, i):
        i += 1
    p.nsec, range_error = _parse_nanoseconds(value, i)
    return value[i:], range_error


def _parse_ampm(p: _Parsed, std: Std, value: bytes, layout: bytes) -> tuple[bytes, str]:
    if len(value) < 2:
        raise _Bad
    text = value[:2]
    if text == std[0].encode():
        p.pm = True
    elif text == (b"AM" if std[0] == "PM" else b"am"):
        p.am = True
    else:
        raise _Bad
    return value[2:], ""


def _parse_zone_name(p: _Parsed, std: Std, value: bytes, layout: bytes) -> tuple[bytes, str]:
    if value[:3] == b"UTC":
        p.zone_loc = UTC
        return value[3:], ""
    n = _parse_time_zone(value)
    if n == 0:
        raise _Bad
    p.zone_name = value[:n].decode("latin-1")
    return value[n:], ""


def _parse_offset(p: _Parsed, std: Std, value: bytes, layout: bytes) -> tuple[bytes, str]:
    """A numeric zone offset (``-07:00`` and friends; ``Z07:00`` also takes ``Z``)."""
    kind = std[0]
    if kind.startswith("Z") and value[:1] == b"Z":
        p.zone_loc = UTC
        return value[1:], ""
    shape = kind.lstrip("Z-")  # 0700, 070000, 07, 07:00, 07:00:00
    if len(value) < 1 + len(shape):
        raise _Bad
    colons = [i + 1 for i, ch in enumerate(shape) if ch == ":"]
    if any(value[i] != 0x3A for i in colons):
        raise _Bad
    digits = bytes(b for i, b in enumerate(value[1 : 1 + len(shape)], 1) if i not in colons)
    numbers = [0, 0, 0]
    bad = False
    for i in range(len(digits) // 2):  # hours, minutes, seconds; stop at a bad one
        try:
            numbers[i] = _getnum(digits[2 * i : 2 * i + 2], True)[0]
        except _Bad:
            bad = True
            break
    hh, mm, ss = numbers
    range_error = ""
    if hh > 24:
        range_error = "time zone offset hour"
    if mm > 60:
        range_error = "time zone offset minute"
    if ss > 60:
        range_error = "time zone offset second"
    if bad or value[0] not in (0x2B, 0x2D):
        raise _Bad(range_error)
    offset = (hh * 60 + mm) * 60 + ss
    p.zone_offset = -offset if value[0] == 0x2D else offset
    return value[1 + len(shape) :], range_error


_PARSERS: dict[str, _ElementParser] = {
    **dict.fromkeys(("2006", "06"), _parse_year),
    **dict.fromkeys(("Jan", "January", "1", "01"), _parse_month),
    **dict.fromkeys(("Mon", "Monday"), _parse_weekday),
    **dict.fromkeys(("2", "_2", "02", "__2", "002"), _parse_day),
    **dict.fromkeys(("15", "3", "03", "4", "04", "5", "05"), _parse_clock),
    **dict.fromkeys((".0", ".9"), _parse_fraction),
    **dict.fromkeys(("PM", "pm"), _parse_ampm),
    "MST": _parse_zone_name,
    **dict.fromkeys(_NUMERIC_ZONES + _ISO_ZONES, _parse_offset),
}


def parse_time(layout_text: str, value_text: str, default: Location, local_loc: Location) -> Time:
    """time.Parse (``default`` UTC, ``local_loc`` Local) or ParseInLocation (both ``loc``);
    TimeError with Go's text."""
    layout = layout_text.encode("utf-8", "surrogateescape")
    value = value_text.encode("utf-8", "surrogateescape")
    avalue = value

    def error(layout_elem: bytes, value_elem: bytes, message: str = "") -> TimeError:
        if message:
            return TimeError(f"parsing time {go_quote(avalue)}{message}")
        return TimeError(
            f"parsing time {go_quote(avalue)} as {go_quote(layout_text)}: cannot parse "
            f"{go_quote(value_elem)} as {go_quote(layout_elem)}"
        )

    p = _Parsed()
    while True:
        prefix, std, suffix = next_std(layout)
        std_text = layout[len(prefix) : len(layout) - len(suffix)]
        value, matched = _skip(value, prefix)
        if not matched:
            raise error(prefix, value)
        if std is None:
            if value:
                raise error(b"", value, f": extra text: {go_quote(value)}")
            break
        layout, hold = suffix, value
        try:
            value, range_error = _PARSERS[std[0]](p, std, value, layout)
        except _Bad as bad:
            if bad.range_error:
                raise error(std_text, value, f": {bad.range_error} out of range") from None
            raise error(std_text, hold) from None
        if range_error:
            raise error(std_text, value, f": {range_error} out of range")
    message = _settle_date(p)
    if message:
        raise error(b"", value, message)
    return _place(p, default, local_loc)


def _settle_date(p: _Parsed) -> str:
    """Month and day from the day of the year (when parsed), then checked: an error or ""."""
    if p.pm and p.hour < 12:
        p.hour += 12
    elif p.am and p.hour == 12:
        p.hour = 0
    if p.yday < 0:
        p.month = 1 if p.month < 0 else p.month
        p.day = 1 if p.day < 0 else p.day
    else:
        yday, m, d = p.yday, 0, 0
        if is_leap(p.year):
            if yday == 31 + 29:
                m, d = 2, 29
            elif yday > 31 + 29:
                yday -= 1
        if yday < 1 or yday > 365:
            return ": day-of-year out of range"
        if m == 0:
            m = (yday - 1) // 31 + 1
            if _DAYS_BEFORE[m] < yday:
                m += 1
            d = yday - _DAYS_BEFORE[m - 1]
        if p.month >= 0 and p.month != m:
            return ": day-of-year does not match month"
        if p.day >= 0 and p.day != d:
            return ": day-of-year does not match day"
        p.month, p.day = m, d
    if p.day < 1 or p.day > days_in(p.month, p.year):
        return ": day out of range"
    return ""


def _place(p: _Parsed, default: Location, local_loc: Location) -> Time:
    """The parsed wall clock as an instant: in the zone the value named, else ``default``."""

    def wall(loc: Location) -> Time:
        return date(p.year, p.month, p.day, p.hour, p.minute, p.second, p.nsec, loc)

    if p.zone_loc is not None:
        return wall(p.zone_loc)
    if p.zone_offset != -1:
        t = wall(UTC)
        t = Time(t.sec - p.zone_offset, t.nsec)
        name, offset, _ = local_loc.lookup(t.sec)
        if offset == p.zone_offset and p.zone_name in ("", name):
            return t.with_loc(local_loc)  # the default location's own zone
        return t.with_loc(fixed_zone(p.zone_name, p.zone_offset))
    if p.zone_name:
        t = wall(UTC)
        found = local_loc.lookup_name(p.zone_name, t.sec)
        if found is not None:
            return Time(t.sec - found, t.nsec, local_loc)
        offset = 0  # an unknown abbreviation: offset 0, except GMT+h (the wall clock kept)
        if len(p.zone_name) > 3 and p.zone_name[:3] == "GMT":
            offset = _atoi(p.zone_name[3:].encode()) * 3600
        return t.with_loc(fixed_zone(p.zone_name, offset))
    return wall(default)
