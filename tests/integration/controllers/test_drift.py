"""Drift detection and repair (ContinuousWithDriftDetection) with the agents in the manager."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from navarch.api import names
from navarch.kube import Client
from tests.chartrepo import ChartRepo, chart_repo
from tests.cli import NAVARCH, navarch_async
from tests.integration.conftest import TestFleet
from tests.integration.controllers.conftest import Manager, register_cluster
from tests.integration.controllers.test_helm import greeter, helm_profile, release_of
from tests.integration.controllers.test_profiles import (
    CONFIG,
    absent,
    cleanup,
    cluster_profile,
    cm,
    configmap_source,
    get_or_none,
    present,
    summary_feature,
    uid,
)
from tests.integration.helpers import eventually
from tests.kustomizetree import hello_tree, packed, source

pytestmark = pytest.mark.integration


async def tracked(mgmt: Client, ns: str, summary: str) -> dict[str, Any] | None:
    """The ResourceSummary once it holds hashes and no pending report."""
    rs = await get_or_none(mgmt, names.LIB_API_VERSION, "ResourceSummary", summary, ns)
    status = (rs or {}).get("status") or {}
    return rs if status.get("resourceHashes") and not status.get("resourcesChanged") else None


async def drift_status(mgmt: Client, ns: str, summary: str) -> dict[str, Any]:
    obj = await get_or_none(mgmt, CONFIG, "ClusterSummary", summary, ns)
    return dict(((obj or {}).get("status") or {}).get("drift") or {})


async def watched_profile(
    mgmt: Client, name: str, ns: str, cluster: str, docs: list[dict[str, Any]], **spec: Any
) -> tuple[str, dict[str, Any]]:
    """A ContinuousWithDriftDetection ClusterProfile ``name`` of ``docs`` for clusters labelled
    ``<name>=<name>``; returns its ClusterSummary's name and ResourceSummary once published and
    the deploy is over (its status written): a change made while the first deploy still runs is
    put right by that deploy, not repaired and recorded as drift."""
    await mgmt.apply(configmap_source(f"src-{name}", "default", *docs))
    await mgmt.apply(
        cluster_profile(
            name,
            {name: name},
            [("default", f"src-{name}")],
            syncMode="ContinuousWithDriftDetection",
            **spec,
        )
    )
    summary = f"{name}-sveltos-{cluster}"
    rs = await eventually(lambda: tracked(mgmt, ns, summary), what="ResourceSummary published")
    await eventually(lambda: _deployed(mgmt, ns, summary), what="first deploy over")
    return summary, rs


async def _deployed(mgmt: Client, ns: str, summary: str) -> bool:
    return (await summary_feature(mgmt, ns, summary)).get("status") == "Provisioned"


async def data_is(client: Client, name: str, data: dict[str, str]) -> bool:
    obj = await present(client, name, "default")
    return obj is not None and obj.get("data") == data


async def test_an_edit_and_a_deletion_are_repaired_and_recorded(
    fleet: TestFleet, manager: Manager
) -> None:
    mgmt, ns, tag = fleet.client("mgmt"), f"drift-{uid()}", uid()
    profile = f"drift-{tag}"
    await register_cluster(fleet, ns, "d", "cluster-1", f"{profile}={profile}")
    remote = fleet.client("cluster-1")
    one, two = f"one-{tag}", f"two-{tag}"
    summary, rs = await watched_profile(
        mgmt, profile, ns, "d", [cm(one, "default", a="1"), cm(two, "default")]
    )
    assert rs["metadata"]["annotations"] == {
        names.CLUSTER_SUMMARY_NAME_ANNOTATION: summary,
        names.CLUSTER_SUMMARY_NAMESPACE_ANNOTATION: ns,
    }
    assert sorted(r["name"] for r in rs["spec"]["resources"]) == [one, two]
    untouched = await present(remote, two, "default")
    assert untouched is not None

    # an edit of a declared field is put back
    await remote.patch("v1", "ConfigMap", one, {"data": {"a": "edited"}}, namespace="default")
    await eventually(lambda: data_is(remote, one, {"a": "1"}), what="edited ConfigMap restored")
    # a deletion is drift too
    await remote.delete("v1", "ConfigMap", one, "default")
    await eventually(lambda: data_is(remote, one, {"a": "1"}), what="deleted ConfigMap recreated")
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
    # and counted in the metric Sveltos users scrape
    async with httpx.AsyncClient() as http:
        scraped = await http.get(f"http://127.0.0.1:{manager.metrics_port}/metrics")
    assert scraped.status_code == 200
    counted = f'projectsveltos_total_drifts{{cluster_name="d",cluster_namespace="{ns}"}} 2'
    assert counted in scraped.text.splitlines()
    # the manager's own repairs are not drift: the count stays where it is
    await eventually(lambda: tracked(mgmt, ns, summary), what="report cleared")
    await asyncio.sleep(2)  # a window in which nothing may happen: no condition to wait for
    assert (await drift_status(mgmt, ns, summary))["repairs"] == record["repairs"]
    # withdrawing removes the ResourceSummary
    await cleanup(mgmt, profile)
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
    profile = f"dex-{tag}"
    await register_cluster(fleet, ns, "x", "cluster-2", f"{profile}={profile}")
    remote = fleet.client("cluster-2")
    kept, ignored = f"kept-{tag}", f"ignored-{tag}"
    summary, _ = await watched_profile(
        mgmt,
        profile,
        ns,
        "x",
        [cm(kept, "default", free="1", owned="1"), cm(ignored, "default", owned="1")],
        driftExclusions=[{"paths": ["/data/free"], "target": {"kind": "ConfigMap"}}],
    )
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
    await cleanup(mgmt, profile)


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
    profile, name = f"dro-{tag}", f"web-{tag}"
    await register_cluster(fleet, ns, "r", own, f"{profile}={profile}")
    await watched_profile(
        mgmt, profile, ns, "r", [deployment(name, "default"), cm(name, "default", a="1")]
    )
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
    await eventually(
        lambda: data_is(remote, name, {"a": "1"}), timeout=60, what="repaired after the restart"
    )
    await cleanup(mgmt, profile)


async def test_a_writer_that_keeps_changing_a_field_is_reported_not_fought(
    fleet: TestFleet, manager: Manager
) -> None:
    mgmt, ns, tag = fleet.client("mgmt"), f"fight-{uid()}", uid()
    profile, name = f"fight-{tag}", f"fought-{tag}"
    await register_cluster(fleet, ns, "f", "cluster-3", f"{profile}={profile}")
    remote = fleet.client("cluster-3")
    summary, _ = await watched_profile(mgmt, profile, ns, "f", [cm(name, "default", a="1")])

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
    assert record["repairs"] == 5  # RepairGuard.LIMIT, then the object is left alone
    # a window in which nothing may happen (no condition to wait for): no sixth repair
    await asyncio.sleep(1)
    assert (await drift_status(mgmt, ns, summary))["repairs"] == 5
    events = await mgmt.list("v1", "Event", ns)
    assert any(e["reason"] == "DriftNotRepaired" for e in events.items)
    await cleanup(mgmt, profile)


async def test_an_agent_in_its_own_process_reports_through_the_resource_summary(
    fleet: TestFleet, manager: Manager, tmp_path: Path
) -> None:
    mgmt, ns, tag = fleet.client("mgmt"), f"ext-{uid()}", uid()
    missing = await navarch_async(
        "--context",
        "mgmt",
        "agent",
        "--cluster-namespace",
        ns,
        "--cluster-name",
        "nope",
        env=manager.env,
    )
    assert missing.code == 1
    assert f"SveltosCluster {ns}/nope does not exist; register it first" in missing.stderr
    profile, name = f"ext-{tag}", f"ext-{tag}"
    await register_cluster(fleet, ns, "e", "cluster-2", f"{profile}={profile}")
    await mgmt.patch(
        names.LIB_API_VERSION,
        names.SVELTOS_CLUSTER_KIND,
        "e",
        {"metadata": {"annotations": {names.DRIFT_AGENT_ANNOTATION: "external"}}},
        namespace=ns,
    )
    log = tmp_path / "agent.log"
    with log.open("wb") as out:
        agent = await asyncio.create_subprocess_exec(
            str(NAVARCH),
            "--context",
            "mgmt",
            "agent",
            "--cluster-namespace",
            ns,
            "--cluster-name",
            "e",
            stdout=out,
            stderr=out,
            env=manager.env,
        )
    try:
        remote = fleet.client("cluster-2")
        summary, _ = await watched_profile(mgmt, profile, ns, "e", [cm(name, "default", a="1")])
        # no wait for its first list: an edit made before it is judged once the list is in
        await eventually(lambda: "drift agent started" in log.read_text(), what="agent running")
        await remote.patch("v1", "ConfigMap", name, {"data": {"a": "edited"}}, namespace="default")
        await eventually(
            lambda: data_is(remote, name, {"a": "1"}), what="repaired through the flag"
        )
        await eventually(lambda: tracked(mgmt, ns, summary), what="flag cleared by the manager")
        text = log.read_text()
        assert "drift detected" in text and f"ConfigMap default/{name} changed" in text
        # the annotation kept the manager from running an agent of its own for this cluster
        assert f'"drift agent started" cluster={ns}/e' not in manager.log_text()
        await cleanup(mgmt, profile)
    finally:
        agent.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(agent.wait(), timeout=30) == 0, log.read_text()


async def test_kustomize_objects_are_repaired_beside_policy_ref_objects(
    fleet: TestFleet, manager: Manager, tmp_path: Path
) -> None:
    """A profile with both a policyRef and a kustomizationRef: both features' objects are in
    the ResourceSummary, and an edit of either is put back."""
    mgmt, ns, tag = fleet.client("mgmt"), f"kdrift-{uid()}", uid()
    profile = f"kdrift-{tag}"
    await register_cluster(fleet, ns, "k", "cluster-2", f"{profile}={profile}")
    remote = fleet.client("cluster-2")
    target = f"kd-{tag}"
    tree = hello_tree(tmp_path / "tree")
    await mgmt.apply(source("ConfigMap", f"tree-{tag}", "default", packed(tree)))
    kustomization = {
        "kind": "ConfigMap",
        "namespace": "default",
        "name": f"tree-{tag}",
        "path": "base",
        "targetNamespace": target,
    }
    summary, rs = await watched_profile(
        mgmt,
        profile,
        ns,
        "k",
        [cm(f"raw-{tag}", "default", a="1")],
        kustomizationRefs=[kustomization],
    )

    async def both_published() -> dict[str, Any] | None:
        found = await get_or_none(mgmt, names.LIB_API_VERSION, "ResourceSummary", summary, ns)
        spec = (found or {}).get("spec") or {}
        return found if spec.get("resources") and spec.get("kustomizeResources") else None

    rs = await eventually(both_published, timeout=60, what="both features published")
    assert [r["name"] for r in rs["spec"]["resources"]] == [f"raw-{tag}"]
    assert sorted(r["name"] for r in rs["spec"]["kustomizeResources"]) == [
        "the-deployment",
        "the-map",
        "the-service",
    ]
    await eventually(lambda: present(remote, "the-map", target), timeout=60, what="tree deployed")
    await remote.patch("v1", "ConfigMap", "the-map", {"data": {"greeting": "x"}}, namespace=target)

    async def map_restored() -> bool:
        found = await present(remote, "the-map", target)
        return bool(found and found["data"] == {"greeting": "hello"})

    await eventually(map_restored, what="the kustomize ConfigMap restored")
    await remote.patch("v1", "ConfigMap", f"raw-{tag}", {"data": {"a": "2"}}, namespace="default")
    await eventually(
        lambda: data_is(remote, f"raw-{tag}", {"a": "1"}), what="the policyRef ConfigMap restored"
    )
    await remote.delete("v1", "Service", "the-service", target)
    await eventually(
        lambda: get_or_none(remote, "v1", "Service", "the-service", target),
        what="the kustomize Service recreated",
    )
    await cleanup(mgmt, profile)


@pytest.fixture(scope="module")
def charts(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChartRepo]:
    with chart_repo(tmp_path_factory.mktemp("charts"), [("greeter", "1.0.0")]) as served:
        yield served


async def test_a_helm_release_s_edited_or_deleted_object_is_repaired_by_the_release(
    fleet: TestFleet, manager: Manager, charts: ChartRepo
) -> None:
    """A release's objects are published in chartResources with their hashes; an edit or a
    deletion of one runs that release again (a new revision puts it back), and is recorded."""
    mgmt, ns, tag = fleet.client("mgmt"), f"hdrift-{uid()}", uid()
    profile = f"hdrift-{tag}"
    await register_cluster(fleet, ns, "h", "cluster-3", f"{profile}={profile}")
    remote = fleet.client("cluster-3")
    release, config = f"g-{tag}", f"g-{tag}-config"
    await mgmt.apply(
        helm_profile(
            profile,
            {profile: profile},
            [greeter(charts, release, "1.0.0", values="greeting: declared\n")],
            syncMode="ContinuousWithDriftDetection",
        )
    )
    summary = f"{profile}-sveltos-h"

    async def helm_published() -> dict[str, Any] | None:
        found = await get_or_none(mgmt, names.LIB_API_VERSION, "ResourceSummary", summary, ns)
        status = (found or {}).get("status") or {}
        ready = status.get("helmResourceHashes") and not status.get("helmResourcesChanged")
        return found if ready else None

    rs = await eventually(helm_published, timeout=90, what="the release's objects published")
    [group] = rs["spec"]["chartResources"]
    assert (group["chartName"], group["releaseName"], group["releaseNamespace"]) == (
        "local/greeter",
        release,
        "apps",
    )
    assert [(r["kind"], r["namespace"], r["name"]) for r in group["group"]] == [
        ("ConfigMap", "apps", config)
    ]
    [entry] = rs["status"]["helmResourceHashes"]
    assert entry["helmChartRef"] == f"apps/{release}" and entry["hash"].startswith("sha256:")
    declared = (await present(remote, config, "apps") or {}).get("data")
    assert declared and declared["greeting"] == "declared"
    installed = await release_of(fleet, "cluster-3", release)
    assert installed is not None

    async def declared_again() -> bool:
        found = await present(remote, config, "apps")
        return bool(found and found.get("data") == declared)

    await remote.patch("v1", "ConfigMap", config, {"data": {"greeting": "x"}}, namespace="apps")
    await eventually(declared_again, timeout=60, what="edited release object restored")
    repaired = await release_of(fleet, "cluster-3", release)
    assert repaired is not None and repaired.revision > installed.revision  # by Helm
    await remote.delete("v1", "ConfigMap", config, "apps")
    await eventually(declared_again, timeout=60, what="deleted release object recreated")
    record = await eventually(
        lambda: _repairs_at_least(mgmt, ns, summary, 2), what="helm drift recorded"
    )
    assert record["objects"] == [f"ConfigMap apps/{config} deleted (helm release apps/{release})"]
    events = await mgmt.list("v1", "Event", ns)
    assert any(
        e["reason"] == "DriftRepaired" and f"ConfigMap apps/{config} changed" in e["message"]
        for e in events.items
        if e["involvedObject"]["name"] == summary
    )
    # the release's own writes during the repair are not drift: no further revisions
    settled = await eventually(helm_published, what="report cleared")
    before = await release_of(fleet, "cluster-3", release)
    await asyncio.sleep(2)  # a window in which nothing may happen: no condition to wait for
    after = await release_of(fleet, "cluster-3", release)
    assert before is not None and after is not None and after.revision == before.revision
    assert settled["spec"]["chartResources"] == rs["spec"]["chartResources"]
    await cleanup(mgmt, profile)
    await eventually(lambda: absent(remote, config, "apps"), timeout=60, what="uninstalled")
