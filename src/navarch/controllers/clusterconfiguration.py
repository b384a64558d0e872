"""ClusterConfiguration: the per-cluster record of what each profile deployed (for `show addons`).

One object per cluster (``sveltos--<cluster>`` in the cluster's namespace), written by every
ClusterSummary of that cluster. Several ClusterSummaries may record at once, so each write is
read-modify-write with the object's resourceVersion, retried on conflict; each writer changes
only its own profile's entry. Nothing is written when the entry already says the same.

The read is from the manager's informer cache when it has one (``cached``): a deploy to a
thousand clusters then costs no GET per cluster, and a redeploy that changes nothing costs no
request at all. A cache that lags behind shows as a Conflict on the write, after which the
object is read from the server.

The object is created empty when its cluster is first probed (``create``, from the
SveltosCluster controller), so the first deploy to a cluster writes only the status; ``record``
still creates it if it is missing (deleted by hand, a paused cluster, or a deploy that got
there before the SveltosCluster controller did).
"""

from __future__ import annotations

import contextlib
import datetime
from collections.abc import Callable
from typing import Any

from navarch.api import names
from navarch.controllers.deployer import Deployed
from navarch.kube import AlreadyExists, Client, Conflict, KubeObject, NotFound

ATTEMPTS = 8


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _resource(d: Deployed, when: str) -> dict[str, Any]:
    entry = {
        "name": d.name,
        "group": d.group,
        "kind": d.kind,
        "version": d.version,
        "lastAppliedTime": when,
        "deploymentType": d.deployment_type,
    }
    if d.namespace:
        entry["namespace"] = d.namespace
    return entry


def updated_status(
    status: dict[str, Any],
    profile_kind: str,
    profile_name: str,
    feature: str,
    deployed: list[Deployed] | None,
    when: str,
    charts: list[dict[str, Any]] | None = None,
) -> dict[str, Any] | None:
    """The status with this profile's feature entry replaced (or removed when both ``deployed``
    and ``charts`` are None); None if that changes nothing but timestamps."""
    list_key, name_key = (
        ("profileResources", "profileName")
        if profile_kind == names.PROFILE_KIND
        else ("clusterProfileResources", "clusterProfileName")
    )
    entries: list[dict[str, Any]] = [dict(e) for e in status.get(list_key) or []]
    entry = next((e for e in entries if e.get(name_key) == profile_name), None)
    if entry is None:
        if deployed is None and charts is None:
            return None
        entry = {name_key: profile_name, "Features": []}
        entries.append(entry)
    features = [f for f in entry.get("Features") or [] if f.get("featureID") != feature]
    old = next((f for f in entry.get("Features") or [] if f.get("featureID") == feature), None)
    if deployed is not None or charts is not None:
        new: dict[str, Any] = {"featureID": feature}
        if deployed is not None:
            new["resources"] = [_resource(d, when) for d in deployed]
        if charts is not None:
            new["charts"] = [{**c, "lastAppliedTime": when} for c in charts]
        if old is not None and _strip_times(old) == _strip_times(new):
            return None
        features.append(new)
    elif old is None:
        return None
    entry["Features"] = features
    if not features:
        entries = [e for e in entries if e is not entry]
    return {**status, list_key: entries}


def _strip_times(feature: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {k: v for k, v in r.items() if k != "lastAppliedTime"}
        for r in [*(feature.get("resources") or []), *(feature.get("charts") or [])]
    ]


async def create(mgmt: Client, cluster_namespace: str, cluster_name: str) -> KubeObject | None:
    """The cluster's ClusterConfiguration, created empty; None if it exists already."""
    try:
        return await mgmt.create(
            {
                "apiVersion": names.CONFIG_API_VERSION,
                "kind": names.CLUSTER_CONFIGURATION_KIND,
                "metadata": {
                    "name": names.cluster_configuration_name(cluster_name),
                    "namespace": cluster_namespace,
                },
            }
        )
    except AlreadyExists:
        return None


async def delete(mgmt: Client, cluster_namespace: str, cluster_name: str) -> None:
    """The cluster's ClusterConfiguration, deleted (gone already is fine)."""
    with contextlib.suppress(NotFound):
        await mgmt.delete(
            names.CONFIG_API_VERSION,
            names.CLUSTER_CONFIGURATION_KIND,
            names.cluster_configuration_name(cluster_name),
            cluster_namespace,
        )


async def record(
    mgmt: Client,
    cluster_namespace: str,
    cluster_name: str,
    profile_kind: str,
    profile_name: str,
    feature: str,
    deployed: list[Deployed] | None,
    charts: list[dict[str, Any]] | None = None,
    cached: Callable[[str, str], KubeObject | None] | None = None,
) -> None:
    """Record what a profile's feature deployed here: resources (``deployed``) or Helm releases
    (``charts``, ClusterConfiguration ``Chart`` entries); both None forgets the feature.
    ``cached(namespace, name)``: the object as an informer last saw it (None: not seen)."""
    name = names.cluster_configuration_name(cluster_name)
    when = _now()
    for attempt in range(ATTEMPTS):
        try:
            if cached is not None and attempt == 0:
                found = cached(cluster_namespace, name)
                if found is None:
                    raise NotFound(name)  # not in the cache: create it (AlreadyExists: read)
            else:
                found = await mgmt.get(
                    names.CONFIG_API_VERSION,
                    names.CLUSTER_CONFIGURATION_KIND,
                    name,
                    cluster_namespace,
                )
            current = dict(found)  # only its status is replaced below, never changed
        except NotFound:
            if deployed is None and charts is None:
                return
            created = await create(mgmt, cluster_namespace, cluster_name)
            if created is None:
                continue  # created meanwhile: read it
            current = created
        status = updated_status(
            current.get("status") or {}, profile_kind, profile_name, feature, deployed, when, charts
        )
        if status is None:
            return
        current["status"] = status
        try:
            await mgmt.replace(current, subresource="status")
            return
        except (Conflict, NotFound):  # changed or deleted since it was read: read it again
            continue
    raise Conflict(f"ClusterConfiguration {cluster_namespace}/{name} kept changing; will retry")
