"""Generated CRDs are structural and say what Sveltos's CRDs say."""

from __future__ import annotations

from typing import Any

from navarch.api.crds import ALL_CRDS
from navarch.api.sveltoscluster import SVELTOS_CLUSTER_CRD


def walk(node: dict[str, Any], path: str = "") -> list[str]:
    """Paths of schema nodes that are not structural (no type and no escape hatch)."""
    problems = []
    if not (
        {"type", "x-kubernetes-int-or-string", "x-kubernetes-preserve-unknown-fields"} & node.keys()
    ):
        problems.append(path or "/")
    for key in ("anyOf", "oneOf", "allOf", "$ref"):
        if key in node:
            problems.append(f"{path} uses {key}")
    for name, child in (node.get("properties") or {}).items():
        problems += walk(child, f"{path}/{name}")
    if isinstance(node.get("items"), dict):
        problems += walk(node["items"], f"{path}[]")
    if isinstance(node.get("additionalProperties"), dict):
        problems += walk(node["additionalProperties"], f"{path}{{}}")
    return problems


def test_every_crd_is_structural() -> None:
    for crd in ALL_CRDS:
        schema = crd.manifest()["spec"]["versions"][0]["schema"]["openAPIV3Schema"]
        assert walk(schema) == [], crd.kind


def test_sveltoscluster_names_scope_columns_and_rules() -> None:
    manifest = SVELTOS_CLUSTER_CRD.manifest()
    spec = manifest["spec"]
    assert manifest["metadata"]["name"] == "sveltosclusters.lib.projectsveltos.io"
    assert spec["names"] == {
        "kind": "SveltosCluster",
        "listKind": "SveltosClusterList",
        "plural": "sveltosclusters",
        "singular": "sveltoscluster",
    }
    assert spec["scope"] == "Namespaced"
    version = spec["versions"][0]
    assert version["name"] == "v1beta1" and version["subresources"] == {"status": {}}
    assert [c["name"] for c in version["additionalPrinterColumns"]] == [
        "Ready",
        "ConnectionStatus",
        "Version",
        "Age",
        "Shard",
    ]
    props = version["schema"]["openAPIV3Schema"]["properties"]["spec"]["properties"]
    assert props["consecutiveFailureThreshold"]["default"] == 3
    assert props["pullMode"]["x-kubernetes-validations"] == [
        {"rule": "self == oldSelf", "message": "Value is immutable"}
    ]
    assert props["activeWindow"]["required"] == ["from", "to"]
    assert props["tokenRequestRenewalOption"]["required"] == ["renewTokenRequestInterval"]
    assert props["workloadIdentity"]["properties"]["aws"]["properties"]["roleARN"]
    status = version["schema"]["openAPIV3Schema"]["properties"]["status"]["properties"]
    assert status["connectionStatus"]["enum"] == ["Healthy", "Down"]
    assert status["activeWindowHash"] == {
        "type": "string",
        "format": "byte",
        "description": status["activeWindowHash"]["description"],
    }


def test_sets_scopes() -> None:
    scopes = {crd.kind: crd.manifest()["spec"]["scope"] for crd in ALL_CRDS}
    assert scopes == {
        "SveltosCluster": "Namespaced",
        "ClusterSet": "Cluster",
        "Set": "Namespaced",
        "ClusterProfile": "Cluster",
        "Profile": "Namespaced",
        "ClusterSummary": "Namespaced",
        "ClusterConfiguration": "Namespaced",
        "ClusterReport": "Namespaced",
        "ResourceSummary": "Namespaced",
    }
