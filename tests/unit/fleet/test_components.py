"""The fleet's command lines carry the flags the fleet's promises depend on."""

from __future__ import annotations

from pathlib import Path

from navarch.fleet import components
from navarch.fleet.pki import ClusterPKI

PKI = ClusterPKI(Path("/pki"))


def flags(args: list[str]) -> dict[str, str]:
    return dict(a.removeprefix("--").split("=", 1) for a in args[1:])


def test_apiserver_is_private_rbac_and_can_sign_tokens() -> None:
    f = flags(
        components.apiserver_args(
            Path("/bin/kube-apiserver"), pki=PKI, port=1234, etcd_port=2379, cluster="cluster-1"
        )
    )
    assert f["bind-address"] == "127.0.0.1"
    assert f["secure-port"] == "1234"
    assert f["authorization-mode"] == "RBAC"
    assert f["client-ca-file"] == "/pki/ca.crt"
    assert f["etcd-prefix"] == "/navarch/cluster-1"
    assert f["service-account-signing-key-file"] == "/pki/sa.key"
    assert f["service-account-key-file"] == "/pki/sa.pub"
    assert f["service-account-issuer"] == "https://127.0.0.1:1234"
    assert f["profiling"] == "false", "Go's profiler only when asked for"


def test_apiserver_profiling_on_request() -> None:
    args = components.apiserver_args(
        Path("/bin/kube-apiserver"),
        pki=PKI,
        port=1234,
        etcd_port=2379,
        cluster="cluster-1",
        profiling=True,
    )
    assert flags(args)["profiling"] == "true"


def test_prefixes_of_clusters_never_nest() -> None:
    assert not components.etcd_prefix("cluster-10").startswith(
        components.etcd_prefix("cluster-1") + "/"
    )


def test_controller_manager_runs_only_node_less_controllers() -> None:
    f = flags(
        components.controller_manager_args(Path("/bin/kcm"), pki=PKI, kubeconfig=Path("/k.yaml"))
    )
    enabled = f["controllers"].split(",")
    assert "namespace-controller" in enabled
    assert "garbage-collector-controller" in enabled
    assert "serviceaccount-token-controller" in enabled
    assert "deployment-controller" not in enabled
    assert f["root-ca-file"] == "/pki/ca.crt"
    assert f["service-account-private-key-file"] == "/pki/sa.key"
    assert f["secure-port"] == "0"


def test_etcd_listens_on_loopback_only() -> None:
    f = flags(
        components.etcd_args(Path("/bin/etcd"), data_dir=Path("/d"), client_port=1, peer_port=2)
    )
    assert f["listen-client-urls"] == "http://127.0.0.1:1"
    assert f["listen-peer-urls"] == "http://127.0.0.1:2"
