"""Command lines of the fleet's processes: etcd, kube-apiserver, kube-controller-manager.

Pure functions, so the flags are reviewed and unit-tested in one place. The choices:

- **One etcd** for all clusters, each cluster under its own ``--etcd-prefix``: one process of
  ~50 MB instead of one per cluster. Writes skip fsync (``--unsafe-no-fsync``): this is a
  disposable dev fleet, and fsync dominates write latency on shared disks.
- **kube-apiserver** listens on 127.0.0.1 only, with TLS from the cluster's own CA, client
  certificates checked against that CA, RBAC authorization (the default, AlwaysAllow, would
  hide RBAC mistakes that real clusters catch), and a service-account issuer and key pair so
  TokenRequest and token Secrets work. API priority-and-fairness and the in-flight limits are
  off, as kwok does: a single-user fleet needs no fairness, and a benchmark should measure
  Navarch, not the server's throttling. ``--advertise-address`` is pinned to 127.0.0.1 so a host
  without a default route still starts (controller-runtime#1749).
- **kube-controller-manager** runs only the controllers a node-less cluster needs: namespace
  deletion, garbage collection, service accounts and their token Secrets, ``kube-root-ca.crt``
  and ClusterRole aggregation. Controllers that would create Pods (deployment, replicaset, job,
  ...) stay off: no Pod can ever run here, and their churn would cost CPU for nothing. It serves
  no port (``--secure-port=0``), so N of them never compete for one.
- Go's profiler (``/debug/pprof``) is off unless asked for (``profiling``, from
  ``NAVARCH_FLEET_PROFILING=1``): it is how the scale benchmark's API-server CPU was traced
  (docs/scale.md), and nothing else needs it.
"""

from __future__ import annotations

from pathlib import Path

from navarch.fleet.pki import ClusterPKI

SERVICE_CIDR = "10.0.0.0/24"

CONTROLLERS = (
    "namespace-controller",
    "garbage-collector-controller",
    "serviceaccount-controller",
    "serviceaccount-token-controller",
    "root-ca-certificate-publisher-controller",
    "clusterrole-aggregation-controller",
)


def etcd_url(port: int) -> str:
    return f"http://127.0.0.1:{port}"


def etcd_args(binary: Path, *, data_dir: Path, client_port: int, peer_port: int) -> list[str]:
    peer = f"http://127.0.0.1:{peer_port}"
    return [
        str(binary),
        "--name=navarch",
        f"--data-dir={data_dir}",
        f"--listen-client-urls={etcd_url(client_port)}",
        f"--advertise-client-urls={etcd_url(client_port)}",
        f"--listen-peer-urls={peer}",
        f"--initial-advertise-peer-urls={peer}",
        f"--initial-cluster=navarch={peer}",
        "--unsafe-no-fsync=true",
        "--quota-backend-bytes=8589934592",
        "--log-level=warn",
    ]


def etcd_prefix(cluster: str) -> str:
    return f"/navarch/{cluster}"


def apiserver_args(
    binary: Path,
    *,
    pki: ClusterPKI,
    port: int,
    etcd_port: int,
    cluster: str,
    profiling: bool = False,
) -> list[str]:
    return [
        str(binary),
        f"--etcd-servers={etcd_url(etcd_port)}",
        f"--etcd-prefix={etcd_prefix(cluster)}",
        "--bind-address=127.0.0.1",
        "--advertise-address=127.0.0.1",
        "--endpoint-reconciler-type=none",
        f"--secure-port={port}",
        f"--tls-cert-file={pki.serving_cert}",
        f"--tls-private-key-file={pki.serving_key}",
        f"--client-ca-file={pki.ca_cert}",
        "--authorization-mode=RBAC",
        f"--service-cluster-ip-range={SERVICE_CIDR}",
        f"--service-account-issuer=https://127.0.0.1:{port}",
        f"--service-account-key-file={pki.sa_pub}",
        f"--service-account-signing-key-file={pki.sa_key}",
        "--allow-privileged=true",
        "--enable-priority-and-fairness=false",
        "--max-requests-inflight=0",
        "--max-mutating-requests-inflight=0",
        f"--profiling={'true' if profiling else 'false'}",
        "--v=1",
    ]


def controller_manager_args(binary: Path, *, pki: ClusterPKI, kubeconfig: Path) -> list[str]:
    return [
        str(binary),
        f"--kubeconfig={kubeconfig}",
        f"--authentication-kubeconfig={kubeconfig}",
        f"--authorization-kubeconfig={kubeconfig}",
        f"--controllers={','.join(CONTROLLERS)}",
        f"--service-account-private-key-file={pki.sa_key}",
        f"--root-ca-file={pki.ca_cert}",
        "--use-service-account-credentials=false",
        "--leader-elect=false",
        "--secure-port=0",
        "--kube-api-qps=100",
        "--kube-api-burst=200",
        "--profiling=false",
        "--v=1",
    ]
