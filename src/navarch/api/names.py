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
