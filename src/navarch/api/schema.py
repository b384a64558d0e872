"""Generate structural CRD schemas (OpenAPI v3) from our pydantic models.

Why not pydantic's own JSON Schema: Kubernetes wants *structural* schemas: every node typed,
everything inlined (no ``$ref``), optional fields simply not ``required`` (pydantic writes
``anyOf: [X, null]``), plus Kubernetes extensions (``x-kubernetes-int-or-string``,
``x-kubernetes-list-type``, CEL ``x-kubernetes-validations``). So this module walks the Python
types of a model itself:

=================================  ===============================================
``str`` / ``int`` / ``bool``       ``string`` / ``integer`` / ``boolean``
``bytes``                          ``string``, ``format: byte`` (base64 on the wire)
``Literal["A", "B"]``              ``string`` with ``enum``
``int | str``                      ``x-kubernetes-int-or-string``
``X | None``                       the schema of X; the field is not required
``list[X]`` / ``dict[str, X]``     ``array`` of X / ``object`` with additionalProperties X
``dict[str, Any]``, ``Any``        ``x-kubernetes-preserve-unknown-fields``
an ``APIModel`` subclass           ``object`` with its fields as properties
=================================  ===============================================

Field details come from markers in ``Annotated[...]`` (``Desc``, ``MinLength``, ``Minimum``,
``Default``, ``Format``, ``Atomic``, ``ListMap``, ``CEL``, ``Immutable``) and a model's own
markers from its ``crd_markers`` class variable. A field is required when it has no default.
"""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel

Schema = dict[str, Any]


class Marker:
    """Something that adds to the schema of the node it annotates."""

    def apply(self, schema: Schema) -> None:
        raise NotImplementedError


@dataclass(frozen=True)
class Desc(Marker):
    text: str

    def apply(self, schema: Schema) -> None:
        schema["description"] = self.text


@dataclass(frozen=True)
class MinLength(Marker):
    value: int

    def apply(self, schema: Schema) -> None:
        schema["minLength"] = self.value


@dataclass(frozen=True)
class MaxLength(Marker):
    value: int

    def apply(self, schema: Schema) -> None:
        schema["maxLength"] = self.value


@dataclass(frozen=True)
class Minimum(Marker):
    value: int

    def apply(self, schema: Schema) -> None:
        schema["minimum"] = self.value


@dataclass(frozen=True)
class Pattern(Marker):
    regex: str

    def apply(self, schema: Schema) -> None:
        schema["pattern"] = self.regex


@dataclass(frozen=True)
class Default(Marker):
    value: Any

    def apply(self, schema: Schema) -> None:
        schema["default"] = self.value


@dataclass(frozen=True)
class Format(Marker):
    name: str

    def apply(self, schema: Schema) -> None:
        schema["format"] = self.name


class _Atomic(Marker):
    """Lists and maps replaced whole by server-side apply, never merged item by item."""

    def apply(self, schema: Schema) -> None:
        if schema.get("type") == "array":
            schema["x-kubernetes-list-type"] = "atomic"
        elif schema.get("type") == "object":
            schema["x-kubernetes-map-type"] = "atomic"


Atomic = _Atomic()


@dataclass(frozen=True)
class ListMap(Marker):
    """A list merged by these keys under server-side apply (listType=map)."""

    keys: tuple[str, ...]

    def apply(self, schema: Schema) -> None:
        schema["x-kubernetes-list-type"] = "map"
        schema["x-kubernetes-list-map-keys"] = list(self.keys)


@dataclass(frozen=True)
class CEL(Marker):
    rule: str
    message: str

    def apply(self, schema: Schema) -> None:
        schema.setdefault("x-kubernetes-validations", []).append(
            {"rule": self.rule, "message": self.message}
        )


Immutable = CEL("self == oldSelf", "Value is immutable")


def object_schema(model: type[BaseModel]) -> Schema:
    """The structural schema of ``model`` as an object node."""
    properties: dict[str, Schema] = {}
    required: list[str] = []
    hints = typing.get_type_hints(model, include_extras=True)
    for name, field in model.model_fields.items():
        wire = field.alias or name
        # the type hint keeps its Annotated markers, so they are applied by type_schema
        properties[wire] = type_schema(hints[name])
        if field.is_required():
            required.append(wire)
    schema: Schema = {"type": "object", "properties": properties}
    if required:
        schema["required"] = required
    for marker in getattr(model, "crd_markers", ()):
        marker.apply(schema)
    doc = (model.__doc__ or "").strip()
    if doc and "description" not in schema:
        schema["description"] = " ".join(doc.split("\n\n")[0].split())
    return schema


def type_schema(annotation: Any) -> Schema:
    """The structural schema of a Python type (see the table in the module docstring)."""
    markers: list[Marker] = []
    if get_origin(annotation) is typing.Annotated:
        annotation, *extra = get_args(annotation)
        markers = [m for m in extra if isinstance(m, Marker)]
    schema = _bare_schema(annotation)
    for marker in markers:
        marker.apply(schema)
    return schema


def _bare_schema(annotation: Any) -> Schema:
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        members = [a for a in get_args(annotation) if a is not type(None)]
        if set(members) == {int, str}:
            return {"x-kubernetes-int-or-string": True}
        if len(members) != 1:
            raise TypeError(f"cannot express the union {annotation!r} in a CRD schema")
        return type_schema(members[0])
    if origin is Literal:
        return {"type": "string", "enum": list(get_args(annotation))}
    if origin is list:
        (item,) = get_args(annotation)
        return {"type": "array", "items": type_schema(item)}
    if origin is dict:
        _, value = get_args(annotation)
        if value is Any:
            return {"type": "object", "x-kubernetes-preserve-unknown-fields": True}
        return {"type": "object", "additionalProperties": type_schema(value)}
    if annotation is Any:
        return {"x-kubernetes-preserve-unknown-fields": True}
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return object_schema(annotation)
    simple = {str: "string", int: "integer", bool: "boolean", float: "number"}
    if annotation in simple:
        return {"type": simple[annotation]}
    if annotation is bytes:  # also WireBytes, whose Annotated extras are not markers
        return {"type": "string", "format": "byte"}
    raise TypeError(f"cannot express {annotation!r} in a CRD schema")


@dataclass(frozen=True)
class PrinterColumn:
    name: str
    type: str
    json_path: str
    description: str
    priority: int = 0

    def to_json(self) -> Schema:
        column: Schema = {
            "name": self.name,
            "type": self.type,
            "jsonPath": self.json_path,
            "description": self.description,
        }
        if self.priority:
            column["priority"] = self.priority
        return column


AGE = PrinterColumn("Age", "date", ".metadata.creationTimestamp", "Time since creation")


@dataclass(frozen=True)
class CRDSpec:
    """Everything about one kind that its CustomResourceDefinition states."""

    group: str
    version: str
    kind: str
    plural: str
    scope: Literal["Namespaced", "Cluster"]
    spec: type[BaseModel] | None
    status: type[BaseModel] | None
    printer_columns: tuple[PrinterColumn, ...] = ()
    short_names: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    description: str = ""

    @property
    def name(self) -> str:
        return f"{self.plural}.{self.group}"

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}"

    def manifest(self) -> Schema:
        """The CustomResourceDefinition object for this kind."""
        properties: dict[str, Schema] = {
            "apiVersion": {"type": "string", "description": "The versioned schema of this object."},
            "kind": {"type": "string", "description": "The REST resource this object represents."},
            "metadata": {"type": "object"},
        }
        if self.spec is not None:
            properties["spec"] = object_schema(self.spec)
        if self.status is not None:
            properties["status"] = object_schema(self.status)
        root: Schema = {"type": "object", "properties": properties}
        if self.description:
            root["description"] = self.description
        version: Schema = {
            "name": self.version,
            "served": True,
            "storage": True,
            "schema": {"openAPIV3Schema": root},
        }
        if self.status is not None:
            version["subresources"] = {"status": {}}
        if self.printer_columns:
            version["additionalPrinterColumns"] = [c.to_json() for c in self.printer_columns]
        names: Schema = {
            "kind": self.kind,
            "listKind": f"{self.kind}List",
            "plural": self.plural,
            "singular": self.kind.lower(),
        }
        if self.short_names:
            names["shortNames"] = list(self.short_names)
        if self.categories:
            names["categories"] = list(self.categories)
        return {
            "apiVersion": "apiextensions.k8s.io/v1",
            "kind": "CustomResourceDefinition",
            "metadata": {
                "name": self.name,
                "labels": {"app.kubernetes.io/part-of": "navarch"},
            },
            "spec": {
                "group": self.group,
                "names": names,
                "scope": self.scope,
                "versions": [version],
            },
        }
