"""Helm charts in profiles: real releases from a chart repository served on loopback."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from navarch.engines.helm import Helm, Release
from navarch.kube import Client
from navarch.toolchain import binary_path
from tests.chartrepo import ChartRepo, chart_repo
from tests.cli import navarch_async
from tests.integration.conftest import TestFleet
from tests.integration.controllers.conftest import Manager, register_cluster
from tests.integration.controllers.test_profiles import (
    CONFIG,
    cleanup,
    cm,
    get_or_none,
    present,
    uid,
)
from tests.integration.helpers import eventually

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChartRepo]:
    charts = [("greeter", "1.0.0"), ("greeter", "1.1.0")]
    charts += [("store-crds", "1.0.0"), ("store-crds", "1.1.0")]
    with chart_repo(tmp_path_factory.mktemp("charts"), charts) as served:
        yield served


def helm_profile(
    name: str, selector: dict[str, str], charts: list[dict[str, Any]], **spec: Any
) -> dict[str, Any]:
    return {
        "apiVersion": CONFIG,
        "kind": "ClusterProfile",
        "metadata": {"name": name},
        "spec": {"clusterSelector": {"matchLabels": selector}, "helmCharts": charts, **spec},
    }


def greeter(repo: ChartRepo, release: str, version: str, **extra: Any) -> dict[str, Any]:
    return {
        "repositoryURL": repo.url,
        "repositoryName": "local",
        "chartName": "local/greeter",
        "chartVersion": version,
        "releaseName": release,
        "releaseNamespace": "apps",
        **extra,
    }


async def release_of(fleet: TestFleet, cluster: str, name: str) -> Release | None:
    kubeconfig = fleet.fleet.cluster_config(cluster).to_kubeconfig()
    return await Helm(binary_path("helm")).list_release(kubeconfig, name, "apps")


async def helm_feature(mgmt: Client, ns: str, summary: str) -> dict[str, Any]:
    obj = await get_or_none(mgmt, CONFIG, "ClusterSummary", summary, ns)
    status = (obj or {}).get("status") or {}
    for feature in status.get("featureSummaries") or []:
        if feature.get("featureID") == "Helm":
            return {**feature, "releases": status.get("helmReleaseSummaries") or []}
    return {}


async def test_install_upgrade_on_version_and_values_no_op_and_withdrawal(
    fleet: TestFleet, manager: Manager, repo: ChartRepo
) -> None:
    mgmt, ns, tag = fleet.client("mgmt"), f"helm-{uid()}", uid()
    await register_cluster(fleet, ns, "h", "cluster-1", f"helm={tag}")
    remote = fleet.client("cluster-1")
    release = f"g-{tag}"
    await mgmt.apply(
        cm(f"values-{tag}", "default", **{"values.yaml": "greeting: from-configmap\n"})
    )
    chart = greeter(
        repo,
        release,
        "1.0.0",
        values="greeting: inline\nreplicas: 3\n",
        valuesFrom=[{"kind": "ConfigMap", "namespace": "default", "name": f"values-{tag}"}],
    )
    await mgmt.apply(helm_profile(f"helm-{tag}", {"helm": tag}, [chart]))
    summary = f"helm-{tag}-sveltos-h"

    async def config_data() -> dict[str, str]:
        obj = await present(remote, f"{release}-config", "apps")
        return dict((obj or {}).get("data") or {})

    data = await eventually(config_data, timeout=60, what="chart installed")
    # valuesFrom is merged over the inline values
    assert data == {"chartVersion": "1.0.0", "greeting": "from-configmap", "replicas": "3"}
    installed = await release_of(fleet, "cluster-1", release)
    assert installed is not None and installed.revision == 1 and installed.status == "deployed"
    feature = await eventually(
        lambda: _provisioned(mgmt, ns, summary), what="Helm feature Provisioned"
    )
    assert [(r["releaseName"], r["status"]) for r in feature["releases"]] == [(release, "Managing")]
    # `navarch show addons` lists the release with its chart version
    listed = await navarch_async(
        "--context", "mgmt", "show", "addons", "--namespace", ns, "-o", "json", env=manager.env
    )
    assert listed.code == 0, listed.stderr
    rows = [r for r in json.loads(listed.stdout) if r["resourceType"] == "helm chart"]
    assert [(r["namespace"], r["name"], r["version"]) for r in rows] == [("apps", release, "1.0.0")]
    assert rows[0]["profiles"] == f"ClusterProfile/helm-{tag}"

    # a new chart version upgrades
    chart["chartVersion"] = "1.1.0"
    await mgmt.apply(helm_profile(f"helm-{tag}", {"helm": tag}, [chart]))
    await eventually(
        lambda: _has(config_data, chartVersion="1.1.0"), timeout=60, what="upgraded to 1.1.0"
    )
    # a changed valuesFrom ConfigMap upgrades too
    await mgmt.apply(cm(f"values-{tag}", "default", **{"values.yaml": "greeting: changed\n"}))
    await eventually(lambda: _has(config_data, greeting="changed"), timeout=60, what="values")
    upgraded = await release_of(fleet, "cluster-1", release)
    assert upgraded is not None and upgraded.revision == 3
    await eventually(lambda: _provisioned(mgmt, ns, summary), what="Provisioned again")

    # nothing changed: no helm upgrade, the revision stays
    await mgmt.patch(CONFIG, "ClusterProfile", f"helm-{tag}", {"metadata": {"labels": {"x": "y"}}})
    await mgmt.apply(cm(f"values-{tag}", "default", **{"values.yaml": "greeting: changed\n"}))
    still = await release_of(fleet, "cluster-1", release)
    assert still is not None and still.revision == 3

    # withdrawal uninstalls the release
    await mgmt.patch(
        "lib.projectsveltos.io/v1beta1",
        "SveltosCluster",
        "h",
        {"metadata": {"labels": {"helm": "gone"}}},
        namespace=ns,
    )

    async def uninstalled() -> bool:
        return await release_of(fleet, "cluster-1", release) is None

    await eventually(uninstalled, timeout=60, what="release uninstalled on withdrawal")
    await cleanup(mgmt, f"helm-{tag}")


async def _provisioned(mgmt: Client, ns: str, summary: str) -> dict[str, Any] | None:
    feature = await helm_feature(mgmt, ns, summary)
    return feature if feature.get("status") == "Provisioned" else None


async def _has(read: Any, **expected: str) -> bool:
    data = await read()
    return all(data.get(k) == v for k, v in expected.items())


async def test_a_missing_version_and_a_second_claim_are_reported(
    fleet: TestFleet, manager: Manager, repo: ChartRepo
) -> None:
    mgmt, ns, tag = fleet.client("mgmt"), f"hbad-{uid()}", uid()
    await register_cluster(fleet, ns, "b", "cluster-2", f"hbad={tag}")
    good, missing = f"good-{tag}", f"missing-{tag}"
    charts = [greeter(repo, missing, "9.9.9"), greeter(repo, good, "1.0.0")]
    await mgmt.apply(helm_profile(f"hbad-{tag}", {"hbad": tag}, charts, continueOnError=True))
    summary = f"hbad-{tag}-sveltos-b"

    async def failed() -> dict[str, Any] | None:
        feature = await helm_feature(mgmt, ns, summary)
        message = str(feature.get("failureMessage") or "")
        return feature if feature.get("status") == "Failed" and "9.9.9" in message else None

    feature = await eventually(failed, timeout=60, what="missing version reported")
    assert 'version "9.9.9" not found' in feature["failureMessage"]
    assert missing in feature["failureMessage"]
    # the other chart of the profile proceeds
    await eventually(
        lambda: release_of(fleet, "cluster-2", good), timeout=60, what="the other chart installed"
    )
    # a second profile that wants the same release: a conflict naming the owner, nothing run
    await mgmt.apply(helm_profile(f"hdup-{tag}", {"hbad": tag}, [greeter(repo, good, "1.1.0")]))

    async def conflict() -> dict[str, Any] | None:
        feature = await helm_feature(mgmt, ns, f"hdup-{tag}-sveltos-b")
        return feature if feature.get("status") == "Failed" else None

    feature = await eventually(conflict, timeout=60, what="conflict reported")
    assert feature["releases"][0]["status"] == "Conflict"
    assert f"ClusterProfile hbad-{tag}" in feature["releases"][0]["conflictMessage"]
    kept = await release_of(fleet, "cluster-2", good)
    assert kept is not None and kept.chart == "greeter-1.0.0"

    # with a lower tier the second profile takes the release over; the first one reports it
    await mgmt.apply(
        helm_profile(f"hdup-{tag}", {"hbad": tag}, [greeter(repo, good, "1.1.0")], tier=50)
    )

    async def taken_over() -> Release | None:
        release = await release_of(fleet, "cluster-2", good)
        return release if release is not None and release.chart == "greeter-1.1.0" else None

    await eventually(taken_over, timeout=60, what="the lower tier upgraded the release")
    winner = await eventually(
        lambda: _provisioned(mgmt, ns, f"hdup-{tag}-sveltos-b"), what="the new owner Provisioned"
    )
    assert [(r["releaseName"], r["status"]) for r in winner["releases"]] == [(good, "Managing")]

    async def loser_reports() -> dict[str, Any] | None:
        feature = await helm_feature(mgmt, ns, summary)
        entry = next((r for r in feature.get("releases", []) if r["releaseName"] == good), {})
        return entry if entry.get("status") == "Conflict" else None

    entry = await eventually(loser_reports, timeout=60, what="the old owner reports the conflict")
    assert f"ClusterProfile hdup-{tag} (tier 50)" in entry["conflictMessage"]
    await cleanup(mgmt, f"hdup-{tag}", f"hbad-{tag}")


async def test_dry_run_reports_what_helm_would_do_and_installs_nothing(
    fleet: TestFleet, manager: Manager, repo: ChartRepo
) -> None:
    mgmt, ns, tag = fleet.client("mgmt"), f"hdry-{uid()}", uid()
    await register_cluster(fleet, ns, "y", "cluster-3", f"hdry={tag}")
    release = f"dry-{tag}"
    profile = helm_profile(
        f"hdry-{tag}", {"hdry": tag}, [greeter(repo, release, "1.0.0")], syncMode="DryRun"
    )
    await mgmt.apply(profile)

    async def reported() -> list[list[str]] | None:
        shown = await navarch_async(
            "--context", "mgmt", "show", "dryrun", "--namespace", ns, env=manager.env
        )
        assert shown.code == 0, shown.stderr
        rows = [line.split() for line in shown.stdout.splitlines() if "helm" in line]
        return rows or None

    rows = await eventually(reported, timeout=60, what="dry run report")
    assert rows[0][:6] == [f"{ns}/y", "helm", "release", "apps", release, "Install"]
    assert await release_of(fleet, "cluster-3", release) is None, "DryRun installs nothing"
    # the same profile in Continuous mode installs it
    profile["spec"]["syncMode"] = "Continuous"
    await mgmt.apply(profile)
    await eventually(lambda: release_of(fleet, "cluster-3", release), timeout=60, what="installed")
    await cleanup(mgmt, f"hdry-{tag}")


async def test_upgrade_crds_applies_the_charts_crds_before_the_upgrade(
    fleet: TestFleet, manager: Manager, repo: ChartRepo
) -> None:
    mgmt, ns, tag = fleet.client("mgmt"), f"hcrd-{uid()}", uid()
    await register_cluster(fleet, ns, "c", "cluster-1", f"hcrd={tag}")
    release = f"crd-{tag}"
    remote = fleet.client("cluster-1")
    crd_name = "widgets.store-crds.example.navarch.io"

    def store(version: str, **extra: Any) -> dict[str, Any]:
        return {
            **greeter(repo, release, version, **extra),
            "chartName": "local/store-crds",
        }

    async def description() -> str:
        crd = await get_or_none(
            remote, "apiextensions.k8s.io/v1", "CustomResourceDefinition", crd_name
        )
        schema = ((crd or {}).get("spec") or {}).get("versions", [{}])[0].get("schema", {})
        return str(schema.get("openAPIV3Schema", {}).get("description", ""))

    async def at(version: str) -> bool:
        found = await release_of(fleet, "cluster-1", release)
        return found is not None and found.chart == f"store-crds-{version}"

    await mgmt.apply(helm_profile(f"hcrd-{tag}", {"hcrd": tag}, [store("1.0.0")]))
    await eventually(lambda: at("1.0.0"), timeout=60, what="installed")
    assert await description() == "widgets of chart version 1.0.0"
    # plain Helm leaves crds/ alone on upgrade
    await mgmt.apply(helm_profile(f"hcrd-{tag}", {"hcrd": tag}, [store("1.1.0")]))
    await eventually(lambda: at("1.1.0"), timeout=60, what="upgraded")
    assert await description() == "widgets of chart version 1.0.0"
    # upgradeCRDs applies them first
    upgrade = store("1.1.0", options={"upgradeOptions": {"upgradeCRDs": True}})
    await mgmt.apply(helm_profile(f"hcrd-{tag}", {"hcrd": tag}, [upgrade]))

    async def crd_upgraded() -> bool:
        return await description() == "widgets of chart version 1.1.0"

    await eventually(crd_upgraded, timeout=60, what="the CRD upgraded from crds/")
    await cleanup(mgmt, f"hcrd-{tag}")
