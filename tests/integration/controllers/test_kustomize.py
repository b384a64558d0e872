"""kustomizationRefs in profiles: trees packed in ConfigMaps/Secrets, built with kubectl, deployed
through the same ownership, conflict and withdrawal path as raw manifests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from navarch.kube import Client
from tests.cli import navarch_async
from tests.integration.conftest import TestFleet
from tests.integration.controllers.conftest import Manager, register_cluster
from tests.integration.controllers.test_profiles import (
    CONFIG,
    cleanup,
    cm,
    configmap_source,
    get_or_none,
    present,
    uid,
)
from tests.integration.helpers import eventually
from tests.kustomizetree import hello_tree, packed, source

pytestmark = pytest.mark.integration


def kustomize_profile(
    name: str, selector: dict[str, str], refs: list[dict[str, Any]], **spec: Any
) -> dict[str, Any]:
    return {
        "apiVersion": CONFIG,
        "kind": "ClusterProfile",
        "metadata": {"name": name},
        "spec": {
            "clusterSelector": {"matchLabels": selector},
            "kustomizationRefs": refs,
            **spec,
        },
    }


async def feature(
    mgmt: Client, ns: str, summary: str, feature_id: str = "Kustomize"
) -> dict[str, Any]:
    obj = await get_or_none(mgmt, CONFIG, "ClusterSummary", summary, ns)
    status = (obj or {}).get("status") or {}
    for entry in status.get("featureSummaries") or []:
        if entry.get("featureID") == feature_id:
            gvks = next(
                (
                    d.get("deployedGroupVersionKind") or []
                    for d in status.get("deployedGVKs") or []
                    if d.get("featureID") == feature_id
                ),
                [],
            )
            return {**entry, "gvks": gvks, "note": status.get("failureMessage")}
    return {}


async def provisioned(mgmt: Client, ns: str, summary: str) -> dict[str, Any] | None:
    entry = await feature(mgmt, ns, summary)
    return entry if entry.get("status") == "Provisioned" else None


async def failed(mgmt: Client, ns: str, summary: str) -> str | None:
    entry = await feature(mgmt, ns, summary)
    return entry.get("failureMessage") if entry.get("status") == "Failed" else None


async def get(client: Client, api: str, kind: str, name: str, ns: str) -> dict[str, Any] | None:
    return await get_or_none(client, api, kind, name, ns)


async def test_a_tree_with_components_and_target_namespace_is_deployed_updated_and_withdrawn(
    fleet: TestFleet, manager: Manager, tmp_path: Path
) -> None:
    mgmt, ns, tag = fleet.client("mgmt"), f"kz-{uid()}", uid()
    await register_cluster(fleet, ns, "k", "cluster-1", f"kz={tag}")
    remote = fleet.client("cluster-1")
    target = f"prod-{tag}"
    await mgmt.apply(
        source("ConfigMap", f"tree-{tag}", "default", packed(hello_tree(tmp_path / "a")))
    )
    ref = {
        "kind": "ConfigMap",
        "namespace": "default",
        "name": f"tree-{tag}",
        "path": "./overlays/production/",
        "components": ["../../components/monitoring"],
        "targetNamespace": target,
    }
    await mgmt.apply(kustomize_profile(f"kz-{tag}", {"kz": tag}, [ref]))
    summary = f"kz-{tag}-sveltos-k"

    deployment = await eventually(
        lambda: get(remote, "apps/v1", "Deployment", "production-the-deployment", target),
        timeout=60,
        what="the overlay's Deployment in the target namespace",
    )
    assert deployment["spec"]["replicas"] == 3  # the overlay's patch
    labels = deployment["metadata"]["labels"]
    assert labels["monitoring"] == "enabled"  # the component
    assert labels["projectsveltos.io/reason"] == "Kustomize"
    annotations = deployment["metadata"]["annotations"]
    assert annotations["projectsveltos.io/reference-kind"] == "ConfigMap"
    assert annotations["projectsveltos.io/reference-name"] == f"tree-{tag}"
    assert await get(remote, "v1", "Service", "production-the-service", target)
    assert await present(remote, "production-the-map", target)
    entry = await eventually(lambda: provisioned(mgmt, ns, summary), what="Kustomize Provisioned")
    assert sorted(entry["gvks"]) == ["ConfigMap.v1.", "Deployment.v1.apps", "Service.v1."]

    # `navarch show addons` lists the objects as Sveltos's table does
    listed = await navarch_async(
        "--context", "mgmt", "show", "addons", "--namespace", ns, "-o", "json", env=manager.env
    )
    assert listed.code == 0, listed.stderr
    rows = sorted((r["resourceType"], r["namespace"], r["name"]) for r in json.loads(listed.stdout))
    assert rows == [
        (":ConfigMap", target, "production-the-map"),
        (":Service", target, "production-the-service"),
        ("apps:Deployment", target, "production-the-deployment"),
    ]

    # a new tree: the map changes, the Service is gone from it and so from the cluster
    changed = hello_tree(
        tmp_path / "b",
        **{
            "base/kustomization.yaml": "resources:\n- deployment.yaml\n- map.yaml\n",
            "base/map.yaml": (
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: the-map\n"
                "data:\n  greeting: changed\n"
            ),
        },
    )
    await mgmt.apply(source("ConfigMap", f"tree-{tag}", "default", packed(changed)))

    async def updated() -> bool:
        obj = await present(remote, "production-the-map", target)
        service = await get(remote, "v1", "Service", "production-the-service", target)
        return bool(obj and obj["data"]["greeting"] == "changed" and service is None)

    await eventually(updated, timeout=60, what="the new tree deployed and the Service removed")

    # the cluster stops matching: everything the tree deployed is removed
    await mgmt.patch(
        "lib.projectsveltos.io/v1beta1",
        "SveltosCluster",
        "k",
        {"metadata": {"labels": {"kz": "gone"}}},
        namespace=ns,
    )

    async def withdrawn() -> bool:
        return (
            await get(remote, "apps/v1", "Deployment", "production-the-deployment", target) is None
            and await present(remote, "production-the-map", target) is None
        )

    await eventually(withdrawn, timeout=60, what="the tree's objects removed on withdrawal")
    await cleanup(mgmt, f"kz-{tag}")


async def test_bad_refs_are_reported_and_nothing_else_is_lost(
    fleet: TestFleet, manager: Manager, tmp_path: Path
) -> None:
    mgmt, ns, tag = fleet.client("mgmt"), f"kzbad-{uid()}", uid()
    await register_cluster(fleet, ns, "b", "cluster-2", f"kzbad={tag}")
    remote = fleet.client("cluster-2")
    target = f"bad-{tag}"
    tree = source("Secret", f"tree-{tag}", "default", packed(hello_tree(tmp_path / "a")))
    await mgmt.apply(tree)
    await mgmt.apply(configmap_source(f"raw-{tag}", "default", cm(f"raw-{tag}", "default")))
    good = {
        "kind": "Secret",
        "namespace": "default",
        "name": f"tree-{tag}",
        "path": "overlays/staging",
        "targetNamespace": target,
    }
    spec = {"policyRefs": [{"kind": "ConfigMap", "namespace": "default", "name": f"raw-{tag}"}]}
    await mgmt.apply(kustomize_profile(f"kzbad-{tag}", {"kzbad": tag}, [good], **spec))
    summary = f"kzbad-{tag}-sveltos-b"
    await eventually(
        lambda: present(remote, "staging-staging-only", target), timeout=60, what="staging tree"
    )

    cases = [
        ({**good, "path": "overlays/nope"}, "path 'overlays/nope' is not a directory"),
        (
            {**good, "kind": "GitRepository", "namespace": "flux2", "name": "flux2"},
            "GitRepository is a Flux source, which Navarch does not read yet",
        ),
        (
            {**good, "values": {"Region": "{{ .Cluster.metadata.labels.region }}"}},
            'map has no entry for key "region" (at .Cluster.metadata.labels.region',
        ),
        ({**good, "name": f"missing-{tag}"}, f"Secret default/missing-{tag} does not exist"),
    ]
    for ref, expected in cases:
        await mgmt.apply(kustomize_profile(f"kzbad-{tag}", {"kzbad": tag}, [ref], **spec))

        async def reported(expected: str = expected) -> str | None:
            message = await failed(mgmt, ns, summary)
            return message if message and expected in message else None

        message = await eventually(reported, timeout=60, what=f"status says {expected!r}")
        assert "kustomizationRefs[0]" in message
        # what was deployed stays, and the policyRef of the same profile is unaffected
        assert await present(remote, "staging-staging-only", target)
        assert await present(remote, f"raw-{tag}", "default")
        resources = await feature(mgmt, ns, summary, "Resources")
        assert resources["status"] == "Provisioned"

    # an optional ref to a missing source is skipped: the staging objects are withdrawn
    await mgmt.apply(
        kustomize_profile(
            f"kzbad-{tag}",
            {"kzbad": tag},
            [{**good, "name": f"missing-{tag}", "optional": True}],
            **spec,
        )
    )
    await eventually(lambda: provisioned(mgmt, ns, summary), timeout=60, what="optional skipped")
    assert await present(remote, "staging-staging-only", target) is None
    await cleanup(mgmt, f"kzbad-{tag}")


async def test_two_profiles_deploying_one_tree_conflict_without_flapping(
    fleet: TestFleet, manager: Manager, tmp_path: Path
) -> None:
    mgmt, ns, tag = fleet.client("mgmt"), f"kzc-{uid()}", uid()
    await register_cluster(fleet, ns, "c", "cluster-3", f"kzc={tag}")
    remote = fleet.client("cluster-3")
    target = f"conflict-{tag}"
    await mgmt.apply(
        source("ConfigMap", f"tree-{tag}", "default", packed(hello_tree(tmp_path / "a")))
    )
    ref = {
        "kind": "ConfigMap",
        "namespace": "default",
        "name": f"tree-{tag}",
        "path": "base",
        "targetNamespace": target,
    }
    await mgmt.apply(kustomize_profile(f"first-{tag}", {"kzc": tag}, [ref]))
    await eventually(
        lambda: provisioned(mgmt, ns, f"first-{tag}-sveltos-c"), timeout=60, what="first"
    )
    before = (await present(remote, "the-map", target) or {})["metadata"]["resourceVersion"]
    await mgmt.apply(kustomize_profile(f"second-{tag}", {"kzc": tag}, [ref]))

    message = await eventually(
        lambda: failed(mgmt, ns, f"second-{tag}-sveltos-c"), timeout=60, what="conflict reported"
    )
    assert "conflict on" in message and f"ClusterProfile first-{tag}" in message
    live = await present(remote, "the-map", target) or {}
    assert live["metadata"]["annotations"]["projectsveltos.io/owner-name"] == f"first-{tag}"
    # the losing profile wrote nothing, and the first one stays Provisioned
    assert live["metadata"]["resourceVersion"] == before
    assert await provisioned(mgmt, ns, f"first-{tag}-sveltos-c")
    await cleanup(mgmt, f"second-{tag}", f"first-{tag}")
