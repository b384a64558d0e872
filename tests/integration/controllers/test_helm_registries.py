"""Charts from OCI registries and private repositories: a real registry (distribution, built from
its Go module) and a chart repository behind basic auth, both on loopback."""

from __future__ import annotations

import base64
import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from navarch.toolchain import binary_path
from tests.chartrepo import ChartRepo, chart_repo, write_chart
from tests.integration.conftest import TestFleet
from tests.integration.controllers.conftest import Manager, register_cluster
from tests.integration.controllers.test_helm import helm_feature, helm_profile, release_of
from tests.integration.controllers.test_profiles import cleanup, uid
from tests.integration.helpers import eventually
from tests.ociregistry import OCIRegistry, oci_registry

pytestmark = pytest.mark.integration

USER, PASSWORD = "fleet-bot", "s3cret-Pa55"


def packaged(root: Path, name: str, version: str) -> Path:
    out = root / "packaged"
    out.mkdir(parents=True, exist_ok=True)
    chart = write_chart(root, name, version)
    subprocess.run(
        [str(binary_path("helm")), "package", str(chart), "--destination", str(out)],
        check=True,
        capture_output=True,
    )
    return out / f"{name}-{version}.tgz"


@pytest.fixture(scope="module")
def open_registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OCIRegistry]:
    root = tmp_path_factory.mktemp("oci-open")
    with oci_registry(root / "registry", [packaged(root, "greeter", "1.0.0")]) as registry:
        yield registry


@pytest.fixture(scope="module")
def private_registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OCIRegistry]:
    root = tmp_path_factory.mktemp("oci-private")
    chart = packaged(root, "greeter", "1.0.0")
    with oci_registry(root / "registry", [chart], auth=(USER, PASSWORD)) as registry:
        yield registry


@pytest.fixture(scope="module")
def private_repo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChartRepo]:
    root = tmp_path_factory.mktemp("private-charts")
    with chart_repo(root, [("greeter", "1.0.0")], auth=(USER, PASSWORD)) as repo:
        yield repo


def secret(name: str, data: dict[str, str], type_: str = "Opaque") -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": name, "namespace": "default"},
        "type": type_,
        "data": {k: base64.b64encode(v.encode()).decode() for k, v in data.items()},
    }


def docker_config(host: str, user: str, password: str) -> str:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return json.dumps({"auths": {host: {"auth": token}}})


def chart(url: str, name: str, release: str, **extra: Any) -> dict[str, Any]:
    return {
        "repositoryURL": url,
        "repositoryName": "private",
        "chartName": name,
        "chartVersion": "1.0.0",
        "releaseName": release,
        "releaseNamespace": "apps",
        **extra,
    }


async def installed(fleet: TestFleet, cluster: str, release: str) -> bool:
    found = await release_of(fleet, cluster, release)
    return found is not None and found.status == "deployed" and found.chart == "greeter-1.0.0"


async def failure(mgmt: Any, ns: str, summary: str) -> str | None:
    feature = await helm_feature(mgmt, ns, summary)
    return str(feature["failureMessage"]) if feature.get("status") == "Failed" else None


async def test_oci_charts_with_and_without_credentials(
    fleet: TestFleet, manager: Manager, open_registry: OCIRegistry, private_registry: OCIRegistry
) -> None:
    mgmt, ns, tag = fleet.client("mgmt"), f"oci-{uid()}", uid()
    await register_cluster(fleet, ns, "o", "cluster-1", f"oci={tag}")
    plain = {"plainHTTP": True}
    await mgmt.apply(
        secret(
            f"regcred-{tag}",
            {".dockerconfigjson": docker_config(private_registry.host, USER, PASSWORD)},
            "kubernetes.io/dockerconfigjson",
        )
    )
    charts = [
        # Sveltos's two OCI spellings: the registry path plus a chart name, and the whole URL
        chart(open_registry.url, "greeter", f"open-{tag}", registryCredentialsConfig=plain),
        chart(
            private_registry.url + "/greeter",
            private_registry.url + "/greeter",
            f"private-{tag}",
            registryCredentialsConfig={
                **plain,
                "credentials": {"name": f"regcred-{tag}", "namespace": "default"},
            },
        ),
    ]
    await mgmt.apply(helm_profile(f"oci-{tag}", {"oci": tag}, charts))
    for release in (f"open-{tag}", f"private-{tag}"):
        await eventually(
            lambda r=release: installed(fleet, "cluster-1", r), timeout=90, what=f"{release}"
        )

    # the wrong password: the status says the registry refused the Secret's credentials
    await mgmt.apply(
        secret(
            f"badcred-{tag}",
            {".dockerconfigjson": docker_config(private_registry.host, USER, "wrong-guess")},
        )
    )
    bad = chart(
        private_registry.url,
        "greeter",
        f"denied-{tag}",
        registryCredentialsConfig={
            **plain,
            "credentials": {"name": f"badcred-{tag}", "namespace": "default"},
        },
    )
    await mgmt.apply(helm_profile(f"ocibad-{tag}", {"oci": tag}, [bad]))
    message = await eventually(
        lambda: failure(mgmt, ns, f"ocibad-{tag}-sveltos-o"), timeout=60, what="refusal reported"
    )
    assert "401" in message and f"Secret default/badcred-{tag}" in message
    assert "check the username and password" in message
    assert "wrong-guess" not in message and PASSWORD not in message
    assert await installed(fleet, "cluster-1", f"private-{tag}"), (
        "the other profile's release stays"
    )
    await cleanup(mgmt, f"ocibad-{tag}", f"oci-{tag}")


async def test_a_private_http_repository_with_basic_auth(
    fleet: TestFleet, manager: Manager, private_repo: ChartRepo
) -> None:
    mgmt, ns, tag = fleet.client("mgmt"), f"prv-{uid()}", uid()
    await register_cluster(fleet, ns, "p", "cluster-2", f"prv={tag}")
    await mgmt.apply(secret(f"repo-{tag}", {"username": USER, "password": PASSWORD}))
    await mgmt.apply(secret(f"wrong-{tag}", {"username": USER, "password": "not-it"}))
    good = chart(
        private_repo.url,
        "private/greeter",
        f"ok-{tag}",
        registryCredentialsConfig={"credentials": {"name": f"repo-{tag}", "namespace": "default"}},
    )
    await mgmt.apply(helm_profile(f"prv-{tag}", {"prv": tag}, [good]))
    await eventually(lambda: installed(fleet, "cluster-2", f"ok-{tag}"), timeout=60, what="ok")

    wrong = chart(
        private_repo.url,
        "private/greeter",
        f"no-{tag}",
        registryCredentialsConfig={"credentials": {"name": f"wrong-{tag}", "namespace": "default"}},
    )
    await mgmt.apply(helm_profile(f"prvbad-{tag}", {"prv": tag}, [wrong]))
    message = await eventually(
        lambda: failure(mgmt, ns, f"prvbad-{tag}-sveltos-p"), timeout=60, what="401 reported"
    )
    assert "401 Unauthorized" in message and f"Secret default/wrong-{tag}" in message
    assert "not-it" not in message
    # fixing the Secret retries at once (it is part of the feature's hash) and installs
    await mgmt.apply(secret(f"wrong-{tag}", {"username": USER, "password": PASSWORD}))
    await eventually(lambda: installed(fleet, "cluster-2", f"no-{tag}"), timeout=60, what="fixed")
    await cleanup(mgmt, f"prvbad-{tag}", f"prv-{tag}")
