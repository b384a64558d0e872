"""Request building is pure: paths, query parameters and delete options."""

from __future__ import annotations

import pytest

from navarch.kube import ResourceType, object_key, split_api_version
from navarch.kube.resource import delete_body, list_params, watch_params, write_params

CM = ResourceType(group="", version="v1", kind="ConfigMap", plural="configmaps", namespaced=True)
DEPLOY = ResourceType(
    group="apps", version="v1", kind="Deployment", plural="deployments", namespaced=True
)
CRD = ResourceType(
    group="apiextensions.k8s.io",
    version="v1",
    kind="CustomResourceDefinition",
    plural="customresourcedefinitions",
    namespaced=False,
)


def test_paths_for_core_grouped_cluster_scoped_and_subresources() -> None:
    assert CM.path(namespace="ns", name="a") == "/api/v1/namespaces/ns/configmaps/a"
    assert CM.path() == "/api/v1/configmaps"
    assert DEPLOY.path(namespace="ns") == "/apis/apps/v1/namespaces/ns/deployments"
    assert DEPLOY.path(namespace="ns", name="d", subresource="status") == (
        "/apis/apps/v1/namespaces/ns/deployments/d/status"
    )
    assert CRD.path(name="x.y", namespace="ignored") == (
        "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/x.y"
    )


def test_names_are_escaped_and_required() -> None:
    assert CM.path(namespace="ns", name="a/b") == "/api/v1/namespaces/ns/configmaps/a%2Fb"
    with pytest.raises(ValueError, match="namespaced"):
        CM.path(name="a")
    with pytest.raises(ValueError, match="non-empty name"):
        CM.path(namespace="ns", name="")


def test_gvk_and_api_version() -> None:
    assert DEPLOY.gvk == "Deployment.v1.apps"
    assert CM.api_version == "v1"
    assert split_api_version("apps/v1") == ("apps", "v1")
    assert split_api_version("v1") == ("", "v1")


def test_object_keys() -> None:
    assert object_key({"metadata": {"namespace": "ns", "name": "a"}}) == "ns/a"
    assert object_key({"metadata": {"name": "cluster-wide"}}) == "cluster-wide"


def test_query_parameters() -> None:
    assert list_params(label_selector="a=b", limit=500, continue_token="t") == {
        "labelSelector": "a=b",
        "limit": "500",
        "continue": "t",
    }
    assert watch_params(resource_version="42", timeout_seconds=290) == {
        "resourceVersion": "42",
        "watch": "true",
        "allowWatchBookmarks": "true",
        "timeoutSeconds": "290",
    }
    assert write_params(field_manager="navarch", force=True, dry_run=True) == {
        "fieldManager": "navarch",
        "force": "true",
        "dryRun": "All",
    }


def test_delete_options() -> None:
    assert delete_body() is None
    assert delete_body(propagation_policy="Foreground", preconditions={"uid": "u"}) == {
        "apiVersion": "v1",
        "kind": "DeleteOptions",
        "propagationPolicy": "Foreground",
        "preconditions": {"uid": "u"},
    }
    with pytest.raises(ValueError, match="propagation policy"):
        delete_body(propagation_policy="Sometimes")
