"""Reach the API server of the cluster this process runs in, as a pod does.

The kubelet tells a pod where its API server is (``KUBERNETES_SERVICE_HOST`` and
``KUBERNETES_SERVICE_PORT``) and mounts the pod's service-account credentials in
``/var/run/secrets/kubernetes.io/serviceaccount``: the CA that signed the server's certificate,
a token and the pod's namespace. The token is a bound, expiring token that the kubelet rotates in
place, so the ``ClusterConfig`` names the token *file* and the ``Client`` re-reads it when it
changes, instead of holding the token read at start (which would stop working after an hour).

The CA is read at once (a ``ClusterConfig`` is self-contained) and the token file is checked to be
readable, so a pod without a mounted service account fails at start with a message naming the
file, not later with a 401.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from navarch.kube.errors import KubeconfigError
from navarch.kube.kubeconfig import ClusterConfig

SERVICE_ACCOUNT_DIR = Path("/var/run/secrets/kubernetes.io/serviceaccount")
HOST_ENV = "KUBERNETES_SERVICE_HOST"
PORT_ENV = "KUBERNETES_SERVICE_PORT"


def in_pod(environ: Mapping[str, str] | None = None) -> bool:
    """Whether the environment says this process runs in a pod (the API server's address is set)."""
    env = os.environ if environ is None else environ
    return bool(env.get(HOST_ENV))


def in_cluster_config(
    *,
    environ: Mapping[str, str] | None = None,
    service_account_dir: Path = SERVICE_ACCOUNT_DIR,
    name: str = "in-cluster",
) -> ClusterConfig:
    """The connection of a pod to its own cluster, from its environment and service account.

    ``environ`` (default ``os.environ``) and ``service_account_dir`` are there for tests.
    Raises ``KubeconfigError`` saying what is missing when not in a pod.
    """
    env = os.environ if environ is None else environ
    host, port = env.get(HOST_ENV, "").strip(), env.get(PORT_ENV, "").strip()
    if not host or not port:
        raise KubeconfigError(
            f"not running in a Kubernetes pod: {HOST_ENV} and {PORT_ENV} must both be set "
            "(outside a cluster, use a kubeconfig: KUBECONFIG or ~/.kube/config)"
        )
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise KubeconfigError(f"{PORT_ENV} is not a port number: {port!r}")
    if ":" in host and not host.startswith("["):  # an IPv6 address
        host = f"[{host}]"
    ca_file = service_account_dir / "ca.crt"
    token_file = service_account_dir / "token"
    try:
        ca_data = ca_file.read_bytes()
    except OSError as exc:
        raise KubeconfigError(
            f"in-cluster config: cannot read the service account's CA {ca_file}: {exc.strerror} "
            "(is a service account token mounted in this pod?)"
        ) from None
    if not os.access(token_file, os.R_OK) or not token_file.is_file():
        raise KubeconfigError(
            f"in-cluster config: cannot read the service account's token {token_file} "
            "(is a service account token mounted in this pod?)"
        )
    try:
        namespace = (service_account_dir / "namespace").read_text().strip() or "default"
    except OSError:
        namespace = "default"
    return ClusterConfig(
        name=name,
        server=f"https://{host}:{port}",
        ca_data=ca_data,
        token_file=token_file,
        namespace=namespace,
    )
