"""Helm feature decisions without a server: values, options, what is not supported."""

from __future__ import annotations

import base64
import json
import re
from typing import Any

import pytest

from navarch.api.profile import HelmChart
from navarch.controllers.helm import (
    ValuesError,
    chart_values,
    credential_refs,
    explain,
    install_options,
    needs_recovery,
    registry_auth,
    unsupported_options,
    values_hash,
)
from navarch.engines.helm import Release


def chart(**extra: Any) -> HelmChart:
    return HelmChart.parse(
        {
            "repositoryURL": "https://charts.example",
            "repositoryName": "example",
            "chartName": "example/app",
            "chartVersion": "1.0.0",
            "releaseName": "app",
            "releaseNamespace": "apps",
            **extra,
        }
    )


SOURCES = {
    ("ConfigMap", "team", "base"): {"kind": "ConfigMap", "data": {"v.yaml": "a: {b: 1, c: 2}"}},
    ("Secret", "ns", "secret"): {
        "kind": "Secret",
        "data": {"v.yaml": base64.b64encode(b"a: {c: 3}\npassword: s").decode()},
    },
    ("ConfigMap", "ns", "broken"): {"kind": "ConfigMap", "data": {"v.yaml": "a: [1"}},
    ("ConfigMap", "ns", "list"): {"kind": "ConfigMap", "data": {"v.yaml": "- 1"}},
}


def read(kind: str, namespace: str, name: str) -> dict[str, Any] | None:
    return SOURCES.get((kind, namespace, name))


def test_values_then_values_from_in_order() -> None:
    c = chart(
        values="a: {b: 0}\nz: 1",
        valuesFrom=[
            {"kind": "ConfigMap", "namespace": "team", "name": "base"},
            {"kind": "Secret", "name": "secret"},  # the cluster's namespace
            {"kind": "ConfigMap", "name": "absent", "optional": True},
        ],
    )
    assert chart_values(c, read, "ns") == {"a": {"b": 1, "c": 3}, "z": 1, "password": "s"}


@pytest.mark.parametrize(
    ("values_from", "values", "expected"),
    [
        ([{"kind": "ConfigMap", "name": "absent"}], "", "ConfigMap ns/absent does not exist"),
        ([{"kind": "ConfigMap", "name": "broken"}], "", "ConfigMap ns/broken key v.yaml is not"),
        ([{"kind": "ConfigMap", "name": "list"}], "", "must be a YAML mapping, not a list"),
        ([], "a: [", "values is not valid YAML (line 1)"),
    ],
)
def test_bad_values_are_named(values_from: list[Any], values: str, expected: str) -> None:
    with pytest.raises(ValuesError, match=re.escape(expected)):
        chart_values(chart(values=values, valuesFrom=values_from), read, "ns")


def test_options_map_to_helm_and_bad_timeouts_are_named() -> None:
    options = install_options(
        chart(
            options={
                "atomic": True,
                "timeout": "90s",
                "installOptions": {"createNamespace": False, "takeOwnership": True},
                "upgradeOptions": {"maxHistory": 5},
            }
        )
    )
    assert (options.atomic, options.timeout_seconds, options.create_namespace) == (True, 90, False)
    assert options.take_ownership and options.max_history == 5
    with pytest.raises(ValuesError, match=r"options\.timeout"):
        install_options(chart(options={"timeout": "soon"}))


def test_what_is_not_supported_yet_is_named() -> None:
    assert unsupported_options(chart()) == []
    notes = unsupported_options(
        chart(repositoryURL="gitrepository://flux/repo/charts", values="x: {{ .Cluster }}")
    )
    assert notes == ["app: repositoryURL gitrepository://"]  # templated values are rendered


def test_values_hash_changes_with_values_and_chart() -> None:
    assert values_hash(chart(), {"a": 1}) == values_hash(chart(), {"a": 1})
    assert values_hash(chart(), {"a": 1}) != values_hash(chart(), {"a": 2})
    assert values_hash(chart(), {}) != values_hash(chart(chartVersion="2.0.0"), {})


def _secret(**data: str) -> dict[str, Any]:
    return {
        "kind": "Secret",
        "data": {k: base64.b64encode(v.encode()).decode() for k, v in data.items()},
    }


def test_registry_credentials_from_username_password_or_docker_config() -> None:
    secrets = {
        ("team", "plain"): _secret(username="u", password="p"),
        ("team", "docker"): _secret(
            **{
                ".dockerconfigjson": json.dumps(
                    {
                        "auths": {
                            "https://other.example": {"username": "x", "password": "y"},
                            "registry.example:5000": {
                                "auth": base64.b64encode(b"bot:t0ken").decode()
                            },
                        }
                    }
                )
            }
        ),
        ("team", "ca"): _secret(**{"ca.crt": "PEM"}),
    }

    def read(kind: str, namespace: str, name: str) -> dict[str, Any] | None:
        return secrets.get((namespace, name))

    plain = chart(registryCredentialsConfig={"credentials": {"name": "plain"}})
    auth = registry_auth(plain, read, "team")
    assert auth is not None and (auth.username, auth.password) == ("u", "p")
    oci = chart(
        repositoryURL="oci://registry.example:5000/charts",
        registryCredentialsConfig={
            "credentials": {"name": "docker", "namespace": "team"},
            "ca": {"name": "ca"},
            "plainHTTP": True,
        },
    )
    auth = registry_auth(oci, read, "team")
    assert auth is not None and (auth.username, auth.password) == ("bot", "t0ken")
    assert auth.ca_pem == "PEM" and auth.plain_http
    assert registry_auth(chart(), read, "team") is None
    with pytest.raises(ValuesError, match="Secret team/missing does not exist"):
        registry_auth(
            chart(registryCredentialsConfig={"credentials": {"name": "missing"}}), read, "team"
        )


def test_registry_failures_say_what_to_do() -> None:
    with_creds = chart(registryCredentialsConfig={"credentials": {"name": "regcred"}})
    message = explain("failed: response status code 401: unauthorized", with_creds, "fleet")
    assert "Secret fleet/regcred: check the username and password" in message
    assert "set registryCredentialsConfig" in explain("basic credential not found", chart(), "x")
    https = explain("http: server gave HTTP response to HTTPS client", chart(), "x")
    assert "plainHTTP" in https
    assert explain("chart not found", chart(), "x") == "chart not found"


def test_a_stuck_release_is_started_over_after_the_configured_failures() -> None:
    failed = Release("app", "apps", 3, "failed", "app-1.0.0")
    pending = Release("app", "apps", 1, "pending-install", "app-1.0.0")
    deployed = Release("app", "apps", 2, "deployed", "app-1.0.0")
    assert needs_recovery(failed, True, 5, 5) and needs_recovery(pending, True, 7, 5)
    assert not needs_recovery(failed, True, 4, 5)  # not yet
    assert not needs_recovery(deployed, True, 9, 5)  # healthy
    assert not needs_recovery(failed, False, 9, 5)  # not ours: never uninstalled
    assert not needs_recovery(None, True, 9, 5)
    options = install_options(
        chart(options={"installOptions": {"recoverAfterConsecutiveFailures": 2}})
    )
    assert options.recover_after == 2 and install_options(chart()).recover_after == 5


def test_a_profile_reads_values_and_credentials_only_from_its_own_namespace() -> None:
    sources = {
        ("tenant-a", "vals"): {"kind": "ConfigMap", "data": {"v.yaml": "who: tenant-a"}},
        ("platform", "vals"): {"kind": "ConfigMap", "data": {"v.yaml": "who: platform"}},
    }

    def read(kind: str, namespace: str, name: str) -> dict[str, Any] | None:
        return sources.get((namespace, name))

    wants_other = chart(valuesFrom=[{"kind": "ConfigMap", "namespace": "platform", "name": "vals"}])
    # a ClusterProfile reads where it points; a Profile in tenant-a is kept in tenant-a
    assert chart_values(wants_other, read, "tenant-a") == {"who": "platform"}
    assert chart_values(wants_other, read, "tenant-a", forced=True) == {"who": "tenant-a"}
    creds = chart(registryCredentialsConfig={"credentials": {"name": "c", "namespace": "platform"}})
    assert credential_refs(creds, "tenant-a") == [("platform", "c")]
    assert credential_refs(creds, "tenant-a", forced=True) == [("tenant-a", "c")]
