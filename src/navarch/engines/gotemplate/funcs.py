"""Template functions with Go signatures, and text/template's builtins.

Go checks every argument against the function's parameter type (an ``int64`` is not an
``int``; a string is not a number) and converts untyped constants to it (``3`` passed as a
``float64`` is ``3.0``). A ``GoFunc`` carries the parameter types so the executor can do the
same; ``any`` accepts every value. A function signals Go's ``error`` result by raising
``FuncError``; the executor reports it as ``error calling NAME: ...``.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from navarch.engines.gotemplate.gofmt import sprint, sprintf, sprintln
from navarch.engines.gotemplate.values import go_type, truth

# parameter types: any, string, int, int64, float64, bool, list, map, []string
ParamType = str


class FuncError(Exception):
    """A function's error result (Go: the second return value)."""


@dataclass(frozen=True)
class GoFunc:
    name: str
    fn: Callable[..., Any]
    params: tuple[ParamType, ...] = ()
    variadic: ParamType | None = None  # type of the ...rest parameter
    raw: bool = False  # receives unevaluated argument thunks (and, or)


def func(
    name: str, *params: ParamType, variadic: ParamType | None = None
) -> Callable[[Callable[..., Any]], GoFunc]:
    def wrap(fn: Callable[..., Any]) -> GoFunc:
        return GoFunc(name, fn, tuple(params), variadic)

    return wrap


# -- comparison (Go's eq/ne/lt/le/gt/ge over basic kinds) -----------------------------------

_INT, _FLOAT, _STRING, _BOOL, _OTHER, _INVALID = "int", "float", "string", "bool", "other", "nil"


def _kind(value: Any) -> str:
    if value is None:
        return _INVALID
    if isinstance(value, bool):
        return _BOOL
    if isinstance(value, int):
        return _INT
    if isinstance(value, float):
        return _FLOAT
    if isinstance(value, str):
        return _STRING
    return _OTHER


def _eq(arg1: Any, *rest: Any) -> bool:
    if not rest:
        raise FuncError("missing argument for comparison")
    k1 = _kind(arg1)
    for arg in rest:
        k2 = _kind(arg)
        if k1 != k2:
            if arg1 is not None and arg is not None:
                raise FuncError("incompatible types for comparison")
            continue
        if k1 == _OTHER and (isinstance(arg1, dict | list) or isinstance(arg, dict | list)):
            raise FuncError(
                f"non-comparable types {sprint([arg1])}: {go_type(arg1)}, "
                f"{sprint([arg])}: {go_type(arg)}"
            )
        if k1 == _INVALID or arg1 == arg:
            return True
    return False


def _lt(a: Any, b: Any) -> bool:
    ka, kb = _kind(a), _kind(b)
    if ka in (_BOOL, _OTHER, _INVALID) or kb in (_BOOL, _OTHER, _INVALID):
        if _INVALID in (ka, kb):
            raise FuncError("invalid type for comparison")
        if ka != kb:
            raise FuncError("incompatible types for comparison")
        raise FuncError("invalid type for comparison")
    if ka != kb:
        raise FuncError("incompatible types for comparison")
    if ka == _STRING:
        return bool(a.encode() < b.encode())
    return bool(a < b)


def _le(a: Any, b: Any) -> bool:
    return _lt(a, b) or _eq(a, b)


def _length(item: Any) -> int:
    if item is None:
        raise FuncError("len of nil pointer")
    if isinstance(item, str):
        return len(item.encode())
    if isinstance(item, list | tuple | dict):
        return len(item)
    raise FuncError(f"len of type {go_type(item)}")


def _index_one(item: Any, key: Any) -> Any:
    if item is None:
        raise FuncError("index of untyped nil")
    if isinstance(item, list | tuple | str):
        if not isinstance(key, int) or isinstance(key, bool):
            raise FuncError(f"cannot index slice/array with type {go_type(key)}")
        size = len(item.encode()) if isinstance(item, str) else len(item)
        if key < 0 or key >= size:
            raise FuncError(f"index out of range: {int(key)}")
        if isinstance(item, str):
            return int(item.encode()[key])  # a byte
        return item[key]
    if isinstance(item, dict):
        if key is None:
            return None
        if not isinstance(key, str):
            raise FuncError(f"value has type {go_type(key)}; should be string")
        return item.get(key)
    raise FuncError(f"can't index item of type {go_type(item)}")


def _index(item: Any, *keys: Any) -> Any:
    for key in keys:
        item = _index_one(item, key)
    return item


def _slice(item: Any, *indexes: Any) -> Any:
    if item is None:
        raise FuncError("slice of untyped nil")
    if len(indexes) > 3:
        raise FuncError(f"too many slice indexes: {len(indexes)}")
    if isinstance(item, str):
        if len(indexes) == 3:
            raise FuncError("cannot 3-index slice a string")
        data = item.encode()
        bounds = [0, len(data)]
        size = len(data)
    elif isinstance(item, list | tuple):
        bounds = [0, len(item), len(item)]
        size = len(item)
    else:
        raise FuncError(f"can't slice item of type {go_type(item)}")
    for i, index in enumerate(indexes):
        if not isinstance(index, int) or isinstance(index, bool):
            raise FuncError(f"cannot index slice/array with type {go_type(index)}")
        if index < 0 or index > size:
            raise FuncError(f"index out of range: {int(index)}")
        bounds[i] = int(index)
    if bounds[0] > bounds[1]:
        raise FuncError(f"invalid slice index: {bounds[0]} > {bounds[1]}")
    if isinstance(item, str):
        return item.encode()[bounds[0] : bounds[1]].decode(errors="replace")
    if len(indexes) == 3 and bounds[1] > bounds[2]:
        raise FuncError(f"invalid slice index: {bounds[1]} > {bounds[2]}")
    return list(item[bounds[0] : bounds[1]])


def _js(*args: Any) -> str:
    text = _eval_args(args)
    out = []
    for ch in text:
        if ch == "\\":
            out.append("\\\\")
        elif ch == "'":
            out.append("\\'")
        elif ch == '"':
            out.append('\\"')
        elif ch == "<":
            out.append("\\u003C")
        elif ch == ">":
            out.append("\\u003E")
        elif ch == "&":
            out.append("\\u0026")
        elif ch == "=":
            out.append("\\u003D")
        elif ord(ch) < 0x20:
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(ch)
    return "".join(out)


def _eval_args(args: tuple[Any, ...]) -> str:
    if len(args) == 1 and isinstance(args[0], str):
        return args[0]
    return sprint(list(args))


def _html(*args: Any) -> str:
    text = _eval_args(args)
    return (
        text.replace("&", "&amp;")
        .replace("'", "&#39;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&#34;")
        .replace("\x00", "\ufffd")
    )


def _urlquery(*args: Any) -> str:
    return urllib.parse.quote_plus(_eval_args(args), safe="")


def _call(fn: Any, *args: Any) -> Any:
    raise FuncError(f"non-function of type {go_type(fn)}")


def _not(value: Any) -> bool:
    return not truth(value)


BUILTINS: dict[str, GoFunc] = {
    f.name: f
    for f in (
        GoFunc("and", lambda *a: None, ("any",), "any", raw=True),
        GoFunc("or", lambda *a: None, ("any",), "any", raw=True),
        GoFunc("not", _not, ("any",)),
        GoFunc("len", _length, ("any",)),
        GoFunc("index", _index, ("any",), "any"),
        GoFunc("slice", _slice, ("any",), "any"),
        GoFunc("print", lambda *a: sprint(list(a)), (), "any"),
        GoFunc("printf", lambda f, *a: sprintf(f, list(a)), ("string",), "any"),
        GoFunc("println", lambda *a: sprintln(list(a)), (), "any"),
        GoFunc("html", _html, (), "any"),
        GoFunc("js", _js, (), "any"),
        GoFunc("urlquery", _urlquery, (), "any"),
        GoFunc("eq", _eq, ("any",), "any"),
        GoFunc("ne", lambda a, b: not _eq(a, b), ("any", "any")),
        GoFunc("lt", _lt, ("any", "any")),
        GoFunc("le", _le, ("any", "any")),
        GoFunc("gt", lambda a, b: not _le(a, b), ("any", "any")),
        GoFunc("ge", lambda a, b: not _lt(a, b), ("any", "any")),
        GoFunc("call", _call, ("any",), "any"),
    )
}
