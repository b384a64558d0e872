"""What the helpers Sveltos gives Lua scripts have in common, and the ones that need nothing
else: the base64 globals and the ``json`` module (lua-utils' glua-json). The ``strings`` and
``sprig`` modules have modules of their own; ``sandbox`` assembles them.

Each helper is a ``Helper``: a Python function and a signature string, one letter a parameter
(``s`` string, ``b`` raw bytes, ``i`` integer, ``n`` number, ``B`` boolean, ``t`` table,
``f`` function, ``a`` anything). The sandbox checks a call's arguments against the signature
(``bind``, failing as Lua's ``luaL_check*`` does: ``bad argument #1 to 'Split' (string
expected, got nil)``, at the caller's line) and converts them, so helper functions take plain
Python values. A helper returns the tuple of its Lua results: Go functions that return
``(value, error)`` to Lua return ``(None, "message")`` here too, and a Go panic is a
``HelperError``.

Strings are Go strings, so byte semantics hold where Go's do: ``strings.Index`` counts bytes,
``base64Decode`` may return bytes that are not UTF-8. Text functions get ``str`` decoded with
``surrogateescape`` and encode back the same way, so no byte is lost on the way through.

The helpers that only move Lua values around (``getLabel``, ``getResource``,
``sprig.coalesce``, ``sprig.compact``...) are written in Lua in ``sandbox``: converting tables
to Python and back would lose their identity.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from lupa.lua51 import lua_type  # type: ignore[import-untyped]

from navarch.engines.gotemplate.sveltos import go_json, load_yaml, to_yaml
from navarch.engines.gotemplate.values import format_float
from navarch.engines.lua.convert import MAX_DEPTH, array_index, decode_text

Results = tuple[Any, ...]


class HelperError(Exception):
    """Raised as a Lua error at the line that called the helper."""


@dataclass(frozen=True)
class Helper:
    fn: Callable[..., Results]
    params: str = ""
    rest: str = ""  # the kind of any further arguments ("a"), or "" for none


# -- arguments ---------------------------------------------------------------------------------

_KIND_NAMES = {
    "s": "string",
    "b": "string",
    "i": "number",
    "n": "number",
    "B": "boolean",
    "t": "table",
    "f": "function",
}


def lua_type_name(value: Any) -> str:
    if value is None:
        return "nil"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, bytes):
        return "string"
    return str(lua_type(value) or "userdata")


def lua_tostring(value: Any) -> str:
    """gopher-lua's ``LValue.String()``: integral numbers without a fraction."""
    if isinstance(value, bytes):
        return decode_text(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        if float(value).is_integer() and abs(value) < 2**63:
            return str(int(value))
        return format_float(float(value), "g", -1)
    if value is None:
        return "nil"
    return str(lua_type(value) or "userdata")


def _convert(kind: str, value: Any) -> Any:
    """The Python argument for ``value``, or raise ``TypeError`` if it is not of ``kind``."""
    if kind == "a":
        return value
    if kind in "sb":
        if isinstance(value, bytes):
            return value if kind == "b" else decode_text(value)
        if isinstance(value, int | float) and not isinstance(value, bool):
            text = lua_tostring(value)
            return text.encode() if kind == "b" else text
    elif kind in "in":
        if isinstance(value, int | float) and not isinstance(value, bool):
            return int(value) if kind == "i" else float(value)
    elif kind == "B":
        if isinstance(value, bool):
            return value
    elif lua_type(value) == {"t": "table", "f": "function"}[kind]:
        return value
    raise TypeError


def bind(name: str, helper: Helper, args: tuple[Any, ...]) -> list[Any]:
    """Check and convert ``args`` for ``helper``; ``HelperError`` names the bad argument."""
    kinds = helper.params + helper.rest * max(len(args) - len(helper.params), 0)
    bound: list[Any] = []
    for position, kind in enumerate(kinds):
        value = args[position] if position < len(args) else None
        try:
            bound.append(_convert(kind, value))
        except TypeError:
            got = lua_type_name(value) if position < len(args) else "no value"
            expected = _KIND_NAMES.get(kind, "value")
            raise HelperError(
                f"bad argument #{position + 1} to '{name}' ({expected} expected, got {got})"
            ) from None
    return bound


def sequence_values(table: Any) -> list[Any]:
    """A table's values in ``ForEach`` order: the array part 1..n, then the other keys."""
    items = list(table.items())
    ordered = sorted((k, v) for k, v in items if array_index(k))
    rest = [v for k, v in items if not array_index(k)]
    return [v for _, v in ordered] + rest


def one(fn: Callable[..., Any]) -> Callable[..., Results]:
    """A helper returning one value, from a function that returns it."""
    return lambda *args: (fn(*args),)


# -- globals: base64 ----------------------------------------------------------------------------


def _base64_encode(data: bytes) -> Results:
    if not data:
        return None, "provided string is empty"
    return (base64.b64encode(data),)


def _base64_decode(data: bytes) -> Results:
    if not data:
        return None, "provided string is empty"
    try:
        return (base64.b64decode(data.replace(b"\r", b"").replace(b"\n", b""), validate=True),)
    except (binascii.Error, ValueError):
        return None, "decoding failed"


GLOBALS: dict[str, Helper] = {
    "base64Encode": Helper(_base64_encode, "b"),
    "base64Decode": Helper(_base64_decode, "b"),
}


# -- json ----------------------------------------------------------------------------------------


class _EncodeError(Exception):
    pass


def json_value(value: Any, _depth: int = 0) -> Any:
    """A Lua value as lua-utils' glua-json encodes it: an empty table is ``[]``, a table with
    number keys must be the sequence 1..n, with string keys an object; mixed keys fail."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        # the same text as Go's float64 encoding, without its slow path for integral values
        return int(value) if value.is_integer() and abs(value) < 1e21 else value
    kind = lua_type(value)
    if kind != "table":
        raise _EncodeError(f"cannot encode {kind or 'userdata'} to JSON")
    if _depth >= MAX_DEPTH:
        raise _EncodeError("cannot encode recursively nested tables to JSON")
    items = list(value.items())
    if not items:
        return []
    if all(isinstance(k, bytes) for k, _ in items):
        return {k.decode("utf-8", "replace"): json_value(v, _depth + 1) for k, v in items}
    if all(isinstance(k, int | float) and not isinstance(k, bool) for k, _ in items):
        ordered = sorted(items, key=lambda kv: float(kv[0]))
        if [float(k) for k, _ in ordered] != [float(i) for i in range(1, len(ordered) + 1)]:
            raise _EncodeError("cannot encode sparse array")
        return [json_value(v, _depth + 1) for _, v in ordered]
    raise _EncodeError("cannot encode mixed or invalid key types")


def _encode(value: Any) -> str:
    try:
        return go_json(json_value(value))
    except ValueError as exc:  # NaN or an infinity
        raise _EncodeError(str(exc)) from None


def _json_encode(value: Any) -> Results:
    try:
        return (_encode(value),)
    except _EncodeError as exc:
        return None, str(exc)


def _json_decode(text: str) -> Results:
    try:
        return (json.loads(text),)
    except ValueError as exc:
        return None, f"invalid JSON: {exc}"


def _json_to_yaml(value: Any) -> Results:
    try:
        encoded = _encode(value)
    except _EncodeError as exc:
        return None, str(exc)
    return (to_yaml(json.loads(encoded)) + "\n",)


def _json_from_yaml(text: str) -> Results:
    try:
        return (load_yaml(text),)
    except ValueError as exc:
        return None, str(exc)


JSON: dict[str, Helper] = {
    "encode": Helper(_json_encode, "a"),
    "decode": Helper(_json_decode, "s"),
    "toYAML": Helper(_json_to_yaml, "a"),
    "fromYAML": Helper(_json_from_yaml, "s"),
}
