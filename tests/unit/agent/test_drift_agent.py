"""What the drift agent reads from a ResourceSummary, without a server."""

from __future__ import annotations

from navarch.agent.drift import summary_key_of, tracked_of
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
        web: ("apps/v1", "Deployment"),
        ResourceRef("", "Namespace", "", "a"): ("v1", "Namespace"),
    }
    assert tracked.hashes == {web: "sha256:w"}
    assert tracked.reported
    assert len(tracked.patches) == 1
    assert summary_key_of({"metadata": {}}) is None
