"""Drift repair, the manager's side: publish what to watch, repair what drifted, keep a record.

For a ClusterSummary in ``ContinuousWithDriftDetection`` mode the ClusterSummary controller
calls into this module:

- after every deploy, ``publish`` writes its ResourceSummary: the Remote objects deployed
  (``spec.resources``), the driftExclusions as remove patches (``spec.patches``) and the drift
  hash of each object as the apply left it (``status.resourceHashes``), and clears
  ``status.resourcesChanged``;
- when an agent reports drift (in memory, or by setting ``status.resourcesChanged``),
  ``find_drifted`` reads the reported objects (or all of them) and compares them with the
  deployed hashes, so only what really drifted is re-applied and a stale report repairs
  nothing;
- ``DriftRecorder`` counts each repair in ``DRIFTS`` (``projectsveltos_total_drifts``, served by
  the manager's metrics endpoint) and, off the repair's path, writes ``status.drift`` on the
  ClusterSummary (with its own field manager, beside the controller's status) and emits a
  Kubernetes Event ``DriftRepaired`` on it (``record``).

``RepairGuard`` stops a fight: an object repaired ``LIMIT`` times within ``WINDOW`` seconds is
left alone and reported (another writer owns it in practice) until the profile changes or the
window passes.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from navarch import log
from navarch.api import names
from navarch.controllers.deployer import Deployed, Item, live_objects
from navarch.controllers.resourcesummaries import Home
from navarch.engines.drift import (
    Baselines,
    ResourceRef,
    SummaryKey,
    drift_hash,
    excluded_paths,
    exclusion_patches,
    ignored,
    ref_of,
    ref_of_resource,
)
from navarch.engines.resources import parse_documents
from navarch.kube import Client, KubeError, KubeObject, NotFound

_log = log.get_logger(__name__)

DRIFT_FIELD_MANAGER = "navarch-drift"
DRIFTS: Counter[str] = Counter()  # repairs per cluster ("namespace/name")


def _resource(d: Deployed) -> dict[str, Any]:
    resource: dict[str, Any] = {"name": d.name, "group": d.group, "kind": d.kind}
    resource["version"] = d.version
    if d.namespace:
        resource["namespace"] = d.namespace
    return resource


# where each feature's objects go in a ResourceSummary, and the field manager writing them (one
# per feature, so that publishing one feature's objects leaves the other's in place)
_FIELDS = {
    "Resources": ("resources", "resourceHashes", None),
    "Kustomize": ("kustomizeResources", "kustomizeResourceHashes", "navarch-kustomize"),
    "Helm": ("chartResources", "helmResourceHashes", "navarch-helm"),
}


async def publish(
    home: Home,
    summary: KubeObject,
    cluster: tuple[str, str],
    deployed: list[Deployed],
    drift_exclusions: list[dict[str, Any]],
    feature: str = "Resources",
) -> dict[ResourceRef, str]:
    """Write ``feature``'s part of the ResourceSummary of ``summary`` after a deploy; returns
    the deployed hashes.

    ``deployed`` are the objects just applied, with the apply response.
    """
    spec_field, status_field, manager = _FIELDS[feature]
    resources = {
        ref_of(d.live): _resource(d)
        for d in deployed
        if d.deployment_type == "Remote" and d.live is not None
    }
    hashes = new_hashes(deployed, drift_exclusions)
    status: dict[str, Any] = {
        status_field: [{"resource": resources[r], "hash": hashes[r]} for r in sorted(hashes)]
    }
    if feature == "Resources":
        status["resourcesChanged"] = False
    await _write(
        home,
        summary,
        cluster,
        {spec_field: [resources[r] for r in sorted(resources)]},
        status,
        drift_exclusions,
        manager,
    )
    return hashes


@dataclass
class ReleaseObjects:
    """A Helm release (its helmReleaseSummaries identity) and its objects as they are now."""

    chart: dict[str, str]  # chartName, releaseName, releaseNamespace
    objects: list[KubeObject]


async def release_objects(remote: Client, chart: dict[str, str], manifest: str) -> ReleaseObjects:
    """The objects of a release's manifest (hooks are not in it), read from the cluster.

    An object the manifest names without a namespace is in the release's namespace when its
    kind is namespaced, as Helm installs it. One that is not there is left out: Helm did not
    create it (a failed install keeps no baseline) or it is already gone, which the next deploy
    settles."""
    where = f"helm release {chart['releaseNamespace']}/{chart['releaseName']}"
    wanted: list[tuple[str, str, str, str | None]] = []
    for doc in parse_documents(manifest, where):
        rt = await remote.resource(str(doc["apiVersion"]), str(doc["kind"]))
        meta = doc.get("metadata") or {}
        namespace = (meta.get("namespace") or chart["releaseNamespace"]) if rt.namespaced else None
        wanted.append((rt.api_version, rt.kind, str(meta["name"]), namespace))

    found = await asyncio.gather(*(_get_or_none(remote, *w) for w in wanted))
    return ReleaseObjects(chart, [obj for obj in found if obj is not None])


async def _get_or_none(
    client: Client, api_version: str, kind: str, name: str, namespace: str | None
) -> KubeObject | None:
    try:
        return await client.get(api_version, kind, name, namespace)
    except NotFound:
        return None


async def publish_helm(
    home: Home,
    summary: KubeObject,
    cluster: tuple[str, str],
    releases: list[ReleaseObjects],
    drift_exclusions: list[dict[str, Any]],
) -> dict[ResourceRef, str]:
    """The Helm part of the ResourceSummary: each release's objects (``spec.chartResources``)
    and their hashes as they are right after Helm ran (``status.helmResourceHashes``); clears
    ``helmResourcesChanged``. Returns the hashes."""
    patches = exclusion_patches(drift_exclusions)
    groups: list[dict[str, Any]] = []
    entries: list[dict[str, Any]] = []
    hashes: dict[ResourceRef, str] = {}
    for release in releases:
        chart, group = release.chart, []
        for obj in sorted(release.objects, key=ref_of):
            ref = ref_of(obj)
            api_version = str(obj.get("apiVersion", ""))
            resource: dict[str, Any] = {
                "name": ref.name,
                "group": ref.group,
                "kind": ref.kind,
                "version": api_version.rpartition("/")[2],
            }
            if ref.namespace:
                resource["namespace"] = ref.namespace
            group.append(resource)
            hashes[ref] = drift_hash(obj, excluded_paths(patches, obj))
            entries.append(
                {
                    "resource": resource,
                    "hash": hashes[ref],
                    "helmChartRef": f"{chart['releaseNamespace']}/{chart['releaseName']}",
                }
            )
        groups.append({**chart, "group": group})
    spec_field, status_field, manager = _FIELDS["Helm"]
    await _write(
        home,
        summary,
        cluster,
        {spec_field: groups},
        {status_field: entries, "helmResourcesChanged": False, "driftedHelmCharts": []},
        drift_exclusions,
        manager,
    )
    return hashes


async def _write(
    home: Home,
    summary: KubeObject,
    cluster: tuple[str, str],
    spec: dict[str, Any],
    status: dict[str, Any],
    drift_exclusions: list[dict[str, Any]],
    manager: str | None,
) -> None:
    """Apply one feature's part of the ResourceSummary (spec, then status) with that feature's
    field manager, so the other features' parts stay as they are."""
    meta = summary["metadata"]
    name, namespace = home.name, home.namespace
    await home.client.apply(
        {
            "apiVersion": names.LIB_API_VERSION,
            "kind": names.RESOURCE_SUMMARY_KIND,
            "metadata": {
                "name": name,
                "namespace": namespace,
                "labels": {
                    names.CLUSTER_NAME_LABEL: cluster[1],
                    names.CLUSTER_TYPE_LABEL: names.CLUSTER_TYPE_SVELTOS.lower(),
                },
                "annotations": {
                    names.CLUSTER_SUMMARY_NAME_ANNOTATION: meta["name"],
                    names.CLUSTER_SUMMARY_NAMESPACE_ANNOTATION: meta["namespace"],
                },
            },
            "spec": {**spec, "patches": exclusion_patches(drift_exclusions)},
        },
        force=True,
        field_manager=manager,
    )
    await home.client.apply_status(
        {
            "apiVersion": names.LIB_API_VERSION,
            "kind": names.RESOURCE_SUMMARY_KIND,
            "metadata": {"name": name, "namespace": namespace},
            "status": status,
        },
        field_manager=f"{manager}-status" if manager else None,
    )


def published_refs(resource_summary: KubeObject | None, feature: str) -> set[ResourceRef]:
    """The refs ``feature`` last published in a ResourceSummary."""
    spec = (resource_summary or {}).get("spec") or {}
    if feature == "Helm":
        return set(published_charts(resource_summary))
    return {ref_of_resource(r) for r in spec.get(_FIELDS[feature][0]) or []}


def published_charts(resource_summary: KubeObject | None) -> dict[ResourceRef, tuple[str, str]]:
    """Each published Helm object and its release (namespace, name)."""
    spec = (resource_summary or {}).get("spec") or {}
    return {
        ref_of_resource(r): (str(group.get("releaseNamespace")), str(group.get("releaseName")))
        for group in spec.get("chartResources") or []
        for r in group.get("group") or []
    }


async def unpublish(home: Home) -> None:
    with contextlib.suppress(NotFound):
        await home.client.delete(
            names.LIB_API_VERSION, names.RESOURCE_SUMMARY_KIND, home.name, home.namespace
        )


@dataclass
class Drifted:
    item: Item
    how: str  # "changed" or "deleted"
    live: KubeObject | None = None

    @property
    def what(self) -> str:
        meta = self.item.obj.get("metadata") or {}
        where = f"{meta.get('namespace')}/{meta['name']}" if meta.get("namespace") else meta["name"]
        return f"{self.item.obj.get('kind')} {where}"

    def __str__(self) -> str:
        return f"{self.what} {self.how}"


async def find_drifted(
    clients: dict[str, Client],
    items: list[Item],
    hashes: dict[ResourceRef, str],
    drift_exclusions: list[dict[str, Any]],
    only: set[ResourceRef] | None = None,
) -> list[Drifted]:
    """The Remote items whose live object is gone or differs from its deployed hash.

    ``only``: the objects an agent reported (the rest is not read); None reads them all.
    """
    patches = exclusion_patches(drift_exclusions)
    remote = [i for i in items if i.deployment_type == "Remote"]
    if only is not None:
        wanted = {(r.group, r.kind, r.name, r.namespace) for r in only}
        remote = [i for i in remote if _matches(i.obj, wanted)]
    drifted: list[Drifted] = []
    for item, live in await live_objects(clients, remote):
        if live is None:
            drifted.append(Drifted(item, "deleted"))
            continue
        baseline = hashes.get(ref_of(live))
        if baseline is None or ignored(live):
            continue
        if drift_hash(live, excluded_paths(patches, live)) != baseline:
            drifted.append(Drifted(item, "changed", live))
    return drifted


async def find_drifted_releases(
    remote: Client,
    resource_summary: KubeObject,
    hashes: dict[ResourceRef, str],
    drift_exclusions: list[dict[str, Any]],
    only: set[ResourceRef] | None = None,
) -> dict[tuple[str, str], list[str]]:
    """The Helm releases (namespace, name) with an object that is gone or differs from its
    published hash, each with what drifted. ``only``: the objects an agent reported (None:
    every published Helm object). Raises KubeError when the cluster cannot be read."""
    patches = exclusion_patches(drift_exclusions)
    checks: list[tuple[ResourceRef, str, tuple[str, str]]] = []
    for group in (resource_summary.get("spec") or {}).get("chartResources") or []:
        release = (str(group.get("releaseNamespace")), str(group.get("releaseName")))
        for r in group.get("group") or []:
            ref = ref_of_resource(r)
            if (only is None or ref in only) and ref in hashes:
                version = str(r.get("version") or "v1")
                checks.append((ref, f"{ref.group}/{version}" if ref.group else version, release))

    found = await asyncio.gather(
        *(
            _get_or_none(remote, api_version, ref.kind, ref.name, ref.namespace or None)
            for ref, api_version, _ in checks
        )
    )
    drifted: dict[tuple[str, str], list[str]] = {}
    for (ref, _, release), live in zip(checks, found, strict=True):
        if live is None:
            how = "deleted"
        elif ignored(live) or drift_hash(live, excluded_paths(patches, live)) == hashes[ref]:
            continue
        else:
            how = "changed"
        drifted.setdefault(release, []).append(
            f"{ref} {how} (helm release {release[0]}/{release[1]})"
        )
    return drifted


def _matches(obj: KubeObject, wanted: set[tuple[str, str, str, str]]) -> bool:
    ref = ref_of(obj)  # a namespaced object written without a namespace lands in "default"
    key = (ref.group, ref.kind, ref.name)
    return (*key, ref.namespace) in wanted or (not ref.namespace and (*key, "default") in wanted)


def new_hashes(
    deployed: list[Deployed], drift_exclusions: list[dict[str, Any]]
) -> dict[ResourceRef, str]:
    """The drift hash of each Remote object as its apply left it."""
    patches = exclusion_patches(drift_exclusions)
    return {
        ref_of(d.live): drift_hash(d.live, excluded_paths(patches, d.live))
        for d in deployed
        if d.deployment_type == "Remote" and d.live is not None
    }


class RepairGuard:
    """Refuses to repair an object repaired ``LIMIT`` times within the last ``WINDOW`` seconds."""

    LIMIT = 5
    WINDOW = 60.0

    def __init__(self) -> None:
        self._times: dict[tuple[SummaryKey, str], list[float]] = {}

    def allow(self, key: SummaryKey, what: str, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        recent = [t for t in self._times.get((key, what), []) if now - t < self.WINDOW]
        if len(recent) >= self.LIMIT:
            self._times[(key, what)] = recent
            return False
        recent.append(now)
        self._times[(key, what)] = recent
        return True

    def forget(self, key: SummaryKey) -> None:
        for k in [k for k in self._times if k[0] == key]:
            del self._times[k]


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


async def record(
    mgmt: Client,
    summary: KubeObject,
    cluster: str,
    repaired: list[str],
    refused: list[str],
    repairs: int,
) -> None:
    """status.drift on the ClusterSummary (``repairs`` so far), an Event, and the counter."""
    meta = summary["metadata"]
    drift: dict[str, Any] = {"repairs": repairs}
    if repaired:
        drift["lastDriftTime"] = _now()
        drift["objects"] = repaired
    else:
        previous = (summary.get("status") or {}).get("drift") or {}
        drift.update({k: previous[k] for k in ("lastDriftTime", "objects") if k in previous})
    if refused:
        drift["message"] = (
            f"not repaired: {', '.join(refused)} (repaired {RepairGuard.LIMIT} times within "
            f"{RepairGuard.WINDOW:.0f}s: another writer keeps changing it; stop that writer or "
            "add the field to driftExclusions)"
        )
    await mgmt.apply_status(
        {
            "apiVersion": names.CONFIG_API_VERSION,
            "kind": names.CLUSTER_SUMMARY_KIND,
            "metadata": {"name": meta["name"], "namespace": meta["namespace"]},
            "status": {"drift": drift},
        },
        field_manager=DRIFT_FIELD_MANAGER,
    )
    if repaired or refused:
        await _event(mgmt, summary, repaired, refused)


async def _event(
    mgmt: Client, summary: KubeObject, repaired: list[str], refused: list[str]
) -> None:
    meta = summary["metadata"]
    now = datetime.datetime.now(datetime.UTC)
    stamp = now.strftime("%Y-%m-%dT%H:%M:%SZ")
    reason = "DriftRepaired" if repaired else "DriftNotRepaired"
    message = f"repaired: {', '.join(repaired)}" if repaired else ""
    if refused:
        message += ("; " if message else "") + f"left alone (keeps changing): {', '.join(refused)}"
    await mgmt.create(
        {
            "apiVersion": "v1",
            "kind": "Event",
            "metadata": {
                "name": f"{meta['name']}.{time.time_ns():x}",
                "namespace": meta["namespace"],
            },
            "involvedObject": {
                "apiVersion": names.CONFIG_API_VERSION,
                "kind": names.CLUSTER_SUMMARY_KIND,
                "name": meta["name"],
                "namespace": meta["namespace"],
                "uid": meta.get("uid"),
            },
            "reason": reason,
            "message": message[:1000],
            "type": "Normal" if not refused else "Warning",
            "source": {"component": "navarch-manager"},
            "reportingComponent": "navarch-manager",
            "reportingInstance": "navarch-manager",
            "firstTimestamp": stamp,
            "lastTimestamp": stamp,
            "count": 1,
        }
    )


@dataclass
class _Record:
    summary: KubeObject
    cluster: str
    repaired: list[str]
    refused: list[str]
    flagged: bool  # an agent in another process set resourcesChanged: clear it
    persist: bool = True  # write the ResourceSummary's resourceHashes (Helm publishes its own)


class DriftRecorder:
    """Writes down repairs off the repair's path: one writer task per ClusterSummary.

    A repair is complete once the objects are applied and the in-memory baselines settled; the
    ResourceSummary's hashes, ``status.drift`` and the Event follow here, coalesced when repairs
    come faster than the writes. If the manager stops before a write, the next agent report
    compares against the older persisted hashes and repairs nothing that is as declared.
    """

    def __init__(
        self,
        mgmt: Client,
        resource_summary_of: Callable[[SummaryKey], tuple[Home | None, KubeObject | None]],
        baselines: Baselines,
    ) -> None:
        self.mgmt = mgmt
        self._resource_summary_of = resource_summary_of  # where it lives, and as last seen
        self._baselines = baselines
        self._pending: dict[SummaryKey, _Record] = {}
        self._tasks: dict[SummaryKey, asyncio.Task[None]] = {}
        self._repairs: dict[SummaryKey, int] = {}

    def note(
        self,
        key: SummaryKey,
        summary: KubeObject,
        cluster: str,
        repaired: list[str],
        refused: list[str],
        *,
        flagged: bool,
        persist: bool = True,
    ) -> None:
        if key not in self._repairs:
            status = (summary.get("status") or {}).get("drift") or {}
            self._repairs[key] = int(status.get("repairs") or 0)
        self._repairs[key] += len(repaired)
        DRIFTS[cluster] += len(repaired)
        pending = self._pending.get(key)
        if pending is None:
            self._pending[key] = _Record(
                summary, cluster, list(repaired), list(refused), flagged, persist
            )
        else:
            pending.summary = summary
            pending.repaired += repaired
            pending.refused = list(refused)
            pending.flagged = pending.flagged or flagged
            pending.persist = pending.persist or persist
        task = self._tasks.get(key)
        if task is None or task.done():
            self._tasks[key] = asyncio.get_running_loop().create_task(self._write(key))

    def forget(self, key: SummaryKey) -> None:
        self._pending.pop(key, None)
        self._repairs.pop(key, None)

    async def _write(self, key: SummaryKey) -> None:
        while key in self._pending:
            rec = self._pending.pop(key)
            try:
                if rec.persist:
                    await self._persist_hashes(key, changed=bool(rec.refused))
                if rec.repaired or rec.refused:
                    await record(
                        self.mgmt,
                        rec.summary,
                        rec.cluster,
                        rec.repaired,
                        rec.refused,
                        self._repairs.get(key, 0),
                    )
            except KubeError as exc:  # the repair itself is done; only its record is late
                _log.warning(
                    "cannot record a drift repair",
                    summary=f"{key[0]}/{key[1]}",
                    error=exc.server_message,
                )

    async def _persist_hashes(self, key: SummaryKey, *, changed: bool) -> None:
        home, resource_summary = self._resource_summary_of(key)
        hashes = self._baselines.hashes(key)
        if home is None or resource_summary is None or hashes is None:
            return
        resources = {
            ref_of_resource(r): r
            for r in (resource_summary.get("spec") or {}).get("resources") or []
        }
        await home.client.apply_status(
            {
                "apiVersion": names.LIB_API_VERSION,
                "kind": names.RESOURCE_SUMMARY_KIND,
                "metadata": {"name": home.name, "namespace": home.namespace},
                "status": {
                    "resourcesChanged": False,
                    "resourceHashes": [
                        {"resource": resources[r], "hash": hashes[r]}
                        for r in sorted(hashes)
                        if r in resources
                    ],
                },
            }
        )
