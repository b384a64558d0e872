"""Values across the Lua boundary, converted the way Sveltos's Go code converts them.

Into Lua (``to_lua``) an object is what ``MapToTable`` in libsveltos makes of unstructured
content: maps become tables with string keys, lists become sequences 1..n, numbers become Lua
numbers (doubles), and a null is left out (a list skips it rather than leaving a hole, as Go's
``Append`` loop does). Two differences, both deliberate: integers and nested lists inside a list
are kept (libsveltos drops them, losing data), and Python ``str`` travels as UTF-8 bytes
(``surrogateescape``, so bytes a script produced come back unchanged when they go round).

Out of Lua (``from_lua``) a value is what ``ToGoValue`` followed by ``json.Marshal`` and a
JSON decode gives, because that is the shape every Sveltos caller reads:

- a table whose largest positive integer key ``n`` (below 2^26, gopher-lua's array part) is
  non-zero is an *array* of length ``n``: holes are ``None`` and every other key is dropped;
- any other table, including the empty one, is an *object*; number keys are written as Go's
  ``fmt.Sprint`` writes a float64 (``1e+06``), so ``{}`` comes back as ``{}``, never ``[]``;
- numbers: an integral value below 1e21 is an ``int`` (``3.0`` -> ``3``, as JSON shows it),
  anything else a ``float``; NaN and infinities fail as ``json.Marshal`` fails;
- strings are decoded as UTF-8 with invalid bytes replaced (``json.Marshal`` does the same);
- functions, coroutines and userdata cannot be converted (Go's marshalling fails on them too).

Tables nested deeper than ``MAX_DEPTH`` fail with a clear error instead of recursing forever
on a table that contains itself (which crashes the Go code).
"""

from __future__ import annotations

import datetime
import math
from typing import Any

from lupa.lua51 import lua_type  # type: ignore[import-untyped]

from navarch.engines.gotemplate.values import format_float

MAX_DEPTH = 200
ARRAY_LIMIT = 2**26  # gopher-lua's MaxArrayIndex: larger integer keys live in the hash part
_SPARSE_SLACK = 1024  # an array may have this many more holes than entries before we refuse


class ConversionError(Exception):
    """A value that has no JSON form; the message names where it sits (``resources.x[2]``)."""


def encode_text(text: str) -> bytes:
    return text.encode("utf-8", "surrogateescape")


def decode_text(data: bytes) -> str:
    """A Lua string for a helper: bytes that are not UTF-8 survive a round trip."""
    return data.decode("utf-8", "surrogateescape")


def plain(value: Any, holes: bool = False, _depth: int = 0) -> Any:
    """Python data in the shape lupa's ``table_from(..., recursive=True)`` turns into Lua:
    bytes for text, floats for huge integers, no ``None`` in a map (a Lua table cannot hold
    nil) and none in a list unless ``holes`` (then it leaves a hole, as glua-json's decoder
    does; ``MapToTable`` skips it)."""
    if value is None or isinstance(value, bool | float | bytes):
        return value
    if isinstance(value, int):
        return value if -(2**53) <= value <= 2**53 else float(value)
    if isinstance(value, str):
        return encode_text(value)
    if isinstance(value, datetime.date):  # a YAML timestamp; Go's YAML-to-JSON keeps the text
        return value.isoformat().encode()
    if _depth > MAX_DEPTH:
        raise ConversionError(f"data is nested more than {MAX_DEPTH} levels deep")
    if isinstance(value, dict):
        return {
            encode_text(str(k)): plain(v, holes, _depth + 1)
            for k, v in value.items()
            if v is not None
        }
    if isinstance(value, list | tuple):
        return [plain(v, holes, _depth + 1) for v in value if holes or v is not None]
    raise ConversionError(f"cannot pass a {type(value).__name__} to Lua")


def to_lua(runtime: Any, value: Any, *, holes: bool = False) -> Any:
    """A Python value as a Lua value of ``runtime`` (a table for a dict or list)."""
    converted = plain(value, holes)
    if isinstance(converted, dict | list):
        return runtime.table_from(converted, recursive=True)
    return converted


def number(value: float, where: str) -> int | float:
    """A Lua number as Go's encoding/json writes a float64 and a JSON decoder reads it back."""
    as_float = float(value)
    if math.isnan(as_float) or math.isinf(as_float):
        text = "NaN" if math.isnan(as_float) else ("+Inf" if as_float > 0 else "-Inf")
        raise ConversionError(f"{text} at {where}, which JSON cannot carry")
    if as_float.is_integer() and abs(as_float) < 1e21:
        return int(as_float)
    return as_float


def key_text(key: Any, where: str) -> str:
    """A table key as ``fmt.Sprint`` prints the Go value ``ToGoValue`` made of it."""
    if isinstance(key, bytes):
        return key.decode("utf-8", "replace")
    if isinstance(key, bool):
        return "true" if key else "false"
    if isinstance(key, int | float):
        return format_float(float(key), "g", -1)
    kind = lua_type(key) or "userdata"
    raise ConversionError(f"a {kind} key at {where}, which JSON cannot carry")


def array_index(key: Any) -> int:
    """The 1-based position of an array-part key, or 0 if ``key`` is not one."""
    if isinstance(key, bool) or not isinstance(key, int | float):
        return 0
    if isinstance(key, float):
        if not key.is_integer():
            return 0
        key = int(key)
    return key if 1 <= key < ARRAY_LIMIT else 0


def from_lua(value: Any, where: str = "result", _depth: int = 0) -> Any:
    """A Lua value as plain JSON-shaped Python data (see the module docstring)."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, int | float):
        return number(value, where)
    kind = lua_type(value)
    if kind != "table":
        raise ConversionError(f"a {kind or 'userdata'} at {where}, which JSON cannot carry")
    if _depth >= MAX_DEPTH:
        raise ConversionError(
            f"tables nested more than {MAX_DEPTH} levels deep at {where} "
            "(does a table contain itself?)"
        )
    items = list(value.items())
    size = max((array_index(k) for k, _ in items), default=0)
    if size:
        if size > len(items) + _SPARSE_SLACK:
            raise ConversionError(
                f"an array at {where} with largest index {size} but only {len(items)} "
                "entries, too sparse to convert"
            )
        array: list[Any] = [None] * size
        for k, v in items:
            index = array_index(k)
            if index:
                array[index - 1] = from_lua(v, f"{where}[{index}]", _depth + 1)
        return array
    obj: dict[str, Any] = {}
    for k, v in items:
        text = key_text(k, where)
        obj[text] = from_lua(v, f"{where}.{text}", _depth + 1)
    return obj
