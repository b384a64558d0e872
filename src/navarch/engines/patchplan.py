"""Planning a patch run, without running anything: which patches, on which objects, how.

Everything here is pure so it can be tested without kubectl, and so ``Patcher`` (in
``patches``) only writes files, runs kustomize and reads the result back.

- ``parse_patch`` tells the two patch types apart as kustomize does (a YAML list is JSON 6902,
  objects are strategic merge) and rejects, with the patch named, what kustomize would reject
  with a message about a temporary file: bad YAML, unknown operations, a JSON 6902 patch without
  a target, a strategic merge patch without ``kind`` or ``metadata.name``.
- ``plan`` decides which objects each patch may touch. Group, version, kind, name and namespace
  of a target are regexes matched whole (as kustomize anchors them); label and annotation
  selectors are left to kustomize, so the candidates are a superset and kustomize has the last
  word. Two Sveltos rules are applied here: a JSON 6902 ``remove`` of a path an object does not
  have is dropped for that object (the patch is then narrowed to that one object), and a strategic
  merge patch without a target goes only to the object it names, if present.
- ``batches`` keeps objects that kustomize would take for one id (a hook and a template of one
  chart) in separate runs, and ``align`` maps kustomize's output back to the inputs.
"""

from __future__ import annotations

import base64
import datetime
import functools
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import yaml

from navarch.engines import kyaml
from navarch.engines.resources import ManifestError

KubeObject = dict[str, Any]

JSON6902: Literal["json6902"] = "json6902"
STRATEGIC_MERGE: Literal["strategic-merge"] = "strategic-merge"
_OPERATIONS = ("add", "remove", "replace", "move", "copy", "test")
_HEAD = 60


class PatchError(ManifestError):
    """A patch cannot be used or applied; the message names it and says what to change."""


@dataclass(frozen=True)
class Target:
    """Sveltos's PatchSelector: the objects a patch applies to. Empty fields match anything;
    group, version, kind, namespace and name are regular expressions matched whole; the two
    selectors are label-selector expressions over labels and annotations."""

    group: str = ""
    version: str = ""
    kind: str = ""
    namespace: str = ""
    name: str = ""
    label_selector: str = ""
    annotation_selector: str = ""

    def kustomize(self) -> dict[str, str]:
        """The target as a kustomize ``patches[].target`` (same fields, camelCase)."""
        fields = {
            "group": self.group,
            "version": self.version,
            "kind": self.kind,
            "namespace": self.namespace,
            "name": self.name,
            "labelSelector": self.label_selector,
            "annotationSelector": self.annotation_selector,
        }
        return {k: v for k, v in fields.items() if v}


@dataclass(frozen=True)
class Patch:
    """One patch: its text (already instantiated if it was a template), its target (None: the
    object the strategic merge patch names), and where it came from, for error messages."""

    text: str
    target: Target | None = None
    origin: str = "patch"

    @property
    def head(self) -> str:
        flat = " ".join(self.text.split())
        return flat if len(flat) <= _HEAD else flat[: _HEAD - 3] + "..."


@dataclass(frozen=True)
class ParsedPatch:
    """A checked patch: JSON 6902 operations, or strategic merge documents."""

    type: Literal["json6902", "strategic-merge"]
    operations: tuple[dict[str, Any], ...] = ()
    documents: tuple[dict[str, Any], ...] = ()


def problem(index: int, patch: Patch, what: str) -> PatchError:
    return PatchError(f"patch {index} ({patch.origin}, {patch.head!r}): {what}")


def parse_patch(patch: Patch, index: int = 0) -> ParsedPatch:
    """Detect the patch type (a YAML list is JSON 6902, objects are strategic merge, as kustomize
    decides) and check what kustomize would otherwise reject with an unclear message."""
    try:
        docs = [d for d in kyaml.load_all(patch.text) if d is not None]
    except yaml.YAMLError as exc:
        raise problem(
            index,
            patch,
            f"not valid YAML ({kyaml.problem(exc)}); write a strategic merge patch (an object "
            "with apiVersion, kind and metadata.name) or a JSON 6902 patch (a list of "
            "{op, path, value})",
        ) from None
    if not docs:
        raise problem(index, patch, "the patch is empty")
    if len(docs) == 1 and isinstance(docs[0], list):
        return ParsedPatch(JSON6902, operations=_operations(docs[0], index, patch))
    if not all(isinstance(d, dict) for d in docs):
        raise problem(
            index,
            patch,
            "neither a strategic merge patch (an object) nor a JSON 6902 patch (a list of "
            "operations)",
        )
    for doc in docs:
        meta = doc.get("metadata")
        name = meta.get("name") if isinstance(meta, dict) else None
        if not isinstance(doc.get("kind"), str) or not isinstance(name, str) or not name:
            raise problem(
                index,
                patch,
                "a strategic merge patch needs kind and metadata.name (with a target the name "
                "is not used, but kustomize still requires one); add them, or write a JSON "
                "6902 patch",
            )
        if patch.target is None and not isinstance(doc.get("apiVersion"), str):
            raise problem(
                index,
                patch,
                "a strategic merge patch without a target applies to the object it names and "
                "needs apiVersion to name it; add apiVersion, or a target",
            )
    return ParsedPatch(STRATEGIC_MERGE, documents=tuple(docs))


def _operations(ops: list[Any], index: int, patch: Patch) -> tuple[dict[str, Any], ...]:
    if patch.target is None:
        raise problem(
            index,
            patch,
            "a JSON 6902 patch needs a target naming the objects it applies to (group, version, "
            "kind, name, namespace, labelSelector or annotationSelector)",
        )
    for number, op in enumerate(ops):
        what = f"operation {number}"
        if not isinstance(op, dict) or op.get("op") not in _OPERATIONS:
            raise problem(index, patch, f"{what} needs `op:` one of {', '.join(_OPERATIONS)}")
        if not isinstance(op.get("path"), str):
            raise problem(index, patch, f"{what} ({op['op']}) needs `path:` (a JSON pointer)")
        if op["op"] in ("add", "replace", "test") and "value" not in op:
            raise problem(index, patch, f"{what} ({op['op']}) needs `value:`")
        if op["op"] in ("move", "copy") and not isinstance(op.get("from"), str):
            raise problem(index, patch, f"{what} ({op['op']}) needs `from:` (a JSON pointer)")
    return tuple(ops)


@dataclass(frozen=True)
class Item:
    """An input object as kustomize identifies it."""

    index: int
    group: str
    version: str
    kind: str
    namespace: str
    name: str
    object: KubeObject

    @property
    def key(self) -> tuple[str, str, str, str]:
        """What kustomize treats as one id (an unset namespace is ``default`` to it)."""
        return (self.group, self.kind, self.namespace or "default", self.name)


def item_of(index: int, obj: KubeObject) -> Item | None:
    """The object's identity, or None when kustomize could not identify it (never patched)."""
    meta = obj.get("metadata")
    api, kind = obj.get("apiVersion"), obj.get("kind")
    if not (isinstance(meta, dict) and isinstance(api, str) and isinstance(kind, str)):
        return None
    name, namespace = meta.get("name"), meta.get("namespace") or ""
    if not isinstance(name, str) or not name or not isinstance(namespace, str):
        return None
    group, _, version = api.rpartition("/")
    return Item(index, group, version, kind, namespace, name, obj)


@functools.lru_cache(maxsize=512)
def _regex(pattern: str) -> re.Pattern[str] | None:
    try:
        return re.compile(pattern)
    except re.error:
        return None  # Go's syntax, not Python's: kustomize decides


def _whole(pattern: str, value: str) -> bool:
    regex = _regex(pattern)
    return regex is None or regex.fullmatch(value) is not None


def may_select(target: Target, item: Item) -> bool:
    """Whether kustomize may select ``item`` for ``target`` (selectors are kustomize's to judge)."""
    for pattern, value in (
        (target.group, item.group),
        (target.version, item.version),
        (target.kind, item.kind),
        (target.name, item.name),
    ):
        if pattern and not _whole(pattern, value):
            return False
    if target.namespace:
        # kustomize matches an object without namespace as if it were in ``default``
        return _whole(target.namespace, item.namespace) or (
            not item.namespace and _whole(target.namespace, "default")
        )
    return True


def path_exists(obj: Any, pointer: str) -> bool:
    """Whether the JSON pointer names something in ``obj``."""
    current = obj
    for raw in pointer.split("/")[1:]:
        token = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(current, dict):
            if token not in current:
                return False
            current = current[token]
        elif isinstance(current, list):
            if not token.isdigit() or int(token) >= len(current):
                return False
            current = current[int(token)]
        else:
            return False
    return True


def applicable_operations(
    operations: Sequence[dict[str, Any]], obj: KubeObject
) -> list[dict[str, Any]]:
    """The operations minus each ``remove`` of a path the object does not have (Sveltos's rule)."""
    return [
        op
        for op in operations
        if not (op["op"] == "remove" and op["path"] and not path_exists(obj, op["path"]))
    ]


@dataclass(frozen=True)
class Entry:
    """One element of the kustomization's ``patches:``, and the input objects it may touch."""

    patch: int
    text: str
    target: Target | None
    objects: frozenset[int]

    def kustomize(self) -> dict[str, Any]:
        entry: dict[str, Any] = {"patch": self.text}
        if self.target is not None:
            entry["target"] = self.target.kustomize()
        return entry


def _escape(value: str) -> str:
    return re.sub(r"([.^$*+?()\[\]{}|\\])", r"\\\1", value)


def _pinned(target: Target, item: Item) -> Target:
    """``target`` narrowed to ``item`` alone (its selectors stay for kustomize to check)."""
    return Target(
        group=_escape(item.group),
        version=_escape(item.version),
        kind=_escape(item.kind),
        namespace=_escape(item.namespace),
        name=_escape(item.name),
        label_selector=target.label_selector,
        annotation_selector=target.annotation_selector,
    )


def _names(doc: dict[str, Any], item: Item) -> bool:
    meta = doc.get("metadata") or {}
    group, _, version = str(doc.get("apiVersion")).rpartition("/")
    return (group, version, doc.get("kind"), meta.get("name")) == (
        item.group,
        item.version,
        item.kind,
        item.name,
    ) and (meta.get("namespace") or "default") == (item.namespace or "default")


def plan(items: Sequence[Item], patches: Sequence[Patch]) -> list[Entry]:
    """The kustomize patch entries for ``patches`` over ``items``, in patch order; patches that
    can select nothing are left out. Raises PatchError (without a location) for a bad patch."""
    entries: list[Entry] = []
    for index, patch in enumerate(patches):
        parsed = parse_patch(patch, index)
        if patch.target is None:  # strategic merge: the objects its documents name
            present = [d for d in parsed.documents if any(_names(d, i) for i in items)]
            touched = frozenset(i.index for i in items for d in present if _names(d, i))
            if present:
                text = (
                    patch.text
                    if len(present) == len(parsed.documents)
                    else "\n---\n".join(json.dumps(d) for d in present)
                )
                entries.append(Entry(index, text, None, touched))
            continue
        target = patch.target
        candidates = [i for i in items if may_select(target, i)]
        if not candidates:
            continue
        if parsed.type == JSON6902 and any(op["op"] == "remove" for op in parsed.operations):
            variants = [(i, applicable_operations(parsed.operations, i.object)) for i in candidates]
            if any(len(ops) != len(parsed.operations) for _, ops in variants):
                entries += [
                    Entry(index, json.dumps(ops), _pinned(target, i), frozenset({i.index}))
                    for i, ops in variants
                    if ops
                ]
                continue
        entries.append(Entry(index, patch.text, target, frozenset(i.index for i in candidates)))
    return entries


def batches(items: Sequence[Item]) -> list[list[Item]]:
    """``items`` split so that no batch holds two objects kustomize would take as one id; the
    n-th object with an id goes to batch n (input order is kept within a batch)."""
    out: list[list[Item]] = []
    seen: dict[tuple[str, str, str, str], int] = {}
    for item in items:
        n = seen.get(item.key, 0)
        seen[item.key] = n + 1
        if n == len(out):
            out.append([])
        out[n].append(item)
    return out


def align(inputs: Sequence[Item], outputs: Sequence[KubeObject]) -> list[int | None]:
    """For each input, the position of its output (None: deleted). kustomize keeps the order
    (fifo); an output with an id no remaining input has is a renamed one, the next input's."""
    found: list[int | None] = [None] * len(inputs)
    start = 0
    for position, out in enumerate(outputs):
        item = item_of(position, out)
        key = item.key if item is not None else None
        match = next((j for j in range(start, len(inputs)) if inputs[j].key == key), start)
        if match >= len(inputs):
            break
        found[match] = position
        start = match + 1
    return found


def json_default(value: Any) -> Any:
    """What PyYAML makes of unquoted dates and ``!!binary``, as the text Kubernetes would see."""
    if isinstance(value, datetime.datetime):
        text = value.isoformat()
        return text[: -len("+00:00")] + "Z" if text.endswith("+00:00") else text
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    raise TypeError(f"{type(value).__name__} is not JSON")


def to_json(value: Any) -> str:
    """JSON as kustomize reads it: UTF-8 text (kyaml rejects escaped astral characters)."""
    return json.dumps(value, default=json_default, ensure_ascii=False)
