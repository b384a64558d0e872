"""ClusterConfiguration: everything deployed in one cluster, grouped by profile and feature.

There is one per cluster, in the cluster's namespace, and it has no spec: the controllers write
only its status, listing for each ClusterProfile and Profile the resources and Helm charts it
deployed there. It answers "what is in this cluster and who put it there" in one read.

As in Sveltos's CRD, the schema has no ``spec`` property.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from navarch.api.base import APIModel
from navarch.api.names import CONFIG_GROUP, VERSION
from navarch.api.profile import DeploymentType
from navarch.api.schema import CRDSpec, Default, Desc, Format, MinLength
from navarch.api.validatehealth import FeatureID


class Chart(APIModel):
    """A Helm release deployed in the cluster."""

    repo_url: Annotated[
        str, Field(alias="repoURL"), Desc("URL of the chart's repository."), MinLength(1)
    ]
    release_name: Annotated[str, Desc("Release name."), MinLength(1)]
    namespace: Annotated[str | None, Desc("Release namespace.")] = None
    chart_version: Annotated[str, Desc("Chart version.")]
    app_version: Annotated[str | None, Desc("Version of the application in the chart.")] = None
    icon: Annotated[str | None, Desc("URL of the chart's icon.")] = None
    # required by Sveltos's schema, though Go may send null for it
    last_applied_time: Annotated[
        str | None, Desc("When the release was last deployed."), Format("date-time")
    ]


class DeployedResource(APIModel):
    """A Kubernetes resource deployed in (or, for Local, because of) the cluster."""

    name: Annotated[str, Desc("Name of the resource."), MinLength(1)]
    namespace: Annotated[
        str | None, Desc("Namespace of the resource; empty for cluster-scoped ones.")
    ] = None
    group: Annotated[str, Desc("API group of the resource.")]
    kind: Annotated[str, Desc("Kind of the resource."), MinLength(1)]
    version: Annotated[str, Desc("API version of the resource."), MinLength(1)]
    last_applied_time: Annotated[
        str | None, Desc("When the resource was last applied."), Format("date-time")
    ] = None
    deployment_type: Annotated[
        DeploymentType,
        Desc("Deployed in the managed cluster (Remote) or the management cluster (Local)."),
        Default("Remote"),
    ] = "Remote"


class Feature(APIModel):
    """What one feature of a profile deployed."""

    feature_id: Annotated[FeatureID, Field(alias="featureID"), Desc("The feature.")]
    resources: Annotated[list[DeployedResource] | None, Desc("Resources deployed.")] = None
    charts: Annotated[list[Chart] | None, Desc("Helm releases deployed.")] = None


class ClusterProfileResource(APIModel):
    """What one ClusterProfile deployed in the cluster."""

    cluster_profile_name: Annotated[str, Desc("Name of the ClusterProfile.")]
    features: Annotated[
        list[Feature] | None, Field(alias="Features"), Desc("What each feature deployed.")
    ] = None


class ProfileResource(APIModel):
    """What one Profile deployed in the cluster."""

    profile_name: Annotated[str, Desc("Name of the Profile.")]
    features: Annotated[
        list[Feature] | None, Field(alias="Features"), Desc("What each feature deployed.")
    ] = None


class ClusterConfigurationStatus(APIModel):
    """Resources and Helm releases in the cluster, by profile."""

    cluster_profile_resources: Annotated[
        list[ClusterProfileResource] | None, Desc("What each ClusterProfile deployed.")
    ] = None
    profile_resources: Annotated[
        list[ProfileResource] | None, Desc("What each Profile deployed.")
    ] = None


CLUSTER_CONFIGURATION_CRD = CRDSpec(
    group=CONFIG_GROUP,
    version=VERSION,
    kind="ClusterConfiguration",
    plural="clusterconfigurations",
    scope="Namespaced",
    spec=None,
    status=ClusterConfigurationStatus,
    description="Everything deployed in one cluster, by ClusterProfile or Profile and feature.",
)
