"""Watches for the templateResourceRefs that are not ConfigMaps or Secrets.

Templates read management-cluster objects through ``templateResourceRefs``, and a change in one
must redeploy what was rendered from it. ConfigMaps and Secrets are in the manager's caches
already (their changes reach summaries through the source index). Any other kind (a Cluster, a
Deployment, a custom resource) gets one informer, started the first time a summary references
the kind and kept while the manager runs (references come and go with profiles; a kind once
referenced is likely to be again). The informer's cache also serves the reads, so a reconcile
does not GET each referenced object.

An event re-queues the summaries whose references name the kind and that object: a reference
whose name or namespace is a template matches any object of the kind (which one it resolves to
depends on the cluster). Which updates count follows Sveltos: ``watchFields`` counts only
changes at the listed dotted paths; ``ignoreStatusChanges`` leaves out updates that change
nothing but ``status`` (and the server's bookkeeping); otherwise every update counts.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from navarch import log
from navarch.api.profile import TemplateResourceRef
from navarch.controllers.templates import is_template
from navarch.engines.drift import SummaryKey
from navarch.kube import Client, KubeObject
from navarch.runtime import FuncHandler, Informer

_log = log.get_logger(__name__)

INDEX = "templateref-kind"
_MISSING = object()
_BOOKKEEPING = ("resourceVersion", "managedFields", "generation")

Refs = Callable[[KubeObject], list[TemplateResourceRef]]
Key = Callable[[KubeObject], SummaryKey]


def cached_kind(api_version: str, kind: str) -> bool:
    """Whether the manager's own caches hold this kind (no watch of its own needed)."""
    return api_version == "v1" and kind in ("ConfigMap", "Secret")


def field_at(obj: Any, path: str) -> Any:
    """The value at a dotted path (``spec.replicas``), or a marker when it is absent."""
    value = obj
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            return _MISSING
        value = value[part]
    return value


def _without_status(obj: KubeObject) -> dict[str, Any]:
    view = {k: v for k, v in obj.items() if k != "status"}
    meta = obj.get("metadata") or {}
    view["metadata"] = {k: v for k, v in meta.items() if k not in _BOOKKEEPING}
    return view


def relevant(old: KubeObject, new: KubeObject, ref: TemplateResourceRef) -> bool:
    """Whether an update of a referenced object should redeploy (see the module docstring)."""
    if ref.watch_fields:
        return any(field_at(old, p) != field_at(new, p) for p in ref.watch_fields)
    if ref.ignore_status_changes:
        return _without_status(old) != _without_status(new)
    return True


def names_object(ref: TemplateResourceRef, obj: KubeObject, default_namespace: str) -> bool:
    """Whether ``ref`` may resolve to ``obj`` (a templated name or namespace matches any)."""
    meta = obj.get("metadata") or {}
    name, namespace = ref.resource.name or "", ref.resource.namespace or ""
    if not is_template(name) and name != meta.get("name"):
        return False
    if is_template(namespace) or not meta.get("namespace"):
        return True
    return (namespace or default_namespace) == meta.get("namespace")


class TemplateRefWatches:
    """One informer per referenced kind; events wake the summaries that reference it."""

    def __init__(
        self,
        mgmt: Client,
        summaries: Informer,
        refs: Callable[[KubeObject], tuple[str, list[TemplateResourceRef]] | None],
        wake: Callable[[KubeObject], None],
    ) -> None:
        """``refs(summary)``: its cluster's namespace and its templateResourceRefs (None: not a
        summary to look at); ``wake(summary)``: reconcile it."""
        self.mgmt = mgmt
        self.summaries = summaries
        self._refs = refs
        self._wake = wake
        self._informers: dict[tuple[str, str], Informer] = {}
        summaries.store.add_indexer(INDEX, self._index)

    def _index(self, summary: KubeObject) -> list[str]:
        found = self._refs(summary)
        if found is None:
            return []
        return sorted(
            {
                f"{ref.resource.api_version or 'v1'}/{ref.resource.kind}"
                for ref in found[1]
                if ref.resource.kind
                and not cached_kind(ref.resource.api_version or "v1", ref.resource.kind)
            }
        )

    def informer(self, api_version: str, kind: str) -> Informer:
        """The informer of a kind, started on first use."""
        key = (api_version, kind)
        informer = self._informers.get(key)
        if informer is None:
            informer = Informer(self.mgmt, api_version, kind, max_backoff=30.0)
            informer.add_handler(
                FuncHandler(
                    add=lambda obj: self._changed(key, None, obj),
                    update=lambda old, new: self._changed(key, old, new),
                    delete=lambda obj: self._changed(key, None, obj),
                )
            )
            self._informers[key] = informer
            informer.start()
            _log.info("watching templateResourceRefs", api_version=api_version, kind=kind)
        return informer

    def cached(self, api_version: str, kind: str, namespace: str, name: str) -> KubeObject | None:
        """The object from the kind's cache; raises LookupError while the cache is not filled
        (the caller reads from the server instead)."""
        informer = self.informer(api_version, kind)
        if not informer.has_synced:
            raise LookupError(f"{api_version} {kind} not listed yet")
        return informer.store.get(f"{namespace}/{name}") or informer.store.get(name)

    def _changed(self, key: tuple[str, str], old: KubeObject | None, new: KubeObject) -> None:
        for summary in self.summaries.store.by_index(INDEX, f"{key[0]}/{key[1]}"):
            found = self._refs(summary)
            if found is None:
                continue
            namespace, refs = found
            for ref in refs:
                if (
                    (ref.resource.api_version or "v1", ref.resource.kind) == key
                    and names_object(ref, new, namespace)
                    and (old is None or relevant(old, new, ref))
                ):
                    self._wake(summary)
                    break

    async def close(self) -> None:
        for informer in self._informers.values():
            await informer.stop()
        self._informers.clear()
