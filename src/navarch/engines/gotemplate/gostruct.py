"""Go structs with exported fields as template values.

Sprig's certificate functions return ``certificate{Cert, Key}``, read in templates as
``.Cert``/``.Key``. ``GoStruct`` is the base of such values: ``GO_TYPE`` is the name
``printf "%T"`` shows (and the parameter type a function declares for it), ``go_fields`` the
exported fields in declaration order, which ``.Field`` reads, fmt's ``%v`` prints as
``{v1 v2}`` and toToml writes as keys; a Go type with a ``String`` method overrides
``go_string``; ``json_value`` is what encoding/json writes for it (the exported fields).
Values of named types with methods but no exported fields (``time.Time``, ``*semver.Version``)
are ``goobject.GoValue`` instead.
"""

from __future__ import annotations

from typing import Any, ClassVar


class GoStruct:
    GO_TYPE: ClassVar[str] = "struct {}"

    def go_fields(self) -> tuple[tuple[str, Any], ...]:
        """The exported fields, in declaration order."""
        return ()

    def go_field(self, name: str) -> Any:
        """The value of field ``name``; KeyError when the type has no such field."""
        for field, value in self.go_fields():
            if field == name:
                return value
        raise KeyError(name)

    def go_string(self) -> str | None:
        """What the Go type's String method returns, or None when it has none."""
        return None

    def json_value(self) -> Any:
        """The value encoding/json marshals in its place."""
        return dict(self.go_fields())
