"""The Helm scenarios Sveltos documents, applied with kubectl as a Sveltos user would.

Sveltos's Helm documentation shows a ClusterProfile installing a chart from a repository, values
inline and from ConfigMaps/Secrets (valuesFrom), several charts in one profile deployed in list
order, `helmChartAction: Uninstall`, and a chart upgraded by changing `chartVersion`. These tests
write such manifests (our own, against a chart repository served on loopback) in YAML, apply
them with the pinned kubectl, and check the releases with Helm's own storage.
"""

from __future__ import annotations

import base64
from collections.abc import Awaitable, Iterator
from pathlib import Path

import pytest

from tests.chartrepo import ChartRepo, chart_repo
from tests.integration.conftest import TestFleet
from tests.integration.controllers.conftest import Manager, register_cluster
from tests.integration.controllers.test_helm import release_of
from tests.integration.controllers.test_profiles import cleanup, present, uid
from tests.integration.controllers.test_sveltos_examples import kubectl_apply
from tests.integration.helpers import eventually

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChartRepo]:
    charts = [("greeter", "1.0.0"), ("greeter", "1.1.0"), ("farewell", "0.1.0")]
    with chart_repo(tmp_path_factory.mktemp("examples-charts"), charts) as served:
        yield served


def profile(name: str, label: str, charts: str) -> str:
    return f"""apiVersion: config.projectsveltos.io/v1beta1
kind: ClusterProfile
metadata:
  name: {name}
spec:
  clusterSelector:
    matchLabels:
      example: "{label}"
  helmCharts:
{charts}"""


def chart(repo: ChartRepo, name: str, version: str, release: str, extra: str = "") -> str:
    return f"""  - repositoryURL: {repo.url}
    repositoryName: examples
    chartName: examples/{name}
    chartVersion: {version}
    releaseName: {release}
    releaseNamespace: apps
    helmChartAction: Install
{extra}"""


async def setup(fleet: TestFleet, cluster: str) -> str:
    """Register ``cluster`` in a namespace of its own; returns the tag its label carries."""
    tag = uid()
    await register_cluster(fleet, f"hex-{tag}", "x", cluster, f"example={tag}")
    return tag


async def data(fleet: TestFleet, cluster: str, release: str) -> dict[str, str]:
    obj = await present(fleet.client(cluster), f"{release}-config", "apps")
    return dict((obj or {}).get("data") or {})


async def test_a_chart_from_a_repository_with_inline_values(
    fleet: TestFleet, manager: Manager, repo: ChartRepo, tmp_path: Path
) -> None:
    tag = await setup(fleet, "cluster-1")
    extra = "    values: |\n      greeting: bonjour\n      replicas: 2\n"
    await kubectl_apply(
        fleet,
        tmp_path,
        profile(f"hex1-{tag}", tag, chart(repo, "greeter", "1.0.0", f"g-{tag}", extra)),
    )
    await eventually(
        lambda: _equals(data(fleet, "cluster-1", f"g-{tag}"), greeting="bonjour", replicas="2"),
        timeout=60,
        what="installed with the inline values",
    )
    await cleanup(fleet.client("mgmt"), f"hex1-{tag}")


async def _equals(read: Awaitable[dict[str, str]], **expected: str) -> bool:
    found = await read
    return all(found.get(k) == v for k, v in expected.items())


async def test_values_from_a_configmap_and_a_secret(
    fleet: TestFleet, manager: Manager, repo: ChartRepo, tmp_path: Path
) -> None:
    tag = await setup(fleet, "cluster-2")
    secret_values = base64.b64encode(b"replicas: 5\n").decode()
    extra = f"""    valuesFrom:
    - kind: ConfigMap
      name: greeting-{tag}
      namespace: default
    - kind: Secret
      name: sizing-{tag}
      namespace: default
"""
    await kubectl_apply(
        fleet,
        tmp_path,
        f"""apiVersion: v1
kind: ConfigMap
metadata:
  name: greeting-{tag}
  namespace: default
data:
  values.yaml: |
    greeting: hola
---
apiVersion: v1
kind: Secret
metadata:
  name: sizing-{tag}
  namespace: default
data:
  values.yaml: {secret_values}
---
"""
        + profile(f"hex2-{tag}", tag, chart(repo, "greeter", "1.0.0", f"v-{tag}", extra)),
    )
    await eventually(
        lambda: _equals(data(fleet, "cluster-2", f"v-{tag}"), greeting="hola", replicas="5"),
        timeout=60,
        what="values from the ConfigMap and the Secret",
    )
    await cleanup(fleet.client("mgmt"), f"hex2-{tag}")


async def test_several_charts_in_one_profile(
    fleet: TestFleet, manager: Manager, repo: ChartRepo, tmp_path: Path
) -> None:
    tag = await setup(fleet, "cluster-3")
    charts = chart(repo, "greeter", "1.0.0", f"first-{tag}") + chart(
        repo, "farewell", "0.1.0", f"second-{tag}"
    )
    await kubectl_apply(fleet, tmp_path, profile(f"hex3-{tag}", tag, charts))
    for release, name in ((f"first-{tag}", "greeter-1.0.0"), (f"second-{tag}", "farewell-0.1.0")):
        found = await eventually(
            lambda r=release: release_of(fleet, "cluster-3", r), timeout=60, what=release
        )
        assert found.chart == name
    await cleanup(fleet.client("mgmt"), f"hex3-{tag}")


async def test_uninstall_action_removes_the_release_and_keeps_the_profile(
    fleet: TestFleet, manager: Manager, repo: ChartRepo, tmp_path: Path
) -> None:
    tag = await setup(fleet, "cluster-1")
    name = f"hex4-{tag}"
    await kubectl_apply(
        fleet, tmp_path, profile(name, tag, chart(repo, "greeter", "1.0.0", f"u-{tag}"))
    )
    await eventually(
        lambda: release_of(fleet, "cluster-1", f"u-{tag}"), timeout=60, what="installed"
    )
    uninstall = chart(repo, "greeter", "1.0.0", f"u-{tag}").replace(
        "helmChartAction: Install", "helmChartAction: Uninstall"
    )
    await kubectl_apply(fleet, tmp_path, profile(name, tag, uninstall))

    async def removed() -> bool:
        return await release_of(fleet, "cluster-1", f"u-{tag}") is None

    await eventually(removed, timeout=60, what="uninstalled by helmChartAction: Uninstall")
    await cleanup(fleet.client("mgmt"), name)


async def test_a_new_chart_version_upgrades_the_release(
    fleet: TestFleet, manager: Manager, repo: ChartRepo, tmp_path: Path
) -> None:
    tag = await setup(fleet, "cluster-2")
    name = f"hex5-{tag}"
    await kubectl_apply(
        fleet, tmp_path, profile(name, tag, chart(repo, "greeter", "1.0.0", f"up-{tag}"))
    )
    await eventually(
        lambda: _equals(data(fleet, "cluster-2", f"up-{tag}"), chartVersion="1.0.0"), timeout=60
    )
    await kubectl_apply(
        fleet, tmp_path, profile(name, tag, chart(repo, "greeter", "1.1.0", f"up-{tag}"))
    )
    await eventually(
        lambda: _equals(data(fleet, "cluster-2", f"up-{tag}"), chartVersion="1.1.0"),
        timeout=60,
        what="upgraded",
    )
    upgraded = await release_of(fleet, "cluster-2", f"up-{tag}")
    assert upgraded is not None and upgraded.revision == 2
    await cleanup(fleet.client("mgmt"), name)
