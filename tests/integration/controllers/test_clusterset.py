"""ClusterSet and Set: the pool follows labels and readiness; the selection fails over."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from navarch.api import names
from navarch.kube import Client
from tests.integration.conftest import TestFleet
from tests.integration.controllers.conftest import Manager, register_cluster, wait_status
from tests.integration.helpers import eventually

pytestmark = pytest.mark.integration


def names_of(refs: list[dict[str, Any]] | None) -> list[str]:
    return [f"{r['namespace']}/{r['name']}" for r in refs or []]


async def set_status(
    mgmt: Client, kind: str, name: str, namespace: str | None = None
) -> dict[str, Any]:
    obj = await mgmt.get(names.LIB_API_VERSION, kind, name, namespace)
    status: dict[str, Any] = obj.get("status") or {}
    return status


async def test_cluster_set_fails_over_when_its_selected_cluster_goes_down(
    fleet: TestFleet, manager: Manager
) -> None:
    own = "failover-1"
    await fleet.own_cluster(own)
    mgmt = fleet.client("mgmt")
    pool = f"pool-{uuid.uuid4().hex[:6]}"
    namespace = pool
    # "a-primary" sorts first, so it is selected first; it is the one that will go down
    await register_cluster(fleet, namespace, "a-primary", own, f"pool={pool}")
    await register_cluster(fleet, namespace, "b-standby", "cluster-1", f"pool={pool}")
    await register_cluster(fleet, namespace, "c-elsewhere", "cluster-2", "pool=other")
    for name in ("a-primary", "b-standby"):
        await wait_status(mgmt, namespace, name, "Ready", ready=True)
    await mgmt.apply(
        {
            "apiVersion": names.LIB_API_VERSION,
            "kind": "ClusterSet",
            "metadata": {"name": pool},
            "spec": {"clusterSelector": {"matchLabels": {"pool": pool}}, "maxReplicas": 1},
        }
    )

    async def selection(expected: list[str]) -> bool:
        status = await set_status(mgmt, "ClusterSet", pool)
        return names_of(status.get("selectedClusterRefs")) == expected

    await eventually(lambda: selection([f"{namespace}/a-primary"]), what="a-primary selected")
    status = await set_status(mgmt, "ClusterSet", pool)
    assert names_of(status["matchingClusterRefs"]) == [
        f"{namespace}/a-primary",
        f"{namespace}/b-standby",
    ]
    assert status["selectedClusterRefs"][0]["kind"] == "SveltosCluster"

    await fleet.stop(own)
    await wait_status(mgmt, namespace, "a-primary", "Down", connectionStatus="Down")
    await eventually(lambda: selection([f"{namespace}/b-standby"]), what="failover to b-standby")

    # when a-primary comes back, the selection does not flap back to it
    await fleet.start(own)
    await wait_status(mgmt, namespace, "a-primary", "Healthy", connectionStatus="Healthy")
    assert await selection([f"{namespace}/b-standby"])

    # the pool follows labels: relabel b-standby out, and a-primary is selected again
    await mgmt.patch(
        names.LIB_API_VERSION,
        "SveltosCluster",
        "b-standby",
        {"metadata": {"labels": {"pool": "gone"}}},
        namespace=namespace,
    )
    await eventually(lambda: selection([f"{namespace}/a-primary"]), what="reselection")
    await mgmt.delete(names.LIB_API_VERSION, "ClusterSet", pool)


async def test_a_set_sees_only_its_own_namespace(fleet: TestFleet, manager: Manager) -> None:
    mgmt = fleet.client("mgmt")
    mine, other = f"set-{uuid.uuid4().hex[:6]}", f"set-{uuid.uuid4().hex[:6]}"
    await register_cluster(fleet, mine, "local", "cluster-1", "role=edge")
    await register_cluster(fleet, other, "foreign", "cluster-2", "role=edge")
    await wait_status(mgmt, mine, "local", "Ready", ready=True)
    await wait_status(mgmt, other, "foreign", "Ready", ready=True)
    await mgmt.apply(
        {
            "apiVersion": names.LIB_API_VERSION,
            "kind": "Set",
            "metadata": {"name": "edges", "namespace": mine},
            "spec": {
                "clusterSelector": {
                    "matchExpressions": [{"key": "role", "operator": "In", "values": ["edge"]}]
                },
                "maxReplicas": 5,
            },
        }
    )

    async def settled() -> dict[str, Any] | None:
        status = await set_status(mgmt, "Set", "edges", mine)
        return status if status.get("selectedClusterRefs") else None

    status = await eventually(settled, what="Set status")
    assert names_of(status["matchingClusterRefs"]) == [f"{mine}/local"]
    assert names_of(status["selectedClusterRefs"]) == [f"{mine}/local"]
