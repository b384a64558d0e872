"""Helm engine pieces that need no binary: chart references, value merging, flags."""

from __future__ import annotations

import base64
import gzip
import json
from pathlib import Path

from navarch.engines.helm import (
    InstallOptions,
    RegistryAuth,
    Release,
    _auth_flags,
    _flags,
    chart_reference,
    merge_values,
    release_of_secret,
)


def test_chart_reference_drops_the_repository_prefix() -> None:
    assert chart_reference("kyverno/kyverno", "kyverno") == "kyverno"
    assert chart_reference("other/app", "repo") == "app"
    assert chart_reference("app", None) == "app"


def test_values_merge_deeply_and_later_wins() -> None:
    base = {"a": {"b": 1, "c": [1, 2]}, "keep": True}
    override = {"a": {"c": [3], "d": {"e": 1}}, "new": "x"}
    assert merge_values(base, override) == {
        "a": {"b": 1, "c": [3], "d": {"e": 1}},
        "keep": True,
        "new": "x",
    }
    assert base == {"a": {"b": 1, "c": [1, 2]}, "keep": True}  # inputs untouched


def test_flags_follow_the_options() -> None:
    assert _flags(InstallOptions()) == ["--create-namespace"]
    flags = _flags(
        InstallOptions(
            create_namespace=False,
            atomic=True,
            skip_crds=True,
            take_ownership=True,
            labels={"team": "a", "env": "p"},
        )
    )
    assert flags == [
        "--wait=watcher",
        "--skip-crds",
        "--rollback-on-failure",
        "--take-ownership",
        "--labels",
        "env=p,team=a",
    ]


def test_release_version() -> None:
    release = Release("r", "ns", 2, "deployed", "greeter-1.10.0")
    assert release.has_version("1.10.0") and not release.has_version("0.0")


def test_a_release_is_read_from_helms_storage_secret() -> None:
    doc = {
        "name": "web",
        "namespace": "apps",
        "version": 3,
        "info": {"status": "deployed"},
        "chart": {"metadata": {"name": "greeter", "version": "1.1.0", "appVersion": "2.0"}},
        "manifest": "---\n# Source: greeter/templates/cm.yaml\nkind: ConfigMap\n",
    }
    encoded = base64.b64encode(gzip.compress(json.dumps(doc).encode())).decode()
    secret = {
        "metadata": {"labels": {"owner": "helm", "name": "web", "version": "3"}},
        "data": {"release": base64.b64encode(encoded.encode()).decode()},
    }
    release = release_of_secret(secret)
    assert release == Release("web", "apps", 3, "deployed", "greeter-1.1.0", "2.0")
    assert release is not None and release.manifest == doc["manifest"]  # what drift watches
    assert "manifest" not in repr(release)
    assert release_of_secret({"metadata": {"labels": {"owner": "someone"}}, "data": {}}) is None
    broken = {"metadata": {"labels": {"owner": "helm"}}, "data": {"release": "bm90IGd6aXA="}}
    assert release_of_secret(broken) is None


def test_oci_references_take_either_sveltos_spelling() -> None:
    whole = "oci://registry.example.com/charts/vault"
    assert chart_reference(whole, "oci-vault", whole) == whole
    assert chart_reference("vault", "x", "oci://registry.example.com/charts") == whole
    assert chart_reference("vault", "x", "oci://registry.example.com/charts/vault/") == whole


def test_oci_credentials_go_in_a_private_registry_file_not_in_arguments(tmp_path: Path) -> None:
    auth = RegistryAuth(username="u", password="p4ss", plain_http=True, ca_pem="PEM")
    flags = _auth_flags(auth, "oci://127.0.0.1:5000/charts/greeter", tmp_path)
    assert "p4ss" not in " ".join(flags)
    assert flags[:1] == ["--plain-http"]
    config = json.loads((tmp_path / "registry.json").read_text())
    assert base64.b64decode(config["auths"]["127.0.0.1:5000"]["auth"]) == b"u:p4ss"
    assert (tmp_path / "registry.json").stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "ca.crt").read_text() == "PEM"
    assert "p4ss" not in repr(auth)


def test_http_repositories_get_username_and_password_flags(tmp_path: Path) -> None:
    auth = RegistryAuth(username="u", password="p", plain_http=True, insecure_skip_tls_verify=True)
    flags = _auth_flags(auth, "greeter", tmp_path)
    assert flags == ["--insecure-skip-tls-verify", "--username", "u", "--password", "p"]
    assert _auth_flags(None, "greeter", tmp_path) == []
