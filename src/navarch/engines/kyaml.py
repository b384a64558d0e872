"""Reading YAML that kustomize (kyaml) or Helm 4 wrote: the YAML 1.2 core schema.

kustomize and Helm 4 write YAML 1.2: only ``true``/``false`` are booleans, there are no dates,
no sexagesimal numbers and no ``=`` or ``<<`` tags, and a string that would read as something
else is quoted by those rules. PyYAML's safe loader follows YAML 1.1, which misreads such output
in small but real ways: a bare ``=`` fails to load (the 1.1 "value" tag), ``1e-05`` (how Go
writes a small float) stays a string because 1.1 floats need a dot, and ``<<`` is a merge key.
This loader reads the same text the way its writer meant it.

Documents are also returned as text (``split_documents``), so a caller can pass an object it did
not change on byte for byte.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from navarch.engines.resources import ManifestError

KubeObject = dict[str, Any]

_INT = re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$")
_FLOAT = re.compile(
    r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
)
_SEPARATOR = re.compile(r"^---[ \t]*(?:#.*)?$\n?", re.MULTILINE)


def _construct_int(loader: Any, node: yaml.ScalarNode) -> int:
    value = str(loader.construct_scalar(node))
    if value.startswith("0o"):
        return int(value[2:], 8)
    if value.startswith("0x"):
        return int(value[2:], 16)
    return int(value)


def _construct_float(loader: Any, node: yaml.ScalarNode) -> float:
    value = str(loader.construct_scalar(node)).lower()
    if value.endswith(".inf"):
        return float("-inf") if value.startswith("-") else float("inf")
    if value == ".nan":
        return float("nan")
    return float(value)


# libyaml's parser when PyYAML has it, with the YAML 1.2 core resolvers instead of 1.1's.
Loader: type[Any] = type(
    "KyamlLoader",
    (getattr(yaml, "CSafeLoader", yaml.SafeLoader),),
    {"yaml_implicit_resolvers": {}},
)
Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
Loader.add_implicit_resolver(
    "tag:yaml.org,2002:null", re.compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""]
)
Loader.add_implicit_resolver("tag:yaml.org,2002:int", _INT, list("-+0123456789"))
Loader.add_implicit_resolver("tag:yaml.org,2002:float", _FLOAT, list("-+.0123456789"))
Loader.add_constructor("tag:yaml.org,2002:int", _construct_int)
Loader.add_constructor("tag:yaml.org,2002:float", _construct_float)


def load(text: str) -> Any:
    """One document."""
    return yaml.load(text, Loader=Loader)


def load_all(text: str) -> list[Any]:
    """Every document of a stream (empty ones as None)."""
    return list(yaml.load_all(text, Loader=Loader))


def split_documents(text: str) -> list[str]:
    """The documents of a stream as text (separator lines dropped, blank documents left out)."""
    return [doc for doc in _SEPARATOR.split(text) if doc.strip()]


def problem(exc: yaml.YAMLError) -> str:
    """A YAML error in one line: where and what."""
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark
        line = f"line {mark.line + 1}: " if mark else ""
        return f"{line}{exc.problem or exc.context or 'parse error'}"
    return str(exc)


def parse_objects(text: str, where: str) -> list[tuple[str, KubeObject]]:
    """The objects of a stream, each with its own text; ManifestError names a bad document."""
    objects: list[tuple[str, KubeObject]] = []
    for index, doc in enumerate(split_documents(text), start=1):
        try:
            obj = load(doc)
        except yaml.YAMLError as exc:
            raise ManifestError(f"{where} document {index}: {problem(exc)}") from None
        if obj is None:
            continue
        if not isinstance(obj, dict):
            raise ManifestError(f"{where} document {index} is not an object")
        objects.append((doc, obj))
    return objects
