"""ClusterReport: what a DryRun profile would do to one cluster.

When a profile's syncMode is DryRun nothing is changed in its clusters; instead one
ClusterReport per (profile, cluster) lists, for each Helm release and each resource, the action
a real run would take (install, upgrade, create, update, delete, conflict...). The action
strings, spaces included, are Sveltos's, since sveltosctl and users' scripts read them.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from navarch.api.base import APIModel
from navarch.api.names import CONFIG_GROUP, VERSION
from navarch.api.schema import CRDSpec, Default, Desc, Format, MinLength

HelmAction = Literal["No Action", "Install", "Upgrade", "Delete", "Conflict", "Update Values"]
ResourceAction = Literal["No Action", "Create", "Update", "Delete", "Conflict", "Error"]


class ReleaseReport(APIModel):
    """What would happen to one Helm release."""

    release_name: Annotated[str, Field(alias="chartName"), Desc("Release name."), MinLength(1)]
    release_namespace: Annotated[str, Desc("Release namespace."), MinLength(1)]
    chart_version: Annotated[str, Desc("Chart version.")]
    action: Annotated[HelmAction | None, Desc("What would be done to the release.")] = None
    message: Annotated[str | None, Desc("More about the action.")] = None


class Resource(APIModel):
    """A Kubernetes resource in a managed cluster (libsveltos Resource)."""

    name: Annotated[str, Desc("Name of the resource."), MinLength(1)]
    namespace: Annotated[
        str | None, Desc("Namespace of the resource; empty for cluster-scoped ones.")
    ] = None
    group: Annotated[str, Desc("API group of the resource.")]
    kind: Annotated[str, Desc("Kind of the resource."), MinLength(1)]
    version: Annotated[str, Desc("API version of the resource."), MinLength(1)]
    ignore_for_configuration_drift: Annotated[
        bool, Desc("Drift detection does not track this resource."), Default(False)
    ] = False
    last_applied_time: Annotated[
        str | None, Desc("When the resource was last applied."), Format("date-time")
    ] = None


class ResourceReport(APIModel):
    """What would happen to one resource."""

    resource: Annotated[Resource, Desc("The resource.")]
    action: Annotated[ResourceAction | None, Desc("What would be done to the resource.")] = None
    message: Annotated[str | None, Desc("More about the action.")] = None


class ClusterReportSpec(APIModel):
    """The cluster the report is about."""

    cluster_namespace: Annotated[str, Desc("Namespace of the cluster.")]
    cluster_name: Annotated[str, Desc("Name of the cluster.")]


class ClusterReportStatus(APIModel):
    """The actions a real run would take."""

    release_reports: Annotated[list[ReleaseReport] | None, Desc("Helm releases (helmCharts).")] = (
        None
    )
    helm_resource_reports: Annotated[
        list[ResourceReport] | None, Desc("Resources of Helm charts rendered in pull mode.")
    ] = None
    resource_reports: Annotated[list[ResourceReport] | None, Desc("Resources of policyRefs.")] = (
        None
    )
    kustomize_resource_reports: Annotated[
        list[ResourceReport] | None, Desc("Resources of kustomizationRefs.")
    ] = None


CLUSTER_REPORT_CRD = CRDSpec(
    group=CONFIG_GROUP,
    version=VERSION,
    kind="ClusterReport",
    plural="clusterreports",
    scope="Namespaced",
    spec=ClusterReportSpec,
    status=ClusterReportStatus,
    description="What a DryRun ClusterProfile or Profile would change in one cluster.",
)
