"""Drift: how a deployed object is compared with what was deployed, without a server.

An object has drifted when its *drift hash* differs from the hash it had right after Navarch
applied it (the apply response, so server defaults are part of the baseline and never look like
drift). The hash covers the whole object except ``status`` and the metadata the server sets
(managedFields, resourceVersion, generation, uid, timestamps), but with labels and annotations:
an edited label is drift. ``driftExclusions`` paths are removed before hashing, so edits there
are not drift. An object annotated ``projectsveltos.io/driftDetectionIgnore`` is not tracked.

Exclusions travel as Sveltos carries them on a ResourceSummary: one JSON 6902 ``remove`` patch
per path, with the exclusion's target selector (``exclusion_patches``); the agent reads them back
with ``excluded_paths``.

``Baselines`` is the in-memory meeting point of the manager and the agents that run inside it:
the manager says when it starts writing a ClusterSummary's objects (``begin``) and which hashes
they have afterwards (``settle``); an agent never judges an object while its ClusterSummary is
being written, so the manager's own writes are never reported as drift.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import yaml

from navarch.engines.resources import DRIFT_IGNORE, KubeObject

# metadata the server owns: never part of the hash
_SERVER_METADATA = (
    "managedFields",
    "resourceVersion",
    "generation",
    "uid",
    "creationTimestamp",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "selfLink",
)

SummaryKey = tuple[str, str]  # (namespace, name) of a ClusterSummary


@dataclass(frozen=True, order=True)
class ResourceRef:
    """An object in a managed cluster, independent of the API version it is read at."""

    group: str
    kind: str
    namespace: str
    name: str

    def __str__(self) -> str:
        where = f"{self.namespace}/{self.name}" if self.namespace else self.name
        return f"{self.kind} {where}"


def ref_of(obj: KubeObject) -> ResourceRef:
    api_version = str(obj.get("apiVersion", ""))
    group = api_version.rpartition("/")[0] if "/" in api_version else ""
    meta = obj.get("metadata") or {}
    return ResourceRef(
        group, str(obj.get("kind", "")), str(meta.get("namespace") or ""), str(meta["name"])
    )


def ref_of_resource(resource: dict[str, Any]) -> ResourceRef:
    """The ref of a ResourceSummary ``Resource`` entry."""
    return ResourceRef(
        str(resource.get("group") or ""),
        str(resource.get("kind") or ""),
        str(resource.get("namespace") or ""),
        str(resource.get("name") or ""),
    )


def hashes_of(status: dict[str, Any]) -> dict[ResourceRef, str]:
    """A ResourceSummary status's ``resourceHashes``, ``kustomizeResourceHashes`` and
    ``helmResourceHashes`` by ref."""
    return {
        ref_of_resource(entry.get("resource") or {}): str(entry["hash"])
        for field in ("resourceHashes", "kustomizeResourceHashes", "helmResourceHashes")
        for entry in status.get(field) or []
        if entry.get("hash")
    }


def ignored(obj: KubeObject) -> bool:
    return DRIFT_IGNORE in ((obj.get("metadata") or {}).get("annotations") or {})


def drift_hash(obj: KubeObject, excluded: Iterable[str] = ()) -> str:
    """``sha256:`` of the object as drift detection sees it (see the module docstring)."""
    view = {k: v for k, v in obj.items() if k != "status"}
    meta = {k: v for k, v in (obj.get("metadata") or {}).items() if k not in _SERVER_METADATA}
    view["metadata"] = meta
    paths = list(excluded)
    if paths:
        view = copy.deepcopy(view)
        for path in paths:
            _remove(view, path)
    data = json.dumps(view, sort_keys=True, separators=(",", ":")).encode()
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _remove(doc: Any, path: str) -> None:
    """Remove the JSON pointer ``path`` from ``doc`` if it is there (a missing path is fine)."""
    parts = [p.replace("~1", "/").replace("~0", "~") for p in path.strip("/").split("/") if p]
    if not parts:
        return
    for part in parts[:-1]:
        doc = _child(doc, part)
        if doc is None:
            return
    last = parts[-1]
    if isinstance(doc, dict):
        doc.pop(last, None)
    elif isinstance(doc, list) and last.isdigit() and int(last) < len(doc):
        del doc[int(last)]


def _child(doc: Any, part: str) -> Any:
    if isinstance(doc, dict):
        return doc.get(part)
    if isinstance(doc, list) and part.isdigit() and int(part) < len(doc):
        return doc[int(part)]
    return None


# -- exclusions ---------------------------------------------------------------------------


def exclusion_patches(drift_exclusions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """driftExclusions as the ResourceSummary carries them: a remove patch per path."""
    patches = []
    for exclusion in drift_exclusions:
        for path in exclusion.get("paths") or []:
            patch: dict[str, Any] = {"patch": f"- op: remove\n  path: {_pointer(path)}"}
            if exclusion.get("target"):
                patch["target"] = exclusion["target"]
            patches.append(patch)
    return patches


def _pointer(path: str) -> str:
    return path if path.startswith("/") else "/" + path


def excluded_paths(patches: list[dict[str, Any]], obj: KubeObject) -> list[str]:
    """The paths of the remove patches whose target matches ``obj``."""
    paths: list[str] = []
    for patch in patches:
        if not target_matches(patch.get("target") or {}, obj):
            continue
        try:
            ops = yaml.safe_load(str(patch.get("patch") or ""))
        except yaml.YAMLError:
            continue
        for op in ops if isinstance(ops, list) else []:
            if isinstance(op, dict) and op.get("op") == "remove" and op.get("path"):
                paths.append(_pointer(str(op["path"])))
    return paths


def target_matches(target: dict[str, Any], obj: KubeObject) -> bool:
    """A kustomize-style PatchSelector: every field set must match (names are regexes)."""
    api_version = str(obj.get("apiVersion", ""))
    group, _, version = api_version.rpartition("/")
    meta = obj.get("metadata") or {}
    fields = {
        "group": group,
        "version": version,
        "kind": str(obj.get("kind", "")),
        "namespace": str(meta.get("namespace") or ""),
        "name": str(meta.get("name") or ""),
    }
    for key, value in fields.items():
        wanted = target.get(key)
        if wanted and not re.fullmatch(str(wanted), value):
            return False
    if target.get("labelSelector") and not selector_matches(
        str(target["labelSelector"]), meta.get("labels") or {}
    ):
        return False
    return not target.get("annotationSelector") or selector_matches(
        str(target["annotationSelector"]), meta.get("annotations") or {}
    )


def selector_matches(expression: str, values: dict[str, str]) -> bool:
    """Equality-based selector terms, comma-separated: ``k=v``, ``k!=v``, ``k``, ``!k``."""
    for raw in expression.split(","):
        term = raw.strip()
        if not term:
            continue
        if "!=" in term:
            key, _, value = term.partition("!=")
            if values.get(key.strip()) == value.strip():
                return False
        elif "=" in term:
            key, _, value = term.replace("==", "=").partition("=")
            if values.get(key.strip()) != value.strip():
                return False
        elif term.startswith("!"):
            if term[1:].strip() in values:
                return False
        elif term not in values:
            return False
    return True


# -- baselines shared by the manager and in-process agents ---------------------------------


class Baselines:
    """Per ClusterSummary: is the manager writing its objects now, and their deployed hashes."""

    def __init__(self) -> None:
        self._writing: dict[SummaryKey, int] = {}
        self._retired: set[SummaryKey] = set()
        self._hashes: dict[SummaryKey, dict[ResourceRef, str]] = {}
        self._listeners: list[Callable[[SummaryKey], None]] = []
        self._suspects: dict[SummaryKey, set[ResourceRef]] = {}
        self._reporters: list[Callable[[SummaryKey], None]] = []

    def subscribe(self, listener: Callable[[SummaryKey], None]) -> None:
        """``listener(key)`` runs when the manager has finished writing ``key``'s objects."""
        self._listeners.append(listener)

    def unsubscribe(self, listener: Callable[[SummaryKey], None]) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    def on_report(self, listener: Callable[[SummaryKey], None]) -> None:
        """``listener(key)`` runs when an in-process agent reports drift of ``key``."""
        self._reporters.append(listener)

    def report(self, key: SummaryKey, refs: Iterable[ResourceRef]) -> None:
        """An in-process agent found these objects drifted (no API round trip needed)."""
        self._suspects.setdefault(key, set()).update(refs)
        for listener in self._reporters:
            listener(key)

    def take_suspects(
        self, key: SummaryKey, within: set[ResourceRef] | None = None
    ) -> set[ResourceRef]:
        """The reported objects of ``key`` (only those in ``within``, when given), forgotten."""
        if within is None:
            return self._suspects.pop(key, set())
        suspects = self._suspects.get(key, set())
        taken = suspects & within
        suspects -= taken
        if not suspects:
            self._suspects.pop(key, None)
        return taken

    def begin(self, key: SummaryKey) -> None:
        self._retired.discard(key)
        self._writing[key] = self._writing.get(key, 0) + 1

    def retire(self, key: SummaryKey) -> None:
        """The manager is withdrawing ``key``'s objects: never judge them again (until begin)."""
        self._retired.add(key)
        self._hashes.pop(key, None)
        self._suspects.pop(key, None)

    def settle(self, key: SummaryKey, hashes: dict[ResourceRef, str] | None) -> None:
        """The write is over; ``hashes`` (None: unchanged) are the new baselines."""
        left = self._writing.get(key, 1) - 1
        if left > 0:
            self._writing[key] = left
        else:
            self._writing.pop(key, None)
        if hashes is not None:
            self._hashes[key] = dict(hashes)
        for listener in self._listeners:
            listener(key)

    def writing(self, key: SummaryKey) -> bool:
        return key in self._writing or key in self._retired

    def hashes(self, key: SummaryKey) -> dict[ResourceRef, str] | None:
        return self._hashes.get(key)
