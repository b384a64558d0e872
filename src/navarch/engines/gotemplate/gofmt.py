"""Go's fmt.Sprint, Sprintln and Sprintf over the values of ``values``.

Templates print with ``print``, ``println`` and ``printf`` (and Sprig's ``printf``-based
helpers), so the verbs, flags, width and precision, and fmt's in-band error strings
(``%!d(string=x)``, ``%!v(MISSING)``, ``%!(EXTRA int=1)``) follow Go's rules.
"""

from __future__ import annotations

from typing import Any

from navarch.engines.gotemplate.goobject import GoValue
from navarch.engines.gotemplate.values import I64, format_float, go_type, sort_key, sprint_value


def sprint(args: list[Any]) -> str:
    """fmt.Sprint: spaces between operands when neither side is a string."""
    out: list[str] = []
    for i, arg in enumerate(args):
        if i > 0 and not isinstance(arg, str) and not isinstance(args[i - 1], str):
            out.append(" ")
        out.append(sprint_value(arg))
    return "".join(out)


def sprintln(args: list[Any]) -> str:
    return " ".join(sprint_value(a) for a in args) + "\n"


def quote(text: str, ascii_only: bool = False) -> str:
    """strconv.Quote."""
    out = ['"']
    for ch in text:
        code = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\a":
            out.append("\\a")
        elif ch == "\b":
            out.append("\\b")
        elif ch == "\f":
            out.append("\\f")
        elif ch == "\v":
            out.append("\\v")
        elif code < 0x20 or code == 0x7F:
            out.append(f"\\x{code:02x}")
        elif (ascii_only and code > 0x7E) or not ch.isprintable():
            out.append(f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


class _Spec:
    __slots__ = ("minus", "plus", "prec", "sharp", "space", "verb", "width", "zero")

    def __init__(self) -> None:
        self.minus = self.plus = self.sharp = self.space = self.zero = False
        self.width: int | None = None
        self.prec: int | None = None
        self.verb = ""


def _pad(spec: _Spec, text: str, numeric: bool = False) -> str:
    if spec.width is None or len(text) >= spec.width:
        return text
    fill = spec.width - len(text)
    if spec.minus:
        return text + " " * fill
    if spec.zero and numeric:
        sign = text[0] if text[:1] in "+- " and text[:1] else ""
        body = text[len(sign) :]
        return sign + "0" * fill + body
    if spec.zero and not numeric:
        return "0" * fill + text
    return " " * fill + text


def _bad(spec: _Spec, value: Any) -> str:
    if value is None:
        return f"%!{spec.verb}(<nil>)"
    return f"%!{spec.verb}({go_type(value)}={sprint_value(value)})"


def _fmt_int(spec: _Spec, value: int) -> str:
    verb = spec.verb
    negative = value < 0
    magnitude = -value if negative else value
    if verb in ("d", "v"):
        digits = str(magnitude)
    elif verb == "b":
        digits = format(magnitude, "b")
    elif verb in ("o", "O"):
        digits = format(magnitude, "o")
    elif verb == "x":
        digits = format(magnitude, "x")
    elif verb == "X":
        digits = format(magnitude, "X")
    elif verb == "c":
        return _pad(spec, chr(value) if 0 <= value <= 0x10FFFF else "\ufffd")
    elif verb == "q":
        return _pad(spec, "'" + quote(chr(value))[1:-1].replace("'", "\\'") + "'")
    elif verb == "U":
        text = f"U+{value:04X}"
        return _pad(spec, text)
    else:
        return _bad(spec, value)
    if spec.prec is not None:
        digits = digits.rjust(spec.prec, "0") if spec.prec > 0 or magnitude else ""
    prefix = ""
    if spec.sharp:
        prefix = {"o": "0", "x": "0x", "X": "0X", "b": "0b"}.get(verb, "")
    if verb == "O":
        prefix = "0o"
    sign = "-" if negative else ("+" if spec.plus else (" " if spec.space else ""))
    text = sign + prefix + digits
    if spec.zero and spec.prec is None and not spec.minus and spec.width:
        fill = spec.width - len(text)
        if fill > 0:
            text = sign + prefix + "0" * fill + digits
        return text
    return _pad(spec, text)


def _fmt_float(spec: _Spec, value: float) -> str:
    verb = spec.verb
    if verb == "v":
        verb = "g"
    if verb not in "eEfFgG":
        return _bad(spec, value)
    prec = -1 if spec.prec is None else spec.prec
    if verb in "fFeE" and prec < 0:
        prec = 6
    text = format_float(value, verb if verb != "F" else "f", prec)
    if spec.sharp and verb in "gG" and "." not in text and "e" not in text.lower():
        text += "."
    if spec.plus and not text.startswith("-"):
        text = "+" + text
    elif spec.space and not text.startswith("-"):
        text = " " + text
    if text in ("NaN", "+NaN", " NaN", "+Inf", "-Inf", " +Inf"):
        return _pad(spec, text)
    return _pad(spec, text, numeric=True)


def _fmt_string(spec: _Spec, value: str) -> str:
    verb = spec.verb
    if spec.prec is not None and verb in ("s", "v", "q", "x", "X"):
        value = value[: spec.prec]
    if verb in ("s", "v"):
        return _pad(spec, value)
    if verb == "q":
        if spec.sharp and "`" not in value:
            return _pad(spec, "`" + value + "`")
        return _pad(spec, quote(value, ascii_only=spec.plus))
    if verb in ("x", "X"):
        data = value.encode()
        sep = " " if spec.space else ""
        parts = [(f"{b:02x}" if verb == "x" else f"{b:02X}") for b in data]
        if spec.sharp:
            parts = [("0x" if verb == "x" else "0X") + p for p in parts]
            if not sep and parts:
                return _pad(spec, parts[0] + "".join(p[2:] for p in parts[1:]))
        return _pad(spec, sep.join(parts))
    return _bad(spec, value)


def format_one(spec: _Spec, value: Any) -> str:
    verb = spec.verb
    if verb == "T":
        return _pad(spec, go_type(value))
    if value is None:
        if verb == "v":
            return _pad(spec, "<nil>")
        return _bad(spec, value)
    if isinstance(value, GoValue) and verb in ("v", "s", "q", "x", "X"):
        text = value.go_string()  # fmt prints a Stringer's String() for these verbs
        if text is not None:
            return _fmt_string(spec, text)
    if isinstance(value, bool):
        if verb in ("t", "v"):
            return _pad(spec, "true" if value else "false")
        return _bad(spec, value)
    if isinstance(value, int):
        if spec.plus and verb == "v":
            spec.verb = "d"
        return _fmt_int(spec, int(value))
    if isinstance(value, float):
        return _fmt_float(spec, value)
    if isinstance(value, str):
        return _fmt_string(spec, value)
    if isinstance(value, list | tuple):
        inner = _copy(spec)
        inner.width = None
        inner.minus = False
        body = " ".join(format_one(_copy(inner), v) for v in value)
        return _pad(spec, "[" + body + "]")
    if isinstance(value, dict):
        inner = _copy(spec)
        inner.width = None
        items = sorted(value.items(), key=lambda kv: sort_key(kv[0]))
        body = " ".join(
            f"{format_one(_copy(inner), k)}:{format_one(_copy(inner), v)}" for k, v in items
        )
        return _pad(spec, "map[" + body + "]")
    if verb in ("v", "s"):
        return _pad(spec, sprint_value(value))
    return _bad(spec, value)


def _copy(spec: _Spec) -> _Spec:
    out = _Spec()
    for name in _Spec.__slots__:
        setattr(out, name, getattr(spec, name))
    return out


def sprintf(format: str, args: list[Any]) -> str:  # noqa: PLR0915 (fmt.doPrintf, one loop)
    out: list[str] = []
    i, n = 0, len(format)
    argi = 0
    while i < n:
        j = format.find("%", i)
        if j < 0:
            out.append(format[i:])
            break
        out.append(format[i:j])
        i = j + 1
        if i >= n:
            out.append("%!(NOVERB)")
            break
        spec = _Spec()
        while i < n and format[i] in "+-# 0":
            c = format[i]
            if c == "+":
                spec.plus = True
            elif c == "-":
                spec.minus = True
                spec.zero = False
            elif c == "#":
                spec.sharp = True
            elif c == " ":
                spec.space = True
            elif c == "0":
                spec.zero = not spec.minus
            i += 1
        if i < n and format[i] == "*":
            i += 1
            if (
                argi < len(args)
                and isinstance(args[argi], int)
                and not isinstance(args[argi], bool)
            ):
                spec.width = int(args[argi])
                if spec.width < 0:
                    spec.minus, spec.width = True, -spec.width
            else:
                out.append("%!(BADWIDTH)")
            argi += 1
        else:
            start = i
            while i < n and format[i].isdigit():
                i += 1
            if i > start:
                spec.width = int(format[start:i])
        if i < n and format[i] == ".":
            i += 1
            if i < n and format[i] == "*":
                i += 1
                if argi < len(args) and isinstance(args[argi], int):
                    spec.prec = int(args[argi])
                    if spec.prec < 0:
                        spec.prec = None
                else:
                    out.append("%!(BADPREC)")
                argi += 1
            else:
                start = i
                while i < n and format[i].isdigit():
                    i += 1
                spec.prec = int(format[start:i]) if i > start else 0
        if i >= n:
            out.append("%!(NOVERB)")
            break
        verb = format[i]
        i += 1
        if verb == "%":
            out.append("%")
            continue
        spec.verb = verb
        if argi >= len(args):
            out.append(f"%!{verb}(MISSING)")
            continue
        value = args[argi]
        argi += 1
        if verb == "v" and spec.sharp:
            out.append(_go_syntax(value))
            continue
        if verb == "v":
            spec.plus = False  # %+v means field names for structs, not a sign
        out.append(format_one(spec, value))
    if argi < len(args):
        extra = ", ".join(
            "<nil>" if a is None else f"{go_type(a)}={sprint_value(a)}" for a in args[argi:]
        )
        out.append(f"%!(EXTRA {extra})")
    return "".join(out)


def _go_syntax(value: Any) -> str:
    """%#v for the value kinds templates see."""
    if value is None:
        return "<nil>"
    if isinstance(value, GoValue):
        syntax = value.go_syntax()
        if syntax is not None:
            return syntax
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, I64):
        return str(int(value))
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        text = format_float(value)
        return text if any(c in text for c in ".eIN") else text + ".0"
    if isinstance(value, str):
        return quote(value)
    if isinstance(value, list | tuple):
        return "[]interface {}{" + ", ".join(_go_syntax(v) for v in value) + "}"
    if isinstance(value, dict):
        items = sorted(value.items(), key=lambda kv: sort_key(kv[0]))
        return (
            "map[string]interface {}{"
            + ", ".join(f"{_go_syntax(k)}:{_go_syntax(v)}" for k, v in items)
            + "}"
        )
    return sprint_value(value)
