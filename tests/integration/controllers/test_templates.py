"""Templates in profiles: policyRef content, Helm values and kustomize values rendered per
cluster from .Cluster, as Sveltos renders them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from navarch.kube import Client
from tests.chartrepo import ChartRepo, chart_repo
from tests.integration.conftest import TestFleet
from tests.integration.controllers.conftest import Manager, register_cluster
from tests.integration.controllers.test_helm import greeter, helm_profile, release_of
from tests.integration.controllers.test_kustomize import kustomize_profile, provisioned
from tests.integration.controllers.test_profiles import (
    CONFIG,
    cleanup,
    cluster_profile,
    cm,
    configmap_source,
    get_or_none,
    present,
    uid,
)
from tests.integration.helpers import eventually
from tests.kustomizetree import hello_tree, packed, source

pytestmark = pytest.mark.integration

TEMPLATE = """apiVersion: v1
kind: ConfigMap
metadata:
  name: settings-{{ .Cluster.metadata.name }}
  namespace: default
data:
  region: {{ .Cluster.metadata.labels.region | quote }}
  tier: {{ index .Cluster.metadata.labels "tier" | default "standard" | upper | quote }}
"""


def annotated_source(name: str, annotation: str, key: str, text: str) -> dict[str, Any]:
    """A policyRef ConfigMap in ``default`` marked with ``annotation`` (template, lua)."""
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": "default", "annotations": {annotation: "ok"}},
        "data": {key: text},
    }


def templated_source(name: str, text: str) -> dict[str, Any]:
    return annotated_source(name, "projectsveltos.io/template", "settings.yaml", text)


async def relabel(mgmt: Client, ns: str, cluster: str, labels: dict[str, str | None]) -> None:
    await mgmt.patch(
        "lib.projectsveltos.io/v1beta1",
        "SveltosCluster",
        cluster,
        {"metadata": {"labels": labels}},
        namespace=ns,
    )


async def test_a_templated_configmap_renders_per_cluster_and_follows_labels(
    fleet: TestFleet, manager: Manager
) -> None:
    mgmt, ns, tag = fleet.client("mgmt"), f"tpl-{uid()}", uid()
    await register_cluster(fleet, ns, "east", "cluster-1", f"tpl={tag},region=us-east,tier=gold")
    await register_cluster(fleet, ns, "bare", "cluster-2", f"tpl={tag}")
    await mgmt.apply(templated_source(f"tpl-{tag}", TEMPLATE))
    await mgmt.apply(cluster_profile(f"tpl-{tag}", {"tpl": tag}, [("default", f"tpl-{tag}")]))

    remote = fleet.client("cluster-1")

    obj = await eventually(
        lambda: present(remote, "settings-east", "default"), timeout=60, what="rendered"
    )
    assert obj["data"] == {"region": "us-east", "tier": "GOLD"}

    # cluster-2 has no region label: a template error for that cluster only, with the path
    async def failed() -> str | None:
        summary = await get_or_none(mgmt, CONFIG, "ClusterSummary", f"tpl-{tag}-sveltos-bare", ns)
        for entry in ((summary or {}).get("status") or {}).get("featureSummaries") or []:
            if entry.get("failureReason") == "TemplateError":
                return str(entry["failureMessage"])
        return None

    message = await eventually(failed, timeout=60, what="template error in status")
    assert f"ConfigMap default/tpl-{tag} key 'settings.yaml'" in message
    assert "line 7" in message and "{{.Cluster.metadata.labels.region | quote}}" in message
    assert 'map has no entry for key "region" (at .Cluster.metadata.labels.region' in message
    assert "-bare-" in message  # this cluster only
    east = await get_or_none(mgmt, CONFIG, "ClusterSummary", f"tpl-{tag}-sveltos-east", ns)
    assert not any(
        e.get("failureReason")
        for e in east["status"]["featureSummaries"]  # type: ignore[index]
    )

    # a label change re-renders: the new value is deployed
    await relabel(mgmt, ns, "east", {"region": "us-west", "tier": None})

    async def rerendered() -> bool:
        found = await present(remote, "settings-east", "default")
        return bool(found and found["data"] == {"region": "us-west", "tier": "STANDARD"})

    await eventually(rerendered, timeout=60, what="re-rendered after the label change")
    # giving cluster-2 the label fixes it without touching the profile
    await relabel(mgmt, ns, "bare", {"region": "eu-north"})
    fixed = await eventually(
        lambda: present(fleet.client("cluster-2"), "settings-bare", "default"),
        timeout=60,
        what="cluster-2 rendered once labelled",
    )
    assert fixed["data"]["region"] == "eu-north"
    await cleanup(mgmt, f"tpl-{tag}")


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChartRepo]:
    with chart_repo(tmp_path_factory.mktemp("tpl-charts"), [("greeter", "1.0.0")]) as served:
        yield served


async def test_helm_values_are_rendered_from_the_cluster(
    fleet: TestFleet, manager: Manager, repo: ChartRepo
) -> None:
    mgmt, ns, tag = fleet.client("mgmt"), f"tplh-{uid()}", uid()
    await register_cluster(fleet, ns, "h", "cluster-3", f"tplh={tag},region=ap-south")
    release = f"tg-{tag}"
    values = (
        'greeting: "hello from {{ .Cluster.metadata.name }} in '
        '{{ .Cluster.metadata.labels.region }}"\n'
    )
    await mgmt.apply(
        helm_profile(f"tplh-{tag}", {"tplh": tag}, [greeter(repo, release, "1.0.0", values=values)])
    )

    async def greeting() -> str | None:
        obj = await present(fleet.client("cluster-3"), f"{release}-config", "apps")
        return (obj or {}).get("data", {}).get("greeting")

    assert await eventually(greeting, timeout=60, what="installed") == "hello from h in ap-south"
    await relabel(mgmt, ns, "h", {"region": "sa-east"})
    await eventually(
        lambda: _equal(greeting(), "hello from h in sa-east"), timeout=60, what="upgraded"
    )
    upgraded = await release_of(fleet, "cluster-3", release)
    assert upgraded is not None and upgraded.revision == 2
    await cleanup(mgmt, f"tplh-{tag}")


async def _equal(read: Any, expected: str) -> bool:
    return bool(await read == expected)


async def test_kustomize_values_instantiate_the_output(
    fleet: TestFleet, manager: Manager, tmp_path: Path
) -> None:
    """Sveltos's "hello-world-with-template" example, with the tree in a ConfigMap."""
    mgmt, ns, tag = fleet.client("mgmt"), f"tplk-{uid()}", uid()
    await register_cluster(fleet, ns, "k", "cluster-1", f"tplk={tag},region=east")
    tree = hello_tree(
        tmp_path / "tree",
        **{
            "base/map.yaml": (
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: the-map\n"
                "  labels:\n    region: '{{ default \"west\" .Region }}'\n"
                "data:\n  image: 'nginx:{{ .Version }}'\n"
            )
        },
    )
    await mgmt.apply(source("ConfigMap", f"tree-{tag}", "default", packed(tree)))
    target = f"eng-{tag}"
    ref = {
        "kind": "ConfigMap",
        "namespace": "default",
        "name": f"tree-{tag}",
        "path": "base",
        "targetNamespace": target,
        "values": {"Region": '{{ index .Cluster.metadata.labels "region" }}'},
        "valuesFrom": [{"kind": "ConfigMap", "namespace": "default", "name": f"kvals-{tag}"}],
    }
    await mgmt.apply(cm(f"kvals-{tag}", "default", Version="v1.2.0"))
    await mgmt.apply(kustomize_profile(f"tplk-{tag}", {"tplk": tag}, [ref]))
    remote = fleet.client("cluster-1")
    obj = await eventually(lambda: present(remote, "the-map", target), timeout=60, what="map")
    assert obj["metadata"]["labels"]["region"] == "east"
    assert obj["data"]["image"] == "nginx:v1.2.0"
    # a change of the valuesFrom ConfigMap instantiates the output again
    await mgmt.apply(cm(f"kvals-{tag}", "default", Version="v1.3.0"))

    async def new_image() -> bool:
        found = await present(remote, "the-map", target)
        return bool(found and found["data"]["image"] == "nginx:v1.3.0")

    await eventually(new_image, timeout=60, what="re-instantiated after the valuesFrom change")
    await eventually(
        lambda: provisioned(mgmt, ns, f"tplk-{tag}-sveltos-k"), what="Kustomize Provisioned"
    )
    await cleanup(mgmt, f"tplk-{tag}")


async def test_values_from_mgmt_resources_and_a_changed_secret_redeploys(
    fleet: TestFleet, manager: Manager, repo: ChartRepo
) -> None:
    """Sveltos's templateResourceRefs: a management Secret read as .MgmtResources and with
    getResource; editing it upgrades the release."""
    mgmt, ns, tag = fleet.client("mgmt"), f"tplm-{uid()}", uid()
    await register_cluster(fleet, ns, "m", "cluster-2", f"tplm={tag}")
    await mgmt.apply(
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": f"creds-{tag}", "namespace": ns},
            "stringData": {"user": "admin"},
        }
    )
    release = f"tm-{tag}"
    values = (
        "greeting: 'user {{ .MgmtResources.creds.data.user | b64dec }} "
        '({{ (getResource "creds").metadata.name }})\'\n'
    )
    profile = helm_profile(
        f"tplm-{tag}",
        {"tplm": tag},
        [greeter(repo, release, "1.0.0", values=values)],
        templateResourceRefs=[
            {
                "resource": {"apiVersion": "v1", "kind": "Secret", "name": f"creds-{tag}"},
                "identifier": "creds",
            }
        ],
    )
    await mgmt.apply(profile)

    async def greeting() -> str | None:
        obj = await present(fleet.client("cluster-2"), f"{release}-config", "apps")
        return (obj or {}).get("data", {}).get("greeting")

    first = await eventually(greeting, timeout=60, what="installed")
    assert first == f"user admin (creds-{tag})"
    await mgmt.apply(
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": f"creds-{tag}", "namespace": ns},
            "stringData": {"user": "operator"},
        }
    )
    await eventually(
        lambda: _equal(greeting(), f"user operator (creds-{tag})"),
        timeout=60,
        what="upgraded after the Secret changed",
    )
    await cleanup(mgmt, f"tplm-{tag}")


async def test_a_referenced_object_of_another_kind_is_watched_and_redeploys(
    fleet: TestFleet, manager: Manager
) -> None:
    """templateResourceRefs to a kind other than ConfigMap/Secret (here a ServiceAccount of the
    management cluster): the manager watches the kind, so a change in a watched field
    re-renders at once, without waiting for anything else to reconcile the summary."""
    mgmt, ns, tag = fleet.client("mgmt"), f"tplw-{uid()}", uid()
    await register_cluster(fleet, ns, "w", "cluster-3", f"tplw={tag}")
    remote = fleet.client("cluster-3")
    account = {
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": {"name": f"owner-{tag}", "namespace": ns, "labels": {"team": "red"}},
    }
    await mgmt.apply(account)
    text = (
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: owned-{{ .Cluster.metadata.name }}\n"
        "  namespace: default\ndata:\n  team: '{{ .MgmtResources.owner.metadata.labels.team }}'\n"
    )
    await mgmt.apply(templated_source(f"tplw-{tag}", text))
    await mgmt.apply(
        {
            "apiVersion": CONFIG,
            "kind": "ClusterProfile",
            "metadata": {"name": f"tplw-{tag}"},
            "spec": {
                "clusterSelector": {"matchLabels": {"tplw": tag}},
                "templateResourceRefs": [
                    {
                        "resource": {
                            "apiVersion": "v1",
                            "kind": "ServiceAccount",
                            "name": f"owner-{tag}",
                        },
                        "identifier": "owner",
                        "watchFields": ["metadata.labels"],
                    }
                ],
                "policyRefs": [
                    {"kind": "ConfigMap", "namespace": "default", "name": f"tplw-{tag}"}
                ],
            },
        }
    )

    async def team() -> str | None:
        obj = await present(remote, "owned-w", "default")
        return (obj or {}).get("data", {}).get("team")

    assert await eventually(team, timeout=60, what="rendered from the ServiceAccount") == "red"
    account["metadata"]["labels"] = {"team": "blue"}
    await mgmt.apply(account)
    await eventually(lambda: _equal(team(), "blue"), timeout=30, what="re-rendered at once")
    assert "watching templateResourceRefs" in manager.log_text()
    await cleanup(mgmt, f"tplw-{tag}")


async def test_a_templated_policy_ref_name_follows_its_source(
    fleet: TestFleet, manager: Manager
) -> None:
    """A policyRef name that is a template resolves per cluster; the source it resolves to is
    followed like a literal one: created later, it deploys; changed, it redeploys at once."""
    mgmt, ns, tag = fleet.client("mgmt"), f"tpln-{uid()}", uid()
    await register_cluster(fleet, ns, "n", "cluster-1", f"tpln={tag}")
    remote = fleet.client("cluster-1")
    await mgmt.apply(
        {
            "apiVersion": CONFIG,
            "kind": "ClusterProfile",
            "metadata": {"name": f"tpln-{tag}"},
            "spec": {
                "clusterSelector": {"matchLabels": {"tpln": tag}},
                "policyRefs": [
                    {
                        "kind": "ConfigMap",
                        "namespace": "default",
                        "name": f"addons-{tag}-{{{{ .Cluster.metadata.name }}}}",
                    }
                ],
            },
        }
    )

    async def missing() -> str | None:
        summary = await get_or_none(mgmt, CONFIG, "ClusterSummary", f"tpln-{tag}-sveltos-n", ns)
        for entry in ((summary or {}).get("status") or {}).get("featureSummaries") or []:
            if entry.get("failureMessage"):
                return str(entry["failureMessage"])
        return None

    message = await eventually(missing, timeout=60, what="the resolved source reported missing")
    assert f"ConfigMap default/addons-{tag}-n does not exist" in message
    await mgmt.apply(
        configmap_source(f"addons-{tag}-n", "default", cm(f"made-{tag}", "default", v="1"))
    )

    async def value() -> str | None:
        found = await present(remote, f"made-{tag}", "default")
        return (found or {}).get("data", {}).get("v")

    assert await eventually(value, timeout=30, what="deployed once the source exists") == "1"
    await mgmt.apply(
        configmap_source(f"addons-{tag}-n", "default", cm(f"made-{tag}", "default", v="2"))
    )
    await eventually(lambda: _equal(value(), "2"), timeout=30, what="redeployed on its change")
    await cleanup(mgmt, f"tpln-{tag}")
