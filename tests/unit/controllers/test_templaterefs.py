"""Which changes of a referenced management object redeploy (templateResourceRefs)."""

from __future__ import annotations

from typing import Any

from navarch.api.profile import TemplateResourceRef
from navarch.controllers.templaterefs import cached_kind, field_at, names_object, relevant


def ref(**fields: Any) -> TemplateResourceRef:
    resource = {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"}
    resource.update(fields.pop("resource", {}))
    return TemplateResourceRef.parse({"resource": resource, "identifier": "web", **fields})


def deployment(replicas: int, ready: int, label: str = "a", rv: str = "1") -> dict[str, Any]:
    return {
        "kind": "Deployment",
        "metadata": {
            "name": "web",
            "namespace": "ops",
            "labels": {"l": label},
            "resourceVersion": rv,
        },
        "spec": {"replicas": replicas},
        "status": {"readyReplicas": ready},
    }


def test_every_update_counts_unless_told_otherwise() -> None:
    assert relevant(deployment(1, 0), deployment(1, 1, rv="2"), ref())


def test_ignore_status_changes_leaves_status_only_updates_out() -> None:
    quiet = ref(ignoreStatusChanges=True)
    assert not relevant(deployment(1, 0), deployment(1, 1, rv="2"), quiet)
    assert relevant(deployment(1, 0), deployment(2, 0, rv="2"), quiet)
    assert relevant(deployment(1, 0), deployment(1, 0, label="b", rv="2"), quiet)


def test_watch_fields_count_only_changes_at_their_paths() -> None:
    watched = ref(watchFields=["spec.replicas", "metadata.labels.l"])
    assert not relevant(deployment(1, 0), deployment(1, 5, rv="2"), watched)
    assert relevant(deployment(1, 0), deployment(3, 0, rv="2"), watched)
    assert relevant(deployment(1, 0), deployment(1, 0, label="b"), watched)
    gone = deployment(1, 0)
    del gone["spec"]["replicas"]
    assert relevant(deployment(1, 0), gone, watched)  # removed is a change too
    assert field_at({"a": {"b": 0}}, "a.b") == 0
    assert field_at({"a": 1}, "a.b") is not None  # the absent marker, not a value


def test_a_templated_name_or_namespace_matches_any_object_of_the_kind() -> None:
    live = deployment(1, 0)
    assert names_object(ref(resource={"namespace": "ops"}), live, "fleet")
    assert not names_object(ref(), live, "fleet")  # no namespace: the cluster's, not ops
    assert names_object(ref(), live, "ops")
    assert not names_object(ref(resource={"name": "api"}), live, "ops")
    assert names_object(ref(resource={"name": "{{ .Cluster.metadata.name }}"}), live, "ops")
    assert names_object(ref(resource={"namespace": "{{ .Cluster.metadata.namespace }}"}), live, "x")


def test_configmaps_and_secrets_are_the_managers_own_caches() -> None:
    assert cached_kind("v1", "ConfigMap") and cached_kind("v1", "Secret")
    assert not cached_kind("v1", "ServiceAccount") and not cached_kind("apps/v1", "Deployment")
