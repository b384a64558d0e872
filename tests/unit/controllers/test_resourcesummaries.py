"""Where a ClusterSummary's ResourceSummary lives, without a server (no request is made)."""

from __future__ import annotations

import pytest

from navarch.api import names
from navarch.controllers.connections import ClusterConnections
from navarch.controllers.resourcesummaries import MANAGED_CLUSTER, MANAGER, ResourceSummaryHomes
from navarch.kube import Client, ClusterConfig
from navarch.runtime import Informer


def homes(default: str = MANAGER) -> ResourceSummaryHomes:
    mgmt = Client(ClusterConfig(name="unused", server="https://127.0.0.1:1"))
    resource_summaries = Informer(mgmt, names.LIB_API_VERSION, names.RESOURCE_SUMMARY_KIND)
    clusters = Informer(mgmt, names.LIB_API_VERSION, names.SVELTOS_CLUSTER_KIND)
    return ResourceSummaryHomes(
        mgmt, resource_summaries, clusters, ClusterConnections(), default_location=default
    )


def register(h: ResourceSummaryHomes, name: str, agent: str | None) -> None:
    meta: dict[str, object] = {"name": name, "namespace": "fleet"}
    if agent is not None:
        meta["annotations"] = {names.DRIFT_AGENT_ANNOTATION: agent}
    h.clusters.store.put({"kind": "SveltosCluster", "metadata": meta})


def test_the_annotation_wins_over_the_default_and_a_typo_falls_back_to_it() -> None:
    h = homes()
    register(h, "plain", None)
    register(h, "inside", "managed-cluster")
    register(h, "typo", "managed_cluster")
    assert h.location(("fleet", "plain")) == MANAGER
    assert h.location(("fleet", "inside")) == MANAGED_CLUSTER
    assert h.location(("fleet", "typo")) == MANAGER
    assert homes(MANAGED_CLUSTER).location(("fleet", "unregistered")) == MANAGED_CLUSTER
    with pytest.raises(ValueError, match="one of manager, external, managed-cluster"):
        homes("cluster")


def test_mode_2_lives_beside_the_cluster_summary_and_mode_1_waits_for_its_cache() -> None:
    h = homes()
    register(h, "plain", "external")
    register(h, "inside", "managed-cluster")
    key = ("fleet", "web-sveltos-plain")
    home = h.home(key, ("fleet", "plain"))
    assert home is not None and (home.client, home.namespace, home.name) == (h.mgmt, *key)
    h.resource_summaries.store.put({"metadata": {"namespace": "fleet", "name": key[1]}})
    assert h.get(key, ("fleet", "plain")) is not None
    # the agent in the managed cluster: nowhere to read or write before `ready` ran
    inside = ("fleet", "web-sveltos-inside")
    assert h.home(inside, ("fleet", "inside")) is None
    assert h.get(inside, ("fleet", "inside")) is None
    # a copy in the management cluster from before the move is to be removed
    h.resource_summaries.store.put({"metadata": {"namespace": "fleet", "name": inside[1]}})
    left = h.left_behind(inside, ("fleet", "inside"))
    assert left is not None and (left.namespace, left.name) == inside
    assert h.left_behind(key, ("fleet", "plain")) is None
