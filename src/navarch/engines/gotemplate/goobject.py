"""Go values of named types (``time.Time``, ``*semver.Version``, ``uint64``...) as a template sees
them: their type name, reflect kind, ``String()`` method, ``==``, and the exported methods that
``.Name`` reaches.

A Python class takes part by subclassing ``GoValue`` and declaring its methods in a
``GoMethod`` table; the executor then resolves ``.Name`` on such a value as Go's evalField does
(a method in the value's method set is called; an unexported struct field is reported as one;
anything else "can't evaluate field"), ``fmt`` prints it through ``go_string`` (Go's
``fmt.Stringer``), and arguments are checked against named parameter types registered with
``register_type`` (``time.Time`` is not a ``string``; an untyped constant becomes a
``time.Duration``; ``nil`` is a valid ``*semver.Version``).

Types of pointer receivers matter as in Go: a ``*semver.Version`` has the methods of both
``Version`` and ``*Version``, a ``semver.Version`` returned by a method (not addressable) only
those of ``Version``. ``GoMethod.pointer`` marks the second kind.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar


@dataclass(frozen=True)
class GoMethod:
    """An exported method: Go parameter types (after the receiver) and result types.

    ``fn(receiver, *args)`` returns the first result; it raises ``FuncError`` for a non-nil
    ``error`` result (or a panic). Methods whose results a template cannot use (``Zone``'s
    ``(string, int)``) are listed too, so calling one fails as in Go.
    """

    fn: Callable[..., Any]
    params: tuple[str, ...] = ()
    results: tuple[str, ...] = ("",)
    pointer: bool = False  # declared on *T: not in the method set of a T value

    def signature_error(self, name: str) -> str | None:
        """text/template's goodFunc: one result, or two with an error second."""
        if len(self.results) == 1 or (len(self.results) == 2 and self.results[1] == "error"):
            return None
        if len(self.results) == 2:
            return (
                f"invalid function signature for {name}: second return value should be error; "
                f"is {self.results[1]}"
            )
        return f"function {name} has {len(self.results)} return values; should be 1 or 2"


class GoValue:
    """A Go value of a named type. Subclasses set ``GO_TYPE``/``GO_KIND`` or override the
    accessors, and list their methods in ``METHODS``."""

    __slots__ = ()

    GO_TYPE: ClassVar[str] = ""
    GO_KIND: ClassVar[str] = "struct"
    METHODS: ClassVar[Mapping[str, GoMethod]] = {}
    FIELDS: ClassVar[tuple[str, ...]] = ()  # unexported struct fields (for Go's error text)

    def go_type_name(self) -> str:
        """The type as ``%T`` prints it."""
        return self.GO_TYPE

    def go_kind(self) -> str:
        """reflect's Kind name (``struct``, ``ptr``, ``int64``...)."""
        return self.GO_KIND

    def is_pointer(self) -> bool:
        return self.go_kind() == "ptr"

    def go_method(self, name: str) -> GoMethod | None:
        """The method ``name`` in this value's method set."""
        method = self.METHODS.get(name)
        if method is None or (method.pointer and not self.is_pointer()):
            return None
        return method

    def go_string(self) -> str | None:
        """``String()`` when the type implements fmt.Stringer, else None."""
        return None

    def go_syntax(self) -> str | None:
        """``%#v`` when it differs from the plain form, else None."""
        return None

    def go_json(self) -> str:
        """encoding/json's output (MarshalJSON, or a struct without exported fields)."""
        return "{}"


NAMED_KINDS: dict[str, str] = {}
_INT_MAKERS: dict[str, Callable[[int], Any]] = {}


def register_type(name: str, kind: str, make_int: Callable[[int], Any] | None = None) -> None:
    """Declare a named Go type that functions and methods take as a parameter. ``make_int``
    builds the value of an untyped integer constant passed for it (an int-kind type)."""
    NAMED_KINDS[name] = kind
    if make_int is not None:
        _INT_MAKERS[name] = make_int


def can_be_nil(typ: str) -> bool:
    """Whether ``nil`` (or no value) may be passed for a parameter of type ``typ``."""
    return NAMED_KINDS.get(typ) in ("ptr", "interface")


def int_constant(typ: str, value: int) -> Any:
    """An integer constant converted to the named int-kind type ``typ`` (None if not one)."""
    make = _INT_MAKERS.get(typ)
    return None if make is None else make(value)


class U64(int, GoValue):
    """A uint64 (semver's Major, Minor, Patch)."""

    __slots__ = ()
    GO_TYPE = "uint64"
    GO_KIND = "uint64"

    def go_syntax(self) -> str:
        return hex(self)  # %#v of an unsigned integer

    def __repr__(self) -> str:
        return f"U64({int(self)})"
