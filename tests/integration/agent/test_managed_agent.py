"""The drift agent inside a managed cluster (mode 1), against a real API server.

The cluster is one of the test's own: the agent's manifests are cluster-wide (a CRD, a
ClusterRole and its binding, the ``projectsveltos`` namespace) with fixed names, so sharing
cluster-1..3 would let this test and the manager's tests step on each other.

There is no kubelet in the local fleet, so no pod runs: the agent runs here, as a task, with the
credentials its pod would have (a token of its ServiceAccount, the cluster's CA and server),
which is what proves the RBAC of the manifests is enough, and no more than enough.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from navarch.admin.install import wait_established
from navarch.agent.drift import Drift, DriftAgent
from navarch.agent.managed import AGENT_NAMESPACE, resource_summary_name, run_in_cluster_agent
from navarch.agent.manifests import AGENT_NAME, agent_manifests
from navarch.api import names
from navarch.engines.drift import drift_hash
from navarch.engines.resources import REASON_LABEL
from navarch.kube import Client, Forbidden, KubeObject, load_kubeconfig, token_kubeconfig
from tests.integration.conftest import NamespaceFactory, TestFleet
from tests.integration.helpers import eventually

pytestmark = pytest.mark.integration

OWN = "agent-mode1"
IMAGE = "registry.invalid/navarch:test"


def uid() -> str:
    return uuid.uuid4().hex[:8]


async def create_agent_namespace(admin: Client) -> None:
    # The namespaced objects (ServiceAccount, Deployment) can only be validated, even in a
    # dry run, inside a namespace that exists: the NamespaceLifecycle admission plugin rejects
    # them otherwise. So the Namespace (the first manifest) is applied for real.
    (namespace, *_rest) = agent_manifests(IMAGE)
    assert namespace["kind"] == "Namespace"
    await admin.apply(namespace, force=True)


async def test_the_api_server_accepts_every_manifest(fleet: TestFleet) -> None:
    admin = await fleet.own_cluster(OWN)
    await create_agent_namespace(admin)
    for obj in agent_manifests(IMAGE):
        # server-side validation: schema, defaults, admission (RBAC escalation checks too)
        dry = await admin.apply(obj, dry_run=True, force=True)
        assert dry["kind"] == obj["kind"]
        assert dry["metadata"]["name"] == obj["metadata"]["name"]


async def agent_kubeconfig(fleet: TestFleet, cluster: str, admin: Client, path: Path) -> Path:
    """A kubeconfig file with a token of the agent's ServiceAccount, the cluster's CA and
    server: the credentials the agent's pod would have."""
    request = await admin.create_subresource(
        "v1",
        "ServiceAccount",
        AGENT_NAME,
        "token",
        {"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest", "spec": {}},
        namespace=AGENT_NAMESPACE,
    )
    kubeconfig = token_kubeconfig(
        fleet.fleet.cluster_config(cluster),
        namespace=AGENT_NAMESPACE,
        user=AGENT_NAME,
        token=request["status"]["token"],
    )
    path.write_text(yaml.safe_dump(kubeconfig))
    return path


@contextlib.asynccontextmanager
async def agent_client(fleet: TestFleet, admin: Client, tmp_path: Path) -> AsyncIterator[Client]:
    """A client with the agent's ServiceAccount token, from a kubeconfig file as a user has."""
    path = await agent_kubeconfig(fleet, OWN, admin, tmp_path / "agent.kubeconfig")
    client = Client(load_kubeconfig(path).cluster_config(name=f"{OWN}-agent"))
    try:
        yield client
    finally:
        await client.aclose()


def resource(cm: KubeObject) -> dict[str, Any]:
    meta = cm["metadata"]
    return {
        "group": "",
        "version": "v1",
        "kind": "ConfigMap",
        "namespace": meta["namespace"],
        "name": meta["name"],
    }


async def changed(admin: Client, name: str) -> bool:
    rs = await admin.get(names.LIB_API_VERSION, names.RESOURCE_SUMMARY_KIND, name, AGENT_NAMESPACE)
    return bool((rs.get("status") or {}).get("resourcesChanged"))


async def test_the_agent_reports_drift_in_its_own_cluster_with_its_own_rbac(
    fleet: TestFleet, namespace: NamespaceFactory, tmp_path: Path
) -> None:
    admin = await fleet.own_cluster(OWN)
    await create_agent_namespace(admin)
    for obj in agent_manifests(IMAGE):
        await admin.apply(obj, force=True)
    crd = next(o for o in agent_manifests(IMAGE) if o["kind"] == "CustomResourceDefinition")
    await wait_established(admin, crd["metadata"]["name"], timeout=30)
    deployment = await admin.get("apps/v1", "Deployment", AGENT_NAME, AGENT_NAMESPACE)
    assert deployment["spec"]["template"]["spec"]["serviceAccountName"] == AGENT_NAME

    ns, tag = await namespace(OWN), uid()
    cm = await admin.create(
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {
                "name": f"cm-{tag}",
                "namespace": ns,
                "labels": {REASON_LABEL: "Resources"},
            },
            "data": {"a": "1"},
        }
    )
    key = (f"cs-ns-{tag}", f"web-sveltos-{OWN}")  # the ClusterSummary in the management cluster
    rs_name = resource_summary_name(key)
    assert rs_name == f"{key[0]}--{key[1]}"
    await admin.create(
        {
            "apiVersion": names.LIB_API_VERSION,
            "kind": names.RESOURCE_SUMMARY_KIND,
            "metadata": {
                "name": rs_name,
                "namespace": AGENT_NAMESPACE,
                "annotations": {
                    names.CLUSTER_SUMMARY_NAMESPACE_ANNOTATION: key[0],
                    names.CLUSTER_SUMMARY_NAME_ANNOTATION: key[1],
                },
            },
            "spec": {"resources": [resource(cm)]},
        }
    )
    await admin.apply_status(
        {
            "apiVersion": names.LIB_API_VERSION,
            "kind": names.RESOURCE_SUMMARY_KIND,
            "metadata": {"name": rs_name, "namespace": AGENT_NAMESPACE},
            "status": {"resourceHashes": [{"resource": resource(cm), "hash": drift_hash(cm)}]},
        }
    )

    async with agent_client(fleet, admin, tmp_path) as as_agent:
        # what the agent may not do: write anything but ResourceSummaries
        with pytest.raises(Forbidden) as info:
            await as_agent.create(
                {
                    "apiVersion": "v1",
                    "kind": "Secret",
                    "metadata": {"name": f"s-{tag}", "namespace": ns},
                    "stringData": {"k": "v"},
                }
            )
        assert f"system:serviceaccount:{AGENT_NAMESPACE}:{AGENT_NAME}" in str(info.value)
        with pytest.raises(Forbidden):
            await as_agent.patch("v1", "ConfigMap", cm["metadata"]["name"], {}, namespace=ns)

        agent = asyncio.create_task(run_in_cluster_agent(as_agent))
        try:
            await admin.patch(
                "v1", "ConfigMap", cm["metadata"]["name"], {"data": {"a": "edited"}}, namespace=ns
            )
            await eventually(
                lambda: changed(admin, rs_name),
                timeout=30,
                what="resourcesChanged set by the agent",
            )
            assert not agent.done()
        finally:
            agent.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await agent
    rs = await admin.get(
        names.LIB_API_VERSION, names.RESOURCE_SUMMARY_KIND, rs_name, AGENT_NAMESPACE
    )
    managers = {m["manager"] for m in rs["metadata"]["managedFields"]}
    assert "navarch-agent" in managers
    await admin.delete(names.LIB_API_VERSION, names.RESOURCE_SUMMARY_KIND, rs_name, AGENT_NAMESPACE)


async def test_a_kind_whose_crd_appears_later_is_watched_once_it_does(
    fleet: TestFleet, namespace: NamespaceFactory
) -> None:
    """A ResourceSummary may name a kind the cluster does not serve yet (its CRD is deployed
    by the same profile, or comes later): the agent's informer keeps listing with backoff and
    judges the object once the kind exists."""
    admin = await fleet.own_cluster(OWN)
    ns, tag = await namespace(OWN), uid()
    group = f"t{tag}.navarch.test"
    reports: asyncio.Queue[list[str]] = asyncio.Queue()

    async def report(_key: tuple[str, str], drift: Drift) -> None:
        await reports.put(drift.objects)

    agent = DriftAgent(OWN, admin, report=report)
    widget = {"group": group, "version": "v1", "kind": "Widget", "namespace": ns, "name": "w"}
    agent.set_summary(
        ("fleet", f"late-{tag}"),
        {
            "spec": {"resources": [widget]},
            "status": {"resourceHashes": [{"resource": widget, "hash": "sha256:as-declared"}]},
        },
    )
    try:
        await asyncio.sleep(1)  # the informer has tried to list a kind nobody serves
        assert reports.empty()
        crd = {
            "apiVersion": "apiextensions.k8s.io/v1",
            "kind": "CustomResourceDefinition",
            "metadata": {"name": f"widgets.{group}"},
            "spec": {
                "group": group,
                "scope": "Namespaced",
                "names": {"plural": "widgets", "singular": "widget", "kind": "Widget"},
                "versions": [
                    {
                        "name": "v1",
                        "served": True,
                        "storage": True,
                        "schema": {
                            "openAPIV3Schema": {
                                "type": "object",
                                "x-kubernetes-preserve-unknown-fields": True,
                            }
                        },
                    }
                ],
            },
        }
        await admin.apply(crd, force=True)
        await wait_established(admin, crd["metadata"]["name"], timeout=30)
        await admin.apply(
            {
                "apiVersion": f"{group}/v1",
                "kind": "Widget",
                "metadata": {"name": "w", "namespace": ns, "labels": {REASON_LABEL: "Resources"}},
                "spec": {"size": 1},
            },
            force=True,
        )
        seen: list[str] = []
        async with asyncio.timeout(30):
            while f"Widget {ns}/w changed" not in seen:
                seen += await reports.get()
    finally:
        await agent.close()
        await admin.delete(
            "apiextensions.k8s.io/v1", "CustomResourceDefinition", f"widgets.{group}"
        )
