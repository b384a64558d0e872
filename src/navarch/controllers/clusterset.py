"""ClusterSet and Set controllers: compute the pool and pick the active clusters from it.

Rules (Sveltos's, from its set controller):

- ``matchingClusterRefs``: SveltosClusters whose labels match ``clusterSelector`` (an empty
  selector matches none), that are ``status.ready`` and not being deleted, then every entry of
  ``clusterRefs``. A Set only sees clusters of its own namespace; a ClusterSet sees all.
- ``selectedClusterRefs``: the clusters selected before stay selected while they match and their
  connection is not Down; free places up to ``maxReplicas`` are filled from the matching clusters
  in order. So when a selected cluster goes Down another takes its place (failover), and when it
  comes back it does not take the place back (no flapping).

Sveltos trims an over-full selection to ``maxReplicas - 1`` entries; Navarch keeps
``maxReplicas``, which is what the field promises.

The pure decision is ``select_clusters``; the reconciler reads the SveltosCluster informer
cache, so a failed list never looks like "no clusters" (the controller waits for the cache).
"""

from __future__ import annotations

from typing import Any

from navarch import log
from navarch.api import names
from navarch.api.clusterset import SetSpec, SetStatus
from navarch.api.meta import ObjectReference, SelectorError
from navarch.kube import Client, KubeObject
from navarch.runtime import Controller, FuncHandler, Informer, Requeue

_log = log.get_logger(__name__)

SetKey = tuple[str, str]  # (namespace or "" for a ClusterSet, name)


def cluster_ref(obj: KubeObject) -> ObjectReference:
    meta = obj.get("metadata") or {}
    return ObjectReference(
        api_version=names.LIB_API_VERSION,
        kind=names.SVELTOS_CLUSTER_KIND,
        namespace=meta.get("namespace"),
        name=meta.get("name"),
    )


def matching_clusters(
    spec: SetSpec, clusters: list[KubeObject], namespace: str | None
) -> list[ObjectReference]:
    """The pool: ready, live clusters the selector matches (sorted), then ``clusterRefs``."""
    found: list[ObjectReference] = []
    selector = spec.cluster_selector
    if selector is not None and not selector.is_empty:
        for obj in sorted(clusters, key=_ns_name):
            meta = obj.get("metadata") or {}
            if namespace is not None and meta.get("namespace") != namespace:
                continue
            if meta.get("deletionTimestamp") or not (obj.get("status") or {}).get("ready"):
                continue
            if selector.matches(meta.get("labels") or {}):
                found.append(cluster_ref(obj))
    seen = {r.key() for r in found}
    for ref in spec.cluster_refs or []:
        if ref.key() not in seen:
            found.append(ref)
            seen.add(ref.key())
    return found


def select_clusters(
    spec: SetSpec,
    previous: list[ObjectReference],
    matching: list[ObjectReference],
    down: set[tuple[str, str, str]],
) -> list[ObjectReference]:
    """Keep previous picks that are still healthy members; fill up to maxReplicas in order."""
    limit = spec.max_replicas or 0
    if limit <= 0:
        return []
    healthy = [ref for ref in matching if ref.key() not in down]
    healthy_keys = {ref.key() for ref in healthy}
    selected = [ref for ref in previous if ref.key() in healthy_keys][:limit]
    chosen = {ref.key() for ref in selected}
    for ref in healthy:
        if len(selected) >= limit:
            break
        if ref.key() not in chosen:
            selected.append(ref)
            chosen.add(ref.key())
    return selected


def down_clusters(clusters: list[KubeObject]) -> set[tuple[str, str, str]]:
    return {
        cluster_ref(obj).key()
        for obj in clusters
        if (obj.get("status") or {}).get("connectionStatus") == "Down"
    }


def _ns_name(obj: KubeObject) -> tuple[str, str]:
    meta = obj.get("metadata") or {}
    return str(meta.get("namespace", "")), str(meta.get("name", ""))


def _refs_wire(refs: list[ObjectReference]) -> list[dict[str, Any]]:
    return [ref.dump() for ref in refs]


class SetReconciler:
    """Reconciles one kind: ClusterSet (``namespaced=False``) or Set (``namespaced=True``)."""

    def __init__(
        self,
        mgmt: Client,
        sets: Informer,
        clusters: Informer,
        *,
        kind: str,
        workers: int = 2,
    ) -> None:
        self.mgmt = mgmt
        self.sets = sets
        self.clusters = clusters
        self.kind = kind
        self.namespaced = kind == "Set"
        self.controller: Controller[SetKey] = Controller(
            kind.lower(), self.reconcile, workers=workers, informers=[sets, clusters]
        )
        sets.add_handler(
            FuncHandler(
                add=lambda o: self.controller.queue.add(_ns_name(o)),
                update=lambda old, new: (
                    self.controller.queue.add(_ns_name(new))
                    if (old.get("metadata") or {}).get("generation")
                    != (new.get("metadata") or {}).get("generation")
                    else None
                ),
                delete=lambda o: None,
            )
        )
        clusters.add_handler(
            FuncHandler(
                add=self._cluster_changed,
                update=lambda _old, new: self._cluster_changed(new),
                delete=self._cluster_changed,
            )
        )

    def _cluster_changed(self, cluster: KubeObject) -> None:
        namespace = _ns_name(cluster)[0]
        for obj in self.sets.store.list():
            key = _ns_name(obj)
            if not self.namespaced or key[0] == namespace:
                self.controller.queue.add(key)

    async def run(self) -> None:
        await self.controller.run()

    async def reconcile(self, key: SetKey) -> Requeue | None:
        namespace, name = key
        obj = self.sets.store.get(f"{namespace}/{name}" if namespace else name)
        if obj is None:
            return None
        spec = SetSpec.parse(obj.get("spec"))
        status = SetStatus.parse(obj.get("status"))
        clusters = self.clusters.store.list()
        try:
            matching = matching_clusters(spec, clusters, namespace if self.namespaced else None)
        except SelectorError as exc:
            _log.warning(
                "invalid cluster selector",
                kind=self.kind,
                set=f"{namespace}/{name}",
                error=str(exc),
            )
            return None
        selected = select_clusters(
            spec, status.selected_cluster_refs or [], matching, down_clusters(clusters)
        )
        new = {
            "matchingClusterRefs": _refs_wire(matching),
            "selectedClusterRefs": _refs_wire(selected),
        }
        old = {
            "matchingClusterRefs": _refs_wire(status.matching_cluster_refs or []),
            "selectedClusterRefs": _refs_wire(status.selected_cluster_refs or []),
        }
        if new != old:
            metadata: dict[str, Any] = {"name": name}
            if self.namespaced:
                metadata["namespace"] = namespace
            await self.mgmt.apply_status(
                {
                    "apiVersion": names.LIB_API_VERSION,
                    "kind": self.kind,
                    "metadata": metadata,
                    "status": new,
                }
            )
            _log.info(
                "selection changed",
                kind=self.kind,
                set=f"{namespace}/{name}".lstrip("/"),
                selected=",".join(f"{r.namespace}/{r.name}" for r in selected),
            )
        return None
