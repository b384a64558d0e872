"""Drift detection and repair (ContinuousWithDriftDetection) with the agents in the manager."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from navarch.api import names
from navarch.kube import Client
from tests.integration.conftest import TestFleet
from tests.integration.controllers.conftest import Manager, register_cluster
from tests.integration.controllers.test_profiles import (
    CONFIG,
    absent,
    cleanup,
    cluster_profile,
    cm,
    configmap_source,
    get_or_none,
    present,
    uid,
)
from tests.integration.helpers import eventually

pytestmark = pytest.mark.integration


async def tracked(mgmt: Client, ns: str, summary: str) -> dict[str, Any] | None:
    """The ResourceSummary once it holds hashes and no pending report."""
    rs = await get_or_none(mgmt, names.LIB_API_VERSION, "ResourceSummary", summary, ns)
    status = (rs or {}).get("status") or {}
    return rs if status.get("resourceHashes") and not status.get("resourcesChanged") else None


async def drift_status(mgmt: Client, ns: str, summary: str) -> dict[str, Any]:
    obj = await get_or_none(mgmt, CONFIG, "ClusterSummary", summary, ns)
    return dict(((obj or {}).get("status") or {}).get("drift") or {})


async def test_an_edit_and_a_deletion_are_repaired_and_recorded(
    fleet: TestFleet, manager: Manager
) -> None:
    mgmt, ns, tag = fleet.client("mgmt"), f"drift-{uid()}", uid()
    await register_cluster(fleet, ns, "d", "cluster-1", f"drift={tag}")
    remote = fleet.client("cluster-1")
    one, two = f"one-{tag}", f"two-{tag}"
    await mgmt.apply(
        configmap_source(f"src-{tag}", "default", cm(one, "default", a="1"), cm(two, "default"))
    )
    await mgmt.apply(
        cluster_profile(
            f"drift-{tag}",
            {"drift": tag},
            [("default", f"src-{tag}")],
            syncMode="ContinuousWithDriftDetection",
        )
    )
    summary = f"drift-{tag}-sveltos-d"
    rs = await eventually(lambda: tracked(mgmt, ns, summary), what="ResourceSummary published")
    assert rs["metadata"]["annotations"] == {
        names.CLUSTER_SUMMARY_NAME_ANNOTATION: summary,
        names.CLUSTER_SUMMARY_NAMESPACE_ANNOTATION: ns,
    }
    assert sorted(r["name"] for r in rs["spec"]["resources"]) == [one, two]
    untouched = await present(remote, two, "default")
    assert untouched is not None

    # an edit of a declared field is put back
    await remote.patch("v1", "ConfigMap", one, {"data": {"a": "edited"}}, namespace="default")

    async def restored() -> bool:
        obj = await present(remote, one, "default")
        return obj is not None and obj["data"] == {"a": "1"}

    await eventually(restored, what="edited ConfigMap restored")
    # a deletion is drift too
    await remote.delete("v1", "ConfigMap", one, "default")
    await eventually(restored, what="deleted ConfigMap recreated")
    record = await eventually(
        lambda: _repairs_at_least(mgmt, ns, summary, 2), what="drift recorded in status"
    )
    assert record["objects"] == [f"ConfigMap default/{one} deleted"]
    # only the drifted object was written
    again = await present(remote, two, "default")
    assert again is not None
    assert again["metadata"]["resourceVersion"] == untouched["metadata"]["resourceVersion"]
    events = await mgmt.list("v1", "Event", ns)
    messages = " ".join(
        e["message"]
        for e in events.items
        if e["involvedObject"]["name"] == summary and e["reason"] == "DriftRepaired"
    )
    assert f"ConfigMap default/{one} changed" in messages
    assert f"ConfigMap default/{one} deleted" in messages
    # the manager's own repairs are not drift: the count stays where it is
    await eventually(lambda: tracked(mgmt, ns, summary), what="report cleared")
    await asyncio.sleep(2)
    assert (await drift_status(mgmt, ns, summary))["repairs"] == record["repairs"]
    # withdrawing removes the ResourceSummary
    await cleanup(mgmt, f"drift-{tag}")
    await eventually(lambda: absent(remote, one, "default"), what="withdrawn")

    async def unpublished() -> bool:
        found = await get_or_none(mgmt, names.LIB_API_VERSION, "ResourceSummary", summary, ns)
        return found is None

    await eventually(unpublished, what="ResourceSummary removed")


async def _repairs_at_least(mgmt: Client, ns: str, summary: str, n: int) -> dict[str, Any] | None:
    record = await drift_status(mgmt, ns, summary)
    return record if (record.get("repairs") or 0) >= n else None


async def test_excluded_paths_and_ignored_objects_are_left_alone(
    fleet: TestFleet, manager: Manager
) -> None:
    mgmt, ns, tag = fleet.client("mgmt"), f"dex-{uid()}", uid()
    await register_cluster(fleet, ns, "x", "cluster-2", f"dex={tag}")
    remote = fleet.client("cluster-2")
    kept, ignored = f"kept-{tag}", f"ignored-{tag}"
    await mgmt.apply(
        configmap_source(
            f"src-{tag}",
            "default",
            cm(kept, "default", free="1", owned="1"),
            cm(ignored, "default", owned="1"),
        )
    )
    await mgmt.apply(
        cluster_profile(
            f"dex-{tag}",
            {"dex": tag},
            [("default", f"src-{tag}")],
            syncMode="ContinuousWithDriftDetection",
            driftExclusions=[{"paths": ["/data/free"], "target": {"kind": "ConfigMap"}}],
        )
    )
    summary = f"dex-{tag}-sveltos-x"
    await eventually(lambda: tracked(mgmt, ns, summary), what="ResourceSummary published")
    # an excluded path: not drift
    await remote.patch("v1", "ConfigMap", kept, {"data": {"free": "2"}}, namespace="default")
    # an object annotated driftDetectionIgnore: not tracked, whatever changes
    await remote.patch(
        "v1",
        "ConfigMap",
        ignored,
        {
            "metadata": {"annotations": {"projectsveltos.io/driftDetectionIgnore": "ok"}},
            "data": {"owned": "2"},
        },
        namespace="default",
    )
    # a declared field of the first object: drift, repaired; the excluded value stays
    await remote.patch("v1", "ConfigMap", kept, {"data": {"owned": "2"}}, namespace="default")

    async def repaired() -> dict[str, Any] | None:
        obj = await present(remote, kept, "default")
        return obj if obj is not None and obj["data"]["owned"] == "1" else None

    obj = await eventually(repaired, what="declared field restored")
    assert obj["data"]["free"] == "2"
    await eventually(lambda: tracked(mgmt, ns, summary), what="report cleared")
    assert (await present(remote, ignored, "default") or {}).get("data") == {"owned": "2"}
    record = await drift_status(mgmt, ns, summary)
    assert record["objects"] == [f"ConfigMap default/{kept} changed"]
    await cleanup(mgmt, f"dex-{tag}")


def deployment(name: str, namespace: str) -> dict[str, Any]:
    labels = {"app": name}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": "app", "image": "registry.invalid/app:1"}]},
            },
        },
    }


async def test_a_deleted_deployment_comes_back_and_edits_during_an_outage_are_repaired(
    fleet: TestFleet, manager: Manager
) -> None:
    own = "drift-restart"
    remote = await fleet.own_cluster(own)
    mgmt, ns, tag = fleet.client("mgmt"), f"dro-{uid()}", uid()
    await register_cluster(fleet, ns, "r", own, f"dro={tag}")
    name = f"web-{tag}"
    await mgmt.apply(
        configmap_source(
            f"src-{tag}", "default", deployment(name, "default"), cm(name, "default", a="1")
        )
    )
    await mgmt.apply(
        cluster_profile(
            f"dro-{tag}",
            {"dro": tag},
            [("default", f"src-{tag}")],
            syncMode="ContinuousWithDriftDetection",
        )
    )
    summary = f"dro-{tag}-sveltos-r"
    await eventually(lambda: tracked(mgmt, ns, summary), what="ResourceSummary published")
    await remote.delete("apps/v1", "Deployment", name, "default")
    await eventually(
        lambda: get_or_none(remote, "apps/v1", "Deployment", name, "default"),
        what="deleted Deployment recreated",
    )
    # the API server restarts under the agent; an edit right after it is back is repaired
    await fleet.stop(own)
    await fleet.start(own)
    await eventually(lambda: present(remote, name, "default"), timeout=30, what="server back")
    await remote.patch("v1", "ConfigMap", name, {"data": {"a": "edited"}}, namespace="default")

    async def restored() -> bool:
        obj = await present(remote, name, "default")
        return obj is not None and obj["data"] == {"a": "1"}

    await eventually(restored, timeout=60, what="edit after the restart repaired")
    await cleanup(mgmt, f"dro-{tag}")


async def test_a_writer_that_keeps_changing_a_field_is_reported_not_fought(
    fleet: TestFleet, manager: Manager
) -> None:
    mgmt, ns, tag = fleet.client("mgmt"), f"fight-{uid()}", uid()
    await register_cluster(fleet, ns, "f", "cluster-3", f"fight={tag}")
    remote = fleet.client("cluster-3")
    name = f"fought-{tag}"
    await mgmt.apply(configmap_source(f"src-{tag}", "default", cm(name, "default", a="1")))
    await mgmt.apply(
        cluster_profile(
            f"fight-{tag}",
            {"fight": tag},
            [("default", f"src-{tag}")],
            syncMode="ContinuousWithDriftDetection",
        )
    )
    summary = f"fight-{tag}-sveltos-f"
    await eventually(lambda: tracked(mgmt, ns, summary), what="ResourceSummary published")

    async def reported() -> dict[str, Any] | None:
        record = await drift_status(mgmt, ns, summary)
        return record if "keeps changing" in str(record.get("message")) else None

    async def writer() -> None:
        n = 0
        while True:
            n += 1
            await remote.patch(
                "v1", "ConfigMap", name, {"data": {"a": f"w{n}"}}, namespace="default"
            )
            await asyncio.sleep(0.1)

    task = asyncio.create_task(writer())
    try:
        record = await eventually(reported, timeout=60, what="the fight reported")
    finally:
        task.cancel()
    assert name in record["message"]
    await asyncio.sleep(1)
    record = await drift_status(mgmt, ns, summary)
    assert record["repairs"] == 5  # RepairGuard.LIMIT, then the object is left alone
    events = await mgmt.list("v1", "Event", ns)
    assert any(e["reason"] == "DriftNotRepaired" for e in events.items)
    await cleanup(mgmt, f"fight-{tag}")
