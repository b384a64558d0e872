"""The management cluster the CLI talks to, from the global ``--context`` option.

As kubectl: ``$KUBECONFIG`` (or ``~/.kube/config``), current context unless ``--context``.
"""

from __future__ import annotations

from navarch.kube import Client, ClusterConfig, load_kubeconfig

FIELD_MANAGER = "navarch-cli"


class Globals:
    context: str | None = None
    log_level: str = "WARNING"


def management_config() -> ClusterConfig:
    return load_kubeconfig().cluster_config(Globals.context)


def management_client(timeout: float = 30.0) -> Client:
    return Client(management_config(), timeout=timeout, field_manager=FIELD_MANAGER)
