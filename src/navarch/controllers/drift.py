"""Drift repair, the manager's side: publish what to watch, repair what drifted, keep a record.

For a ClusterSummary in ``ContinuousWithDriftDetection`` mode the ClusterSummary controller
calls into this module:

- after every deploy, ``publish`` writes its ResourceSummary: the Remote objects deployed
  (``spec.resources``), the driftExclusions as remove patches (``spec.patches``) and the drift
  hash of each object as the apply left it (``status.resourceHashes``), and clears
  ``status.resourcesChanged``;
- when an agent has set ``status.resourcesChanged``, ``find_drifted`` reads the live objects
  (one LIST per kind and namespace) and compares them with those hashes, so only what really
  drifted is re-applied and a stale report repairs nothing;
- ``record`` writes ``status.drift`` on the ClusterSummary (with its own field manager, beside
  the controller's status), emits a Kubernetes Event ``DriftRepaired`` on it and counts the
  repair in ``DRIFTS`` (``projectsveltos_total_drifts`` in Sveltos).

``RepairGuard`` stops a fight: an object repaired ``LIMIT`` times within ``WINDOW`` seconds is
left alone and reported (another writer owns it in practice) until the profile changes or the
window passes.
"""

from __future__ import annotations

import contextlib
import datetime
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

from navarch.api import names
from navarch.controllers.deployer import Deployed, Item, live_objects
from navarch.engines.drift import (
    ResourceRef,
    SummaryKey,
    drift_hash,
    excluded_paths,
    exclusion_patches,
    hashes_of,
    ignored,
    ref_of,
    ref_of_resource,
)
from navarch.kube import Client, KubeObject, NotFound

DRIFT_FIELD_MANAGER = "navarch-drift"
DRIFTS: Counter[str] = Counter()  # repairs per cluster ("namespace/name")


def _resource(d: Deployed) -> dict[str, Any]:
    resource: dict[str, Any] = {"name": d.name, "group": d.group, "kind": d.kind}
    resource["version"] = d.version
    if d.namespace:
        resource["namespace"] = d.namespace
    return resource


async def publish(
    mgmt: Client,
    summary: KubeObject,
    cluster: tuple[str, str],
    deployed: list[Deployed],
    drift_exclusions: list[dict[str, Any]],
    previous: KubeObject | None = None,
    previous_hashes: dict[ResourceRef, str] | None = None,
    changed: bool = False,
) -> dict[ResourceRef, str]:
    """Write the ResourceSummary of ``summary``; returns the deployed hashes it holds.

    ``deployed`` are the objects just applied (with the apply response). After a repair,
    ``previous`` is the ResourceSummary as it was and ``previous_hashes`` the baselines the
    repair compared with: the tracked set stays the same and only the repaired objects get new
    hashes. ``changed`` keeps ``resourcesChanged`` set (drift left unrepaired, to look at again).
    """
    meta = summary["metadata"]
    patches = exclusion_patches(drift_exclusions)
    resources: dict[ResourceRef, dict[str, Any]] = {}
    hashes: dict[ResourceRef, str] = {}
    if previous is not None:
        for r in (previous.get("spec") or {}).get("resources") or []:
            resources[ref_of_resource(r)] = dict(r)
        hashes = dict(previous_hashes or hashes_of(previous.get("status") or {}))
    for d in deployed:
        if d.deployment_type != "Remote" or d.live is None:
            continue
        ref = ref_of(d.live)
        resources[ref] = _resource(d)
        hashes[ref] = drift_hash(d.live, excluded_paths(patches, d.live))
    hashes = {ref: h for ref, h in hashes.items() if ref in resources}
    name, namespace = meta["name"], meta["namespace"]
    await mgmt.apply(
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
                    names.CLUSTER_SUMMARY_NAME_ANNOTATION: name,
                    names.CLUSTER_SUMMARY_NAMESPACE_ANNOTATION: namespace,
                },
            },
            "spec": {"resources": [resources[r] for r in sorted(resources)], "patches": patches},
        },
        force=True,
    )
    await mgmt.apply_status(
        {
            "apiVersion": names.LIB_API_VERSION,
            "kind": names.RESOURCE_SUMMARY_KIND,
            "metadata": {"name": name, "namespace": namespace},
            "status": {
                "resourcesChanged": changed,
                "resourceHashes": [
                    {"resource": resources[r], "hash": hashes[r]} for r in sorted(hashes)
                ],
            },
        }
    )
    return hashes


async def unpublish(mgmt: Client, summary: KubeObject) -> None:
    meta = summary["metadata"]
    with contextlib.suppress(NotFound):
        await mgmt.delete(
            names.LIB_API_VERSION, names.RESOURCE_SUMMARY_KIND, meta["name"], meta["namespace"]
        )


@dataclass
class Drifted:
    item: Item
    how: str  # "changed" or "deleted"

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
) -> list[Drifted]:
    """The Remote items whose live object is gone or differs from its deployed hash."""
    patches = exclusion_patches(drift_exclusions)
    remote = [i for i in items if i.deployment_type == "Remote"]
    drifted: list[Drifted] = []
    for item, live in await live_objects(clients, remote):
        if live is None:
            drifted.append(Drifted(item, "deleted"))
            continue
        baseline = hashes.get(ref_of(live))
        if baseline is None or ignored(live):
            continue
        if drift_hash(live, excluded_paths(patches, live)) != baseline:
            drifted.append(Drifted(item, "changed"))
    return drifted


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
) -> None:
    """status.drift on the ClusterSummary, an Event, and the counter."""
    meta = summary["metadata"]
    before = ((summary.get("status") or {}).get("drift") or {}).get("repairs") or 0
    drift: dict[str, Any] = {"repairs": int(before) + len(repaired)}
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
    DRIFTS[cluster] += len(repaired)
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
