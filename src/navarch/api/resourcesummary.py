"""ResourceSummary: the objects drift detection watches for one ClusterSummary.

As in Sveltos, one ResourceSummary per ClusterSummary in ContinuousWithDriftDetection mode lists
what the profile deployed (``spec.resources``; Helm and Kustomize objects in their own lists)
and the driftExclusions as remove-patches (``spec.patches``). The agent that watches those
objects sets ``status.resourcesChanged`` when one is edited or deleted; the manager repairs and
clears it. Where it lives: in the managed cluster (namespace ``projectsveltos``, name
``<clusterSummaryNamespace>--<clusterSummaryName>``) when the agent runs there, or in the
management cluster (the cluster's namespace, the ClusterSummary's name) when it runs beside the
manager, which is what Navarch does today.

Navarch writes ``status.resourceHashes`` itself: the hash of each object as the manager's own
apply left it, so the agent compares against what was deployed rather than against whatever it
happened to see first.
"""

from __future__ import annotations

from typing import Annotated

from navarch.api.base import APIModel
from navarch.api.clusterreport import Resource
from navarch.api.names import LIB_GROUP, VERSION
from navarch.api.schema import Atomic, CRDSpec, Desc
from navarch.api.validatehealth import Patch


class HelmResources(APIModel):
    """The objects of one Helm release."""

    chart_name: Annotated[str, Desc("Name of the chart.")]
    release_name: Annotated[str, Desc("Name of the release.")]
    release_namespace: Annotated[str, Desc("Namespace of the release.")]
    group: Annotated[list[Resource] | None, Desc("The release's objects."), Atomic] = None


class ResourceHash(APIModel):
    """An object and the hash it had when last deployed."""

    resource: Annotated[Resource, Desc("The object.")]
    hash: Annotated[str | None, Desc("Hash of the object as deployed.")] = None
    helm_chart_ref: Annotated[str | None, Desc("The Helm release the object belongs to.")] = None


class HelmChartRef(APIModel):
    """A Helm release found drifted."""

    chart_name: Annotated[str, Desc("Name of the chart.")]
    release_name: Annotated[str, Desc("Name of the release.")]
    release_namespace: Annotated[str, Desc("Namespace of the release.")]


class ResourceSummarySpec(APIModel):
    """What to watch."""

    resources: Annotated[list[Resource] | None, Desc("Objects of policyRefs."), Atomic] = None
    kustomize_resources: Annotated[
        list[Resource] | None, Desc("Objects of kustomizationRefs."), Atomic
    ] = None
    chart_resources: Annotated[
        list[HelmResources] | None, Desc("Objects of Helm releases."), Atomic
    ] = None
    patches: Annotated[
        list[Patch] | None, Desc("Remove-patches for the driftExclusions paths."), Atomic
    ] = None


class ResourceSummaryStatus(APIModel):
    """What changed."""

    resources_changed: Annotated[bool | None, Desc("An object of policyRefs drifted.")] = None
    kustomize_resources_changed: Annotated[
        bool | None, Desc("An object of kustomizationRefs drifted.")
    ] = None
    helm_resources_changed: Annotated[bool | None, Desc("An object of a Helm release drifted.")] = (
        None
    )
    drifted_helm_charts: Annotated[
        list[HelmChartRef] | None, Desc("Helm releases with drifted objects."), Atomic
    ] = None
    resource_hashes: Annotated[
        list[ResourceHash] | None, Desc("Objects of policyRefs and their deployed hashes."), Atomic
    ] = None
    kustomize_resource_hashes: Annotated[
        list[ResourceHash] | None, Desc("Objects of kustomizationRefs and their hashes."), Atomic
    ] = None
    helm_resource_hashes: Annotated[
        list[ResourceHash] | None, Desc("Objects of Helm releases and their hashes."), Atomic
    ] = None


RESOURCE_SUMMARY_CRD = CRDSpec(
    group=LIB_GROUP,
    version=VERSION,
    kind="ResourceSummary",
    plural="resourcesummaries",
    scope="Namespaced",
    spec=ResourceSummarySpec,
    status=ResourceSummaryStatus,
    description="The deployed objects drift detection watches for one ClusterSummary.",
)
