"""The only door to Kubernetes API servers: connections, discovery, reads, writes and watches.

Everything above this package talks to clusters through ``Client`` (one per cluster) and reads
kubeconfigs through ``load_kubeconfig``/``parse_kubeconfig`` (in a pod, its service account
through ``in_cluster_config``); nothing above imports the HTTP library. Objects are plain JSON
dicts (``KubeObject``); errors are the typed classes of ``navarch.kube.errors``.
"""

from navarch.kube.client import FIELD_MANAGER, Client, ObjectList, WatchEvent
from navarch.kube.discovery import Discovery
from navarch.kube.errors import (
    AlreadyExists,
    APIStatusError,
    BadRequest,
    Conflict,
    Forbidden,
    Gone,
    Invalid,
    KubeconfigError,
    KubeError,
    MethodNotAllowed,
    NotFound,
    RequestTimeout,
    ServerError,
    TooManyRequests,
    Unauthorized,
    UnknownKind,
    Unreachable,
)
from navarch.kube.incluster import in_cluster_config, in_pod
from navarch.kube.kubeconfig import (
    ClusterConfig,
    Kubeconfig,
    default_kubeconfig_paths,
    load_kubeconfig,
    merge_kubeconfigs,
    parse_kubeconfig,
    token_kubeconfig,
)
from navarch.kube.ratelimit import TokenBucket
from navarch.kube.resource import KubeObject, ResourceType, object_key, split_api_version

__all__ = [
    "FIELD_MANAGER",
    "APIStatusError",
    "AlreadyExists",
    "BadRequest",
    "Client",
    "ClusterConfig",
    "Conflict",
    "Discovery",
    "Forbidden",
    "Gone",
    "Invalid",
    "KubeError",
    "KubeObject",
    "Kubeconfig",
    "KubeconfigError",
    "MethodNotAllowed",
    "NotFound",
    "ObjectList",
    "RequestTimeout",
    "ResourceType",
    "ServerError",
    "TokenBucket",
    "TooManyRequests",
    "Unauthorized",
    "UnknownKind",
    "Unreachable",
    "WatchEvent",
    "default_kubeconfig_paths",
    "in_cluster_config",
    "in_pod",
    "load_kubeconfig",
    "merge_kubeconfigs",
    "object_key",
    "parse_kubeconfig",
    "split_api_version",
    "token_kubeconfig",
]
