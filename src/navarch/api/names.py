"""Names, labels, annotations and API groups, exactly as Sveltos spells them.

A Sveltos user's selectors, scripts and dashboards look for these strings; Navarch must write
the same ones. Everything here is a fact about the Sveltos API (see the reference), kept in one
module so that a typo cannot hide in a controller.
"""

from __future__ import annotations

LIB_GROUP = "lib.projectsveltos.io"
CONFIG_GROUP = "config.projectsveltos.io"
VERSION = "v1beta1"
LIB_API_VERSION = f"{LIB_GROUP}/{VERSION}"
CONFIG_API_VERSION = f"{CONFIG_GROUP}/{VERSION}"

# The namespace Sveltos components and per-cluster service accounts live in.
PROJECTSVELTOS_NAMESPACE = "projectsveltos"

# SveltosCluster
SVELTOS_CLUSTER_KIND = "SveltosCluster"
KUBECONFIG_SECRET_SUFFIX = "-sveltos-kubeconfig"
KUBECONFIG_KEY = "kubeconfig"
RENEWED_KUBECONFIG_KEY = "re-kubeconfig"
K8S_VERSION_LABEL = "projectsveltos.io/k8s-version"
SHARD_ANNOTATION = "sharding.projectsveltos.io/key"
DEFAULT_FAILURE_THRESHOLD = 3

# The management cluster registers itself as this SveltosCluster.
MANAGEMENT_CLUSTER_NAMESPACE = "mgmt"
MANAGEMENT_CLUSTER_NAME = "mgmt"

# The service account `register cluster --fleet-cluster-context` creates in a managed cluster.
REGISTRATION_SERVICE_ACCOUNT = "projectsveltos"
REGISTRATION_CLUSTER_ROLE = "projectsveltos"


def kubeconfig_secret_name(cluster: str) -> str:
    """The default Secret holding a SveltosCluster's kubeconfig."""
    return f"{cluster}{KUBECONFIG_SECRET_SUFFIX}"


# ClusterProfile / Profile and the objects they own
CLUSTER_PROFILE_KIND = "ClusterProfile"
PROFILE_KIND = "Profile"
CLUSTER_SUMMARY_KIND = "ClusterSummary"
CLUSTER_CONFIGURATION_KIND = "ClusterConfiguration"
CLUSTER_REPORT_KIND = "ClusterReport"
RESOURCE_SUMMARY_KIND = "ResourceSummary"
CLUSTER_SUMMARY_NAME_ANNOTATION = "projectsveltos.io/cluster-summary-name"
CLUSTER_SUMMARY_NAMESPACE_ANNOTATION = "projectsveltos.io/cluster-summary-namespace"
# Navarch: on a SveltosCluster, "external" = a `navarch agent` process watches it, not the manager
DRIFT_AGENT_ANNOTATION = "drift.navarch.io/agent"
CLUSTER_PROFILE_LABEL = "projectsveltos.io/cluster-profile-name"
PROFILE_LABEL = "projectsveltos.io/profile-name"
CLUSTER_NAME_LABEL = "projectsveltos.io/cluster-name"
CLUSTER_TYPE_LABEL = "projectsveltos.io/cluster-type"
CLUSTER_TYPE_SVELTOS = "Sveltos"
CLUSTER_PROFILE_FINALIZER = "clusterprofilefinalizer.projectsveltos.io"
PROFILE_FINALIZER = "profilefinalizer.projectsveltos.io"
CLUSTER_SUMMARY_FINALIZER = "clustersummaryfinalizer.projectsveltos.io"
PROFILE_PAUSED_ANNOTATION = "profile.projectsveltos.io/paused"


def cluster_summary_name(profile_kind: str, profile: str, cluster: str) -> str:
    """``<profile>-sveltos-<cluster>``; a Profile's get the ``p--`` prefix (Sveltos's rule)."""
    prefix = "p--" if profile_kind == PROFILE_KIND else ""
    return f"{prefix}{profile}-sveltos-{cluster}"


def cluster_configuration_name(cluster: str) -> str:
    return f"sveltos--{cluster}"


def cluster_report_name(profile_kind: str, profile: str, cluster: str) -> str:
    prefix = "p--" if profile_kind == PROFILE_KIND else ""
    return f"{prefix}{profile}--sveltos--{cluster}"


def managed_resource_summary_name(cluster_summary_namespace: str, cluster_summary: str) -> str:
    """The ResourceSummary of a ClusterSummary in the managed cluster, where the agent runs in
    that cluster (mode 1): ``<namespace>--<name>`` in namespace ``projectsveltos``."""
    return f"{cluster_summary_namespace}--{cluster_summary}"


def cluster_annotation_value(cluster_namespace: str, cluster: str) -> str:
    """The ``projectsveltos.io/clustersummary`` annotation on deployed objects."""
    return f"sveltos-{cluster_namespace}-{cluster}"


# Any change of this annotation's value on a ClusterSummary makes it deploy again.
RETRIGGER_ANNOTATION = "projectsveltos.io/retrigger"
