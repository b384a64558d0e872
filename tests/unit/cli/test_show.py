"""`show addons` and `show usage` rows, from ClusterConfiguration and ClusterSummary objects."""

from __future__ import annotations

from navarch.cli.show import addon_rows, go_time, usage_rows

CONFIG = {
    "metadata": {"namespace": "fleet", "name": "sveltos--c1"},
    "status": {
        "clusterProfileResources": [
            {
                "clusterProfileName": "base",
                "Features": [
                    {
                        "featureID": "Resources",
                        "resources": [
                            {
                                "group": "",
                                "kind": "ConfigMap",
                                "version": "v1",
                                "namespace": "default",
                                "name": "settings",
                                "lastAppliedTime": "2026-11-25T16:11:00Z",
                                "deploymentType": "Remote",
                            },
                            {
                                "group": "apps",
                                "kind": "Deployment",
                                "version": "v1",
                                "namespace": "web",
                                "name": "nginx",
                                "lastAppliedTime": "2026-11-25T16:11:00Z",
                                "deploymentType": "Local",
                            },
                        ],
                    },
                    {
                        "featureID": "Helm",
                        "charts": [
                            {
                                "releaseName": "cert-manager",
                                "namespace": "cert-manager",
                                "chartVersion": "v1.16.0",
                                "lastAppliedTime": "2026-11-25T16:12:00Z",
                            }
                        ],
                    },
                ],
            }
        ],
        "profileResources": [
            {
                "profileName": "tenant",
                "Features": [
                    {
                        "featureID": "Resources",
                        "resources": [
                            {
                                "group": "",
                                "kind": "ConfigMap",
                                "version": "v1",
                                "namespace": "default",
                                "name": "settings",
                                "lastAppliedTime": "2026-11-25T16:11:00Z",
                                "deploymentType": "Remote",
                            }
                        ],
                    }
                ],
            }
        ],
    },
}


def test_rows_have_sveltosctl_cells_and_merge_profiles() -> None:
    rows = addon_rows([CONFIG])
    assert [(r.resource_type, r.name, r.version, r.deployment_type, r.profiles) for r in rows] == [
        (":ConfigMap", "settings", "N/A", "Managed cluster", "ClusterProfile/base;Profile/tenant"),
        ("apps:Deployment", "nginx", "N/A", "Management cluster", "ClusterProfile/base"),
        ("helm chart", "cert-manager", "v1.16.0", "Managed cluster", "ClusterProfile/base"),
    ]
    assert rows[0].cluster == "fleet/c1"
    assert rows[0].time == "2026-11-25 16:11:00 +0000 UTC"


def test_filters() -> None:
    assert addon_rows([CONFIG], cluster="other") == []
    assert [r.name for r in addon_rows([CONFIG], profile="Profile/tenant")] == ["settings"]
    assert [r.name for r in addon_rows([CONFIG], charts=False)] == ["settings", "nginx"]
    assert [r.name for r in addon_rows([CONFIG], resources=False)] == ["cert-manager"]
    assert go_time("") == ""


def test_usage_lists_profiles_and_their_sources_per_cluster() -> None:
    summaries = [
        {
            "metadata": {
                "namespace": "fleet",
                "labels": {"projectsveltos.io/cluster-profile-name": "base"},
            },
            "spec": {
                "clusterNamespace": "fleet",
                "clusterName": c,
                "clusterProfileSpec": {
                    "policyRefs": [
                        {"kind": "ConfigMap", "name": "addons"},
                        {"kind": "Secret", "namespace": "vault", "name": "creds"},
                    ]
                },
            },
        }
        for c in ("c2", "c1")
    ]
    rows = usage_rows(summaries)
    assert [(r.resource_kind, r.resource_namespace, r.resource_name, r.clusters) for r in rows] == [
        ("ClusterProfile", "", "base", "fleet/c1, fleet/c2"),
        ("ConfigMap", "fleet", "addons", "fleet/c1, fleet/c2"),
        ("Secret", "vault", "creds", "fleet/c1, fleet/c2"),
    ]
