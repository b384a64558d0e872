"""Go values as Python values, and how Go's fmt prints them.

A template sees the data the way Go's text/template sees decoded JSON/YAML (Sveltos hands it
unstructured objects): ``map[string]interface{}`` (dict), ``[]interface{}`` (list), string,
bool, float64, int64 and nil. Template constants are ``int`` or ``float64``; many Sprig
functions return ``int64``. Go refuses to pass an ``int64`` where an ``int`` is expected, and
``printf "%T"`` tells them apart, so ``I64`` marks int64 values; a plain Python ``int`` is a
Go ``int``. ``None`` is nil.

Printing follows fmt's ``%v``: floats in ``%g`` shortest form (``1e+06``, ``3``, ``0.5``),
maps as ``map[k:v ...]`` with sorted keys, slices as ``[a b]``, nil as ``<nil>``.
"""

from __future__ import annotations

import math
from typing import Any

from navarch.engines.gotemplate.goobject import GoValue
from navarch.engines.gotemplate.gostruct import GoStruct


class I64(int):
    """An int64 (from decoded data or a Sprig function)."""

    def __repr__(self) -> str:
        return f"I64({int(self)})"


def go_type(value: Any) -> str:
    """The Go type name of ``value`` (as ``%T`` prints it)."""
    if value is None:
        return "<nil>"
    if isinstance(value, GoValue):
        return value.go_type_name()
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, I64):
        return "int64"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float64"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list | tuple):
        return str(getattr(value, "GO_TYPE", "[]interface {}"))  # e.g. a TOML array of tables
    if isinstance(value, dict):
        return "map[string]interface {}"
    if isinstance(value, GoStruct):
        return value.GO_TYPE
    return type(value).__name__


def format_float(value: float, verb: str = "g", prec: int = -1) -> str:
    """strconv.FormatFloat(value, verb, prec, 64) for the verbs e, E, f, g, G."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if verb in "fF":
        if prec < 0:
            return _shortest_fixed(value)
        return f"{value:.{prec}f}"
    if verb in "eE":
        if prec < 0:
            digits, exp = _shortest_digits(value)
            mantissa = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
            out = f"{'-' if value < 0 or _neg_zero(value) else ''}{mantissa}e{_exp(exp)}"
        else:
            out = _go_exp(f"{value:.{prec}e}")
        return out.upper() if verb == "E" else out
    # g / G
    if prec < 0:
        digits, exp = _shortest_digits(value)
        if exp < -4 or exp >= 6:  # strconv: the shortest form decides with precision 6
            mantissa = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
            out = f"{'-' if value < 0 or _neg_zero(value) else ''}{mantissa}e{_exp(exp)}"
        else:
            out = _shortest_fixed(value)
        return out.upper() if verb == "G" else out
    p = prec or 1
    out = f"{value:.{p}g}"
    if "e" in out:
        out = _go_exp(out)
    return out.upper() if verb == "G" else out


def _neg_zero(value: float) -> bool:
    return value == 0 and math.copysign(1.0, value) < 0


def _exp(exp: int) -> str:
    return f"{'-' if exp < 0 else '+'}{abs(exp):02d}"


def _go_exp(text: str) -> str:
    """Python's 1.5e+06 / 1.5e-07 are Go's too; Python's 3-digit exponents stay 3 digits."""
    mantissa, _, exp = text.partition("e")
    value = int(exp)
    return f"{mantissa}e{_exp(value)}"


def _shortest_digits(value: float) -> tuple[str, int]:
    """The shortest decimal digits that round-trip, and the exponent of the first digit."""
    text = repr(abs(value))
    if "e" in text:
        mantissa, _, exp_text = text.partition("e")
        exp = int(exp_text)
    else:
        mantissa, exp = text, 0
    whole, _, frac = mantissa.partition(".")
    if frac == "0":
        frac = ""
    digits = (whole + frac).lstrip("0")
    if not digits:
        return "0", 0
    # position of the first significant digit relative to the decimal point
    lead_zeros = len(whole + frac) - len((whole + frac).lstrip("0"))
    first_exp = len(whole) - 1 - lead_zeros + exp
    return digits.rstrip("0") or "0", first_exp


def _shortest_fixed(value: float) -> str:
    digits, exp = _shortest_digits(value)
    sign = "-" if value < 0 or _neg_zero(value) else ""
    if digits == "0":
        return sign + "0"
    if exp < 0:
        return f"{sign}0.{'0' * (-exp - 1)}{digits}"
    if exp + 1 >= len(digits):
        return sign + digits + "0" * (exp + 1 - len(digits))
    return f"{sign}{digits[: exp + 1]}.{digits[exp + 1 :]}"


def sprint_value(value: Any, *, top: bool = False) -> str:
    """fmt's %v of ``value`` (``top``: nil prints as text/template prints a missing value)."""
    if value is None:
        return "<no value>" if top else "<nil>"
    if isinstance(value, GoValue):
        text = value.go_string()  # a fmt.Stringer
        if text is not None:
            return text
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(int(value))
    if isinstance(value, float):
        return format_float(value)
    if isinstance(value, str):
        return value
    if isinstance(value, list | tuple):
        return "[" + " ".join(sprint_value(v) for v in value) + "]"
    if isinstance(value, dict):
        items = sorted(value.items(), key=lambda kv: sort_key(kv[0]))
        return "map[" + " ".join(f"{sprint_value(k)}:{sprint_value(v)}" for k, v in items) + "]"
    if isinstance(value, GoStruct):
        text = value.go_string()
        if text is None:
            text = "{" + " ".join(sprint_value(v) for _, v in value.go_fields()) + "}"
        return text
    return str(value)


def sort_key(key: Any) -> tuple[int, Any]:
    """fmt and range order map keys: numbers numerically, strings lexically (by bytes)."""
    if isinstance(key, bool):
        return (0, key)
    if isinstance(key, int | float):
        return (1, key)
    if isinstance(key, str):
        return (2, key.encode())
    return (3, str(key))


def truth(value: Any) -> bool:
    """Go template truthiness: false, 0, nil, and empty strings, slices and maps are false."""
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value != 0
    if isinstance(value, str | list | tuple | dict):
        return len(value) > 0
    return True


def go_data(value: Any) -> Any:
    """Decoded JSON/YAML as Go's unstructured objects hold it: integers are int64. Always a copy
    (new maps and lists), so callers may change the result."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return I64(value)
    if isinstance(value, dict):
        return {str(k): go_data(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [go_data(v) for v in value]
    return value
