"""Sprig v3's template functions (``sprig.TxtFuncMap``), with Go's signatures and results.

Each function follows Sprig's Go code path for the values a template sees: its conversions are
spf13/cast's (``toInt64`` of "0x10" is 16, of 3.9 is 3, of "abc" is 0), ``empty`` is Go's
zero-value test, math returns int64 (``I64``) or float64 as Sprig does, and list and dict
functions take any slice or map. ``must*`` variants raise where the plain ones return a zero
value. Functions whose output depends on randomness or the clock are here too (checked by
properties in the tests, not against the Go oracle).
"""

from __future__ import annotations

import base64
import binascii
import copy
import hashlib
import math
import os
import posixpath
import random
import re
import string
import urllib.parse
import uuid
import zlib
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import Any, TypeVar

from navarch.engines.gotemplate import sprig_crypto, sprig_net, sprig_semver, sprig_time
from navarch.engines.gotemplate.funcs import FuncError, GoFunc
from navarch.engines.gotemplate.goobject import GoValue
from navarch.engines.gotemplate.semver import SemverError, constraint_check
from navarch.engines.gotemplate.values import I64, format_float, go_type, sprint_value

FUNCS: dict[str, GoFunc] = {}
F = TypeVar("F", bound=Callable[..., Any])


def _register(name: str, *params: str, variadic: str | None = None) -> Callable[[F], F]:
    def wrap(fn: F) -> F:
        FUNCS[name] = GoFunc(name, fn, tuple(params), variadic)
        return fn

    return wrap


def _alias(name: str, target: str) -> None:
    base = FUNCS[target]
    FUNCS[name] = GoFunc(name, base.fn, base.params, base.variadic)


# -- conversions (spf13/cast as Sprig uses it) ------------------------------------------------


def _trim_zero_decimal(text: str) -> str:
    if "." in text:
        whole, _, frac = text.partition(".")
        if frac and set(frac) == {"0"}:
            return whole
    return text


def _parse_go_int(text: str) -> int:
    """strconv.ParseInt(s, 0, 0)."""
    s = text
    sign = 1
    if s[:1] in "+-":
        sign = -1 if s[0] == "-" else 1
        s = s[1:]
    if not s or "__" in s or s.startswith("_") or s.endswith("_"):
        raise ValueError(text)
    lower = s.lower()
    if lower.startswith("0x"):
        value = int(s[2:].replace("_", ""), 16)
    elif lower.startswith("0b"):
        value = int(s[2:].replace("_", ""), 2)
    elif lower.startswith("0o"):
        value = int(s[2:].replace("_", ""), 8)
    elif len(s) > 1 and s.startswith("0"):
        value = int(s[1:].replace("_", ""), 8)
    else:
        if "_" in s:
            raise ValueError(text)
        value = int(s, 10)
    value *= sign
    if not -(2**63) <= value < 2**63:
        raise ValueError(text)
    return value


def to_int64(value: Any) -> int:
    """cast.ToInt64 (errors give 0, as Sprig ignores them)."""
    try:
        return to_int64_e(value)
    except (ValueError, TypeError):
        return 0


def to_int64_e(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, bool):
        return 1 if value else 0
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return -(2**63)
        return int(value)
    if isinstance(value, str):
        return _parse_go_int(_trim_zero_decimal(value))
    raise TypeError(value)


def to_float64(value: Any) -> float:
    """cast.ToFloat64."""
    if value is None:
        return 0.0
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value) if _is_go_float(value) else 0.0
        except ValueError:
            return 0.0
    return 0.0


def _is_go_float(text: str) -> bool:
    return bool(
        re.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?|[+-]?(inf|infinity|nan)", text, re.I)
    )


def strval(value: Any) -> str:
    """Sprig's strval: strings as they are, everything else as fmt's %v."""
    if isinstance(value, str):
        return value
    if value is None:
        return "<nil>"
    return sprint_value(value)


def _to_list(value: Any, name: str) -> list[Any]:
    if isinstance(value, list | tuple):
        return list(value)
    raise FuncError(f"Cannot {name} on type {go_type(value)}")


def _is_empty(value: Any) -> bool:
    """Sprig's empty: nil, false, 0, "" and empty collections."""
    if value is None:
        return True
    if isinstance(value, bool):
        return not value
    if isinstance(value, int | float):
        return value == 0
    if isinstance(value, str | list | tuple | dict):
        return len(value) == 0
    return False


# -- defaults and logic ---------------------------------------------------------------------


@_register("default", "any", variadic="any")
def _default(default: Any, *given: Any) -> Any:
    if not given or _is_empty(given[0]):
        return default
    return given[0]


@_register("empty", "any")
def _empty(value: Any) -> bool:
    return _is_empty(value)


@_register("coalesce", variadic="any")
def _coalesce(*values: Any) -> Any:
    return next((v for v in values if not _is_empty(v)), None)


@_register("all", variadic="any")
def _all(*values: Any) -> bool:
    return all(not _is_empty(v) for v in values)


@_register("any", variadic="any")
def _any(*values: Any) -> bool:
    return any(not _is_empty(v) for v in values)


@_register("ternary", "any", "any", "bool")
def _ternary(true_value: Any, false_value: Any, condition: bool) -> Any:
    return true_value if condition else false_value


@_register("hello")
def _hello() -> str:
    return "Hello!"


@_register("fail", "string")
def _fail(message: str) -> str:
    raise FuncError(message)


# -- strings --------------------------------------------------------------------------------


@_register("upper", "string")
def _upper(s: str) -> str:
    return s.upper()


@_register("lower", "string")
def _lower(s: str) -> str:
    return s.lower()


@_register("title", "string")
def _title(s: str) -> str:
    out, prev = [], " "
    for ch in s:
        out.append(ch.upper() if _is_separator(prev) else ch)
        prev = ch
    return "".join(out)


def _is_separator(ch: str) -> bool:
    """Go's strings.Title: ASCII other than letters, digits and _, and white space."""
    if ch.isascii():
        return not (ch.isalnum() or ch == "_")
    if ch.isalpha() or ch.isdigit():
        return False
    return ch.isspace()


@_register("untitle", "string")
def _untitle(s: str) -> str:
    out, start = [], True
    for ch in s:
        out.append(ch.lower() if start and not ch.isspace() else ch)
        start = ch.isspace()
    return "".join(out)


@_register("trim", "string")
def _trim(s: str) -> str:
    return s.strip(" \t\n\r\v\f\x85\xa0")


@_register("trimAll", "string", "string")
def _trim_all(cutset: str, s: str) -> str:
    return s.strip(cutset) if cutset else s


@_register("trimall", "string", "string")
def _trimall(cutset: str, s: str) -> str:
    return _trim_all(cutset, s)


@_register("trimPrefix", "string", "string")
def _trim_prefix(prefix: str, s: str) -> str:
    return s[len(prefix) :] if prefix and s.startswith(prefix) else s


@_register("trimSuffix", "string", "string")
def _trim_suffix(suffix: str, s: str) -> str:
    return s[: -len(suffix)] if suffix and s.endswith(suffix) else s


@_register("contains", "string", "string")
def _contains(substr: str, s: str) -> bool:
    return substr in s


@_register("hasPrefix", "string", "string")
def _has_prefix(prefix: str, s: str) -> bool:
    return s.startswith(prefix)


@_register("hasSuffix", "string", "string")
def _has_suffix(suffix: str, s: str) -> bool:
    return s.endswith(suffix)


@_register("repeat", "int", "string")
def _repeat(count: int, s: str) -> str:
    if count < 0:
        raise FuncError("strings: negative Repeat count")
    return s * count


@_register("replace", "string", "string", "string")
def _replace(old: str, new: str, s: str) -> str:
    if old == "":
        # Go's strings.Replace with an empty old inserts new around every rune
        return new + new.join(s) + new if s else new
    return s.replace(old, new)


@_register("quote", variadic="any")
def _quote(*values: Any) -> str:
    from navarch.engines.gotemplate.gofmt import quote

    return " ".join(quote(strval(v)) for v in values if v is not None)


@_register("squote", variadic="any")
def _squote(*values: Any) -> str:
    return " ".join(f"'{strval(v)}'" for v in values if v is not None)


@_register("cat", variadic="any")
def _cat(*values: Any) -> str:
    return " ".join(strval(v) for v in values if v is not None)


@_register("indent", "int", "string")
def _indent(spaces: int, s: str) -> str:
    pad = " " * spaces
    return pad + s.replace("\n", "\n" + pad)


@_register("nindent", "int", "string")
def _nindent(spaces: int, s: str) -> str:
    return "\n" + _indent(spaces, s)


@_register("nospace", "string")
def _nospace(s: str) -> str:
    return "".join(ch for ch in s if not ch.isspace())


@_register("trunc", "int", "string")
def _trunc(count: int, s: str) -> str:
    if count < 0 and len(s) + count > 0:
        return s[len(s) + count :]
    if count >= 0 and len(s) > count:
        return s[:count]
    return s


@_register("abbrev", "int", "string")
def _abbrev(width: int, s: str) -> str:
    if width < 4 or len(s) <= width:
        return s
    return s[: width - 3] + "..."


@_register("abbrevboth", "int", "int", "string")
def _abbrevboth(left: int, right: int, s: str) -> str:
    if right < 4 or (left > 0 and right < 7) or len(s) <= right:
        return s
    if left <= 4:
        return _abbrev(right, s)
    if len(s) - left < right - 3:
        left = len(s) - (right - 3)
    if left > 4 and len(s) > left + right - 3:
        inner = s[left:]
        if len(inner) > right - 3:
            return "..." + _abbrev(right - 3, inner)
        return "..." + inner
    return "..." + s[len(s) - (right - 3) :]


@_register("substr", "int", "int", "string")
def _substr(start: int, end: int, s: str) -> str:
    if start < 0:
        return s[:end]
    if end < 0 or end > len(s):
        return s[start:]
    return s[start:end]


@_register("initials", "string")
def _initials(s: str) -> str:
    return "".join(word[0] for word in s.split() if word)


@_register("swapcase", "string")
def _swapcase(s: str) -> str:
    return s.swapcase()


def _words(s: str) -> list[str]:
    return re.findall(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+", s)


@_register("snakecase", "string")
def _snakecase(s: str) -> str:
    text = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", s)
    text = re.sub(r"([a-z\d])([A-Z])", r"\1_\2", text)
    text = re.sub(r"[\s\-]+", "_", text)
    return text.lower()


@_register("kebabcase", "string")
def _kebabcase(s: str) -> str:
    return _snakecase(s).replace("_", "-")


@_register("camelcase", "string")
def _camelcase(s: str) -> str:
    parts = [p for p in re.split(r"[_\s\-]+", s) if p]
    return "".join(p[:1].upper() + p[1:] for p in parts)


@_register("plural", "string", "string", "int")
def _plural(one: str, many: str, count: int) -> str:
    return one if count == 1 else many


@_register("wrap", "int", "string")
def _wrap(width: int, s: str) -> str:
    return _wrap_with(width, "\n", s)


@_register("wrapWith", "int", "string", "string")
def _wrap_with(width: int, newline: str, s: str) -> str:
    width = max(width, 1)
    lines: list[str] = []
    for line in s.split("\n"):
        words = line.split(" ")
        current = ""
        for word in words:
            if current and len(current) + 1 + len(word) > width:
                lines.append(current)
                current = word
            else:
                current = f"{current} {word}" if current else word
        lines.append(current)
    return newline.join(lines)


@_register("toString", "any")
def _to_string(value: Any) -> str:
    return strval(value)


@_register("toStrings", "any")
def _to_strings(value: Any) -> list[Any]:
    if not isinstance(value, list | tuple):
        return [strval(value)]
    return [strval(v) for v in value]


@_register("split", "string", "string")
def _split(sep: str, s: str) -> dict[str, Any]:
    parts = s.split(sep) if sep else list(s)
    return {f"_{i}": p for i, p in enumerate(parts)}


@_register("splitList", "string", "string")
def _split_list(sep: str, s: str) -> list[Any]:
    return s.split(sep) if sep else list(s)


@_register("splitn", "string", "int", "string")
def _splitn(sep: str, count: int, s: str) -> dict[str, Any]:
    if count == 0:
        return {}
    parts = s.split(sep, count - 1) if count > 0 else s.split(sep)
    return {f"_{i}": p for i, p in enumerate(parts)}


@_register("join", "string", "any")
def _join(sep: str, value: Any) -> str:
    return sep.join(strval(v) for v in _to_strings(value))


@_register("sortAlpha", "any")
def _sort_alpha(value: Any) -> list[Any]:
    if isinstance(value, list | tuple):
        return sorted((strval(v) for v in value), key=lambda s: s.encode())
    return [strval(value)]


# -- regular expressions (Go's RE2 syntax is close to Python's for common patterns) ------


def _regex(pattern: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise FuncError(f"error parsing regexp: {exc}") from None


def _go_replacement(repl: str) -> str:
    """Go's $1 / ${name} expansion to Python's \\g<...>."""
    out = []
    i = 0
    while i < len(repl):
        c = repl[i]
        if c == "\\":
            out.append("\\\\")
        elif c == "$" and i + 1 < len(repl):
            if repl[i + 1] == "$":
                out.append("$")
                i += 2
                continue
            m = re.match(r"\{(\w+)\}|(\w+)", repl[i + 1 :])
            if m:
                out.append(f"\\g<{m.group(1) or m.group(2)}>")
                i += 1 + m.end()
                continue
            out.append("$")
        else:
            out.append(c)
        i += 1
    return "".join(out)


def _match(pattern: str, s: str) -> bool:
    return bool(_regex(pattern).search(s))


def _find(pattern: str, s: str) -> str:
    found = _regex(pattern).search(s)
    return found.group(0) if found else ""


def _find_all(pattern: str, s: str, n: int) -> list[Any]:
    found = [m.group(0) for m in _regex(pattern).finditer(s)]
    return found if n < 0 else found[:n]


def _replace_all(pattern: str, s: str, repl: str) -> str:
    compiled = _regex(pattern)
    try:
        return compiled.sub(_go_replacement(repl), s)
    except (re.error, IndexError):
        return compiled.sub(lambda m: "", s)


def _replace_all_literal(pattern: str, s: str, repl: str) -> str:
    return _regex(pattern).sub(lambda _m: repl, s)


def _split_re(pattern: str, s: str, n: int) -> list[Any]:
    if n == 0:
        return []
    if n == 1:
        return [s]
    return list(_regex(pattern).split(s, maxsplit=n - 1 if n > 0 else 0))


def _lenient(fn: Callable[..., Any], fallback: Callable[..., Any]) -> Callable[..., Any]:
    """Sprig's plain regex functions ignore a bad pattern and return a zero result; the
    must* variants fail."""

    def call(*args: Any) -> Any:
        try:
            return fn(*args)
        except FuncError:
            return fallback(*args)

    return call


for _name, _strict, _params, _fallback in (
    ("regexMatch", _match, ("string", "string"), lambda *a: False),
    ("regexFind", _find, ("string", "string"), lambda *a: ""),
    ("regexFindAll", _find_all, ("string", "string", "int"), lambda *a: []),
    ("regexReplaceAll", _replace_all, ("string", "string", "string"), lambda p, s, r: s),
    (
        "regexReplaceAllLiteral",
        _replace_all_literal,
        ("string", "string", "string"),
        lambda p, s, r: s,
    ),
    ("regexSplit", _split_re, ("string", "string", "int"), lambda *a: []),
):
    FUNCS[_name] = GoFunc(_name, _lenient(_strict, _fallback), _params)
    _must = "must" + _name[0].upper() + _name[1:]
    FUNCS[_must] = GoFunc(_must, _strict, _params)


@_register("regexQuoteMeta", "string")
def _regex_quote_meta(s: str) -> str:
    return "".join("\\" + c if c in r"\.+*?()|[]{}^$" else c for c in s)


# -- numbers ----------------------------------------------------------------------------------


@_register("atoi", "string")
def _atoi(s: str) -> int:
    try:
        return int(s, 10) if re.fullmatch(r"[+-]?\d+", s) else 0
    except ValueError:
        return 0


@_register("int", "any")
def _int(value: Any) -> int:
    return to_int64(value)


@_register("int64", "any")
def _int64(value: Any) -> I64:
    return I64(to_int64(value))


@_register("float64", "any")
def _float64(value: Any) -> float:
    return to_float64(value)


@_register("toDecimal", "any")
def _to_decimal(value: Any) -> I64:
    try:
        return I64(int(strval(value), 8))
    except ValueError:
        return I64(0)


@_register("add1", "any")
def _add1(value: Any) -> I64:
    return I64(to_int64(value) + 1)


@_register("add", variadic="any")
def _add(*values: Any) -> I64:
    return I64(_wrap64(sum(to_int64(v) for v in values)))


@_register("sub", "any", "any")
def _sub(a: Any, b: Any) -> I64:
    return I64(_wrap64(to_int64(a) - to_int64(b)))


@_register("mul", "any", variadic="any")
def _mul(a: Any, *rest: Any) -> I64:
    total = to_int64(a)
    for v in rest:
        total = _wrap64(total * to_int64(v))
    return I64(total)


@_register("div", "any", "any")
def _div(a: Any, b: Any) -> I64:
    x, y = to_int64(a), to_int64(b)
    if y == 0:
        raise FuncError("runtime error: integer divide by zero")
    q = abs(x) // abs(y)
    return I64(q if (x >= 0) == (y >= 0) else -q)


@_register("mod", "any", "any")
def _mod(a: Any, b: Any) -> I64:
    x, y = to_int64(a), to_int64(b)
    if y == 0:
        raise FuncError("runtime error: integer divide by zero")
    return I64(int(math.fmod(x, y)))


def _wrap64(value: int) -> int:
    return (value + 2**63) % 2**64 - 2**63


@_register("max", "any", variadic="any")
def _max(a: Any, *rest: Any) -> I64:
    return I64(max([to_int64(a), *(to_int64(v) for v in rest)]))


@_register("min", "any", variadic="any")
def _min(a: Any, *rest: Any) -> I64:
    return I64(min([to_int64(a), *(to_int64(v) for v in rest)]))


_alias("biggest", "max")


def _decimal(value: Any) -> Decimal:
    """shopspring/decimal's NewFromFloat: the shortest decimal that round-trips."""
    f = to_float64(value)
    if math.isnan(f) or math.isinf(f):
        raise FuncError(f"Cannot create a Decimal from {format_float(f)}")
    return Decimal(repr(f))


def _decimal_op(
    first: Any, rest: tuple[Any, ...], op: Callable[[Decimal, Decimal], Decimal]
) -> float:
    """Sprig's *f arithmetic: exact decimal operations, then back to float64."""
    with localcontext() as ctx:
        ctx.prec = 400
        total = _decimal(first)
        for value in rest:
            total = op(total, _decimal(value))
        return float(total)


def _decimal_div(a: Decimal, b: Decimal) -> Decimal:
    if b == 0:
        raise FuncError("decimal division by 0")
    return (a / b).quantize(Decimal(1).scaleb(-16), rounding=ROUND_HALF_UP)


@_register("add1f", "any")
def _add1f(value: Any) -> float:
    return _decimal_op(value, (1,), lambda a, b: a + b)


@_register("addf", variadic="any")
def _addf(*values: Any) -> float:
    return _decimal_op(0.0, values, lambda a, b: a + b)


@_register("subf", "any", variadic="any")
def _subf(a: Any, *rest: Any) -> float:
    return _decimal_op(a, rest, lambda x, y: x - y)


@_register("mulf", "any", variadic="any")
def _mulf(a: Any, *rest: Any) -> float:
    return _decimal_op(a, rest, lambda x, y: x * y)


@_register("divf", "any", variadic="any")
def _divf(a: Any, *rest: Any) -> float:
    return _decimal_op(a, rest, _decimal_div)


@_register("maxf", "any", variadic="any")
def _maxf(a: Any, *rest: Any) -> float:
    return max([to_float64(a), *(to_float64(v) for v in rest)])


@_register("minf", "any", variadic="any")
def _minf(a: Any, *rest: Any) -> float:
    return min([to_float64(a), *(to_float64(v) for v in rest)])


@_register("floor", "any")
def _floor(value: Any) -> float:
    return float(math.floor(to_float64(value)))


@_register("ceil", "any")
def _ceil(value: Any) -> float:
    return float(math.ceil(to_float64(value)))


@_register("round", "any", "int", variadic="float64")
def _round(value: Any, places: int, *roundon: float) -> float:
    on = roundon[0] if roundon else 0.5
    x = to_float64(value)
    if math.isnan(x) or math.isinf(x):
        return x
    pow10 = math.pow(10, places)
    digit = pow10 * x
    frac, _ = math.modf(digit)
    rounded = math.ceil(digit) if frac >= on else math.floor(digit)
    return rounded / pow10


@_register("until", "int")
def _until(count: int) -> list[Any]:
    step = 1 if count >= 0 else -1
    return list(range(0, count, step))


@_register("untilStep", "int", "int", "int")
def _until_step(start: int, stop: int, step: int) -> list[Any]:
    if step == 0 or (step > 0 and start >= stop) or (step < 0 and start <= stop):
        return []
    return list(range(start, stop, step))


@_register("seq", variadic="int")
def _seq(*params: int) -> str:
    if len(params) == 1:
        end = params[0]
        return " ".join(str(i) for i in (range(1, end + 1) if end >= 1 else range(1, end - 1, -1)))
    if len(params) == 2:
        start, end = params
        step = 1 if end >= start else -1
        return " ".join(str(i) for i in range(start, end + step, step))
    if len(params) == 3:
        start, step, end = params
        if step == 0 or (end < start and step > 0) or (end > start and step < 0):
            return ""
        return " ".join(str(i) for i in range(start, end + (1 if step > 0 else -1), step))
    return ""


@_register("randInt", "int", "int")
def _rand_int(low: int, high: int) -> int:
    if high <= low:
        raise FuncError("invalid argument to Intn")
    return random.randrange(low, high)


# -- encodings and hashes ---------------------------------------------------------------------


@_register("b64enc", "string")
def _b64enc(s: str) -> str:
    return base64.b64encode(s.encode()).decode()


@_register("b64dec", "string")
def _b64dec(s: str) -> str:
    try:
        return base64.b64decode(s, validate=True).decode(errors="replace")
    except (binascii.Error, ValueError):
        return f"illegal base64 data at input byte {_bad_base64_byte(s)}"


def _bad_base64_byte(s: str) -> int:
    alphabet = set(string.ascii_letters + string.digits + "+/")
    for i, ch in enumerate(s):
        if ch not in alphabet and ch != "=":
            return i
    return max(len(s) - len(s) % 4, 0) if len(s) % 4 else len(s)


@_register("b32enc", "string")
def _b32enc(s: str) -> str:
    return base64.b32encode(s.encode()).decode()


@_register("b32dec", "string")
def _b32dec(s: str) -> str:
    try:
        return base64.b32decode(s).decode(errors="replace")
    except (binascii.Error, ValueError) as exc:
        return f"{exc}"


@_register("sha1sum", "string")
def _sha1sum(s: str) -> str:
    return hashlib.sha1(s.encode(), usedforsecurity=False).hexdigest()


@_register("sha256sum", "string")
def _sha256sum(s: str) -> str:
    return hashlib.sha256(s.encode()).hexdigest()


@_register("sha512sum", "string")
def _sha512sum(s: str) -> str:
    return hashlib.sha512(s.encode()).hexdigest()


@_register("adler32sum", "string")
def _adler32sum(s: str) -> str:
    return str(zlib.adler32(s.encode()))


# -- lists --------------------------------------------------------------------------------------


@_register("list", variadic="any")
def _list(*values: Any) -> list[Any]:
    return list(values)


_alias("tuple", "list")


def _slice_or_fail(value: Any, name: str) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return list(value)
    raise FuncError(f"Cannot find {name} on type {go_type(value)}")


@_register("first", "any")
def _first(value: Any) -> Any:
    items = _slice_or_fail(value, "first")
    return items[0] if items else None


@_register("last", "any")
def _last(value: Any) -> Any:
    items = _slice_or_fail(value, "last")
    return items[-1] if items else None


@_register("rest", "any")
def _rest(value: Any) -> Any:
    return _slice_or_fail(value, "rest")[1:]  # a (possibly nil) []interface{}: prints []


@_register("initial", "any")
def _initial(value: Any) -> Any:
    return _slice_or_fail(value, "initial")[:-1]


@_register("reverse", "any")
def _reverse(value: Any) -> list[Any]:
    return list(reversed(_slice_or_fail(value, "reverse")))


@_register("append", "any", "any")
def _append(value: Any, item: Any) -> list[Any]:
    if value is not None and not isinstance(value, list | tuple):
        raise FuncError(f"Cannot push on type {go_type(value)}")
    return [*(value or []), item]


_alias("push", "append")


@_register("prepend", "any", "any")
def _prepend(value: Any, item: Any) -> list[Any]:
    if value is not None and not isinstance(value, list | tuple):
        raise FuncError(f"Cannot prepend on type {go_type(value)}")
    return [item, *(value or [])]


@_register("concat", variadic="any")
def _concat(*lists: Any) -> list[Any]:
    out: list[Any] = []
    for value in lists:
        if not isinstance(value, list | tuple):
            raise FuncError(f"Cannot concat type {go_type(value)} as list")
        out += list(value)
    return out


def _deep_equal(a: Any, b: Any) -> bool:
    if type(a) is not type(b) and not (
        isinstance(a, int) and isinstance(b, int) and go_type(a) == go_type(b)
    ):
        return False
    return bool(a == b)


@_register("uniq", "any")
def _uniq(value: Any) -> list[Any]:
    out: list[Any] = []
    for item in _slice_or_fail(value, "uniq"):
        if not any(_deep_equal(item, seen) for seen in out):
            out.append(item)
    return out


@_register("without", "any", variadic="any")
def _without(value: Any, *omit: Any) -> list[Any]:
    return [i for i in _slice_or_fail(value, "without") if not any(_deep_equal(i, o) for o in omit)]


@_register("has", "any", "any")
def _has(needle: Any, haystack: Any) -> bool:
    if haystack is None:
        return False
    return any(_deep_equal(needle, i) for i in _slice_or_fail(haystack, "has"))


@_register("compact", "any")
def _compact(value: Any) -> list[Any]:
    return [i for i in _slice_or_fail(value, "compact") if not _is_empty(i)]


@_register("slice", "any", variadic="any")
def _slice(value: Any, *indices: Any) -> Any:
    items = _slice_or_fail(value, "slice")
    if not indices:
        return items
    start = to_int64(indices[0])
    end = to_int64(indices[1]) if len(indices) > 1 else len(items)
    if start < 0 or end > len(items) or start > end:
        raise FuncError(f"runtime error: slice bounds out of range [{start}:{end}]")
    return items[start:end]


@_register("chunk", "int", "any")
def _chunk(size: int, value: Any) -> list[Any]:
    items = _slice_or_fail(value, "chunk")
    if size <= 0:
        raise FuncError("runtime error: integer divide by zero")
    return [items[i : i + size] for i in range(0, len(items), size)]


for _name in (
    "first",
    "last",
    "rest",
    "initial",
    "reverse",
    "append",
    "push",
    "prepend",
    "uniq",
    "without",
    "has",
    "compact",
    "slice",
    "chunk",
):
    _alias("must" + _name[0].upper() + _name[1:], _name)

# -- dicts ------------------------------------------------------------------------------------


@_register("dict", variadic="any")
def _dict(*pairs: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    items = list(pairs)
    if len(items) % 2:
        items.append("")
    for i in range(0, len(items), 2):
        out[strval(items[i])] = items[i + 1]
    return out


@_register("get", "map", "string")
def _get(d: dict[str, Any] | None, key: str) -> Any:
    if d is None or key not in d:
        return ""
    return d[key]


@_register("set", "map", "string", "any")
def _set(d: dict[str, Any] | None, key: str, value: Any) -> dict[str, Any]:
    if d is None:
        raise FuncError("assignment to entry in nil map")
    d[key] = value
    return d


@_register("unset", "map", "string")
def _unset(d: dict[str, Any] | None, key: str) -> dict[str, Any] | None:
    if d is not None:
        d.pop(key, None)
    return d


@_register("hasKey", "map", "string")
def _has_key(d: dict[str, Any] | None, key: str) -> bool:
    return d is not None and key in d


@_register("keys", variadic="map")
def _keys(*dicts: dict[str, Any] | None) -> list[Any]:
    out: list[Any] = []
    for d in dicts:
        out += list((d or {}).keys())
    return out


@_register("values", "map")
def _values(d: dict[str, Any] | None) -> list[Any]:
    return list((d or {}).values())


@_register("pluck", "string", variadic="map")
def _pluck(key: str, *dicts: dict[str, Any] | None) -> list[Any]:
    return [d[key] for d in dicts if d is not None and key in d]


@_register("pick", "map", variadic="string")
def _pick(d: dict[str, Any] | None, *keys: str) -> dict[str, Any]:
    return {k: v for k, v in (d or {}).items() if k in keys}


@_register("omit", "map", variadic="string")
def _omit(d: dict[str, Any] | None, *keys: str) -> dict[str, Any]:
    return {k: v for k, v in (d or {}).items() if k not in keys}


@_register("dig", "any", variadic="any")
def _dig(*args: Any) -> Any:
    if len(args) < 3:
        raise FuncError("dig needs at least three arguments")
    keys, default, d = args[:-2], args[-2], args[-1]
    if not isinstance(d, dict):
        raise FuncError(f"interface conversion: interface {{}} is {go_type(d)}, not map")
    current: Any = d
    for i, key in enumerate(keys):
        if not isinstance(key, str):
            raise FuncError(f"interface conversion: interface {{}} is {go_type(key)}, not string")
        if not isinstance(current, dict) or key not in current:
            return default
        current = current[key]
        if i < len(keys) - 1 and not isinstance(current, dict):
            raise FuncError(f"interface conversion: interface {{}} is {go_type(current)}, not map")
    return current


def _merge_into(dst: dict[str, Any], src: dict[str, Any], overwrite: bool) -> None:
    for key, value in src.items():
        if key in dst and isinstance(dst[key], dict) and isinstance(value, dict):
            _merge_into(dst[key], value, overwrite)
        elif (
            key not in dst
            or overwrite
            or (_is_empty(dst[key]) and not isinstance(dst[key], bool | int | float))
        ):
            dst[key] = value


@_register("merge", "map", variadic="map")
def _merge(dst: dict[str, Any] | None, *srcs: dict[str, Any] | None) -> dict[str, Any]:
    if dst is None:
        raise FuncError("assignment to entry in nil map")
    for src in srcs:
        _merge_into(dst, src or {}, overwrite=False)
    return dst


@_register("mergeOverwrite", "map", variadic="map")
def _merge_overwrite(dst: dict[str, Any] | None, *srcs: dict[str, Any] | None) -> dict[str, Any]:
    if dst is None:
        raise FuncError("assignment to entry in nil map")
    for src in srcs:
        _merge_into(dst, src or {}, overwrite=True)
    return dst


_alias("mustMerge", "merge")
_alias("mustMergeOverwrite", "mergeOverwrite")


@_register("deepCopy", "any")
def _deep_copy(value: Any) -> Any:
    return copy.deepcopy(value)


_alias("mustDeepCopy", "deepCopy")

# -- types --------------------------------------------------------------------------------------


_KINDS = {"<nil>": "invalid", "[]interface {}": "slice", "map[string]interface {}": "map"}
_KINDS |= {"[]map[string]interface {}": "slice", "sprig.certificate": "struct"}


def _kind_name(value: Any) -> str:
    """reflect's Kind name: the type name for basic types, slice/map for containers."""
    if isinstance(value, GoValue):
        return value.go_kind()
    return _KINDS.get(go_type(value), go_type(value))


@_register("typeOf", "any")
def _type_of(value: Any) -> str:
    return go_type(value)


@_register("typeIs", "string", "any")
def _type_is(target: str, value: Any) -> bool:
    return target == go_type(value)


@_register("typeIsLike", "string", "any")
def _type_is_like(target: str, value: Any) -> bool:
    t = go_type(value)
    return target in (t, "*" + t)


@_register("kindOf", "any")
def _kind_of(value: Any) -> str:
    return _kind_name(value)


@_register("kindIs", "string", "any")
def _kind_is(target: str, value: Any) -> bool:
    return target == _kind_name(value)


@_register("deepEqual", "any", "any")
def _deep_equal_fn(a: Any, b: Any) -> bool:
    return _deep_equal(a, b)


# -- paths, URLs, environment -------------------------------------------------------------------


@_register("base", "string")
def _base(p: str) -> str:
    if p == "":
        return "."
    stripped = p.rstrip("/")
    return posixpath.basename(stripped) if stripped else "/"


@_register("dir", "string")
def _dir(p: str) -> str:
    return _clean(posixpath.dirname(p)) if "/" in p else "."


@_register("clean", "string")
def _clean(p: str) -> str:
    if p == "":
        return "."
    cleaned = posixpath.normpath(p)
    if cleaned.startswith("//"):
        cleaned = "/" + cleaned.lstrip("/")
    return cleaned


@_register("ext", "string")
def _ext(p: str) -> str:
    name = p[p.rfind("/") + 1 :]
    dot = name.rfind(".")
    return name[dot:] if dot >= 0 else ""


@_register("isAbs", "string")
def _is_abs(p: str) -> bool:
    return p.startswith("/")


for _name in ("base", "dir", "clean", "ext", "isAbs"):
    _alias("os" + _name[0].upper() + _name[1:], _name)


@_register("env", "string")
def _env(name: str) -> str:
    return os.environ.get(name, "")


@_register("expandenv", "string")
def _expandenv(s: str) -> str:
    return re.sub(r"\$\{(\w+)\}|\$(\w+)", lambda m: os.environ.get(m.group(1) or m.group(2), ""), s)


@_register("urlParse", "string")
def _url_parse(s: str) -> dict[str, Any]:
    parsed = urllib.parse.urlsplit(s)
    user = ""
    if parsed.username is not None:
        user = parsed.username + (f":{parsed.password}" if parsed.password is not None else "")
    return {
        "scheme": parsed.scheme,
        "host": parsed.netloc.rpartition("@")[2],
        "hostname": parsed.hostname or "",
        "path": parsed.path,
        "query": parsed.query,
        "opaque": "",
        "fragment": parsed.fragment,
        "userinfo": user,
    }


@_register("urlJoin", "map")
def _url_join(d: dict[str, Any] | None) -> str:
    d = d or {}
    netloc = str(d.get("host", ""))
    if d.get("userinfo"):
        netloc = f"{d['userinfo']}@{netloc}"
    return urllib.parse.urlunsplit(
        (
            str(d.get("scheme", "")),
            netloc,
            str(d.get("path", "")),
            str(d.get("query", "")),
            str(d.get("fragment", "")),
        )
    )


# -- random and identity (property-tested) -------------------------------------------------


def _random_string(count: int, alphabet: str) -> str:
    rng = random.SystemRandom()
    return "".join(rng.choice(alphabet) for _ in range(max(count, 0)))


@_register("randAlphaNum", "int")
def _rand_alpha_num(count: int) -> str:
    return _random_string(count, string.ascii_letters + string.digits)


@_register("randAlpha", "int")
def _rand_alpha(count: int) -> str:
    return _random_string(count, string.ascii_letters)


@_register("randNumeric", "int")
def _rand_numeric(count: int) -> str:
    return _random_string(count, string.digits)


@_register("randAscii", "int")
def _rand_ascii(count: int) -> str:
    return _random_string(count, "".join(chr(c) for c in range(32, 127)))


@_register("uuidv4")
def _uuidv4() -> str:
    return str(uuid.uuid4())


@_register("shuffle", "string")
def _shuffle(s: str) -> str:
    chars = list(s)
    random.SystemRandom().shuffle(chars)
    return "".join(chars)


@_register("semverCompare", "string", "string")
def _semver_compare(constraint: str, version: str) -> bool:
    try:
        return constraint_check(constraint, version)
    except SemverError as exc:
        raise FuncError(str(exc)) from None


FUNCS.update(sprig_crypto.FUNCS)  # crypto, certificates, randBytes
FUNCS.update(sprig_net.FUNCS)  # getHostByName
FUNCS.update(sprig_time.FUNCS)  # date functions
FUNCS.update(sprig_semver.FUNCS)  # semver
