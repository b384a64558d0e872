"""The config.projectsveltos.io CRDs say what Sveltos's say, and Sveltos specs round-trip."""

from __future__ import annotations

import base64
import copy
import typing
from typing import Any, get_args, get_origin

import pytest
from pydantic import BaseModel

from navarch.api.clusterconfiguration import CLUSTER_CONFIGURATION_CRD, ClusterConfigurationStatus
from navarch.api.clusterreport import CLUSTER_REPORT_CRD, ClusterReportStatus
from navarch.api.clustersummary import CLUSTER_SUMMARY_CRD, ClusterSummaryStatus
from navarch.api.crds import ALL_CRDS
from navarch.api.profile import CLUSTER_PROFILE_CRD, PROFILE_CRD, Spec, Status
from navarch.api.schema import CRDSpec, Default

Schema = dict[str, Any]


def walk(node: Schema, path: str = "") -> list[str]:
    """Paths of schema nodes that are not structural (no type and no escape hatch)."""
    problems = []
    if not (
        {"type", "x-kubernetes-int-or-string", "x-kubernetes-preserve-unknown-fields"} & node.keys()
    ):
        problems.append(path or "/")
    for key in ("anyOf", "oneOf", "allOf", "not", "$ref"):
        if key in node:
            problems.append(f"{path} uses {key}")
    for name, child in (node.get("properties") or {}).items():
        problems += walk(child, f"{path}/{name}")
    if isinstance(node.get("items"), dict):
        problems += walk(node["items"], f"{path}[]")
    if isinstance(node.get("additionalProperties"), dict):
        problems += walk(node["additionalProperties"], f"{path}{{}}")
    return problems


def root(crd: CRDSpec) -> Schema:
    schema: Schema = crd.manifest()["spec"]["versions"][0]["schema"]["openAPIV3Schema"]
    return schema


def spec_props(crd: CRDSpec) -> Schema:
    props: Schema = root(crd)["properties"]["spec"]["properties"]
    return props


@pytest.mark.parametrize("crd", ALL_CRDS, ids=lambda c: c.kind)
def test_every_crd_is_structural(crd: CRDSpec) -> None:
    assert walk(root(crd)) == []


@pytest.mark.parametrize(
    ("crd", "name", "scope"),
    [
        (CLUSTER_PROFILE_CRD, "clusterprofiles.config.projectsveltos.io", "Cluster"),
        (PROFILE_CRD, "profiles.config.projectsveltos.io", "Namespaced"),
        (CLUSTER_SUMMARY_CRD, "clustersummaries.config.projectsveltos.io", "Namespaced"),
        (CLUSTER_CONFIGURATION_CRD, "clusterconfigurations.config.projectsveltos.io", "Namespaced"),
        (CLUSTER_REPORT_CRD, "clusterreports.config.projectsveltos.io", "Namespaced"),
    ],
    ids=lambda v: v.kind if isinstance(v, CRDSpec) else "",
)
def test_names_scope_and_status_subresource(crd: CRDSpec, name: str, scope: str) -> None:
    manifest = crd.manifest()
    assert manifest["metadata"]["name"] == name
    spec = manifest["spec"]
    assert spec["group"] == "config.projectsveltos.io"
    assert spec["scope"] == scope
    assert spec["names"]["kind"] == crd.kind
    assert spec["names"]["listKind"] == f"{crd.kind}List"
    assert spec["names"]["singular"] == crd.kind.lower()
    (version,) = spec["versions"]
    assert version["name"] == "v1beta1"
    assert version["subresources"] == {"status": {}}


def test_all_crds_lists_every_kind_in_install_order() -> None:
    assert [crd.kind for crd in ALL_CRDS] == [
        "SveltosCluster",
        "ClusterSet",
        "Set",
        "ClusterProfile",
        "Profile",
        "ClusterSummary",
        "ClusterConfiguration",
        "ClusterReport",
        "ResourceSummary",
    ]


def test_profiles_share_spec_and_status() -> None:
    assert root(CLUSTER_PROFILE_CRD)["properties"] == root(PROFILE_CRD)["properties"]


def test_clusterconfiguration_has_status_and_no_spec() -> None:
    props = root(CLUSTER_CONFIGURATION_CRD)["properties"]
    assert set(props) == {"apiVersion", "kind", "metadata", "status"}
    features = props["status"]["properties"]["clusterProfileResources"]["items"]["properties"]
    assert set(features) == {"clusterProfileName", "Features"}
    chart = features["Features"]["items"]["properties"]["charts"]["items"]
    assert sorted(chart["required"]) == [
        "chartVersion",
        "lastAppliedTime",
        "releaseName",
        "repoURL",
    ]


SPEC_FIELDS = [
    "clusterSelector",
    "clusterRefs",
    "setRefs",
    "syncMode",
    "tier",
    "continueOnConflict",
    "continueOnError",
    "maxUpdate",
    "stopMatchingBehavior",
    "reloader",
    "templateResourceRefs",
    "dependsOn",
    "policyRefs",
    "helmCharts",
    "kustomizationRefs",
    "preDeployChecks",
    "validateHealths",
    "patches",
    "patchesFrom",
    "driftExclusions",
    "maxConsecutiveFailures",
    "preDeleteChecks",
    "postDeleteChecks",
    "extraLabels",
    "extraAnnotations",
]


def test_clusterprofile_spec_fields_and_rules() -> None:
    props = spec_props(CLUSTER_PROFILE_CRD)
    assert sorted(props) == sorted(SPEC_FIELDS)
    assert len(SPEC_FIELDS) == 25
    assert "required" not in root(CLUSTER_PROFILE_CRD)["properties"]["spec"]

    assert props["syncMode"]["enum"] == [
        "OneTime",
        "Continuous",
        "ContinuousWithDriftDetection",
        "DryRun",
    ]
    assert props["syncMode"]["default"] == "Continuous"
    assert props["tier"]["default"] == 100
    assert props["tier"]["minimum"] == 1
    assert props["tier"]["type"] == "integer"
    assert props["stopMatchingBehavior"]["enum"] == ["WithdrawPolicies", "LeavePolicies"]
    assert props["stopMatchingBehavior"]["default"] == "WithdrawPolicies"
    assert props["maxUpdate"]["x-kubernetes-int-or-string"] is True
    assert props["maxUpdate"]["pattern"] == "^((100|[0-9]{1,2})%|[0-9]+)$"
    assert props["maxConsecutiveFailures"]["type"] == "integer"
    assert props["clusterSelector"]["x-kubernetes-map-type"] == "atomic"

    refs = props["templateResourceRefs"]
    assert refs["x-kubernetes-list-type"] == "map"
    assert refs["x-kubernetes-list-map-keys"] == ["identifier"]
    assert sorted(refs["items"]["required"]) == ["identifier", "resource"]
    for name in (
        "policyRefs",
        "helmCharts",
        "kustomizationRefs",
        "preDeployChecks",
        "validateHealths",
        "patches",
        "patchesFrom",
        "driftExclusions",
        "preDeleteChecks",
        "postDeleteChecks",
    ):
        assert props[name]["x-kubernetes-list-type"] == "atomic", name


def test_policyref_and_kustomizationref_rules() -> None:
    props = spec_props(CLUSTER_PROFILE_CRD)
    either = [
        {
            "rule": "has(self.remoteURL) != has(self.kind)",
            "message": "either remoteURL or kind must be set, but not both",
        }
    ]
    policy = props["policyRefs"]["items"]
    assert policy["x-kubernetes-validations"] == either
    assert policy["properties"]["kind"]["enum"] == [
        "GitRepository",
        "OCIRepository",
        "Bucket",
        "ConfigMap",
        "Secret",
    ]
    assert policy["properties"]["deploymentType"]["default"] == "Remote"
    assert policy["properties"]["remoteURL"]["properties"]["url"]["pattern"] == "^(https?|oci)://"
    assert "plainHTTP" in policy["properties"]["remoteURL"]["properties"]
    assert "insecureSkipTLSVerify" in policy["properties"]["remoteURL"]["properties"]

    kustomize = props["kustomizationRefs"]["items"]
    assert kustomize["x-kubernetes-validations"] == either
    target = kustomize["properties"]["targetNamespace"]
    assert (target["minLength"], target["maxLength"]) == (1, 63)
    assert kustomize["properties"]["tier"]["default"] == 100


def test_helmchart_rules_and_defaults() -> None:
    chart = spec_props(CLUSTER_PROFILE_CRD)["helmCharts"]["items"]
    rules = chart["x-kubernetes-validations"]
    assert len(rules) == 6
    for field, message in (
        ("chartName", "ChartName must be defined"),
        ("chartVersion", "ChartVersion must be defined"),
        ("repositoryName", "RepositoryName must be defined"),
    ):
        for scheme in ("http", "oci"):
            rule = f"self.repositoryURL.startsWith('{scheme}') ? size(self.{field}) >= 1 : true"
            assert {"rule": rule, "message": message} in rules
    props = chart["properties"]
    assert sorted(chart["required"]) == ["releaseName", "releaseNamespace", "repositoryURL"]
    assert props["helmChartAction"]["default"] == "Install"
    assert props["helmChartAction"]["enum"] == ["Install", "Uninstall"]
    options = props["options"]["properties"]
    assert "skipCRDs" in options and "disableOpenAPIValidation" in options
    assert options["installOptions"]["properties"]["createNamespace"]["default"] is True
    assert options["upgradeOptions"]["properties"]["maxHistory"]["default"] == 2
    assert "upgradeCRDs" in options["upgradeOptions"]["properties"]
    assert options["uninstallOptions"]["properties"]["deletionPropagation"]["enum"] == [
        "orphan",
        "foreground",
        "background",
    ]
    assert props["signatureVerification"]["properties"]["matchOIDCIdentity"]["type"] == "array"


def test_validatehealth_rule_and_names() -> None:
    check = spec_props(CLUSTER_PROFILE_CRD)["validateHealths"]["items"]
    assert check["x-kubernetes-validations"] == [
        {
            "rule": "!has(self.jobCheck) || (!has(self.script) && !has(self.evaluateCEL))",
            "message": "jobCheck cannot be set together with script or evaluateCEL",
        }
    ]
    assert sorted(check["required"]) == ["featureID", "name"]
    assert check["properties"]["featureID"]["enum"] == ["Resources", "Helm", "Kustomize"]
    assert "evaluateCEL" in check["properties"]
    job_ref = check["properties"]["jobCheck"]["properties"]["jobRef"]
    assert sorted(job_ref["required"]) == ["kind", "name", "namespace"]


def test_clustersummary_columns_and_status() -> None:
    version = CLUSTER_SUMMARY_CRD.manifest()["spec"]["versions"][0]
    columns = [
        (c["name"], c["type"], c["jsonPath"], c.get("priority", 0))
        for c in version["additionalPrinterColumns"]
    ]
    assert columns == [
        ("Age", "date", ".metadata.creationTimestamp", 0),
        ("HelmCharts", "string", '.status.featureSummaries[?(@.featureID=="Helm")].status', 2),
        (
            "KustomizeRefs",
            "string",
            '.status.featureSummaries[?(@.featureID=="Kustomize")].status',
            2,
        ),
        (
            "PolicyRefs",
            "string",
            '.status.featureSummaries[?(@.featureID=="Resources")].status',
            2,
        ),
    ]
    spec = spec_props(CLUSTER_SUMMARY_CRD)
    assert sorted(spec["clusterProfileSpec"]["properties"]) == sorted(SPEC_FIELDS)
    status = root(CLUSTER_SUMMARY_CRD)["properties"]["status"]["properties"]
    for name in ("featureSummaries", "deployedGVKs"):
        assert status[name]["x-kubernetes-list-type"] == "map"
        assert status[name]["x-kubernetes-list-map-keys"] == ["featureID"]
    assert status["helmReleaseSummaries"]["x-kubernetes-list-type"] == "atomic"
    assert status["featureSummaries"]["items"]["properties"]["status"]["enum"] == [
        "Provisioning",
        "Provisioned",
        "Failed",
        "FailedNonRetriable",
        "Removing",
        "Removed",
        "AgentRemoving",
    ]
    assert status["nextReconcileTime"]["format"] == "date-time"


def test_clusterreport_actions() -> None:
    status = root(CLUSTER_REPORT_CRD)["properties"]["status"]["properties"]
    release = status["releaseReports"]["items"]
    assert sorted(release["required"]) == ["chartName", "chartVersion", "releaseNamespace"]
    assert release["properties"]["action"]["enum"] == [
        "No Action",
        "Install",
        "Upgrade",
        "Delete",
        "Conflict",
        "Update Values",
    ]
    for name in ("resourceReports", "kustomizeResourceReports", "helmResourceReports"):
        report = status[name]["items"]
        assert report["required"] == ["resource"]
        assert report["properties"]["action"]["enum"] == [
            "No Action",
            "Create",
            "Update",
            "Delete",
            "Conflict",
            "Error",
        ]


def _models(model: type[BaseModel], seen: set[type[BaseModel]]) -> None:
    if model in seen:
        return
    seen.add(model)
    for hint in typing.get_type_hints(model, include_extras=True).values():
        stack = [hint]
        while stack:
            node = stack.pop()
            if isinstance(node, type) and issubclass(node, BaseModel):
                _models(node, seen)
            elif get_origin(node) is not None:
                stack.extend(get_args(node))


def test_python_defaults_equal_schema_defaults() -> None:
    models: set[type[BaseModel]] = set()
    for crd in ALL_CRDS:
        if crd.spec is not None:
            _models(crd.spec, models)
        if crd.status is not None:
            _models(crd.status, models)
    checked = 0
    for model in models:
        hints = typing.get_type_hints(model, include_extras=True)
        for name, field in model.model_fields.items():
            for marker in get_args(hints[name])[1:]:
                if isinstance(marker, Default) and field.default is not None:
                    assert field.default == marker.value, f"{model.__name__}.{name}"
                    checked += 1
    assert checked > 40


# A ClusterProfile spec as a Sveltos user writes it: every top-level field, most nested ones.
SVELTOS_SPEC: Schema = {
    "clusterSelector": {
        "matchLabels": {"env": "prod"},
        "matchExpressions": [{"key": "region", "operator": "In", "values": ["eu", "us"]}],
    },
    "clusterRefs": [
        {
            "apiVersion": "lib.projectsveltos.io/v1beta1",
            "kind": "SveltosCluster",
            "namespace": "mgmt",
            "name": "mgmt",
        }
    ],
    "setRefs": ["prod"],
    "syncMode": "ContinuousWithDriftDetection",
    "tier": 50,
    "continueOnConflict": True,
    "continueOnError": True,
    "maxUpdate": "30%",
    "stopMatchingBehavior": "LeavePolicies",
    "reloader": True,
    "templateResourceRefs": [
        {
            "resource": {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "name": "{{ .Cluster.metadata.name }}",
            },
            "identifier": "ClusterInfo",
            "optional": True,
            "watchFields": ["data.region"],
        }
    ],
    "dependsOn": ["base"],
    "policyRefs": [
        {"kind": "ConfigMap", "namespace": "default", "name": "nginx", "tier": 10},
        {
            "kind": "GitRepository",
            "namespace": "flux-system",
            "name": "flux-system",
            "path": "manifests/{{ .Cluster.metadata.name }}",
            "deploymentType": "Local",
            "skipNamespaceCreation": True,
            "force": True,
        },
        {
            "remoteURL": {
                "url": "oci://ghcr.io/example/policies:v1",
                "interval": "10m",
                "template": True,
            }
        },
    ],
    "helmCharts": [
        {
            "repositoryURL": "https://kyverno.github.io/kyverno/",
            "repositoryName": "kyverno",
            "chartName": "kyverno/kyverno",
            "chartVersion": "3.3.4",
            "releaseName": "kyverno-latest",
            "releaseNamespace": "kyverno",
            "helmChartAction": "Install",
            "values": "admissionController:\n  replicas: {{ .Cluster.spec.replicas }}\n",
            "valuesFrom": [{"kind": "ConfigMap", "name": "kyverno-values"}],
            "options": {
                "wait": True,
                "timeout": "10m",
                "labels": {"team": "platform"},
                "postRenderStrategy": "separate",
                "installOptions": {"createNamespace": False},
                "upgradeOptions": {"maxHistory": 5, "upgradeCRDs": True},
                "uninstallOptions": {"keepHistory": True, "deletionPropagation": "foreground"},
            },
            "registryCredentialsConfig": {
                "credentials": {"name": "registry", "namespace": "default"},
                "key": "config.json",
                "insecureSkipTLSVerify": True,
                "plainHTTP": False,
            },
            "provenanceVerification": {"keyringSecretRef": {"name": "keyring"}},
        },
        {
            "repositoryURL": "oci://registry-1.docker.io/bitnamicharts",
            "repositoryName": "bitnami",
            "chartName": "postgresql",
            "chartVersion": "16.0.0",
            "releaseName": "pg",
            "releaseNamespace": "db",
            "signatureVerification": {
                "provider": "Keyless",
                "matchOIDCIdentity": [{"issuer": "https://token.actions.example", "subject": ".*"}],
            },
        },
    ],
    "kustomizationRefs": [
        {
            "kind": "GitRepository",
            "namespace": "flux-system",
            "name": "flux-system",
            "path": "./helloWorld/",
            "components": ["../components/a"],
            "targetNamespace": "eng",
            "values": {"Region": '{{ index .Cluster.metadata.labels "region" }}'},
            "valuesFrom": [
                {"kind": "Secret", "namespace": "default", "name": "kv", "optional": True}
            ],
        },
        {"remoteURL": {"url": "https://example.com/kustomize.tar.gz", "plainHTTP": False}},
    ],
    "preDeployChecks": [
        {
            "name": "crd-present",
            "featureID": "Resources",
            "group": "apiextensions.k8s.io",
            "version": "v1",
            "kind": "CustomResourceDefinition",
            "evaluateCEL": [{"name": "established", "rule": "has(resource.status)"}],
        }
    ],
    "validateHealths": [
        {
            "name": "deployment-health",
            "featureID": "Helm",
            "group": "apps",
            "version": "v1",
            "kind": "Deployment",
            "namespace": "kyverno",
            "labelFilters": [{"key": "app", "operation": "Equal", "value": "kyverno"}],
            "script": "function evaluate()\n  return {health = true}\nend\n",
        },
        {
            "name": "error-rate",
            "featureID": "Kustomize",
            "metricSource": {
                "url": "http://prometheus.monitoring.svc:9090",
                "secretRef": {"name": "prom", "namespace": "monitoring"},
            },
            "metricQueries": [{"name": "errors", "query": "sum(rate(errors[5m]))"}],
            "script": 'function evaluate()\n  return {health = metrics["errors"] < 1}\nend\n',
        },
        {
            "name": "smoke",
            "featureID": "Resources",
            "jobCheck": {
                "jobRef": {"namespace": "default", "name": "smoke-job", "kind": "ConfigMap"},
                "timeout": "2m",
            },
        },
    ],
    "patches": [
        {
            "target": {
                "group": "apps",
                "version": "v1",
                "kind": "Deployment",
                "labelSelector": "app=nginx",
                "annotationSelector": "team=a",
            },
            "patch": "- op: add\n  path: /metadata/labels/env\n  value: prod\n",
        }
    ],
    "patchesFrom": [{"kind": "ConfigMap", "namespace": "default", "name": "patches"}],
    "driftExclusions": [
        {"paths": ["/spec/replicas"], "target": {"kind": "Deployment", "name": "nginx"}}
    ],
    "maxConsecutiveFailures": 5,
    "preDeleteChecks": [{"name": "drained", "featureID": "Helm", "script": "return true"}],
    "postDeleteChecks": [{"name": "gone", "featureID": "Helm", "script": "return true"}],
    "extraLabels": {"owner": "platform"},
    "extraAnnotations": {"note": "managed"},
}


def _schema_at(schema: Schema, path: tuple[str | int, ...]) -> Schema:
    for step in path:
        if isinstance(step, int):
            schema = schema["items"]
        elif step in schema.get("properties", {}):
            schema = schema["properties"][step]
        else:
            schema = schema["additionalProperties"]
    return schema


def _added(before: Any, after: Any, path: tuple[str | int, ...] = ()) -> dict[Any, Any]:
    """Keys ``after`` has that ``before`` lacks, by path; asserts everything else is equal."""
    if isinstance(before, dict):
        assert isinstance(after, dict), path
        assert before.keys() <= after.keys(), path
        found: dict[Any, Any] = {}
        for key, value in after.items():
            if key in before:
                found |= _added(before[key], value, (*path, key))
            else:
                found[(*path, key)] = value
        return found
    if isinstance(before, list):
        assert isinstance(after, list) and len(before) == len(after), path
        found = {}
        for index, (b, a) in enumerate(zip(before, after, strict=True)):
            found |= _added(b, a, (*path, index))
        return found
    assert before == after, path
    return {}


def test_sveltos_spec_round_trips_with_only_defaults_added() -> None:
    given = copy.deepcopy(SVELTOS_SPEC)
    dumped = Spec.parse(given).dump()
    assert given == SVELTOS_SPEC
    added = _added(SVELTOS_SPEC, dumped)
    schema = root(CLUSTER_PROFILE_CRD)["properties"]["spec"]
    for path, value in added.items():
        assert _schema_at(schema, path).get("default") == value, path
    assert added[("policyRefs", 0, "deploymentType")] == "Remote"
    assert added[("helmCharts", 1, "helmChartAction")] == "Install"
    assert added[("helmCharts", 0, "options", "installOptions", "replace")] is True
    assert added[("kustomizationRefs", 0, "tier")] == 100
    assert ("maxUpdate",) not in added
    # the defaulted form is stable
    assert Spec.parse(dumped).dump() == dumped


def test_hashes_keep_their_wire_text() -> None:
    # []byte fields are plain `bytes`, as in SveltosCluster: the base64 text Sveltos wrote is
    # kept as is (not decoded), so parse and dump give back exactly what was read.
    wire = base64.b64encode(bytes(range(256))).decode()
    status = Status.parse({"dependenciesHash": wire, "updatedClusters": {"hash": wire}})
    assert status.dump() == {"dependenciesHash": wire, "updatedClusters": {"hash": wire}}
    hash_node = root(CLUSTER_PROFILE_CRD)["properties"]["status"]["properties"]["dependenciesHash"]
    assert (hash_node["type"], hash_node["format"]) == ("string", "byte")


def test_max_update_takes_a_number_or_a_percentage() -> None:
    assert Spec.parse({"maxUpdate": 3}).max_update == 3
    assert Spec.parse({"maxUpdate": "25%"}).max_update == "25%"
    assert Spec.parse({}).max_update is None


def test_statuses_parse_sveltos_json_names() -> None:
    summary = ClusterSummaryStatus.parse(
        {
            "featureSummaries": [
                {"featureID": "Helm", "status": "Provisioned", "hash": "YWJj"},
            ],
            "deployedGVKs": [
                {"featureID": "Helm", "deployedGroupVersionKind": ["Deployment.v1.apps"]}
            ],
            "helmReleaseSummaries": [
                {
                    "releaseName": "kyverno",
                    "releaseNamespace": "kyverno",
                    "status": "Managing",
                    "repoURL": "https://kyverno.github.io/kyverno/",
                }
            ],
        }
    )
    assert summary.feature_summaries and summary.feature_summaries[0].status == "Provisioned"
    assert summary.deployed_gvks and summary.deployed_gvks[0].feature_id == "Helm"
    assert summary.helm_release_summaries
    assert summary.helm_release_summaries[0].repo_url == "https://kyverno.github.io/kyverno/"
    assert summary.dump()["featureSummaries"][0]["hash"] == "YWJj"

    configuration = ClusterConfigurationStatus.parse(
        {
            "clusterProfileResources": [
                {
                    "clusterProfileName": "kyverno",
                    "Features": [
                        {
                            "featureID": "Helm",
                            "charts": [
                                {
                                    "repoURL": "https://kyverno.github.io/kyverno/",
                                    "releaseName": "kyverno",
                                    "chartVersion": "3.3.4",
                                    "lastAppliedTime": "2025-01-01T00:00:00Z",
                                }
                            ],
                        }
                    ],
                }
            ]
        }
    )
    assert configuration.dump()["clusterProfileResources"][0]["Features"][0]["featureID"] == "Helm"

    report = ClusterReportStatus.parse(
        {
            "releaseReports": [
                {
                    "chartName": "kyverno",
                    "releaseNamespace": "kyverno",
                    "chartVersion": "3.3.4",
                    "action": "No Action",
                }
            ],
            "resourceReports": [
                {
                    "resource": {"name": "a", "group": "", "kind": "ConfigMap", "version": "v1"},
                    "action": "Create",
                }
            ],
        }
    )
    assert report.release_reports and report.release_reports[0].release_name == "kyverno"
    assert report.dump()["releaseReports"][0]["chartName"] == "kyverno"
