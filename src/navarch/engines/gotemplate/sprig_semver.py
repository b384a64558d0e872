"""Sprig's ``semver``: a Masterminds/semver v3 ``*Version`` as a template sees it.

``semver "v1.2.3-rc.1+build"`` parses as ``semver.NewVersion`` does (loose: ``1.2`` is
``1.2.0``, leading zeros are accepted in the numbers, a ``v`` prefix is kept in ``Original``)
and fails with its errors (``invalid semantic version``, ``version segment starts with 0``...).
The result is a pointer: its methods are those of ``Version`` and ``*Version`` (``.Major``,
``.Prerelease``, ``.Original``, ``.Compare``, ``.LessThan``...). ``.IncMajor`` and the other
value methods return a ``semver.Version`` (not a pointer, and not addressable in a template),
which only has ``Version``'s methods, as in Go. Two versions are ``eq`` only when they are
the same pointer (or, for values, equal field by field).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from navarch.engines.gotemplate.funcs import FuncError, GoFunc
from navarch.engines.gotemplate.gofmt import quote
from navarch.engines.gotemplate.goobject import U64, GoMethod, GoValue, register_type

FUNCS: dict[str, GoFunc] = {}

MAX_VERSION_LEN = 256
_LOOSE = re.compile(
    r"v?([0-9]+)(\.[0-9]+)?(\.[0-9]+)?"
    r"(-([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?"
    r"(\+([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?"
)
_ALLOWED = set(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-0123456789")
_MAX_U64 = 2**64 - 1
_NIL_DEREFERENCE = "runtime error: invalid memory address or nil pointer dereference"


def _is_numeric(part: str) -> bool:
    return all("0" <= c <= "9" for c in part)


def _validate_prerelease(pre: str) -> None:
    for part in pre.split("."):
        if part == "":
            raise FuncError("invalid prerelease string")
        if _is_numeric(part):
            if len(part) > 1 and part[0] == "0":
                raise FuncError("version segment starts with 0")
        elif not set(part.encode()) <= _ALLOWED:
            raise FuncError("invalid prerelease string")


def _validate_metadata(meta: str) -> None:
    for part in meta.split("."):
        if part == "" or not set(part.encode()) <= _ALLOWED:
            raise FuncError("invalid metadata string")


def _parse_segment(text: str) -> int:
    value = int(text)
    if value > _MAX_U64:
        raise FuncError(
            f"error parsing version segment: strconv.ParseUint: parsing {quote(text)}: "
            "value out of range"
        )
    return value


def _parse_uint(text: str) -> int | None:
    """strconv.ParseUint(text, 10, 64), None when it fails."""
    if not text or not _is_numeric(text):
        return None
    value = int(text)
    return value if value <= _MAX_U64 else None


def _compare_part(s: str, o: str) -> int:
    if s == o:
        return 0
    if s == "":
        return -1
    if o == "":
        return 1
    si, oi = _parse_uint(s), _parse_uint(o)
    if si is None and oi is None:
        return 1 if s.encode() > o.encode() else -1
    if oi is None:
        return -1  # numbers sort before identifiers
    if si is None:
        return 1
    return 1 if si > oi else -1


def _compare_prerelease(a: str, b: str) -> int:
    sparts, oparts = a.split("."), b.split(".")
    for i in range(max(len(sparts), len(oparts))):
        s = sparts[i] if i < len(sparts) else ""
        o = oparts[i] if i < len(oparts) else ""
        d = _compare_part(s, o)
        if d:
            return d
    return 0


class SemverVersion(GoValue):
    """A Masterminds/semver v3 Version; ``pointer`` says whether it is a ``*Version``."""

    __slots__ = ("major", "metadata", "minor", "original", "patch", "pointer", "pre")
    FIELDS = ("major", "minor", "patch", "pre", "metadata", "original")

    def __init__(
        self,
        major: int,
        minor: int,
        patch: int,
        pre: str = "",
        metadata: str = "",
        original: str = "",
        *,
        pointer: bool = True,
    ) -> None:
        self.major, self.minor, self.patch = major, minor, patch
        self.pre, self.metadata, self.original = pre, metadata, original
        self.pointer = pointer

    @staticmethod
    def parse(text: str) -> SemverVersion:
        """semver.NewVersion (with CoerceNewVersion, the default)."""
        if len(text.encode()) > MAX_VERSION_LEN:
            raise FuncError(f"version string is too long (max {MAX_VERSION_LEN} bytes)")
        m = _LOOSE.fullmatch(text)
        if m is None:
            raise FuncError("invalid semantic version")
        major = _parse_segment(m.group(1))
        minor = _parse_segment(m.group(2)[1:]) if m.group(2) else 0
        patch = _parse_segment(m.group(3)[1:]) if m.group(3) else 0
        pre, metadata = m.group(5) or "", m.group(8) or ""
        if pre:
            _validate_prerelease(pre)
        if metadata:
            _validate_metadata(metadata)
        return SemverVersion(major, minor, patch, pre, metadata, text)

    # -- Go's view

    def go_type_name(self) -> str:
        return "*semver.Version" if self.pointer else "semver.Version"

    def go_kind(self) -> str:
        return "ptr" if self.pointer else "struct"

    def go_string(self) -> str:
        text = f"{self.major}.{self.minor}.{self.patch}"
        if self.pre:
            text += f"-{self.pre}"
        if self.metadata:
            text += f"+{self.metadata}"
        return text

    def go_syntax(self) -> str:
        body = (
            f"semver.Version{{major:{hex(self.major)}, minor:{hex(self.minor)}, "
            f"patch:{hex(self.patch)}, pre:{quote(self.pre)}, metadata:{quote(self.metadata)}, "
            f"original:{quote(self.original)}}}"
        )
        return "&" + body if self.pointer else body

    def go_json(self) -> str:
        return '"' + self.go_string() + '"'

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SemverVersion):
            return NotImplemented
        if self.pointer or other.pointer:
            return self is other
        return self._fields() == other._fields()

    def __hash__(self) -> int:
        return hash(self._fields())

    def __deepcopy__(self, memo: dict[int, Any]) -> SemverVersion:
        """Sprig's deepCopy (copystructure) copies exported fields only: a zero Version."""
        return SemverVersion(0, 0, 0, pointer=self.pointer)

    def _fields(self) -> tuple[int, int, int, str, str, str]:
        return (self.major, self.minor, self.patch, self.pre, self.metadata, self.original)

    def __repr__(self) -> str:
        return f"SemverVersion({self.original!r}, pointer={self.pointer})"

    # -- methods

    def compare(self, other: SemverVersion | None) -> int:
        if other is None:
            raise FuncError(_NIL_DEREFERENCE)
        for a, b in (
            (self.major, other.major),
            (self.minor, other.minor),
            (self.patch, other.patch),
        ):
            if a != b:
                return -1 if a < b else 1
        if self.pre == "" and other.pre == "":
            return 0
        if self.pre == "":
            return 1
        if other.pre == "":
            return -1
        return _compare_prerelease(self.pre, other.pre)

    def _next(self, major: int, minor: int, patch: int, pre: str, metadata: str) -> SemverVersion:
        """A Version value derived from this one; Original keeps a leading "v"."""
        out = SemverVersion(major, minor, patch, pre, metadata, pointer=False)
        prefix = "v" if self.original[:1] == "v" else ""
        out.original = prefix + out.go_string()
        return out

    def inc_patch(self) -> SemverVersion:
        if self.pre:
            return self._next(self.major, self.minor, self.patch, "", "")
        if self.patch == _MAX_U64:
            raise FuncError("patch version increment would overflow uint64")
        return self._next(self.major, self.minor, self.patch + 1, "", "")

    def inc_minor(self) -> SemverVersion:
        if self.minor == _MAX_U64:
            raise FuncError("minor version increment would overflow uint64")
        return self._next(self.major, self.minor + 1, 0, "", "")

    def inc_major(self) -> SemverVersion:
        if self.major == _MAX_U64:
            raise FuncError("major version increment would overflow uint64")
        return self._next(self.major + 1, 0, 0, "", "")

    def set_prerelease(self, pre: str) -> SemverVersion:
        if pre:
            _validate_prerelease(pre)
        return self._next(self.major, self.minor, self.patch, pre, self.metadata)

    def set_metadata(self, metadata: str) -> SemverVersion:
        if metadata:
            _validate_metadata(metadata)
        return self._next(self.major, self.minor, self.patch, self.pre, metadata)

    def equal(self, other: SemverVersion | None) -> bool:
        if other is self:
            return True
        if other is None:
            return False
        return self.compare(other) == 0


def _version_methods() -> dict[str, GoMethod]:
    ptr, value = ("*semver.Version",), ("semver.Version",)

    def compared(test: Callable[[int], bool]) -> GoMethod:
        return GoMethod(lambda v, o: test(v.compare(o)), ptr, ("bool",), pointer=True)

    return {
        "String": GoMethod(lambda v: v.go_string(), results=("string",)),
        "Major": GoMethod(lambda v: U64(v.major), results=("uint64",)),
        "Minor": GoMethod(lambda v: U64(v.minor), results=("uint64",)),
        "Patch": GoMethod(lambda v: U64(v.patch), results=("uint64",)),
        "Prerelease": GoMethod(lambda v: v.pre, results=("string",)),
        "Metadata": GoMethod(lambda v: v.metadata, results=("string",)),
        "IncPatch": GoMethod(lambda v: v.inc_patch(), results=value),
        "IncMinor": GoMethod(lambda v: v.inc_minor(), results=value),
        "IncMajor": GoMethod(lambda v: v.inc_major(), results=value),
        "SetPrerelease": GoMethod(lambda v, p: v.set_prerelease(p), ("string",), (*value, "error")),
        "SetMetadata": GoMethod(lambda v, m: v.set_metadata(m), ("string",), (*value, "error")),
        "Value": GoMethod(lambda v: v.go_string(), results=("driver.Value", "error")),
        "Original": GoMethod(lambda v: v.original, results=("string",), pointer=True),
        "Compare": GoMethod(lambda v, o: v.compare(o), ptr, ("int",), pointer=True),
        "Equal": GoMethod(lambda v, o: v.equal(o), ptr, ("bool",), pointer=True),
        "LessThan": compared(lambda d: d < 0),
        "LessThanEqual": compared(lambda d: d <= 0),
        "GreaterThan": compared(lambda d: d > 0),
        "GreaterThanEqual": compared(lambda d: d >= 0),
    }


SemverVersion.METHODS = _version_methods()
register_type("*semver.Version", "ptr")
register_type("semver.Version", "struct")


def _semver(version: str) -> Any:
    return SemverVersion.parse(version)


FUNCS["semver"] = GoFunc("semver", _semver, ("string",))
