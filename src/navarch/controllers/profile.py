"""The ClusterProfile and Profile controller: which clusters match, one ClusterSummary each.

For a profile the reconcile computes the matching clusters (``matching_clusters``, pure), writes
``status.matchingClusters``, applies one ClusterSummary per matching cluster (its spec a copy of
the profile's spec, its owner the profile, with the finalizer that makes the ClusterSummary
controller withdraw what it deployed before it goes away), and deletes the ClusterSummaries of
clusters that no longer match. Deploying is the ClusterSummary controller's job, never this one's.

A deleted profile keeps its own finalizer until every ClusterSummary it owns is gone, so nothing
it deployed is left behind (unless ``stopMatchingBehavior: LeavePolicies``, which the
ClusterSummary controller honours). A profile with the ``profile.projectsveltos.io/paused``
annotation is left as it is, and says so in status.

Everything is read from informer caches that have synced, so a failed list never looks like
"no clusters match" and never deletes a ClusterSummary.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import math
from typing import Any

from navarch import log
from navarch.api import names
from navarch.api.meta import ObjectReference, SelectorError
from navarch.api.profile import Clusters, Spec, Status
from navarch.kube import Client, Conflict, KubeObject, NotFound
from navarch.runtime import Controller, FuncHandler, Informer, Requeue

_log = log.get_logger(__name__)

SUMMARY_WRITES = 16  # ClusterSummary applies in flight per profile reconcile

ProfileKey = tuple[str, str]  # ("" for a ClusterProfile, or the Profile's namespace; name)
# Events that make a profile look again (a cluster's labels or readiness, a ClusterSummary's
# status, finalizer or deletion) arrive by the hundred when many clusters change at once: a
# label move of a hundred registrations, a profile rolling out to a thousand. A reconcile looks
# at every cluster, so each event re-reads the profile after a delay that grows with the number
# of clusters (at most BATCH), and one reconcile serves the whole batch instead of one each. In
# a fleet of ten the delay is 5 ms, so each maxUpdate wave starts without waiting.
BATCH_PER_CLUSTER = 0.0005  # seconds of delay per cluster
BATCH = 0.5  # at most
# While maxUpdate paces a rollout, updatingClusters/updatedClusters change with every wave; the
# status (two entries per cluster) is written at most every PROGRESS_PER_CLUSTER x matching
# seconds (at most PROGRESS_EVERY), always at once when the rollout starts or ends. The status is
# a report: the reconcile counts in-flight clusters from the ClusterSummaries themselves.
PROGRESS_PER_CLUSTER = 0.005
PROGRESS_EVERY = 5.0


def batch_delay(clusters: int) -> float:
    """How long an event waits to re-read a profile that looks at ``clusters`` clusters (the
    reconcile's CPU share stays bounded whatever the size)."""
    return min(BATCH, BATCH_PER_CLUSTER * clusters)


def progress_interval(matching: int) -> float:
    """The least time between two writes of a rollout's progress to the profile's status."""
    return min(PROGRESS_EVERY, PROGRESS_PER_CLUSTER * matching)


def cluster_ref(namespace: str, name: str) -> ObjectReference:
    return ObjectReference(
        api_version=names.LIB_API_VERSION,
        kind=names.SVELTOS_CLUSTER_KIND,
        namespace=namespace,
        name=name,
    )


def matching_clusters(
    spec: Spec,
    *,
    kind: str,
    namespace: str,
    clusters: list[KubeObject],
    sets: dict[str, KubeObject],
) -> list[ObjectReference]:
    """Ready, live clusters the selector matches, then clusterRefs, then the sets' picks.

    A Profile (``namespace`` set) sees only clusters of its own namespace. An empty selector
    matches no cluster (Sveltos's rule). The result is sorted and free of duplicates.
    """
    scoped = kind == names.PROFILE_KIND
    found: dict[tuple[str, str], ObjectReference] = {}
    selector = spec.cluster_selector
    if selector is not None and not selector.is_empty:
        for obj in clusters:
            meta = obj.get("metadata") or {}
            cluster_ns, cluster_name = str(meta.get("namespace", "")), str(meta.get("name", ""))
            if scoped and cluster_ns != namespace:
                continue
            if meta.get("deletionTimestamp") or not (obj.get("status") or {}).get("ready"):
                continue
            if selector.matches(meta.get("labels") or {}):
                found[(cluster_ns, cluster_name)] = cluster_ref(cluster_ns, cluster_name)
    for ref in spec.cluster_refs or []:
        if ref.kind not in (None, names.SVELTOS_CLUSTER_KIND) or not ref.name:
            continue
        ref_ns = ref.namespace or ""
        if scoped and ref_ns != namespace:
            continue
        found[(ref_ns, ref.name)] = cluster_ref(ref_ns, ref.name)
    for set_name in spec.set_refs or []:
        cluster_set = sets.get(set_name)
        selected = ((cluster_set or {}).get("status") or {}).get("selectedClusterRefs") or []
        for ref in selected:
            ref_ns, ref_name = str(ref.get("namespace", "")), str(ref.get("name", ""))
            if ref_name and not (scoped and ref_ns != namespace):
                found[(ref_ns, ref_name)] = cluster_ref(ref_ns, ref_name)
    return [found[key] for key in sorted(found)]


def dependents_of(name: str, peers: dict[str, KubeObject]) -> set[str]:
    """Profiles among ``peers`` that depend on ``name``, directly or through others."""
    found: set[str] = set()
    frontier = [name]
    while frontier:
        target = frontier.pop()
        for peer_name, peer in peers.items():
            depends = (peer.get("spec") or {}).get("dependsOn") or []
            if target in depends and peer_name not in found and peer_name != name:
                found.add(peer_name)
                frontier.append(peer_name)
    return found


def max_update_limit(value: int | str | None, total: int) -> int | None:
    """How many clusters may be updating at once (None: no limit), from ``maxUpdate``."""
    if value is None:
        return None
    if isinstance(value, str) and value.endswith("%"):
        percent = int(value[:-1])
        if percent >= 100:
            return None
        return max(1, math.ceil(total * percent / 100))
    return max(1, int(value))


def spec_hash(spec: dict[str, Any]) -> bytes:
    return hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).digest()


def provisioned(summary: KubeObject) -> bool:
    """Every feature the spec has is Provisioned (Sveltos's rule for "this cluster is done")."""
    spec = (summary.get("spec") or {}).get("clusterProfileSpec") or {}
    wanted = {
        feature
        for feature, field in (
            ("Resources", "policyRefs"),
            ("Helm", "helmCharts"),
            ("Kustomize", "kustomizationRefs"),
        )
        if spec.get(field)
    }
    features = (summary.get("status") or {}).get("featureSummaries") or []
    if any(f.get("status") != "Provisioned" for f in features):
        return False
    return wanted <= {f.get("featureID") for f in features}


def summary_object(
    profile: KubeObject, kind: str, cluster_namespace: str, cluster_name: str
) -> KubeObject:
    """The ClusterSummary this profile wants for one cluster (what the controller applies)."""
    meta = profile.get("metadata") or {}
    name = str(meta.get("name", ""))
    label = names.PROFILE_LABEL if kind == names.PROFILE_KIND else names.CLUSTER_PROFILE_LABEL
    return {
        "apiVersion": names.CONFIG_API_VERSION,
        "kind": names.CLUSTER_SUMMARY_KIND,
        "metadata": {
            "name": names.cluster_summary_name(kind, name, cluster_name),
            "namespace": cluster_namespace,
            "labels": {
                label: name,
                names.CLUSTER_NAME_LABEL: cluster_name,
                names.CLUSTER_TYPE_LABEL: names.CLUSTER_TYPE_SVELTOS,
            },
            "ownerReferences": [
                {
                    "apiVersion": names.CONFIG_API_VERSION,
                    "kind": kind,
                    "name": name,
                    "uid": meta.get("uid", ""),
                    "controller": True,
                    "blockOwnerDeletion": True,
                }
            ],
            "finalizers": [names.CLUSTER_SUMMARY_FINALIZER],
        },
        "spec": {
            "clusterNamespace": cluster_namespace,
            "clusterName": cluster_name,
            "clusterType": names.CLUSTER_TYPE_SVELTOS,
            "clusterProfileSpec": profile.get("spec") or {},
        },
    }


def summary_is_current(existing: KubeObject | None, desired: KubeObject) -> bool:
    """Whether applying ``desired`` would change nothing the controller owns."""
    if existing is None:
        return False
    meta, want = existing.get("metadata") or {}, desired["metadata"]
    labels = meta.get("labels") or {}
    return (
        existing.get("spec") == desired["spec"]
        and all(labels.get(k) == v for k, v in want["labels"].items())
        and names.CLUSTER_SUMMARY_FINALIZER in (meta.get("finalizers") or [])
        and any(
            ref.get("uid") == want["ownerReferences"][0]["uid"]
            for ref in meta.get("ownerReferences") or []
        )
    )


def _spec_and(obj: KubeObject, metadata: tuple[str, ...]) -> tuple[Any, ...]:
    """The spec and the named metadata fields: what an update handler compares to tell a
    change someone made from a status write."""
    meta = obj.get("metadata") or {}
    return (obj.get("spec"), *(meta.get(k) for k in metadata))


def _key(obj: KubeObject) -> ProfileKey:
    meta = obj.get("metadata") or {}
    return str(meta.get("namespace") or ""), str(meta.get("name", ""))


class ProfileReconciler:
    """Reconciles one kind: ClusterProfile (cluster-scoped) or Profile (namespaced)."""

    def __init__(
        self,
        mgmt: Client,
        *,
        kind: str,
        profiles: Informer,
        clusters: Informer,
        sets: Informer,
        summaries: Informer,
        workers: int = 4,
    ) -> None:
        self.mgmt = mgmt
        self.kind = kind
        self.profiles = profiles
        self.clusters = clusters
        self.sets = sets
        self.summaries = summaries
        # per profile with a rollout going on: (spec hash, clusters it has written)
        self._rollouts: dict[ProfileKey, tuple[bytes, set[tuple[str, str]]]] = {}
        self._progress_written: dict[ProfileKey, float] = {}  # loop time of the last write
        self.label = (
            names.PROFILE_LABEL if kind == names.PROFILE_KIND else names.CLUSTER_PROFILE_LABEL
        )
        self.finalizer = (
            names.PROFILE_FINALIZER
            if kind == names.PROFILE_KIND
            else names.CLUSTER_PROFILE_FINALIZER
        )
        self.controller: Controller[ProfileKey] = Controller(
            kind.lower(),
            self.reconcile,
            workers=workers,
            informers=[profiles, clusters, sets, summaries],
        )
        if not summaries.store.has_indexer("owner"):
            summaries.store.add_indexer("owner", _summary_owner)
        profiles.add_handler(
            FuncHandler(
                add=lambda o: self.controller.queue.add(_key(o)),
                update=self._profile_updated,
                delete=lambda o: self.controller.queue.add(_key(o)),
            )
        )
        clusters.add_handler(
            FuncHandler(
                add=self._everyone,
                update=self._cluster_updated,
                delete=self._everyone,
            )
        )
        sets.add_handler(
            FuncHandler(
                add=self._everyone,
                update=lambda _o, n: self._everyone(n),
                delete=self._everyone,
            )
        )
        summaries.add_handler(FuncHandler(update=self._summary_updated, delete=self._owner_of))

    def _profile_updated(self, old: KubeObject, new: KubeObject) -> None:
        """Anything but the status (which only this controller writes): during a rollout each
        reconcile writes updatingClusters, and reacting to that would double the reconciles,
        each of which looks at every cluster."""

        keys = ("labels", "annotations", "finalizers", "deletionTimestamp")
        if _spec_and(old, keys) != _spec_and(new, keys) or not new.get("status"):
            self.controller.queue.add(_key(new))

    def _everyone(self, changed: KubeObject) -> None:
        namespace = str((changed.get("metadata") or {}).get("namespace") or "")
        delay = self._batch()
        for profile in self.profiles.store.list():
            key = _key(profile)
            if self.kind != names.PROFILE_KIND or key[0] == namespace:
                self.controller.queue.add_after(key, delay)

    def _batch(self) -> float:
        return batch_delay(len(self.clusters.store))

    def _cluster_updated(self, old: KubeObject, new: KubeObject) -> None:
        def view(obj: KubeObject) -> tuple[Any, ...]:
            meta, status = obj.get("metadata") or {}, obj.get("status") or {}
            return (meta.get("labels"), meta.get("deletionTimestamp"), status.get("ready"))

        if view(old) != view(new):
            self._everyone(new)

    def _summary_updated(self, old: KubeObject, new: KubeObject) -> None:
        """A summary's spec, labels, owner or finalizers changed (someone else edited what
        this controller owns, or it is being deleted): its profile looks again. Only its
        status changed: that matters to a profile only while maxUpdate paces a rollout by it;
        otherwise the profile would look at every cluster again for nothing, about once per
        deployed cluster."""

        keys = ("labels", "ownerReferences", "finalizers", "deletionTimestamp")
        changed = _spec_and(old, keys) != _spec_and(new, keys)
        if changed or (old.get("status") != new.get("status") and self._paced(new)):
            self._owner_of(new)

    def _paced(self, summary: KubeObject) -> bool:
        """Whether the summary's profile has maxUpdate (or is unknown here: look, to be safe)."""
        meta = summary.get("metadata") or {}
        name = (meta.get("labels") or {}).get(self.label)
        if not name:
            return False
        key = f"{meta.get('namespace', '')}/{name}" if self.kind == names.PROFILE_KIND else name
        profile = self.profiles.store.get(key)
        return profile is None or (profile.get("spec") or {}).get("maxUpdate") is not None

    def _owner_of(self, summary: KubeObject) -> None:
        labels = (summary.get("metadata") or {}).get("labels") or {}
        name = labels.get(self.label)
        if not name:
            return
        for ref in (summary.get("metadata") or {}).get("ownerReferences") or []:
            if ref.get("kind") == self.kind:
                namespace = (
                    str((summary.get("metadata") or {}).get("namespace") or "")
                    if self.kind == names.PROFILE_KIND
                    else ""
                )
                self.controller.queue.add_after((namespace, name), self._batch())

    async def run(self) -> None:
        await self.controller.run()

    def _owned_summaries(self, key: ProfileKey) -> list[KubeObject]:
        return self.summaries.store.by_index("owner", f"{self.kind}/{key[0]}/{key[1]}")

    async def reconcile(self, key: ProfileKey) -> Requeue | None:
        namespace, name = key
        profile = self.profiles.store.get(f"{namespace}/{name}" if namespace else name)
        if profile is None:
            self._rollouts.pop(key, None)
            self._progress_written.pop(key, None)
            return None
        meta = profile.get("metadata") or {}
        if meta.get("deletionTimestamp"):
            return await self._finish_deletion(profile, key)
        if self.finalizer not in (meta.get("finalizers") or []):
            await self._patch_finalizers(profile, [*(meta.get("finalizers") or []), self.finalizer])
            return None  # the update event brings the profile back with its finalizer
        if names.PROFILE_PAUSED_ANNOTATION in (meta.get("annotations") or {}):
            await self._write_status(profile, key, suspended=True)
            return None
        spec = Spec.parse(profile.get("spec"))
        try:
            matching = self._matching(profile, namespace, name)
        except SelectorError as exc:
            _log.warning("invalid cluster selector", profile=f"{self.kind}/{name}", error=str(exc))
            return None
        wanted = {(r.namespace or "", r.name or "") for r in matching}
        digest = spec_hash(profile.get("spec") or {})
        paced = spec.max_update is not None
        rolled = self._rolled(key, Status.parse(profile.get("status")), digest) if paced else set()
        in_flight: set[tuple[str, str]] = set()
        updated: set[tuple[str, str]] = set()
        pending: list[tuple[KubeObject, KubeObject | None, tuple[str, str]]] = []
        for ref in matching:
            cluster = (ref.namespace or "", ref.name or "")
            desired = summary_object(profile, self.kind, *cluster)
            existing = self.summaries.store.get(f"{ref.namespace}/{desired['metadata']['name']}")
            if existing is not None and (existing.get("metadata") or {}).get("deletionTimestamp"):
                continue  # being withdrawn; recreated once it is gone
            if not summary_is_current(existing, desired):
                pending.append((desired, existing, cluster))
            elif paced and not provisioned(existing or {}):
                in_flight.add(cluster)  # at this spec, not done yet
            elif cluster in rolled:
                updated.add(cluster)
        # maxUpdate: the clusters in flight are counted first, then the room left is filled
        limit = max_update_limit(spec.max_update, len(matching))
        writes = pending if limit is None else pending[: max(0, limit - len(in_flight))]
        in_flight.update(cluster for _, _, cluster in writes)
        await self._write_summaries([(desired, existing) for desired, existing, _ in writes])
        for summary in self._owned_summaries(key):
            spec_of = summary.get("spec") or {}
            cluster = (
                str(spec_of.get("clusterNamespace", "")),
                str(spec_of.get("clusterName", "")),
            )
            if cluster not in wanted and not (summary.get("metadata") or {}).get(
                "deletionTimestamp"
            ):
                await self._delete_summary(summary)
        rollout = None
        if paced and in_flight:
            rollout = (digest, sorted(in_flight), sorted(updated))
            self._rollouts[key] = (digest, rolled | in_flight)
        else:
            self._rollouts.pop(key, None)
        return await self._write_status(profile, key, matching=matching, rollout=rollout)

    def _rolled(self, key: ProfileKey, status: Status, digest: bytes) -> set[tuple[str, str]]:
        """The clusters this spec's rollout has written so far: those its status names, and
        those written since the status was last written (it is written at most every
        ``progress_interval``)."""
        rolled = _keys_at(status.updating_clusters, digest) | _keys_at(
            status.updated_clusters, digest
        )
        known = self._rollouts.get(key)
        if known is not None and known[0] == digest:
            rolled |= known[1]
        return rolled

    def _matching(self, profile: KubeObject, namespace: str, name: str) -> list[ObjectReference]:
        """The profile's own matching clusters, plus those of every profile depending on it
        (its dependencies are deployed wherever a dependent is, as Sveltos does by default)."""
        sets = {  # ClusterSets for a ClusterProfile, Sets of its namespace for a Profile
            str((s.get("metadata") or {}).get("name")): s
            for s in self.sets.store.list()
            if self.kind != names.PROFILE_KIND
            or (s.get("metadata") or {}).get("namespace") == namespace
        }
        peers = {
            str((p.get("metadata") or {}).get("name")): p
            for p in self.profiles.store.list()
            if self.kind != names.PROFILE_KIND
            or (p.get("metadata") or {}).get("namespace") == namespace
        }
        clusters = self.clusters.store.list()
        found: dict[tuple[str, str], ObjectReference] = {}
        for each in [name, *sorted(dependents_of(name, peers))]:
            source = profile if each == name else peers[each]
            for ref in matching_clusters(
                Spec.parse(source.get("spec")),
                kind=self.kind,
                namespace=namespace,
                clusters=clusters,
                sets=sets,
            ):
                found[(ref.namespace or "", ref.name or "")] = ref
        return [found[k] for k in sorted(found)]

    async def _finish_deletion(self, profile: KubeObject, key: ProfileKey) -> Requeue | None:
        remaining = self._owned_summaries(key)
        for summary in remaining:
            if not (summary.get("metadata") or {}).get("deletionTimestamp"):
                await self._delete_summary(summary)
        if remaining:
            return Requeue(after=10.0)  # ClusterSummary deletions also wake us up
        finalizers = (profile.get("metadata") or {}).get("finalizers") or []
        if self.finalizer in finalizers:
            await self._patch_finalizers(profile, [f for f in finalizers if f != self.finalizer])
        return None

    async def _write_summaries(self, writes: list[tuple[KubeObject, KubeObject | None]]) -> None:
        """Apply the ClusterSummaries (desired, existing) a few at a time, not one by one: a
        profile matching hundreds of clusters must not wait for hundreds of round trips."""
        gate = asyncio.Semaphore(SUMMARY_WRITES)

        async def one(desired: KubeObject, existing: KubeObject | None) -> None:
            async with gate:
                if existing is not None:
                    # reset first: the new spec must never be seen beside the old spec's
                    # "Provisioned", or maxUpdate would count this cluster as done at once
                    await _reset_progress(self.mgmt, existing)
                applied = await self.mgmt.apply(desired, force=True)
                if existing is not None:  # the first reset may have lost a race: once more
                    await _reset_progress(self.mgmt, applied)  # (no write if it did not)

        await asyncio.gather(*(one(d, e) for d, e in writes))

    async def _delete_summary(self, summary: KubeObject) -> None:
        meta = summary.get("metadata") or {}
        try:
            await self.mgmt.delete(
                names.CONFIG_API_VERSION,
                names.CLUSTER_SUMMARY_KIND,
                meta["name"],
                meta["namespace"],
            )
            _log.info(
                "cluster no longer matches; withdrawing",
                profile=self.kind,
                summary=f"{meta['namespace']}/{meta['name']}",
            )
        except NotFound:
            pass

    async def _patch_finalizers(self, profile: KubeObject, finalizers: list[str]) -> None:
        meta = profile.get("metadata") or {}
        patch = [
            {"op": "test", "path": "/metadata/resourceVersion", "value": meta["resourceVersion"]},
            {
                "op": "replace" if "finalizers" in meta else "add",
                "path": "/metadata/finalizers",
                "value": finalizers,
            },
        ]
        # Conflict or NotFound: it changed meanwhile; the event brings the new version back
        with contextlib.suppress(Conflict, NotFound):
            await self.mgmt.patch(
                names.CONFIG_API_VERSION,
                self.kind,
                meta["name"],
                patch,
                namespace=meta.get("namespace"),
                patch_type="json",
            )

    async def _write_status(
        self,
        profile: KubeObject,
        key: ProfileKey,
        *,
        matching: list[ObjectReference] | None = None,
        suspended: bool = False,
        rollout: tuple[bytes, list[tuple[str, str]], list[tuple[str, str]]] | None = None,
    ) -> Requeue | None:
        """Apply the status if it changed. A change of the rollout's progress alone waits for
        ``progress_interval`` since the last write (the returned Requeue brings it back)."""
        meta = profile.get("metadata") or {}
        current = profile.get("status") or {}
        if suspended:
            status: dict[str, Any] = {
                "matchingClusters": current.get("matchingClusters") or [],
                "reconciliationSuspended": True,
                "suspensionReason": f"annotation {names.PROFILE_PAUSED_ANNOTATION} is set",
            }
        else:
            status = {"matchingClusters": [r.dump() for r in matching or []]}
        if rollout is not None:
            digest, updating, updated = rollout
            status["updatingClusters"] = Clusters(
                hash=digest, clusters=[cluster_ref(*c) for c in updating]
            ).dump()
            status["updatedClusters"] = Clusters(
                hash=digest, clusters=[cluster_ref(*c) for c in updated]
            ).dump()
        owned = (
            "matchingClusters",
            "reconciliationSuspended",
            "suspensionReason",
            "updatingClusters",
            "updatedClusters",
        )
        was = {k: current.get(k) for k in owned if current.get(k) not in (None, [])}
        now = {k: v for k, v in status.items() if v not in (None, [])}
        if was == now:
            return None
        progress = ("updatingClusters", "updatedClusters")
        loop_time = asyncio.get_running_loop().time()
        if (
            rollout is not None
            and (was.get("updatingClusters") or {}).get("hash") == now["updatingClusters"]["hash"]
            and {k: v for k, v in was.items() if k not in progress}
            == {k: v for k, v in now.items() if k not in progress}
        ):  # the same rollout, further on
            wait = (
                self._progress_written.get(key, -math.inf)
                + progress_interval(len(matching or ()))
                - loop_time
            )
            if wait > 0:
                return Requeue(after=wait)
        metadata = {"name": meta["name"]}
        if meta.get("namespace"):
            metadata["namespace"] = meta["namespace"]
        await self.mgmt.apply_status(
            {
                "apiVersion": names.CONFIG_API_VERSION,
                "kind": self.kind,
                "metadata": metadata,
                "status": status,
            }
        )
        if rollout is not None:
            self._progress_written[key] = loop_time
        else:
            self._progress_written.pop(key, None)
        return None


def _keys_at(clusters: Clusters | None, digest: bytes) -> set[tuple[str, str]]:
    """The clusters of a rollout record, if it is about this spec (else none)."""
    if clusters is None or clusters.hash != digest:
        return set()
    return {(c.namespace or "", c.name or "") for c in clusters.clusters or []}


async def _reset_progress(mgmt: Client, summary: KubeObject) -> None:
    """After a spec change, mark the summary's features Provisioning so that an old
    "Provisioned" is not taken for the new spec's (maxUpdate counts on it)."""
    status = dict(summary.get("status") or {})
    features = status.get("featureSummaries") or []
    if all(f.get("status") == "Provisioning" and "hash" not in f for f in features):
        return  # nothing to reset (nor any feature at all)
    status["featureSummaries"] = [
        {k: v for k, v in {**f, "status": "Provisioning"}.items() if k != "hash"} for f in features
    ]
    with contextlib.suppress(Conflict, NotFound):  # the controller wrote meanwhile: it runs
        await mgmt.replace({**summary, "status": status}, subresource="status")


def _summary_owner(summary: KubeObject) -> list[str]:
    meta = summary.get("metadata") or {}
    labels = meta.get("labels") or {}
    if labels.get(names.PROFILE_LABEL):
        return [f"{names.PROFILE_KIND}/{meta.get('namespace', '')}/{labels[names.PROFILE_LABEL]}"]
    if labels.get(names.CLUSTER_PROFILE_LABEL):
        return [f"{names.CLUSTER_PROFILE_KIND}//{labels[names.CLUSTER_PROFILE_LABEL]}"]
    return []
