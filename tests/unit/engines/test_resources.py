"""Reading manifests from ConfigMaps and Secrets, ordering them, and ownership rules."""

from __future__ import annotations

import base64

import pytest

from navarch.engines.resources import (
    HASH,
    OWNER_KIND,
    OWNER_NAME,
    OWNER_TIER,
    REASON_LABEL,
    REFERENCE_NAME,
    ManifestError,
    Owner,
    Reference,
    apply_order,
    decorate,
    documents_of,
    may_deploy,
    object_hash,
    parse_documents,
)


def configmap(**data: str) -> dict[str, object]:
    return {"kind": "ConfigMap", "metadata": {"namespace": "ns", "name": "cm"}, "data": data}


NS = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: team\n"
CM = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: team\n"


def test_many_documents_lists_and_json_in_sorted_key_order() -> None:
    listed = (
        '{"apiVersion": "v1", "kind": "List", "items": ['
        '{"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "sa"}}]}'
    )
    objects = documents_of(configmap(b=f"{NS}---\n{CM}", a=listed))
    assert [o["kind"] for o in objects] == ["ServiceAccount", "Namespace", "ConfigMap"]


def test_a_yaml_list_of_objects_and_empty_documents() -> None:
    text = "---\n# only a comment\n---\n- {apiVersion: v1, kind: Secret, metadata: {name: s}}\n"
    assert [o["kind"] for o in parse_documents(text, "x")] == ["Secret"]


def test_secrets_need_the_profile_type_and_are_decoded() -> None:
    secret = {
        "kind": "Secret",
        "type": "addons.projectsveltos.io/cluster-profile",
        "metadata": {"namespace": "ns", "name": "s"},
        "data": {"k": base64.b64encode(NS.encode()).decode()},
    }
    assert documents_of(secret)[0]["metadata"]["name"] == "team"
    secret["type"] = "Opaque"
    with pytest.raises(
        ManifestError, match=r"must have type addons\.projectsveltos\.io/cluster-pr"
    ):
        documents_of(secret)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("kind: [unclosed\n", "ConfigMap ns/cm key 'k': invalid YAML at line 2"),
        (f"{NS}---\nkind: ConfigMap\n", "document 2 has no apiVersion, metadata.name"),
        ("just a string\n", "document 1 is not an object"),
    ],
)
def test_broken_documents_are_named(text: str, message: str) -> None:
    with pytest.raises(ManifestError, match=message):
        documents_of(configmap(k=text))


def test_crds_then_namespaces_then_the_rest() -> None:
    objects = [
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "1"}},
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "2"}},
        {
            "apiVersion": "apiextensions.k8s.io/v1",
            "kind": "CustomResourceDefinition",
            "metadata": {"name": "3"},
        },
        {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "4"}},
    ]
    assert [o["metadata"]["name"] for o in apply_order(objects)] == ["3", "2", "1", "4"]


OWNER = Owner(kind="ClusterProfile", name="base", tier=100, cluster="sveltos-fleet-c1")
REF = Reference(kind="ConfigMap", namespace="default", name="cm", tier=100)


def test_decorate_marks_ownership_and_hash_is_stable() -> None:
    obj = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}, "data": {"x": "1"}}
    out = decorate(
        obj,
        reference=REF,
        owner=OWNER,
        feature="Resources",
        extra_labels={"team": "a"},
        extra_annotations={"note": "n"},
    )
    meta = out["metadata"]
    assert meta["labels"] == {"team": "a", REASON_LABEL: "Resources"}
    assert meta["annotations"][OWNER_NAME] == "base"
    assert meta["annotations"][REFERENCE_NAME] == "cm"
    assert meta["annotations"]["note"] == "n"
    assert meta["annotations"][HASH] == object_hash(obj)
    assert "metadata" in obj and "labels" not in obj["metadata"], "the input is not changed"
    changed = {**obj, "data": {"x": "2"}}
    assert object_hash(changed) != object_hash(obj)


def owned_by(kind: str, name: str, tier: int, ref_name: str = "cm") -> dict[str, object]:
    return {
        "kind": "ConfigMap",
        "metadata": {
            "name": "a",
            "namespace": "n",
            "annotations": {
                OWNER_KIND: kind,
                OWNER_NAME: name,
                OWNER_TIER: str(tier),
                "projectsveltos.io/reference-kind": "ConfigMap",
                "projectsveltos.io/reference-namespace": "default",
                REFERENCE_NAME: ref_name,
                "projectsveltos.io/reference-tier": "100",
            },
        },
    }


def test_ownership_rules() -> None:
    assert may_deploy(None, REF, OWNER).allowed
    unmanaged = {"kind": "ConfigMap", "metadata": {"name": "a"}}
    assert may_deploy(unmanaged, REF, OWNER).allowed, "objects nobody deployed are adopted"
    assert may_deploy(owned_by("ClusterProfile", "base", 100), REF, OWNER).allowed
    other = may_deploy(owned_by("ClusterProfile", "other", 100), REF, OWNER)
    assert not other.allowed
    assert "deployed by ClusterProfile other (tier 100)" in other.message
    assert "lower tier" in other.message
    takeover = may_deploy(owned_by("ClusterProfile", "other", 200), REF, OWNER)
    assert takeover.allowed and takeover.takeover
    same_profile_other_ref = may_deploy(
        owned_by("ClusterProfile", "base", 100, "other-cm"), REF, OWNER
    )
    assert not same_profile_other_ref.allowed
    assert "of the same profile deploys it too" in same_profile_other_ref.message
    low_tier_ref = Reference(kind="ConfigMap", namespace="default", name="cm", tier=50)
    assert may_deploy(
        owned_by("ClusterProfile", "base", 100, "other-cm"), low_tier_ref, OWNER
    ).allowed
