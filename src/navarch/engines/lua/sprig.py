"""``require("sprig")``: the Sprig functions lua-utils' glua-sprig exposes, with its calling
conventions (which are not always Sprig's own).

Most take Go's arguments in Go's order (``sprig.trunc(5, s)``) and run Navarch's Sprig
(``engines.gotemplate.sprig``); list arguments are Lua tables (``sprig.quote({"a", 1})``);
the regex, ``b64dec``/``b32dec`` and ``semverCompare`` functions return ``value, nil`` or
``nil, message``. ``coalesce``, ``compact``, ``empty``, ``all``, ``any``, ``ternary`` and
``uniq`` are in ``sandbox``, in Lua, because they hand back the script's own values.

Not provided: ``ago``, ``durationRound``, ``bcrypt``, ``htpasswd``, ``derivePassword``,
``genPrivateKey``, ``encryptAES`` and ``decryptAES``.
"""

from __future__ import annotations

import base64
import binascii
import random
import re
from collections.abc import Callable
from typing import Any

from lupa.lua51 import lua_type  # type: ignore[import-untyped]

from navarch.engines.gotemplate.funcs import FuncError
from navarch.engines.gotemplate.sprig import FUNCS as SPRIG
from navarch.engines.lua.convert import decode_text, encode_text
from navarch.engines.lua.library import (
    Helper,
    HelperError,
    Results,
    lua_tostring,
    one,
    sequence_values,
)


def _sprig(name: str, *, must: bool = False) -> Callable[..., Any]:
    func = SPRIG[("must" + name[0].upper() + name[1:]) if must else name].fn

    def call(*args: Any) -> Any:
        try:
            return func(*args)
        except FuncError as exc:
            raise HelperError(f"{name}: {exc}") from None

    return call


def _fallible(name: str) -> Callable[..., Results]:
    """A Go function returning ``(value, error)``: ``value, nil`` or ``nil, message``."""
    call = _sprig(name, must=name.startswith("regex"))

    def wrapped(*args: Any) -> Results:
        try:
            return call(*args), None
        except HelperError as exc:
            return None, str(exc).removeprefix(f"{name}: ")

    return wrapped


def _b64dec(data: bytes) -> Results:
    try:
        return base64.b64decode(data, validate=True), None
    except (binascii.Error, ValueError) as exc:
        return None, f"b64dec: {exc}"


def _b32dec(data: bytes) -> Results:
    try:
        return base64.b32decode(data), None
    except (binascii.Error, ValueError) as exc:
        return None, f"b32dec: {exc}"


def _quote_value(value: Any) -> Any:
    if isinstance(value, bytes):
        return decode_text(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return int(value) if float(value).is_integer() else float(value)
    if isinstance(value, bool):
        return value
    return lua_tostring(value)


def _substr(start: int, end: int, s: str) -> str:
    data = encode_text(s)
    start = max(start, 0)
    end = min(end, len(data))
    if start >= len(data) or start >= end:
        return ""
    return decode_text(data[start:end])


def _to_decimal(value: Any) -> int:
    if value is None:
        text = "0"
    elif isinstance(value, bool):
        text = "1" if value else "0"
    else:
        text = lua_tostring(value)
    if not re.fullmatch(r"[+-]?[0-7]+", text):
        return 0
    result = int(text, 8)
    return result if -(2**63) <= result < 2**63 else 0


def _rand_int(low: int, high: int) -> int:
    if high <= low:
        return low
    return random.randrange(low, high)


def _round(value: Any, places: int, *on: float) -> float:
    given = float(value) if isinstance(value, int | float) else lua_tostring(value)
    return float(_sprig("round")(given, places, *on))


def _duration(value: Any) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        seconds = int(value)
    else:
        text = "0" if value is None else lua_tostring(value)
        seconds = int(text) if re.fullmatch(r"[+-]?\d+", text) else 0
    sign, seconds = ("-" if seconds < 0 else ""), abs(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{sign}{hours}h{minutes}m{secs}s"
    if minutes:
        return f"{sign}{minutes}m{secs}s"
    return f"{sign}{secs}s"


def _url_parse(s: str) -> dict[str, str]:
    parsed = _sprig("urlParse")(s)
    return {k: "" if v is None else str(v) for k, v in parsed.items()}


def _url_join(table: Any) -> str:
    parts = {decode_text(k): lua_tostring(v) for k, v in table.items() if isinstance(k, bytes)}
    return str(_sprig("urlJoin")(parts))


def _sort_alpha(value: Any) -> list[str]:
    if lua_type(value) == "table":
        given: Any = [lua_tostring(v) for v in sequence_values(value)]
    else:
        given = lua_tostring(value)
    return list(_sprig("sortAlpha")(given))


_DIRECT = {
    "abbrev": "is",
    "abbrevboth": "iis",
    "adler32sum": "s",
    "base": "s",
    "camelcase": "s",
    "clean": "s",
    "dir": "s",
    "ext": "s",
    "indent": "is",
    "initials": "s",
    "isAbs": "s",
    "kebabcase": "s",
    "nindent": "is",
    "nospace": "s",
    "osBase": "s",
    "osClean": "s",
    "osDir": "s",
    "osExt": "s",
    "osIsAbs": "s",
    "sha1sum": "s",
    "sha256sum": "s",
    "sha512sum": "s",
    "shuffle": "s",
    "snakecase": "s",
    "swapcase": "s",
    "trunc": "is",
    "untitle": "s",
    "wrap": "is",
}

_FALLIBLE = {
    "regexFind": "ss",
    "regexFindAll": "ssi",
    "regexMatch": "ss",
    "regexReplaceAll": "sss",
    "regexReplaceAllLiteral": "sss",
    "regexSplit": "ssi",
    "semverCompare": "ss",
}

SPRIG_HELPERS: dict[str, Helper] = {
    **{name: Helper(one(_sprig(name)), params) for name, params in _DIRECT.items()},
    **{name: Helper(_fallible(name), params) for name, params in _FALLIBLE.items()},
    "b64enc": Helper(one(base64.b64encode), "b"),
    "b64dec": Helper(_b64dec, "b"),
    "b32enc": Helper(one(base64.b32encode), "b"),
    "b32dec": Helper(_b32dec, "b"),
    "cat": Helper(
        one(lambda *v: _sprig("cat")(*(lua_tostring(x) for x in v if x is not None))), "", "a"
    ),
    "duration": Helper(one(_duration), "a"),
    "plural": Helper(one(lambda one, many, n: one if n == 1 else many), "ssi"),
    "quote": Helper(
        one(lambda t: _sprig("quote")(*(_quote_value(v) for v in sequence_values(t)))), "t"
    ),
    "randInt": Helper(one(_rand_int), "ii"),
    "round": Helper(one(_round), "ai", "n"),
    "seq": Helper(
        one(
            lambda t: _sprig("seq")(
                *(int(v) for v in sequence_values(t) if isinstance(v, int | float))
            )
        ),
        "t",
    ),
    "sortAlpha": Helper(one(_sort_alpha), "a"),
    "squote": Helper(
        one(lambda t: _sprig("squote")(*(lua_tostring(v) for v in sequence_values(t)))), "t"
    ),
    "substr": Helper(one(_substr), "iis"),
    "toDecimal": Helper(one(_to_decimal), "a"),
    "urlJoin": Helper(one(_url_join), "t"),
    "urlParse": Helper(one(_url_parse), "s"),
    "wrapWith": Helper(one(lambda width, text, sep: _sprig("wrapWith")(width, sep, text)), "iss"),
}
