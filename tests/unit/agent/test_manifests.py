"""The drift agent's manifests for a managed cluster (mode 1): names, order, RBAC, pod spec."""

from __future__ import annotations

from typing import Any

from navarch import __version__
from navarch.agent.managed import AGENT_NAMESPACE, locate, resource_summary_name
from navarch.agent.manifests import (
    AGENT_ARGS,
    AGENT_NAME,
    DEFAULT_AGENT_IMAGE,
    agent_manifests,
)
from navarch.api import names
from navarch.api.resourcesummary import RESOURCE_SUMMARY_CRD
from navarch.kube import KubeObject

IMAGE = "registry.example/navarch:test"


def by_kind(objects: list[KubeObject]) -> dict[str, KubeObject]:
    return {obj["kind"]: obj for obj in objects}


def container(objects: list[KubeObject]) -> dict[str, Any]:
    pod = by_kind(objects)["Deployment"]["spec"]["template"]["spec"]
    (only,) = pod["containers"]
    return dict(only)


def test_objects_come_in_apply_order_with_their_names() -> None:
    objects = agent_manifests(IMAGE)
    assert [
        (o["kind"], o["metadata"]["name"], o["metadata"].get("namespace")) for o in objects
    ] == [
        ("Namespace", "projectsveltos", None),
        ("CustomResourceDefinition", "resourcesummaries.lib.projectsveltos.io", None),
        ("ServiceAccount", AGENT_NAME, "projectsveltos"),
        ("ClusterRole", AGENT_NAME, None),
        ("ClusterRoleBinding", AGENT_NAME, None),
        ("Deployment", AGENT_NAME, "projectsveltos"),
    ]
    assert AGENT_NAME == "navarch-drift-agent"
    assert AGENT_NAMESPACE == names.PROJECTSVELTOS_NAMESPACE == "projectsveltos"


def test_the_crd_is_the_one_navarch_install_applies() -> None:
    crd = by_kind(agent_manifests(IMAGE))["CustomResourceDefinition"]
    assert crd["spec"] == RESOURCE_SUMMARY_CRD.manifest()["spec"]


def test_every_object_says_navarch_manages_it_and_only_the_agents_own_carry_its_name() -> None:
    for obj in agent_manifests(IMAGE):
        labels = obj["metadata"]["labels"]
        assert labels["app.kubernetes.io/managed-by"] == "navarch", obj["kind"]
        shared = obj["kind"] in ("Namespace", "CustomResourceDefinition")
        assert ("app.kubernetes.io/name" in labels) is not shared, obj["kind"]
        if not shared:
            assert labels["app.kubernetes.io/name"] == AGENT_NAME
            assert labels["app.kubernetes.io/component"] == "drift-agent"


def test_the_role_reads_everything_and_writes_only_resource_summaries() -> None:
    objects = by_kind(agent_manifests(IMAGE))
    rules = objects["ClusterRole"]["rules"]
    assert {"apiGroups": ["*"], "resources": ["*"], "verbs": ["get", "list", "watch"]} in rules
    writes = {
        (group, resource, verb)
        for rule in rules
        for group in rule["apiGroups"]
        for resource in rule["resources"]
        for verb in rule["verbs"]
        if verb not in ("get", "list", "watch")
    }
    assert writes == {
        ("lib.projectsveltos.io", "resourcesummaries", "patch"),
        ("lib.projectsveltos.io", "resourcesummaries", "update"),
        ("lib.projectsveltos.io", "resourcesummaries/status", "patch"),
        ("lib.projectsveltos.io", "resourcesummaries/status", "update"),
    }
    binding = objects["ClusterRoleBinding"]
    assert binding["roleRef"] == {
        "apiGroup": "rbac.authorization.k8s.io",
        "kind": "ClusterRole",
        "name": AGENT_NAME,
    }
    assert binding["subjects"] == [
        {"kind": "ServiceAccount", "name": AGENT_NAME, "namespace": "projectsveltos"}
    ]


def test_the_deployment_runs_one_locked_down_agent_with_the_image() -> None:
    objects = agent_manifests(IMAGE)
    deployment = by_kind(objects)["Deployment"]
    spec = deployment["spec"]
    assert spec["replicas"] == 1
    selector = spec["selector"]["matchLabels"]
    assert selector.items() <= spec["template"]["metadata"]["labels"].items()
    pod = spec["template"]["spec"]
    assert pod["serviceAccountName"] == AGENT_NAME
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] != 0
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    c = container(objects)
    assert c["image"] == IMAGE
    assert c["args"] == list(AGENT_ARGS)
    assert c["args"][:2] == ["agent", "--managed-cluster"]
    assert c["resources"] == {
        "requests": {"cpu": "100m", "memory": "128Mi"},
        "limits": {"cpu": "500m", "memory": "512Mi"},
    }
    assert c["securityContext"] == {
        "allowPrivilegeEscalation": False,
        "readOnlyRootFilesystem": True,
        "runAsNonRoot": True,
        "capabilities": {"drop": ["ALL"]},
        "seccompProfile": {"type": "RuntimeDefault"},
    }


def test_the_default_image_is_this_version_of_navarch() -> None:
    assert f"ghcr.io/navarch/navarch:{__version__}" == DEFAULT_AGENT_IMAGE
    assert container(agent_manifests())["image"] == DEFAULT_AGENT_IMAGE
    assert (
        container(agent_manifests(IMAGE, image_pull_policy="Always"))["imagePullPolicy"] == "Always"
    )


def test_calls_do_not_share_mutable_state() -> None:
    first = agent_manifests(IMAGE)
    first[3]["rules"][0]["verbs"].append("delete")
    container(first)["args"].append("--oops")
    by_kind(first)["Deployment"]["metadata"]["labels"]["x"] = "y"
    second = agent_manifests(IMAGE)
    assert "delete" not in second[3]["rules"][0]["verbs"]
    assert "--oops" not in container(second)["args"]
    assert "x" not in by_kind(second)["Deployment"]["metadata"]["labels"]


def test_a_cluster_summary_maps_to_its_resource_summary_in_the_managed_cluster() -> None:
    assert resource_summary_name(("ns1", "web-sveltos-c1")) == "ns1--web-sveltos-c1"
    assert locate(("ns1", "p--web-sveltos-c1")) == ("projectsveltos", "ns1--p--web-sveltos-c1")
