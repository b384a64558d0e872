"""Kubernetes meta types the Sveltos APIs embed: ObjectReference and LabelSelector.

``LabelSelector.matches`` is the one place Navarch evaluates a label selector, with the
semantics of apimachinery's ``LabelSelectorAsSelector``: matchLabels and matchExpressions are
ANDed; ``In``/``NotIn`` take a non-empty value list, ``Exists``/``DoesNotExist`` none; an unknown
operator is an error, never "matches nothing". Whether an *empty* selector matches everything
or nothing is the caller's decision (Sveltos: a cluster selector with no terms selects no
cluster), so ``is_empty`` is exposed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, ClassVar, Literal

from pydantic import Field

from navarch.api.base import APIModel
from navarch.api.schema import Atomic, Desc


class ObjectReference(APIModel):
    """A reference to an object (corev1.ObjectReference)."""

    api_version: Annotated[str | None, Desc("API version of the referent.")] = None
    kind: Annotated[str | None, Desc("Kind of the referent.")] = None
    namespace: Annotated[str | None, Desc("Namespace of the referent.")] = None
    name: Annotated[str | None, Desc("Name of the referent.")] = None
    uid: Annotated[str | None, Desc("UID of the referent.")] = None
    resource_version: Annotated[str | None, Desc("Specific resourceVersion referred to.")] = None
    field_path: Annotated[str | None, Desc("A field within the referent, if any.")] = None

    crd_markers: ClassVar = (Atomic,)

    def key(self) -> tuple[str, str, str]:
        return (self.kind or "", self.namespace or "", self.name or "")


class LabelSelectorRequirement(APIModel):
    key: Annotated[str, Desc("The label key the selector applies to.")]
    operator: Annotated[
        Literal["In", "NotIn", "Exists", "DoesNotExist"],
        Desc("How the key relates to the values."),
    ]
    values: Annotated[
        list[str] | None,
        Desc("Values for In and NotIn; empty for Exists and DoesNotExist."),
        Atomic,
    ] = None


class SelectorError(ValueError):
    """A selector that cannot be evaluated; the message says which term and why."""


class LabelSelector(APIModel):
    """matchLabels and matchExpressions, ANDed (metav1.LabelSelector)."""

    match_labels: Annotated[
        dict[str, str] | None, Desc("Labels that must all be present with these values.")
    ] = None
    match_expressions: Annotated[
        list[LabelSelectorRequirement] | None,
        Desc("Requirements that must all hold."),
        Atomic,
    ] = None

    crd_markers: ClassVar = (Atomic,)

    @property
    def is_empty(self) -> bool:
        return not self.match_labels and not self.match_expressions

    def validate_terms(self) -> None:
        for req in self.match_expressions or []:
            if req.operator in ("In", "NotIn") and not req.values:
                raise SelectorError(
                    f"matchExpressions key {req.key!r}: operator {req.operator} needs values"
                )
            if req.operator in ("Exists", "DoesNotExist") and req.values:
                raise SelectorError(
                    f"matchExpressions key {req.key!r}: operator {req.operator} takes no values"
                )

    def matches(self, labels: Mapping[str, str] | None) -> bool:
        """Whether ``labels`` satisfy every term (an empty selector matches everything)."""
        self.validate_terms()
        labels = labels or {}
        for key, value in (self.match_labels or {}).items():
            if labels.get(key) != value:
                return False
        for req in self.match_expressions or []:
            present = req.key in labels
            if req.operator == "In" and not (present and labels[req.key] in (req.values or [])):
                return False
            if req.operator == "NotIn" and present and labels[req.key] in (req.values or []):
                return False
            if req.operator == "Exists" and not present:
                return False
            if req.operator == "DoesNotExist" and present:
                return False
        return True


def parse_label_list(text: str) -> dict[str, str]:
    """``k=v,k2=v2`` as sveltosctl's ``--labels`` takes it, with every key and value checked."""
    labels: dict[str, str] = {}
    for pair in (p.strip() for p in text.split(",")):
        if not pair:
            continue
        key, sep, value = pair.partition("=")
        key, value = key.strip(), value.strip()
        if not sep or "=" in value:
            raise ValueError(f"label {pair!r} is not key=value")
        problem = label_key_problem(key) or label_value_problem(value)
        if problem:
            raise ValueError(f"label {pair!r}: {problem}")
        labels[key] = value
    return labels


_NAME_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")


def _qualified_name_problem(name: str) -> str | None:
    if not name or len(name) > 63:
        return "must be 1 to 63 characters"
    if not (name[0].isalnum() and name[-1].isalnum()):
        return "must start and end with a letter or digit"
    if set(name) - _NAME_CHARS:
        return "may contain only letters, digits, '-', '_' and '.'"
    return None


def label_key_problem(key: str) -> str | None:
    prefix, slash, name = key.rpartition("/")
    if slash:
        problem = dns_subdomain_problem(prefix)
        if problem:
            return f"key prefix {prefix!r} {problem}"
    problem = _qualified_name_problem(name)
    return f"key {key!r} {problem}" if problem else None


def label_value_problem(value: str) -> str | None:
    if value == "":
        return None
    problem = _qualified_name_problem(value)
    return f"value {value!r} {problem}" if problem else None


def dns_subdomain_problem(name: str) -> str | None:
    """Why ``name`` is not a DNS-1123 subdomain (the rule for most object names), or None."""
    if not name or len(name) > 253:
        return "must be 1 to 253 characters"
    for part in name.split("."):
        if not part or not (part[0].isalnum() and part[-1].isalnum()):
            return "must be lowercase alphanumeric words joined by '-' or '.'"
        if set(part) - set("abcdefghijklmnopqrstuvwxyz0123456789-"):
            return "may contain only lowercase letters, digits, '-' and '.'"
    return None


def dns_label_problem(name: str) -> str | None:
    """Why ``name`` is not a DNS-1123 label (the rule for namespace names), or None."""
    if len(name) > 63:
        return "must be at most 63 characters"
    if "." in name:
        return "may not contain '.'"
    return dns_subdomain_problem(name)


Labels = Annotated[dict[str, str], Field(default_factory=dict)]
