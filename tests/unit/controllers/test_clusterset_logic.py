"""Set selection: pool membership, keeping healthy picks, failover, maxReplicas."""

from __future__ import annotations

from typing import Any

from navarch.api.clusterset import SetSpec
from navarch.controllers.clusterset import (
    down_clusters,
    matching_clusters,
    select_clusters,
)


def cluster(
    ns: str,
    name: str,
    *,
    ready: bool = True,
    down: bool = False,
    deleting: bool = False,
    **labels: str,
) -> dict[str, Any]:
    meta: dict[str, Any] = {"namespace": ns, "name": name, "labels": labels}
    if deleting:
        meta["deletionTimestamp"] = "2026-01-01T00:00:00Z"
    return {
        "metadata": meta,
        "status": {"ready": ready, "connectionStatus": "Down" if down else "Healthy"},
    }


def spec(**doc: Any) -> SetSpec:
    return SetSpec.parse(doc)


def names(refs: list[Any]) -> list[str]:
    return [f"{r.namespace}/{r.name}" for r in refs]


FLEET = [
    cluster("b", "two", env="prod"),
    cluster("a", "one", env="prod"),
    cluster("a", "notready", ready=False, env="prod"),
    cluster("a", "leaving", deleting=True, env="prod"),
    cluster("a", "dev", env="dev"),
]


def test_pool_is_ready_live_matching_clusters_sorted_then_refs() -> None:
    selector = {"matchLabels": {"env": "prod"}}
    refs = [
        {"kind": "SveltosCluster", "namespace": "z", "name": "pinned"},
        {"kind": "SveltosCluster", "namespace": "a", "name": "one"},
    ]
    pool = matching_clusters(spec(clusterSelector=selector, clusterRefs=refs), FLEET, None)
    assert names(pool) == ["a/one", "b/two", "z/pinned"]
    assert names(matching_clusters(spec(clusterSelector=selector), FLEET, "b")) == ["b/two"]
    assert matching_clusters(spec(clusterSelector={}), FLEET, None) == [], "empty selects none"


def test_selection_keeps_healthy_picks_and_fails_over() -> None:
    s = spec(clusterSelector={"matchLabels": {"env": "prod"}}, maxReplicas=1)
    pool = matching_clusters(s, FLEET, None)
    first = select_clusters(s, [], pool, set())
    assert names(first) == ["a/one"]
    assert names(select_clusters(s, first, pool, set())) == ["a/one"], "stable"
    fleet_down = [cluster("a", "one", down=True, env="prod"), cluster("b", "two", env="prod")]
    after = select_clusters(s, first, pool, down_clusters(fleet_down))
    assert names(after) == ["b/two"], "failover"
    assert names(select_clusters(s, after, pool, set())) == ["b/two"], "no flapping back"


def test_max_replicas_bounds() -> None:
    s = spec(clusterSelector={"matchLabels": {"env": "prod"}}, maxReplicas=1)
    pool = matching_clusters(s, FLEET, None)
    too_many = select_clusters(spec(maxReplicas=5), [], pool, set())
    assert names(select_clusters(s, too_many, pool, set())) == ["a/one"], "trimmed to maxReplicas"
    assert select_clusters(spec(maxReplicas=0), [], pool, set()) == []
    assert select_clusters(spec(), [], pool, set()) == []
