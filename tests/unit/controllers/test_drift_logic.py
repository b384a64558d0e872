"""Drift repair decisions without a server: kept live values and the repair guard."""

from __future__ import annotations

from navarch.controllers.deployer import keep_live_values
from navarch.controllers.drift import RepairGuard, published_charts, published_refs
from navarch.engines.drift import ResourceRef


def test_excluded_paths_keep_the_live_value() -> None:
    declared = {"kind": "Deployment", "spec": {"replicas": 1, "paused": False}}
    live = {"kind": "Deployment", "spec": {"replicas": 5}, "metadata": {"labels": {"a/b": "x"}}}
    kept = keep_live_values(declared, live, ["/spec/replicas", "/metadata/labels/a~1b", "/x/y"])
    assert kept == {
        "kind": "Deployment",
        "spec": {"replicas": 5, "paused": False},
        "metadata": {"labels": {"a/b": "x"}},
    }
    assert declared["spec"]["replicas"] == 1  # the declared object is not changed


def test_a_fight_is_refused_after_the_limit_and_allowed_after_the_window() -> None:
    guard, key = RepairGuard(), ("ns", "summary")
    allowed = [guard.allow(key, "ConfigMap d/a", now=float(t)) for t in range(RepairGuard.LIMIT)]
    assert allowed == [True] * RepairGuard.LIMIT
    assert not guard.allow(key, "ConfigMap d/a", now=10.0)
    assert guard.allow(key, "ConfigMap d/b", now=10.0)  # per object
    assert guard.allow(key, "ConfigMap d/a", now=RepairGuard.WINDOW + 5.0)
    guard.forget(key)
    assert guard.allow(key, "ConfigMap d/a", now=RepairGuard.WINDOW + 5.5)


def test_published_helm_objects_are_found_with_their_release() -> None:
    rs = {
        "spec": {
            "resources": [{"kind": "ConfigMap", "namespace": "d", "name": "raw"}],
            "chartResources": [
                {
                    "chartName": "repo/web",
                    "releaseName": "web",
                    "releaseNamespace": "apps",
                    "group": [
                        {"kind": "Deployment", "group": "apps", "namespace": "apps", "name": "w"},
                        {"kind": "ClusterRole", "group": "rbac.authorization.k8s.io", "name": "r"},
                    ],
                },
                {"chartName": "repo/empty", "releaseName": "e", "releaseNamespace": "x"},
            ],
        }
    }
    deployment = ResourceRef("apps", "Deployment", "apps", "w")
    role = ResourceRef("rbac.authorization.k8s.io", "ClusterRole", "", "r")
    assert published_charts(rs) == {deployment: ("apps", "web"), role: ("apps", "web")}
    assert published_refs(rs, "Helm") == {deployment, role}
    assert published_refs(rs, "Resources") == {ResourceRef("", "ConfigMap", "d", "raw")}
    assert published_refs(None, "Helm") == set()
