"""What the drift agent reads from a ResourceSummary, without a server."""

from __future__ import annotations

from navarch.agent.drift import WatchKey, summary_key_of, tracked_of
from navarch.engines.drift import ResourceRef


def test_a_resource_summary_names_what_to_watch_and_the_baselines() -> None:
    rs = {
        "metadata": {
            "annotations": {
                "projectsveltos.io/cluster-summary-name": "p-sveltos-c",
                "projectsveltos.io/cluster-summary-namespace": "fleet",
            }
        },
        "spec": {
            "resources": [
                {
                    "group": "apps",
                    "version": "v1",
                    "kind": "Deployment",
                    "namespace": "a",
                    "name": "web",
                },
                {"group": "", "version": "v1", "kind": "Namespace", "name": "a"},
                {
                    "group": "",
                    "version": "v1",
                    "kind": "ConfigMap",
                    "namespace": "a",
                    "name": "skip",
                    "ignoreForConfigurationDrift": True,
                },
            ],
            "patches": [{"patch": "- op: remove\n  path: /spec/replicas"}],
        },
        "status": {
            "resourcesChanged": True,
            "resourceHashes": [
                {
                    "resource": {
                        "group": "apps",
                        "kind": "Deployment",
                        "namespace": "a",
                        "name": "web",
                    },
                    "hash": "sha256:w",
                }
            ],
        },
    }
    assert summary_key_of(rs) == ("fleet", "p-sveltos-c")
    tracked = tracked_of(rs)
    web = ResourceRef("apps", "Deployment", "a", "web")
    assert tracked.resources == {
        web: WatchKey("apps/v1", "Deployment"),
        ResourceRef("", "Namespace", "", "a"): WatchKey("v1", "Namespace"),
    }
    assert tracked.hashes == {web: "sha256:w"}
    assert tracked.reported
    assert len(tracked.patches) == 1
    assert summary_key_of({"metadata": {}}) is None


def test_a_helm_release_s_objects_are_watched_per_namespace_without_the_reason_label() -> None:
    chart = {"chartName": "demo", "releaseName": "r", "releaseNamespace": "apps"}
    rs = {
        "spec": {
            "chartResources": [
                {
                    **chart,
                    "group": [
                        {
                            "group": "",
                            "version": "v1",
                            "kind": "ConfigMap",
                            "namespace": "apps",
                            "name": "cfg",
                        },
                        {
                            "group": "rbac.authorization.k8s.io",
                            "version": "v1",
                            "kind": "ClusterRole",
                            "name": "reader",
                        },
                    ],
                }
            ]
        },
        "status": {
            "helmResourcesChanged": True,
            "helmResourceHashes": [
                {
                    "resource": {"kind": "ConfigMap", "namespace": "apps", "name": "cfg"},
                    "hash": "sha256:c",
                }
            ],
        },
    }
    tracked = tracked_of(rs)
    cfg = ResourceRef("", "ConfigMap", "apps", "cfg")
    role = ResourceRef("rbac.authorization.k8s.io", "ClusterRole", "", "reader")
    assert tracked.resources == {
        cfg: WatchKey("v1", "ConfigMap", "apps", labelled=False),
        role: WatchKey("rbac.authorization.k8s.io/v1", "ClusterRole", "", labelled=False),
    }
    assert tracked.charts == {cfg: chart, role: chart}
    assert tracked.hashes == {cfg: "sha256:c"}
    assert tracked.reported
