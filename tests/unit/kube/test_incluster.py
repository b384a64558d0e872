"""In-cluster config: a pod's environment and mounted service account into a ClusterConfig."""

from __future__ import annotations

from pathlib import Path

import pytest

from navarch.kube import KubeconfigError, in_cluster_config, in_pod
from navarch.kube.incluster import SERVICE_ACCOUNT_DIR

TOKEN = "pod-token-value"


@pytest.fixture
def sa_dir(tmp_path: Path) -> Path:
    (tmp_path / "ca.crt").write_bytes(b"CA BYTES")
    (tmp_path / "token").write_text(TOKEN + "\n")
    (tmp_path / "namespace").write_text("projectsveltos")
    return tmp_path


def env(host: str = "10.96.0.1", port: str = "443") -> dict[str, str]:
    return {"KUBERNETES_SERVICE_HOST": host, "KUBERNETES_SERVICE_PORT": port}


def test_a_pod_reaches_its_api_server_with_the_mounted_service_account(sa_dir: Path) -> None:
    config = in_cluster_config(environ=env(), service_account_dir=sa_dir)
    assert config.server == "https://10.96.0.1:443"
    assert config.ca_data == b"CA BYTES"
    assert config.token is None  # the file, re-read when the kubelet rotates it
    assert config.token_file == sa_dir / "token"
    assert config.namespace == "projectsveltos"
    assert config.name == "in-cluster"
    assert TOKEN not in repr(config)


def test_an_ipv6_service_host_is_bracketed(sa_dir: Path) -> None:
    config = in_cluster_config(environ=env(host="fd00:10:96::1"), service_account_dir=sa_dir)
    assert config.server == "https://[fd00:10:96::1]:443"
    bracketed = in_cluster_config(environ=env(host="[fd00::1]"), service_account_dir=sa_dir)
    assert bracketed.server == "https://[fd00::1]:443"


def test_the_namespace_defaults_when_the_file_is_missing(sa_dir: Path) -> None:
    (sa_dir / "namespace").unlink()
    assert in_cluster_config(environ=env(), service_account_dir=sa_dir).namespace == "default"


def test_outside_a_pod_the_error_says_so() -> None:
    assert not in_pod({})
    assert in_pod(env())
    with pytest.raises(KubeconfigError, match="not running in a Kubernetes pod"):
        in_cluster_config(environ={})
    with pytest.raises(KubeconfigError, match="KUBERNETES_SERVICE_PORT"):
        in_cluster_config(environ={"KUBERNETES_SERVICE_HOST": "10.0.0.1"})


def test_a_bad_port_is_refused(sa_dir: Path) -> None:
    with pytest.raises(KubeconfigError, match="not a port number"):
        in_cluster_config(environ=env(port="https"), service_account_dir=sa_dir)


def test_missing_credentials_name_the_file(sa_dir: Path, tmp_path: Path) -> None:
    (sa_dir / "token").unlink()
    with pytest.raises(KubeconfigError, match="token") as info:
        in_cluster_config(environ=env(), service_account_dir=sa_dir)
    assert str(sa_dir / "token") in str(info.value)
    empty = tmp_path / "none"
    with pytest.raises(KubeconfigError, match="CA") as info:
        in_cluster_config(environ=env(), service_account_dir=empty)
    assert str(empty / "ca.crt") in str(info.value)


def test_the_default_directory_is_where_the_kubelet_mounts_it() -> None:
    assert Path("/var/run/secrets/kubernetes.io/serviceaccount") == SERVICE_ACCOUNT_DIR
