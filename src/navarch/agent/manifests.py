"""What the manager installs in a managed cluster so that its drift agent runs there (mode 1).

In mode 1 the agent is a Deployment in the managed cluster's ``projectsveltos`` namespace. It
reads the ResourceSummaries the manager publishes there and reports drift by patching their
status in its own cluster, so the managed cluster needs no route back to the management cluster
and the management cluster holds no long-lived watch per cluster.

Why the objects look the way they do:

- One list, in apply order (Namespace, CRD, ServiceAccount, RBAC, Deployment), so the manager
  can apply it front to back with server-side apply and every object's dependency exists first.
  Nothing here is templated text: the objects are built as data, so a test can check each field
  and the API server can validate each one (the integration test dry-runs them all).
- The ResourceSummary CRD is ``navarch.api.resourcesummary.RESOURCE_SUMMARY_CRD.manifest()``,
  the same object ``navarch install`` applies in the management cluster, so the two clusters
  never serve different schemas of one kind.
- RBAC: the agent watches whatever kinds profiles deploy, which the manager cannot know when it
  installs the agent, so the ClusterRole reads (get, list, watch) every resource of every group,
  as Sveltos's agents do. It writes nothing but ResourceSummaries and their status.
- The Deployment is locked down as a restricted Pod Security Standard asks (non-root, read-only
  root filesystem, no privilege escalation, no capabilities, the runtime's default seccomp
  profile) and sized as Sveltos sizes its per-cluster agents. One replica: two agents would only
  report the same drift twice, and a restart loses nothing (a relist judges every object again).
- The image runs ``navarch``: its entrypoint is the ``navarch`` command and ``args`` pick the
  agent's in-cluster mode. ``DEFAULT_AGENT_IMAGE`` is the default of the manager's
  ``--agent-image`` flag; an air-gapped or private registry passes its own.
- Every object carries ``app.kubernetes.io/managed-by: navarch``. The agent's own objects
  (ServiceAccount, RBAC, Deployment) also carry the agent's name and component labels, so they
  can be listed and removed by ``app.kubernetes.io/name=navarch-drift-agent``. The Namespace and
  the CRD do not: they are shared (the registration's service account lives in
  ``projectsveltos``; when the management cluster manages itself, ``navarch install`` applies
  the same CRD there), and removing the agent by label must never take them, and with the CRD
  every ResourceSummary, along.
"""

from __future__ import annotations

import copy
from typing import Any

from navarch import __version__
from navarch.api.names import LIB_GROUP, PROJECTSVELTOS_NAMESPACE
from navarch.api.resourcesummary import RESOURCE_SUMMARY_CRD
from navarch.kube import KubeObject

AGENT_NAMESPACE = PROJECTSVELTOS_NAMESPACE
AGENT_NAME = "navarch-drift-agent"  # ServiceAccount, ClusterRole, ClusterRoleBinding, Deployment
AGENT_SERVICE_ACCOUNT = AGENT_NAME
AGENT_CLUSTER_ROLE = AGENT_NAME
AGENT_CLUSTER_ROLE_BINDING = AGENT_NAME
AGENT_DEPLOYMENT = AGENT_NAME
AGENT_CONTAINER = "agent"
AGENT_COMPONENT = "drift-agent"
AGENT_ARGS = ("agent", "--managed-cluster", "--log-format", "json")
DEFAULT_AGENT_IMAGE = f"ghcr.io/navarch/navarch:{__version__}"

MANAGED_BY_LABEL = "app.kubernetes.io/managed-by"
MANAGED_BY = "navarch"
NAME_LABEL = "app.kubernetes.io/name"
COMPONENT_LABEL = "app.kubernetes.io/component"

SHARED_LABELS = {MANAGED_BY_LABEL: MANAGED_BY}  # the Namespace and the CRD (see above)
AGENT_LABELS = {
    NAME_LABEL: AGENT_NAME,
    COMPONENT_LABEL: AGENT_COMPONENT,
    **SHARED_LABELS,
}
SELECTOR = {NAME_LABEL: AGENT_NAME}  # a Deployment's selector is immutable: keep it minimal

RESOURCES = {
    "requests": {"cpu": "100m", "memory": "128Mi"},
    "limits": {"cpu": "500m", "memory": "512Mi"},
}
NON_ROOT_UID = 65532  # runAsNonRoot needs a numeric user when the image names none

RBAC_API = "rbac.authorization.k8s.io/v1"
READ = ["get", "list", "watch"]
CLUSTER_ROLE_RULES: list[dict[str, Any]] = [
    {"apiGroups": ["*"], "resources": ["*"], "verbs": READ},
    {
        "apiGroups": [LIB_GROUP],
        "resources": [RESOURCE_SUMMARY_CRD.plural],
        "verbs": [*READ, "patch", "update"],
    },
    {
        "apiGroups": [LIB_GROUP],
        "resources": [f"{RESOURCE_SUMMARY_CRD.plural}/status"],
        "verbs": ["patch", "update"],
    },
]


def _meta(
    name: str, namespace: str | None = None, labels: dict[str, str] = AGENT_LABELS
) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "labels": dict(labels)}
    if namespace is not None:
        meta["namespace"] = namespace
    return meta


def agent_manifests(
    image: str = DEFAULT_AGENT_IMAGE, *, image_pull_policy: str = "IfNotPresent"
) -> list[KubeObject]:
    """The objects that run the drift agent in a managed cluster, in the order to apply them."""
    crd = RESOURCE_SUMMARY_CRD.manifest()
    crd_meta = crd.setdefault("metadata", {})
    crd_meta["labels"] = {**(crd_meta.get("labels") or {}), **SHARED_LABELS}
    container_security = {
        "allowPrivilegeEscalation": False,
        "readOnlyRootFilesystem": True,
        "runAsNonRoot": True,
        "capabilities": {"drop": ["ALL"]},
        "seccompProfile": {"type": "RuntimeDefault"},
    }
    return [
        {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": _meta(AGENT_NAMESPACE, labels=SHARED_LABELS),
        },
        crd,
        {
            "apiVersion": "v1",
            "kind": "ServiceAccount",
            "metadata": _meta(AGENT_SERVICE_ACCOUNT, AGENT_NAMESPACE),
        },
        {
            "apiVersion": RBAC_API,
            "kind": "ClusterRole",
            "metadata": _meta(AGENT_CLUSTER_ROLE),
            "rules": copy.deepcopy(CLUSTER_ROLE_RULES),
        },
        {
            "apiVersion": RBAC_API,
            "kind": "ClusterRoleBinding",
            "metadata": _meta(AGENT_CLUSTER_ROLE_BINDING),
            "roleRef": {
                "apiGroup": "rbac.authorization.k8s.io",
                "kind": "ClusterRole",
                "name": AGENT_CLUSTER_ROLE,
            },
            "subjects": [
                {
                    "kind": "ServiceAccount",
                    "name": AGENT_SERVICE_ACCOUNT,
                    "namespace": AGENT_NAMESPACE,
                }
            ],
        },
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": _meta(AGENT_DEPLOYMENT, AGENT_NAMESPACE),
            "spec": {
                "replicas": 1,
                "selector": {"matchLabels": dict(SELECTOR)},
                "template": {
                    "metadata": {"labels": dict(AGENT_LABELS)},
                    "spec": {
                        "serviceAccountName": AGENT_SERVICE_ACCOUNT,
                        "securityContext": {
                            "runAsNonRoot": True,
                            "runAsUser": NON_ROOT_UID,
                            "runAsGroup": NON_ROOT_UID,
                            "seccompProfile": {"type": "RuntimeDefault"},
                        },
                        "containers": [
                            {
                                "name": AGENT_CONTAINER,
                                "image": image,
                                "imagePullPolicy": image_pull_policy,
                                "args": list(AGENT_ARGS),
                                "resources": copy.deepcopy(RESOURCES),
                                "securityContext": container_security,
                            }
                        ],
                    },
                },
            },
        },
    ]
