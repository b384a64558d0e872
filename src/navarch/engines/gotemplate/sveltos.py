"""The function map Sveltos renders templates with: Sprig plus Sveltos's own functions.

Sveltos adds YAML/JSON/TOML conversions (as Helm defines them: ``toYaml`` marshals through
JSON like sigs.k8s.io/yaml, so keys come out sorted, and drops the final newline; the ``from*``
functions put a parse error under the key ``Error`` instead of failing) and functions over the
management-cluster resources a profile names in ``templateResourceRefs``.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

import yaml

from navarch.engines.gotemplate.funcs import FuncError, GoFunc
from navarch.engines.gotemplate.goobject import GoValue
from navarch.engines.gotemplate.gostruct import GoStruct
from navarch.engines.gotemplate.gotoml import FUNCS as TOML_FUNCS
from navarch.engines.gotemplate.sprig import FUNCS as SPRIG
from navarch.engines.gotemplate.values import I64, format_float

_YAML11_BOOL = re.compile(
    r"^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$"
)


class _Loader(yaml.SafeLoader):
    """YAML as go-yaml v2 reads it: YAML 1.1, where y, n, on and off are booleans too."""


_Loader.add_implicit_resolver("tag:yaml.org,2002:bool", _YAML11_BOOL, list("yYnNtTfFoO"))
_Loader.bool_values = {**yaml.SafeLoader.bool_values, "y": True, "n": False}


class _Dumper(yaml.SafeDumper):
    """YAML as go-yaml v2 writes it: block style, no line wrapping, lists not indented, and
    a string that would read back as another type double-quoted."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    resolved = _Loader.resolve(_Loader, yaml.ScalarNode, value, (True, False))  # type: ignore[arg-type,no-untyped-call]
    if value and resolved != "tag:yaml.org,2002:str" and "\n" not in value:
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style='"')
    if "\n" in value:  # go-yaml asks for a literal block; the emitter may still refuse it
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    return dumper.represent_str(value)


_Dumper.add_representer(str, _represent_str)


def _represent_float(dumper: yaml.SafeDumper, value: float) -> yaml.ScalarNode:
    if math.isnan(value) or math.isinf(value):
        return dumper.represent_float(value)
    text = json.dumps(value)
    if text.endswith(".0"):
        text = text[:-2]
    return dumper.represent_scalar("tag:yaml.org,2002:float", text)


_Dumper.add_representer(float, _represent_float)
_Dumper.add_representer(I64, lambda d, v: d.represent_int(int(v)))


def _json_ready(value: Any) -> Any:
    """Round-trip through JSON (what sigs.k8s.io/yaml does): JSON types and sorted keys."""
    return json.loads(go_json(value))


def _go_json_float(value: float) -> str:
    """encoding/json's float64: shortest digits, %e only below 1e-6 or from 1e21."""
    if math.isnan(value) or math.isinf(value):
        raise ValueError(f"json: unsupported value: {format_float(value)}")
    magnitude = abs(value)
    if magnitude != 0 and (magnitude < 1e-6 or magnitude >= 1e21):
        text = format_float(value, "e", -1)
        mantissa, _, exp = text.partition("e")
        return f"{mantissa}e{exp[0]}{exp[1:].lstrip('0') or '0'}"
    return format_float(value, "f", -1)


_JSON_ESCAPES = {
    '"': '\\"',
    "\\": "\\\\",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}


def _go_json_string(text: str) -> str:
    out = ['"']
    for ch in text:
        escaped = _JSON_ESCAPES.get(ch)
        if escaped is not None:
            out.append(escaped)
        elif ord(ch) < 0x20:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def go_json(value: Any, *, indent: str = "", escape_html: bool = True, _depth: int = 0) -> str:
    """json.Marshal (or MarshalIndent with ``indent``): sorted keys, Go's float format, and
    HTML-safe string escaping unless ``escape_html`` is off (an Encoder's SetEscapeHTML)."""

    def string(text: str) -> str:
        out = _go_json_string(text)
        if not escape_html:
            out = out.replace("\\u003c", "<").replace("\\u003e", ">").replace("\\u0026", "&")
        return out

    def nested(v: Any) -> str:
        return go_json(v, indent=indent, escape_html=escape_html, _depth=_depth + 1)

    if value is None:
        return "null"
    if isinstance(value, GoStruct):  # a struct's exported fields (Sprig's certificate)
        return go_json(value.json_value(), indent=indent, escape_html=escape_html, _depth=_depth)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(int(value))
    if isinstance(value, float):
        return _go_json_float(value)
    if isinstance(value, str):
        return string(value)
    if isinstance(value, list | tuple | dict):
        if isinstance(value, dict):
            items = sorted((str(k), v) for k, v in value.items())
            parts = [f"{string(k)}:{' ' if indent else ''}{nested(v)}" for k, v in items]
            open_, close = "{", "}"
        else:
            parts = [nested(v) for v in value]
            open_, close = "[", "]"
        if not parts:
            return open_ + close
        if not indent:
            return open_ + ",".join(parts) + close
        inner = "\n" + indent * (_depth + 1)
        return open_ + inner + ("," + inner).join(parts) + "\n" + indent * _depth + close
    if isinstance(value, GoValue):  # time.Time, *semver.Version: their MarshalJSON
        return value.go_json()
    raise ValueError(f"json: unsupported type: {type(value).__name__}")


def _sprig_json(indent: str = "", escape_html: bool = True, must: bool = False) -> Any:
    def encode(value: Any) -> str:
        try:
            return go_json(value, indent=indent, escape_html=escape_html)
        except ValueError as exc:
            if must:
                raise FuncError(str(exc)) from None
            return ""

    return encode


def _must_from_json(text: str) -> Any:
    try:
        return _typed(json.loads(text))
    except ValueError as exc:
        raise FuncError(str(exc)) from None


def to_yaml(value: Any) -> str:
    if value is None:
        return "null"
    try:
        text = yaml.dump(
            _json_ready(value),
            Dumper=_Dumper,
            default_flow_style=False,
            sort_keys=True,
            allow_unicode=True,
            width=2**31 - 1,
        )
    except (TypeError, ValueError):
        return ""
    if text.endswith("\n...\n"):
        text = text[: -len("...\n")]
    return text.removesuffix("\n")


def _to_json(value: Any) -> str:
    try:
        return go_json(value)
    except ValueError:
        return ""


_MAP = "map[string]interface {}"
_ARRAY = "[]interface {}"


def _json_kind(value: Any) -> str:
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    if isinstance(value, str):
        return "string"
    if isinstance(value, bool):
        return "bool"
    return "number"


def load_yaml(text: str) -> Any:
    """sigs.k8s.io/yaml: YAML 1.1 through JSON (keys become strings)."""
    try:
        loaded = yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f"line {mark.line + 1}: " if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ValueError(f"error converting YAML to JSON: yaml: {line}{problem}") from None
    return _json_keys(loaded)


def _json_keys(value: Any) -> Any:
    if isinstance(value, dict):
        return {_key_text(k): _json_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_keys(v) for v in value]
    return value


def _key_text(key: Any) -> str:
    if isinstance(key, bool):
        return "true" if key else "false"
    if key is None:
        return "null"
    if isinstance(key, float):
        return format_float(key)
    return str(key)


def _from_yaml(text: str) -> dict[str, Any]:
    try:
        loaded = load_yaml(text)
    except ValueError as exc:
        return {"Error": str(exc)}
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        return {
            "Error": "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal "
            f"{_json_kind(loaded)} into Go value of type {_MAP}"
        }
    return dict(_typed(loaded))


def _from_yaml_array(text: str) -> list[Any]:
    try:
        loaded = load_yaml(text)
    except ValueError as exc:
        return [str(exc)]
    if loaded is None:
        return []
    if not isinstance(loaded, list):
        return [
            "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal "
            f"{_json_kind(loaded)} into Go value of type {_ARRAY}"
        ]
    return list(_typed(loaded))


def _from_json(text: str) -> dict[str, Any]:
    try:
        loaded = json.loads(text)
    except ValueError as exc:
        return {"Error": str(exc)}
    if not isinstance(loaded, dict):
        return {
            "Error": f"json: cannot unmarshal {_json_kind(loaded)} into Go value of type {_MAP}"
        }
    return dict(_typed(loaded))


def _from_json_array(text: str) -> list[Any]:
    try:
        loaded = json.loads(text)
    except ValueError as exc:
        return [str(exc)]
    if not isinstance(loaded, list):
        return [f"json: cannot unmarshal {_json_kind(loaded)} into Go value of type {_ARRAY}"]
    return list(_typed(loaded))


def _typed(value: Any) -> Any:
    """Decoded numbers as Go decodes them through JSON: float64 everywhere."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, list):
        return [_typed(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _typed(v) for k, v in value.items()}
    return value


def _fn(name: str, fn: Any, *params: str, variadic: str | None = None) -> GoFunc:
    return GoFunc(name, fn, tuple(params), variadic)


def _must(fn: Any) -> Any:
    def wrapped(*args: Any) -> Any:
        result = fn(*args)
        if isinstance(result, dict) and set(result) == {"Error"}:
            raise FuncError(str(result["Error"]))
        return result

    return wrapped


EXTRAS: dict[str, GoFunc] = {
    f.name: f
    for f in (
        _fn("toYaml", to_yaml, "any"),
        _fn("fromYaml", _from_yaml, "string"),
        _fn("fromYamlArray", _from_yaml_array, "string"),
        _fn("toJson", _to_json, "any"),
        _fn("fromJson", _from_json, "string"),
        _fn("fromJsonArray", _from_json_array, "string"),
        _fn("toPrettyJson", _sprig_json(indent="  "), "any"),
        _fn("toRawJson", _sprig_json(escape_html=False), "any"),
        _fn("mustToJson", _sprig_json(must=True), "any"),
        _fn("mustToPrettyJson", _sprig_json(indent="  ", must=True), "any"),
        _fn("mustToRawJson", _sprig_json(escape_html=False, must=True), "any"),
        _fn("mustFromJson", _must_from_json, "string"),
    )
}

FUNCS: dict[str, GoFunc] = {**SPRIG, **EXTRAS, **TOML_FUNCS}  # toToml, fromToml: gotoml.py


# -- functions over the management-cluster resources (templateResourceRefs) ------------------

_SERVER_FIELDS = ("managedFields", "resourceVersion", "uid")


def _strip(obj: dict[str, Any]) -> dict[str, Any]:
    """As Sveltos does, in place: the object loses its server-set fields for every later use."""
    meta = obj.get("metadata")
    if isinstance(meta, dict):
        for field in _SERVER_FIELDS:
            meta.pop(field, None)
    return obj


def _deep_copy_json(value: Any) -> Any:
    """runtime.DeepCopyJSONValue: only JSON types (int64, not a template's int)."""
    if value is None or isinstance(value, bool | str | float | I64):
        return value
    if isinstance(value, int):
        raise FuncError(f"cannot deep copy {'int'}")
    if isinstance(value, list | tuple):
        return [_deep_copy_json(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _deep_copy_json(v) for k, v in value.items()}
    raise FuncError(f"cannot deep copy {type(value).__name__}")


def _set_nested(obj: dict[str, Any], value: Any, fields: list[str]) -> bool:
    current = obj
    for field in fields[:-1]:
        child = current.get(field)
        if child is None:
            child = current[field] = {}
        if not isinstance(child, dict):
            return False
        current = child
    current[fields[-1]] = _deep_copy_json(value)
    return True


def _remove_nested(obj: dict[str, Any], fields: list[str]) -> None:
    current: Any = obj
    for field in fields[:-1]:
        current = current.get(field) if isinstance(current, dict) else None
        if not isinstance(current, dict):
            return
    if isinstance(current, dict):
        current.pop(fields[-1], None)


def resource_funcs(resources: dict[str, dict[str, Any]]) -> dict[str, GoFunc]:
    """getResource, copy, getField, setField, removeField, chainSetField, chainRemoveField
    over ``resources`` (by identifier), with Sveltos's semantics: missing identifiers give
    empty results, set/remove change the shared object."""

    def get_resource(identifier: str) -> dict[str, Any]:
        obj = resources.get(identifier)
        return _strip(obj) if obj is not None else {}  # Go: a nil map, printed map[]

    def copy_resource(identifier: str) -> str:
        obj = resources.get(identifier)
        return to_yaml(_strip(obj)) if obj is not None else ""

    def get_field(identifier: str, fields: str) -> Any:
        current: Any = resources.get(identifier)
        if current is None:
            return ""
        for field in fields.split("."):
            if not isinstance(current, dict) or field not in current:
                return ""
            current = current[field]
        try:
            return _deep_copy_json(current)
        except FuncError:
            return ""

    def set_field(identifier: str, fields: str, value: Any) -> str:
        obj = resources.get(identifier)
        if obj is None:
            return ""
        if not _set_nested(obj, value, fields.split(".")):
            return ""
        return to_yaml(_strip(obj))

    def remove_field(identifier: str, fields: str) -> str:
        obj = resources.get(identifier)
        if obj is None:
            return ""
        _remove_nested(obj, fields.split("."))
        return to_yaml(_strip(obj))

    def chain_set_field(obj: dict[str, Any] | None, fields: str, value: Any) -> Any:
        if obj is None or not _set_nested(obj, value, fields.split(".")):
            return None
        return obj

    def chain_remove_field(obj: dict[str, Any] | None, fields: str) -> Any:
        if obj is not None:
            _remove_nested(obj, fields.split("."))
        return obj

    return {
        f.name: f
        for f in (
            _fn("getResource", get_resource, "string"),
            _fn("copy", copy_resource, "string"),
            _fn("getField", get_field, "string", "string"),
            _fn("setField", set_field, "string", "string", "any"),
            _fn("removeField", remove_field, "string", "string"),
            _fn("chainSetField", chain_set_field, "map", "string", "any"),
            _fn("chainRemoveField", chain_remove_field, "map", "string"),
        )
    }
