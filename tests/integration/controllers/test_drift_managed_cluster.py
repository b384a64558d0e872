"""Drift detection with the agent in the managed cluster (Sveltos's mode 1), end to end.

The manager installs the agent (Namespace, ResourceSummary CRD, ServiceAccount, RBAC,
Deployment) in a cluster annotated ``drift.navarch.io/agent: managed-cluster`` and publishes the
ResourceSummaries there. The local fleet has no nodes, so the Deployment's pod never runs: the
test runs what it would run, ``navarch agent --managed-cluster`` (its container's arguments), as
a process with the credentials the pod would have (a token of the agent's ServiceAccount).
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from navarch.admin import register as reg
from navarch.agent.managed import AGENT_NAMESPACE, resource_summary_name
from navarch.agent.manifests import AGENT_ARGS, AGENT_NAME, DEFAULT_AGENT_IMAGE
from navarch.api import names
from navarch.engines.resources import TEMPLATE_ANNOTATION
from navarch.kube import Client, UnknownKind
from tests.chartrepo import ChartRepo, chart_repo
from tests.cli import NAVARCH
from tests.integration.agent.test_managed_agent import OWN, agent_kubeconfig
from tests.integration.conftest import TestFleet
from tests.integration.controllers.conftest import Manager, register_cluster
from tests.integration.controllers.test_drift import data_is, drift_status
from tests.integration.controllers.test_helm import greeter
from tests.integration.controllers.test_profiles import (
    CONFIG,
    absent,
    cleanup,
    cluster_profile,
    cm,
    configmap_source,
    get_or_none,
    reconciles,
    uid,
)
from tests.integration.helpers import eventually

pytestmark = pytest.mark.integration


async def published(remote: Client, name: str) -> dict[str, Any] | None:
    """The ResourceSummary in the managed cluster once it holds hashes and no report."""
    try:
        rs = await get_or_none(
            remote, names.LIB_API_VERSION, "ResourceSummary", name, AGENT_NAMESPACE
        )
    except UnknownKind:  # the manager has not installed the agent (and the CRD) yet
        return None
    status = (rs or {}).get("status") or {}
    ready = status.get("resourceHashes") and status.get("helmResourceHashes")
    reported = status.get("resourcesChanged") or status.get("helmResourcesChanged")
    return rs if ready and not reported else None


async def gone(remote: Client, rs_name: str) -> bool:
    found = await get_or_none(
        remote, names.LIB_API_VERSION, "ResourceSummary", rs_name, AGENT_NAMESPACE
    )
    return found is None


async def agent_installed(remote: Client) -> None:
    """The manager installed the agent: its Deployment runs what ``running_agent`` runs."""
    deployment = await remote.get("apps/v1", "Deployment", AGENT_NAME, AGENT_NAMESPACE)
    [container] = deployment["spec"]["template"]["spec"]["containers"]
    assert container["image"] == DEFAULT_AGENT_IMAGE
    assert container["args"] == list(AGENT_ARGS)
    managers = {m["manager"] for m in deployment["metadata"]["managedFields"]}
    assert "navarch-agent-install" in managers  # (test_managed_agent applies them too)


@contextlib.asynccontextmanager
async def running_agent(
    fleet: TestFleet, remote: Client, env: dict[str, str], tmp_path: Path
) -> AsyncIterator[Path]:
    """The Deployment's container arguments as a process, with a token of the agent's
    ServiceAccount (what its pod would have); yields its log once it has started."""
    kubeconfig = await agent_kubeconfig(fleet, OWN, remote, tmp_path / "agent.kubeconfig")
    log = tmp_path / "agent.log"
    with log.open("wb") as out:
        agent = await asyncio.create_subprocess_exec(
            str(NAVARCH),
            *AGENT_ARGS,
            stdout=out,
            stderr=out,
            env={**env, "KUBECONFIG": str(kubeconfig)},
        )
    try:
        await eventually(lambda: "drift agent started" in log.read_text(), what="agent running")
        yield log
    finally:
        agent.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(agent.wait(), timeout=30) == 0, log.read_text()


@pytest.fixture(scope="module")
def charts(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChartRepo]:
    with chart_repo(tmp_path_factory.mktemp("charts"), [("greeter", "1.0.0")]) as served:
        yield served


async def test_the_agent_in_the_managed_cluster_reports_and_the_manager_repairs(
    fleet: TestFleet, manager: Manager, charts: ChartRepo, tmp_path: Path
) -> None:
    """A raw object and a Helm release's object, both watched by the agent in the cluster:
    what it reports through the ResourceSummary's flags there is repaired."""
    mgmt, ns, tag = fleet.client("mgmt"), f"m1-{uid()}", uid()
    remote = await fleet.own_cluster(OWN)
    profile, name = f"m1-{tag}", f"m1-{tag}"
    await register_cluster(fleet, ns, "m", OWN, f"{profile}={profile}")
    await mgmt.patch(
        names.LIB_API_VERSION,
        names.SVELTOS_CLUSTER_KIND,
        "m",
        {"metadata": {"annotations": {names.DRIFT_AGENT_ANNOTATION: "managed-cluster"}}},
        namespace=ns,
    )
    await mgmt.apply(configmap_source(f"src-{profile}", "default", cm(name, "default", a="1")))
    release, config = f"g-{tag}", f"g-{tag}-config"
    await mgmt.apply(
        cluster_profile(
            profile,
            {profile: profile},
            [("default", f"src-{profile}")],
            syncMode="ContinuousWithDriftDetection",
            helmCharts=[greeter(charts, release, "1.0.0")],
        )
    )
    summary = f"{profile}-sveltos-m"
    rs_name = resource_summary_name((ns, summary))
    rs = await eventually(
        lambda: published(remote, rs_name), timeout=60, what="ResourceSummary in the cluster"
    )
    assert [r["name"] for r in rs["spec"]["resources"]] == [name]
    assert [r["name"] for r in rs["spec"]["chartResources"][0]["group"]] == [config]
    assert rs["metadata"]["annotations"] == {
        names.CLUSTER_SUMMARY_NAME_ANNOTATION: summary,
        names.CLUSTER_SUMMARY_NAMESPACE_ANNOTATION: ns,
    }
    # nothing of it in the management cluster, and no agent of the manager's own for it
    assert await get_or_none(mgmt, names.LIB_API_VERSION, "ResourceSummary", summary, ns) is None
    assert f'"drift agent started" cluster={ns}/m' not in manager.log_text()
    await agent_installed(remote)
    async with running_agent(fleet, remote, manager.env, tmp_path) as log:
        await remote.patch("v1", "ConfigMap", name, {"data": {"a": "edited"}}, namespace="default")
        await eventually(lambda: data_is(remote, name, {"a": "1"}), what="edit repaired")
        await eventually(lambda: published(remote, rs_name), what="report cleared")
        await remote.delete("v1", "ConfigMap", name, "default")
        await eventually(lambda: data_is(remote, name, {"a": "1"}), what="deletion repaired")
        await eventually(lambda: published(remote, rs_name), what="report cleared again")
        # a Helm release's object: the agent sets helmResourcesChanged and driftedHelmCharts
        declared = (await get_or_none(remote, "v1", "ConfigMap", config, "apps") or {})["data"]
        await remote.patch("v1", "ConfigMap", config, {"data": {"greeting": "x"}}, namespace="apps")

        async def chart_restored() -> bool:
            found = await get_or_none(remote, "v1", "ConfigMap", config, "apps")
            return bool(found and found.get("data") == declared)

        await eventually(chart_restored, timeout=60, what="the release repaired")
        await eventually(lambda: published(remote, rs_name), what="helm flag cleared")

        async def recorded() -> dict[str, Any] | None:
            record = await drift_status(mgmt, ns, summary)
            return record if (record.get("repairs") or 0) >= 3 else None

        record = await eventually(recorded, what="the repairs recorded")
        assert record["objects"] == [
            f"ConfigMap apps/{config} changed (helm release apps/{release})"
        ]
        text = log.read_text()  # the agent in the cluster found all three, not the manager
        assert "drift detected" in text and f"ConfigMap default/{name} changed" in text
        assert f"ConfigMap default/{name} deleted" in text
        assert f"ConfigMap apps/{config} changed" in text
        await cleanup(mgmt, profile)
        await eventually(lambda: absent(remote, name, "default"), what="withdrawn")

        await eventually(
            lambda: gone(remote, rs_name), what="ResourceSummary removed from the cluster"
        )


async def test_a_withdrawal_right_after_a_restart_waits_for_the_cluster_connection(
    fleet: TestFleet, manager: Manager
) -> None:
    """A manager that has just started has connected no cluster yet (a paused cluster is not
    probed, so stays unconnected). A ClusterSummary it withdraws meanwhile must wait for the
    connection: its ResourceSummary lives in the managed cluster (the agent runs there), and
    withdrawing without it would leave that behind. With LeavePolicies nothing else of the
    withdrawal needs the cluster, so only this shows it."""
    mgmt, ns, tag = fleet.client("mgmt"), f"m1r-{uid()}", uid()
    remote = await fleet.own_cluster(OWN)
    await mgmt.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}})
    clusters = [f"r{i}" for i in range(3)]

    async def set_cluster(name: str, patch: dict[str, Any]) -> None:
        kind = (names.LIB_API_VERSION, names.SVELTOS_CLUSTER_KIND)
        await mgmt.patch(*kind, name, patch, namespace=ns)

    for name in clusters:
        await reg.register(
            mgmt,
            reg.Registration(
                namespace=ns,
                cluster=name,
                labels={"m1r": tag},
                kubeconfig=fleet.fleet.kubeconfig_of(OWN).read_text(),
                renew_token=False,
            ),
            reg.Rollback(),
            lambda _m: None,
        )
        annotation = {names.DRIFT_AGENT_ANNOTATION: "managed-cluster"}
        await set_cluster(name, {"metadata": {"annotations": annotation}})
    templated = cm(f"m1r-{tag}-{{{{ .Cluster.metadata.name }}}}", "default", v="1")
    source = configmap_source(f"src-m1r-{tag}", "default", templated)
    source["metadata"]["annotations"] = {TEMPLATE_ANNOTATION: "ok"}
    await mgmt.apply(source)
    profile = f"m1r-{tag}"
    await mgmt.apply(
        cluster_profile(
            profile,
            {"m1r": tag},
            [("default", f"src-m1r-{tag}")],
            syncMode="ContinuousWithDriftDetection",
            stopMatchingBehavior="LeavePolicies",
        )
    )
    summaries = [f"{profile}-sveltos-{name}" for name in clusters]
    in_cluster = [resource_summary_name((ns, s)) for s in summaries]

    async def published_all() -> bool:
        try:
            return not any([await gone(remote, name) for name in in_cluster])
        except UnknownKind:  # the manager has not installed the agent (and the CRD) yet
            return False

    await eventually(published_all, timeout=60, what="every ResourceSummary in the cluster")

    await manager.stop()
    for name in clusters:
        await set_cluster(name, {"spec": {"paused": True}})
    await cleanup(mgmt, profile)
    for summary in summaries:  # withdrawn as soon as the new process sees them
        await mgmt.delete(CONFIG, "ClusterSummary", summary, ns)
    everywhere = len((await mgmt.list(CONFIG, "ClusterSummary")).items)
    await manager.start()

    async def seen() -> bool:
        return await reconciles(manager, "clustersummary") >= everywhere

    await eventually(seen, timeout=60, what="every ClusterSummary reconciled after the restart")
    left = [s["metadata"]["name"] for s in (await mgmt.list(CONFIG, "ClusterSummary", ns)).items]
    assert sorted(left) == summaries, "withdrawn without a connection to the cluster"
    for name in clusters:
        await set_cluster(name, {"spec": {"paused": False}})

    async def withdrawn_all() -> bool:
        if (await mgmt.list(CONFIG, "ClusterSummary", ns)).items:
            return False
        return all([await gone(remote, name) for name in in_cluster])

    await eventually(withdrawn_all, timeout=60, what="every ResourceSummary removed")
    for name in clusters:  # left in place, as LeavePolicies asks
        assert not await absent(remote, f"m1r-{tag}-{name}", "default")
        await remote.delete("v1", "ConfigMap", f"m1r-{tag}-{name}", "default")
        await mgmt.delete(names.LIB_API_VERSION, "SveltosCluster", name, ns)
