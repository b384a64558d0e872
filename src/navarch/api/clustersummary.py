"""ClusterSummary: one profile applied to one cluster.

The profile controller writes one ClusterSummary per (profile, matching cluster), in the
cluster's namespace, with a copy of the profile's spec; the ClusterSummary controller deploys
it and reports, per feature (Resources, Helm, Kustomize), how far it got. Keeping the copy lets
a cluster be deployed and reported on independently of every other cluster of the profile.
Field names, enums and printer columns are Sveltos's, so ``kubectl get clustersummaries``
reads the same.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from navarch.api.base import APIModel, WireBytes
from navarch.api.names import CONFIG_GROUP, VERSION
from navarch.api.profile import Spec
from navarch.api.schema import (
    AGE,
    Atomic,
    CRDSpec,
    Desc,
    Format,
    ListMap,
    MinLength,
    PrinterColumn,
)
from navarch.api.validatehealth import FeatureID, SecretReference

FeatureStatus = Literal[
    "Provisioning",
    "Provisioned",
    "Failed",
    "FailedNonRetriable",
    "Removing",
    "Removed",
    "AgentRemoving",
]
HelmChartStatus = Literal["Managing", "Conflict"]


class FeatureSummary(APIModel):
    """How far one feature of the profile is deployed in the cluster."""

    feature_id: Annotated[FeatureID, Field(alias="featureID"), Desc("The feature.")]
    hash: Annotated[
        WireBytes | None, Desc("Hash of the feature's configuration last deployed.")
    ] = None
    consecutive_failures: Annotated[int | None, Desc("Failed deployments in a row.")] = None
    status: Annotated[FeatureStatus | None, Desc("Where the feature is in its lifecycle.")] = None
    failure_reason: Annotated[str | None, Desc("The kind of error last seen.")] = None
    failure_message: Annotated[str | None, Desc("The error last seen.")] = None
    deployed_group_version_kind: Annotated[
        list[str] | None, Desc("Deprecated: kinds deployed, as kind.version.group.")
    ] = None
    last_applied_time: Annotated[
        str | None, Desc("When the feature was last deployed."), Format("date-time")
    ] = None
    resource_summary_deployed: Annotated[
        bool | None, Desc("A ResourceSummary for drift detection is in the cluster.")
    ] = None


class FeatureDeploymentInfo(APIModel):
    """The kinds one feature deployed (libsveltos FeatureDeploymentInfo)."""

    feature_id: Annotated[FeatureID, Field(alias="featureID"), Desc("The feature.")]
    deployed_group_version_kind: Annotated[
        list[str] | None, Desc("Kinds deployed, as kind.version.group.")
    ] = None


class HelmChartSummary(APIModel):
    """One Helm release of the profile in the cluster, and whether this profile owns it."""

    release_name: Annotated[str, Desc("Release name."), MinLength(1)]
    release_namespace: Annotated[str, Desc("Release namespace."), MinLength(1)]
    status: Annotated[
        HelmChartStatus, Desc("Managing, or Conflict when another profile owns the release.")
    ]
    values_hash: Annotated[WireBytes | None, Desc("Hash of the values last deployed.")] = None
    patches_hash: Annotated[WireBytes | None, Desc("Hash of the patches last deployed.")] = None
    conflict_message: Annotated[str | None, Desc("Which profile owns the release.")] = None
    failure_message: Annotated[str | None, Desc("The error Helm last returned.")] = None
    chart_name: Annotated[str | None, Desc("Chart name as deployed (after templating).")] = None
    repository_name: Annotated[str | None, Desc("Repository name as deployed.")] = None
    repo_url: Annotated[str | None, Field(alias="repoURL"), Desc("Repository URL as deployed.")] = (
        None
    )
    chart_version: Annotated[str | None, Desc("Chart version as deployed.")] = None
    credentials_secret_ref: Annotated[
        SecretReference | None, Desc("Secret used to authenticate to the repository.")
    ] = None
    latest_version: Annotated[
        str | None, Desc("Newest published version, if newer than chartVersion.")
    ] = None
    latest_patch_version: Annotated[
        str | None, Desc("Newest published patch of chartVersion's minor, if newer.")
    ] = None
    last_checked_time: Annotated[
        str | None, Desc("When the published versions were last checked."), Format("date-time")
    ] = None
    needs_redeploy: Annotated[
        bool | None, Desc("Drift was detected; upgrade on the next reconciliation.")
    ] = None


class ClusterSummarySpec(APIModel):
    """The cluster, and the profile spec to apply to it."""

    cluster_namespace: Annotated[str, Desc("Namespace of the cluster.")]
    cluster_name: Annotated[str, Desc("Name of the cluster.")]
    cluster_type: Annotated[str, Desc("Kind of cluster: Capi or Sveltos.")]
    cluster_profile_spec: Annotated[
        Spec | None, Desc("The spec of the profile, as copied for this cluster.")
    ] = None


class DriftStatus(APIModel):
    """Navarch's record of drift repairs (ContinuousWithDriftDetection); not in Sveltos."""

    last_drift_time: Annotated[
        str | None, Desc("When drift was last repaired."), Format("date-time")
    ] = None
    objects: Annotated[
        list[str] | None, Desc("What drifted last time and how (changed, deleted)."), Atomic
    ] = None
    repairs: Annotated[int | None, Desc("Drifted objects repaired so far.")] = None
    message: Annotated[
        str | None, Desc("Why a drift is not being repaired (e.g. another writer keeps at it).")
    ] = None


class ClusterSummaryStatus(APIModel):
    """How far the profile is deployed in the cluster."""

    dependencies: Annotated[
        str | None, Desc("Which profiles this one depends on are not deployed yet.")
    ] = None
    feature_summaries: Annotated[
        list[FeatureSummary] | None,
        Desc("Deployment state per feature."),
        ListMap(("featureID",)),
    ] = None
    deployed_gvks: Annotated[
        list[FeatureDeploymentInfo] | None,
        Field(alias="deployedGVKs"),
        Desc("Kinds deployed per feature."),
        ListMap(("featureID",)),
    ] = None
    helm_release_summaries: Annotated[
        list[HelmChartSummary] | None, Desc("State of each Helm release."), Atomic
    ] = None
    next_reconcile_time: Annotated[
        str | None, Desc("Do not reconcile again before this time."), Format("date-time")
    ] = None
    failure_message: Annotated[
        str | None, Desc("An error of the ClusterSummary itself, not of a feature.")
    ] = None
    reconciliation_suspended: Annotated[
        bool | None, Desc("Reconciliation is paused (e.g. by the paused annotation).")
    ] = None
    suspension_reason: Annotated[str | None, Desc("Why reconciliation is paused.")] = None
    drift: Annotated[DriftStatus | None, Desc("Drift repairs (Navarch).")] = None


def _feature_column(name: str, feature: str, what: str) -> PrinterColumn:
    return PrinterColumn(
        name,
        "string",
        f'.status.featureSummaries[?(@.featureID=="{feature}")].status',
        f"Whether the {what} are deployed",
        priority=2,
    )


CLUSTER_SUMMARY_CRD = CRDSpec(
    group=CONFIG_GROUP,
    version=VERSION,
    kind="ClusterSummary",
    plural="clustersummaries",
    scope="Namespaced",
    spec=ClusterSummarySpec,
    status=ClusterSummaryStatus,
    description="One ClusterProfile or Profile applied to one cluster, and its progress.",
    printer_columns=(
        AGE,
        _feature_column("HelmCharts", "Helm", "Helm charts"),
        _feature_column("KustomizeRefs", "Kustomize", "kustomizationRefs"),
        _feature_column("PolicyRefs", "Resources", "policyRefs"),
    ),
)
