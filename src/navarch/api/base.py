"""The base of every API model: camelCase on the wire, snake_case in Python.

Models are pydantic v2 classes. They parse what the API server returns (``Model.from_object``)
and render what we send (``to_object``), and the CRD schemas are generated from them
(``navarch.api.schema``), so one definition drives validation, serialization and the CRD.

Unknown fields are ignored when parsing: an object written by a newer Sveltos may carry fields
we do not model yet, and reading it must not fail. Navarch never writes a spec it parsed back
whole; it applies only the fields it owns, so ignoring unknown fields loses nothing.
"""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any, Self

from pydantic import BaseModel, BeforeValidator, ConfigDict, PlainSerializer
from pydantic.alias_generators import to_camel


class APIModel(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        extra="ignore",
        frozen=False,
    )

    @classmethod
    def parse(cls, data: dict[str, Any] | None) -> Self:
        return cls.model_validate(data or {})

    def dump(self) -> dict[str, Any]:
        """The wire form: camelCase keys, unset and None fields left out."""
        return self.model_dump(by_alias=True, exclude_none=True, mode="json")


def _from_wire(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raise ValueError("not base64") from None
    return value


# A Go []byte field: base64 text on the wire, raw bytes in Python (a digest, for instance).
WireBytes = Annotated[
    bytes,
    BeforeValidator(_from_wire),
    PlainSerializer(lambda raw: base64.b64encode(raw).decode(), return_type=str),
]
