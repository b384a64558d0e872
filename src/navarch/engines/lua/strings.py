"""``require("strings")``: Go's ``strings`` package as lua-utils' glua-strings exposes it.

Called as in Go, with Lua values: ``strings.Split(s, sep)`` returns a Lua sequence,
``strings.Cut(s, sep)`` a table ``{before, after, found}``, ``SplitN(s, sep, 0)`` nil; the
``*Func`` variants take a Lua function of a rune (a number). Results follow Go, not Python:
indexes are byte offsets, case mapping is rune by rune (``ToUpper("ß")`` stays ``ß``), white
space is ``unicode.IsSpace``.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from typing import Any

from navarch.engines.gotemplate.sprig import FUNCS as SPRIG
from navarch.engines.lua.convert import decode_text, encode_text
from navarch.engines.lua.library import Helper, HelperError, lua_type_name, one, sequence_values


def _go_space(ch: str) -> bool:
    return ch in "\t\n\v\f\r \x85\xa0" or unicodedata.category(ch) in ("Zs", "Zl", "Zp")


def _byte_len(text: str) -> int:
    return len(encode_text(text))


def _index_any(s: str, chars: str, last: bool = False) -> int:
    found, offset = -1, 0
    for ch in s:
        if ch in chars:
            found = offset
            if not last:
                return found
        offset += _byte_len(ch)
    return found


def _index_rune(s: str, rune: int) -> int:
    if not 0 <= rune <= 0x10FFFF or 0xD800 <= rune <= 0xDFFF:
        return -1
    return encode_text(s).find(chr(rune).encode())


def _fields(s: str) -> list[str]:
    return _split_where(s, _go_space)


def _split_where(s: str, test: Callable[[str], bool]) -> list[str]:
    """The runs of ``s`` between characters for which ``test`` holds (Go's FieldsFunc)."""
    fields: list[str] = []
    current: list[str] = []
    for ch in s:
        if test(ch):
            if current:
                fields.append("".join(current))
                current = []
        else:
            current.append(ch)
    if current:
        fields.append("".join(current))
    return fields


def _explode(s: str, n: int = -1) -> list[str]:
    runes = list(s)
    if 0 < n < len(runes):
        return [*runes[: n - 1], "".join(runes[n - 1 :])]
    return runes


def _split(s: str, sep: str, n: int = -1, after: bool = False) -> list[str] | None:
    if n == 0:
        return None
    if not sep:
        return _explode(s, n)
    parts = s.split(sep, n - 1 if n > 0 else -1)
    if after:
        parts = [p + sep for p in parts[:-1]] + parts[-1:]
    return parts


def _map_runes(s: str, convert: Callable[[str], str]) -> str:
    out = []
    for ch in s:
        mapped = convert(ch)
        out.append(mapped if len(mapped) == 1 else ch)  # Go maps one rune to one rune
    return "".join(out)


def _equal_fold(a: str, b: str) -> bool:
    if len(a) != len(b):
        return False
    pairs = zip(a, b, strict=True)
    return all(x == y or _map_runes(x, str.lower) == _map_runes(y, str.lower) for x, y in pairs)


def _repeat(s: str, count: int) -> str:
    if count < 0:
        raise HelperError("strings: negative Repeat count")
    if _byte_len(s) * count > 2**31:
        raise HelperError("not enough memory")
    return s * count


def _replace(s: str, old: str, new: str, n: int) -> str:
    count = s.count(old) + (1 if not old else 0)
    if n >= 0:
        count = min(count, n)
    if _byte_len(s) + count * _byte_len(new) > 2**31:
        raise HelperError("not enough memory")
    return s.replace(old, new, n if n >= 0 else -1)


def _rune_predicate(fn: Any) -> Callable[[str], bool]:
    def test(ch: str) -> bool:
        result = fn(ord(ch))
        if not isinstance(result, bool):
            raise HelperError(f"bad argument #-1 (boolean expected, got {lua_type_name(result)})")
        return result

    return test


def _trim_func(s: str, fn: Any, left: bool, right: bool) -> str:
    test = _rune_predicate(fn)
    start, end = 0, len(s)
    while left and start < end and test(s[start]):
        start += 1
    while right and end > start and test(s[end - 1]):
        end -= 1
    return s[start:end]


def _index_func(s: str, fn: Any, last: bool = False) -> int:
    test = _rune_predicate(fn)
    found, offset = -1, 0
    for ch in s:
        if test(ch):
            found = offset
            if not last:
                return found
        offset += _byte_len(ch)
    return found


def _fields_func(s: str, fn: Any) -> list[str]:
    return _split_where(s, _rune_predicate(fn))


def _map(fn: Any, s: str) -> str:
    out = []
    for ch in s:
        rune = fn(ord(ch))
        if isinstance(rune, bool) or not isinstance(rune, int | float):
            raise HelperError(f"bad argument #-1 (number expected, got {lua_type_name(rune)})")
        if int(rune) >= 0:
            out.append(chr(int(rune)) if int(rune) <= 0x10FFFF else "\ufffd")
    return "".join(out)


def _join(table: Any, sep: str) -> str:
    return sep.join(decode_text(v) for v in sequence_values(table) if isinstance(v, bytes))


def _cut(s: str, sep: str) -> dict[str, Any]:
    if not sep:
        return {"before": "", "after": s, "found": True}
    before, found, after = s.partition(sep)
    return {"before": before, "after": after, "found": bool(found)}


def _trim_space(s: str) -> str:
    start, end = 0, len(s)
    while start < end and _go_space(s[start]):
        start += 1
    while end > start and _go_space(s[end - 1]):
        end -= 1
    return s[start:end]


def _compare(a: str, b: str) -> int:
    x, y = encode_text(a), encode_text(b)
    return (x > y) - (x < y)


def _title(s: str) -> str:
    return str(SPRIG["title"].fn(s))


STRINGS: dict[str, Helper] = {
    name: Helper(one(fn), params)
    for name, fn, params in (
        ("Compare", _compare, "ss"),
        ("Contains", lambda s, sub: sub in s, "ss"),
        ("ContainsAny", lambda s, chars: _index_any(s, chars) >= 0, "ss"),
        ("ContainsFunc", lambda s, fn: _index_func(s, fn) >= 0, "sf"),
        ("ContainsRune", lambda s, r: _index_rune(s, r) >= 0, "si"),
        ("Count", lambda s, sub: s.count(sub) if sub else len(s) + 1, "ss"),
        ("Cut", _cut, "ss"),
        ("CutPrefix", lambda s, p: {"after": s.removeprefix(p), "found": s.startswith(p)}, "ss"),
        ("CutSuffix", lambda s, p: {"before": s.removesuffix(p), "found": s.endswith(p)}, "ss"),
        ("EqualFold", _equal_fold, "ss"),
        ("Fields", _fields, "s"),
        ("FieldsFunc", _fields_func, "sf"),
        ("HasPrefix", lambda s, p: s.startswith(p), "ss"),
        ("HasSuffix", lambda s, p: s.endswith(p), "ss"),
        ("Index", lambda s, sub: encode_text(s).find(encode_text(sub)), "ss"),
        ("IndexAny", _index_any, "ss"),
        ("IndexByte", lambda s, c: encode_text(s).find(bytes([c & 0xFF])), "si"),
        ("IndexFunc", _index_func, "sf"),
        ("IndexRune", _index_rune, "si"),
        ("Join", _join, "ts"),
        ("LastIndex", lambda s, sub: encode_text(s).rfind(encode_text(sub)), "ss"),
        ("LastIndexAny", lambda s, chars: _index_any(s, chars, last=True), "ss"),
        ("LastIndexByte", lambda s, c: encode_text(s).rfind(bytes([c & 0xFF])), "si"),
        ("LastIndexFunc", lambda s, fn: _index_func(s, fn, last=True), "sf"),
        ("Map", _map, "fs"),
        ("Repeat", _repeat, "si"),
        ("Replace", _replace, "sssi"),
        ("ReplaceAll", lambda s, old, new: _replace(s, old, new, -1), "sss"),
        ("Split", _split, "ss"),
        ("SplitAfter", lambda s, sep: _split(s, sep, after=True), "ss"),
        ("SplitAfterN", lambda s, sep, n: _split(s, sep, n, after=True), "ssi"),
        ("SplitN", _split, "ssi"),
        ("Title", _title, "s"),
        ("ToLower", lambda s: _map_runes(s, str.lower), "s"),
        ("ToTitle", lambda s: _map_runes(s, str.title), "s"),
        ("ToUpper", lambda s: _map_runes(s, str.upper), "s"),
        ("Trim", lambda s, cut: s.strip(cut), "ss"),
        ("TrimFunc", lambda s, fn: _trim_func(s, fn, True, True), "sf"),
        ("TrimLeft", lambda s, cut: s.lstrip(cut), "ss"),
        ("TrimLeftFunc", lambda s, fn: _trim_func(s, fn, True, False), "sf"),
        ("TrimPrefix", lambda s, p: s.removeprefix(p), "ss"),
        ("TrimRight", lambda s, cut: s.rstrip(cut), "ss"),
        ("TrimRightFunc", lambda s, fn: _trim_func(s, fn, False, True), "sf"),
        ("TrimSpace", _trim_space, "s"),
        ("TrimSuffix", lambda s, p: s.removesuffix(p), "ss"),
    )
}
