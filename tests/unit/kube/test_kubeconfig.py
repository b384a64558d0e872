"""Kubeconfig parsing: contexts, files relative to the kubeconfig, merging, and safe errors."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
import yaml

from navarch.kube import ClusterConfig, KubeconfigError, load_kubeconfig, parse_kubeconfig

SECRET = "s3cr3t-token-value"


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def doc(**overrides: object) -> dict[str, object]:
    base: dict[str, object] = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {
                "name": "c1",
                "cluster": {
                    "server": "https://127.0.0.1:6443/",
                    "certificate-authority-data": b64("CA"),
                },
            },
        ],
        "users": [{"name": "u1", "user": {"token": SECRET}}],
        "contexts": [
            {"name": "one", "context": {"cluster": "c1", "user": "u1", "namespace": "team-a"}}
        ],
        "current-context": "one",
    }
    base.update(overrides)
    return base


def test_current_context_gives_server_ca_token_and_namespace() -> None:
    config = parse_kubeconfig(yaml.safe_dump(doc()), source="test").cluster_config()
    assert config.name == "one"
    assert config.server == "https://127.0.0.1:6443"
    assert config.ca_data == b"CA"
    assert config.token == SECRET
    assert config.namespace == "team-a"


def test_secrets_never_show_in_repr() -> None:
    config = parse_kubeconfig(yaml.safe_dump(doc()), source="test").cluster_config()
    assert SECRET not in repr(config)
    assert "CA" not in repr(config).replace("ClusterConfig", "")


def test_file_references_are_relative_to_the_kubeconfig(tmp_path: Path) -> None:
    (tmp_path / "pki").mkdir()
    (tmp_path / "pki" / "ca.crt").write_text("CA-FROM-FILE")
    (tmp_path / "pki" / "client.crt").write_text("CERT")
    (tmp_path / "pki" / "client.key").write_text("KEY")
    content = doc(
        clusters=[
            {
                "name": "c1",
                "cluster": {"server": "https://h:1", "certificate-authority": "pki/ca.crt"},
            }
        ],
        users=[
            {
                "name": "u1",
                "user": {"client-certificate": "pki/client.crt", "client-key": "pki/client.key"},
            }
        ],
    )
    path = tmp_path / "config"
    path.write_text(yaml.safe_dump(content))
    config = load_kubeconfig(path).cluster_config()
    assert (config.ca_data, config.client_cert_data, config.client_key_data) == (
        b"CA-FROM-FILE",
        b"CERT",
        b"KEY",
    )


def test_kubeconfig_env_list_merges_first_definition_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = tmp_path / "a"
    second = tmp_path / "b"
    first.write_text(yaml.safe_dump(doc()))
    other = doc(
        clusters=[
            {"name": "c1", "cluster": {"server": "https://ignored:1"}},
            {"name": "c2", "cluster": {"server": "https://two:2"}},
        ],
        contexts=[{"name": "two", "context": {"cluster": "c2", "user": "u1"}}],
        **{"current-context": "two"},
    )
    second.write_text(yaml.safe_dump(other))
    monkeypatch.setenv("KUBECONFIG", f"{first}:{tmp_path / 'missing'}:{second}")
    merged = load_kubeconfig()
    assert merged.current_context == "one"
    assert merged.cluster_config().server == "https://127.0.0.1:6443"
    assert merged.cluster_config("two").server == "https://two:2"


def test_unknown_context_lists_the_known_ones() -> None:
    parsed = parse_kubeconfig(yaml.safe_dump(doc()), source="cfg.yaml")
    with pytest.raises(KubeconfigError, match=r'no context "nope" \(contexts: one\)'):
        parsed.cluster_config("nope")


def test_yaml_error_gives_line_and_column_but_never_content() -> None:
    text = f"users:\n- name: u\n  user:\n    token: {SECRET}\n   bad: [\n"
    with pytest.raises(KubeconfigError) as info:
        parse_kubeconfig(text, source="broken.yaml")
    message = str(info.value)
    assert "broken.yaml is not valid YAML (line" in message
    assert SECRET not in message


@pytest.mark.parametrize(
    ("user", "expected"),
    [
        ({"exec": {"command": "aws"}}, "exec credential plugin"),
        ({"auth-provider": {"name": "gcp"}}, "auth-provider credential plugin"),
        ({"username": "u", "password": SECRET}, "basic authentication"),
        ({"client-certificate-data": "%%%not-base64"}, "client-certificate-data is not valid"),
    ],
)
def test_unsupported_or_broken_users_are_named(user: dict[str, object], expected: str) -> None:
    text = yaml.safe_dump(doc(users=[{"name": "u1", "user": user}]))
    with pytest.raises(KubeconfigError, match=expected) as info:
        parse_kubeconfig(text, source="k").cluster_config()
    assert SECRET not in str(info.value)


def test_not_a_mapping_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(KubeconfigError, match="is not a kubeconfig"):
        parse_kubeconfig("- just\n- a list\n", source="list.yaml")
    with pytest.raises(KubeconfigError, match="does not exist"):
        load_kubeconfig(tmp_path / "nothing")


def test_round_trip_through_to_kubeconfig() -> None:
    original = ClusterConfig(
        name="c",
        server="https://h:1",
        ca_data=b"CA",
        client_cert_data=b"CERT",
        client_key_data=b"KEY",
        namespace="ns",
    )
    again = parse_kubeconfig(yaml.safe_dump(original.to_kubeconfig()), source="x").cluster_config()
    assert again == original
