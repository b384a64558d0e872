"""Semantic versions and constraints as Sprig's ``semverCompare`` sees them (Masterminds/semver
v3): loose versions (``v1.37``, ``1.2``), constraints with ``=``/``!=``/``>``/``<``/``>=``/``<=``,
``~`` and ``^``, ``x``/``*`` wildcards, hyphen ranges, AND (space or comma) and OR (``||``).
A prerelease version only satisfies constraints that name a prerelease themselves.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import total_ordering

_VERSION = re.compile(
    r"^v?([0-9]+)(\.[0-9]+)?(\.[0-9]+)?"
    r"(-([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?"
    r"(\+([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?$"
)
_CV = (
    r"v?([0-9|x|X|\*]+)(\.[0-9|x|X|\*]+)?(\.[0-9|x|X|\*]+)?"
    r"(-([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?"
    r"(\+([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?"
)
_OPS = r"=||!=|>|<|>=|=>|<=|=<|~|~>|\^"
_ONE = re.compile(rf"^\s*({_OPS})\s*({_CV})\s*$")
_FIND = re.compile(rf"({_OPS})\s*({_CV})")
_VALID = re.compile(rf"^(\s*({_OPS})\s*({_CV})\s*)((?:\s+|,\s*)({_OPS})\s*({_CV})\s*)*$")
_RANGE = re.compile(rf"\s*({_CV})\s+-\s+({_CV})\s*")


class SemverError(ValueError):
    pass


def _compare_pre(a: str, b: str) -> int:
    if a == b:
        return 0
    if not a:
        return 1
    if not b:
        return -1
    pa, pb = a.split("."), b.split(".")
    for x, y in zip(pa, pb, strict=False):
        if x == y:
            continue
        xd, yd = x.isdigit(), y.isdigit()
        if xd and yd:
            return -1 if int(x) < int(y) else 1
        if xd != yd:
            return -1 if xd else 1
        return -1 if x < y else 1
    return -1 if len(pa) < len(pb) else (1 if len(pa) > len(pb) else 0)


@total_ordering
@dataclass(frozen=True)
class Version:
    major: int
    minor: int
    patch: int
    pre: str = ""

    @staticmethod
    def parse(text: str) -> Version:
        if len(text.encode()) > 256:
            raise SemverError("version string is too long (max 256 bytes)")
        m = _VERSION.fullmatch(text)  # fullmatch: Go's $ does not match before a newline
        if m is None:
            raise SemverError("invalid semantic version")
        for part in (m.group(5) or "").split("."):
            if len(part) > 1 and part.isdigit() and part[0] == "0":
                raise SemverError("version segment starts with 0")
        return Version(
            int(m.group(1)),
            int(m.group(2)[1:]) if m.group(2) else 0,
            int(m.group(3)[1:]) if m.group(3) else 0,
            m.group(5) or "",
        )

    def compare(self, other: Version) -> int:
        for a, b in ((self.major, other.major), (self.minor, other.minor)):
            if a != b:
                return -1 if a < b else 1
        if self.patch != other.patch:
            return -1 if self.patch < other.patch else 1
        return _compare_pre(self.pre, other.pre)

    def __lt__(self, other: Version) -> bool:
        return self.compare(other) < 0


@dataclass(frozen=True)
class _Constraint:
    op: str
    con: Version
    dirty: bool
    minor_dirty: bool
    patch_dirty: bool

    def check(self, v: Version) -> bool:
        if v.pre and not self.con.pre:
            return False  # prereleases only match constraints that ask for them
        op, c = self.op, self.con
        if op in ("", "="):
            return self._tilde(v) if self.dirty else v.compare(c) == 0
        if op == "!=":
            return self._not_equal(v)
        if op == ">":
            return self._greater(v)
        if op == "<":
            return v.compare(c) < 0
        if op in (">=", "=>"):
            return v.compare(c) >= 0
        if op in ("<=", "=<"):
            if not self.dirty:
                return v.compare(c) <= 0
            return not (
                v.major > c.major
                or (v.major == c.major and v.minor > c.minor and not self.minor_dirty)
            )
        if op in ("~", "~>"):
            return self._tilde(v)
        return self._caret(v)

    def _tilde(self, v: Version) -> bool:
        c = self.con
        if v < c:
            return False
        if (
            (c.major, c.minor, c.patch) == (0, 0, 0)
            and not self.minor_dirty
            and not self.patch_dirty
        ):
            return True
        if v.major != c.major:
            return False
        return not (v.minor != c.minor and not self.minor_dirty)

    def _not_equal(self, v: Version) -> bool:
        c = self.con
        if self.dirty:
            if c.major != v.major:
                return True
            if c.minor != v.minor and not self.minor_dirty:
                return True
            if self.minor_dirty:
                return False
            if c.patch != v.patch and not self.patch_dirty:
                return True
            if self.patch_dirty:
                return bool((v.pre or c.pre) and _compare_pre(v.pre, c.pre) != 0)
        return v.compare(c) != 0

    def _greater(self, v: Version) -> bool:
        c = self.con
        if not self.dirty:
            return v.compare(c) > 0
        if v.major != c.major:
            return v.major > c.major
        if self.minor_dirty:
            return False
        if self.patch_dirty:
            return v.minor > c.minor
        return v.compare(c) > 0

    def _caret(self, v: Version) -> bool:
        c = self.con
        if v < c:
            return False
        if c.major > 0 or self.minor_dirty:
            return v.major == c.major
        if v.major > 0:
            return False
        if c.minor > 0 or self.patch_dirty:
            return v.minor == c.minor
        if c.patch > 0:
            return v.patch == c.patch
        return True


def _is_x(text: str) -> bool:
    return text in ("x", "X", "*")


def _parse_one(text: str) -> _Constraint:
    m = _ONE.match(text)
    if m is None:
        raise SemverError(f"improper constraint: {text}")
    op, major, minor, patch, pre = m.group(1), m.group(3), m.group(4), m.group(5), m.group(6)
    pre = pre or ""
    dirty = minor_dirty = patch_dirty = False
    if _is_x(major) or not major:
        version, dirty = f"0.0.0{pre}", True
    elif not minor or _is_x(minor[1:]):
        version, dirty, minor_dirty = f"{major}.0.0{pre}", True, True
    elif not patch or _is_x(patch[1:]):
        version, dirty, patch_dirty = f"{major}{minor}.0{pre}", True, True
    else:
        version = f"{major}{minor}{patch}{pre}"
    return _Constraint(op, Version.parse(version), dirty, minor_dirty, patch_dirty)


def constraint_check(constraint: str, version: str) -> bool:
    """semverCompare: SemverError for an improper constraint or an invalid version."""
    text = _RANGE.sub(lambda m: f" >= {m.group(1)}, <= {m.group(11)} ", constraint)
    groups: list[list[_Constraint]] = []
    for part in text.split("||"):
        if not _VALID.match(part):
            raise SemverError(f"improper constraint: {part}")
        found = [m.group(0) for m in _FIND.finditer(part)] or [part]
        groups.append([_parse_one(c) for c in found])
    v = Version.parse(version)
    return any(all(c.check(v) for c in group) for group in groups)
