"""Go duration strings (metav1.Duration on the wire): ``90s``, ``1h30m``, ``1.5h``, ``300ms``.

Sveltos users write durations the way Go's ``time.ParseDuration`` reads them, so Navarch reads
the same grammar: a sequence of decimal numbers, each with a unit (ns, us, µs, ms, s, m, h),
optionally signed. ``format_duration`` writes Go's canonical form (``1h0m0s``).
"""

from __future__ import annotations

import re

_UNITS = {
    "ns": 1e-9,
    "us": 1e-6,
    "µs": 1e-6,
    "μs": 1e-6,
    "ms": 1e-3,
    "s": 1.0,
    "m": 60.0,
    "h": 3600.0,
}
_TERM = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)")


def parse_duration(text: str) -> float:
    """Seconds in ``text``; raises ValueError naming the text if it is not a Go duration."""
    original = text
    text = text.strip()
    sign = -1.0 if text.startswith("-") else 1.0
    text = text.lstrip("+-")
    if text == "0":
        return 0.0
    if not text:
        raise ValueError(f"invalid duration {original!r}")
    total, pos = 0.0, 0
    while pos < len(text):
        match = _TERM.match(text, pos)
        if match is None:
            raise ValueError(f"invalid duration {original!r}: expected terms like 90s, 5m or 1h30m")
        total += float(match.group(1)) * _UNITS[match.group(2)]
        pos = match.end()
    return sign * total


def format_duration(seconds: float) -> str:
    """Go's canonical form for whole seconds and above: ``1h0m0s``, ``5m0s``, ``30s``."""
    whole = round(seconds)
    hours, rest = divmod(abs(whole), 3600)
    minutes, secs = divmod(rest, 60)
    sign = "-" if whole < 0 else ""
    if hours:
        return f"{sign}{hours}h{minutes}m{secs}s"
    if minutes:
        return f"{sign}{minutes}m{secs}s"
    return f"{sign}{secs}s"
