"""ClusterSet (cluster-scoped) and Set (namespaced): a pool of clusters and an active subset.

Both kinds share one spec and status, as in Sveltos: ``matchingClusterRefs`` are the ready
clusters the selector and ``clusterRefs`` name; ``selectedClusterRefs`` are up to
``maxReplicas`` of them whose connection is not Down. Profiles that reference a set deploy to
its selected clusters, so a Down cluster is replaced by another (active/passive failover).
"""

from __future__ import annotations

from typing import Annotated

from navarch.api.base import APIModel
from navarch.api.meta import LabelSelector, ObjectReference
from navarch.api.names import LIB_GROUP, VERSION
from navarch.api.schema import CRDSpec, Desc


class SetSpec(APIModel):
    """Which clusters form the pool, and how many of them to select."""

    cluster_selector: Annotated[
        LabelSelector | None, Desc("Clusters whose labels match are in the pool.")
    ] = None
    cluster_refs: Annotated[list[ObjectReference] | None, Desc("Clusters in the pool by name.")] = (
        None
    )
    max_replicas: Annotated[
        int | None, Desc("How many clusters of the pool to select at most.")
    ] = None


class SetStatus(APIModel):
    """The pool as last computed, and the clusters selected from it."""

    matching_cluster_refs: Annotated[
        list[ObjectReference] | None, Desc("Ready clusters in the pool.")
    ] = None
    selected_cluster_refs: Annotated[
        list[ObjectReference] | None, Desc("Clusters selected from the pool.")
    ] = None


CLUSTER_SET_CRD = CRDSpec(
    group=LIB_GROUP,
    version=VERSION,
    kind="ClusterSet",
    plural="clustersets",
    scope="Cluster",
    spec=SetSpec,
    status=SetStatus,
    description="A pool of clusters from any namespace, and the subset selected from it.",
)

SET_CRD = CRDSpec(
    group=LIB_GROUP,
    version=VERSION,
    kind="Set",
    plural="sets",
    scope="Namespaced",
    spec=SetSpec,
    status=SetStatus,
    description="A pool of clusters of one namespace, and the subset selected from it.",
)
