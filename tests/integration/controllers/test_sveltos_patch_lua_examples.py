"""Sveltos's documented patch and Lua scenarios, applied with kubectl as a Sveltos user would:
post-render patches over a Helm chart and raw manifests (JSON 6902 on every Deployment, a
strategic merge on the chart's objects), and a policyRef annotated projectsveltos.io/lua that
builds objects from a management-cluster resource. The manifests are our own; the scenarios
(and the fields they use) are Sveltos's."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.chartrepo import ChartRepo, chart_repo
from tests.integration.conftest import TestFleet
from tests.integration.controllers.conftest import Manager, register_cluster
from tests.integration.controllers.test_kustomize import get
from tests.integration.controllers.test_profiles import cleanup, present, uid
from tests.integration.controllers.test_sveltos_examples import kubectl_apply
from tests.integration.helpers import eventually

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChartRepo]:
    with chart_repo(tmp_path_factory.mktemp("charts"), [("greeter", "1.0.0")]) as served:
        yield served


def web_configmap(tag: str) -> str:
    return f"""apiVersion: v1
kind: ConfigMap
metadata:
  name: web-{tag}
  namespace: default
data:
  web.yaml: |
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: web-{tag}
      namespace: default
      labels: {{app: web}}
    spec:
      replicas: 1
      selector:
        matchLabels: {{app: web}}
      template:
        metadata:
          labels: {{app: web}}
        spec:
          containers:
          - name: web
            image: registry.invalid/web:1.0
"""


def chart_profile(tag: str, repo: ChartRepo, patches: str) -> str:
    return f"""apiVersion: config.projectsveltos.io/v1beta1
kind: ClusterProfile
metadata:
  name: pr-{tag}
spec:
  clusterSelector:
    matchLabels:
      env: pr-{tag}
  syncMode: Continuous
  helmCharts:
  - repositoryURL:    {repo.url}
    repositoryName:   local
    chartName:        local/greeter
    chartVersion:     1.0.0
    releaseName:      greeter-{tag}
    releaseNamespace: apps
    helmChartAction:  Install
  policyRefs:
  - name: web-{tag}
    namespace: default
    kind: ConfigMap
  patches:
{patches}"""


async def test_a_json6902_post_render_patch_labels_every_deployment(
    fleet: TestFleet, manager: Manager, repo: ChartRepo, tmp_path: Path
) -> None:
    tag = uid()
    await register_cluster(fleet, f"pr-{tag}", "c", "cluster-2", f"env=pr-{tag}")
    patches = """  - target:
      group: apps
      version: v1
      kind: Deployment
      name: ".*"
    patch: |
      - op: add
        path: /metadata/labels/environment
        value: production
"""
    await kubectl_apply(
        fleet, tmp_path, "---\n".join([web_configmap(tag), chart_profile(tag, repo, patches)])
    )
    remote = fleet.client("cluster-2")
    web = await eventually(
        lambda: get(remote, "apps/v1", "Deployment", f"web-{tag}", "default"),
        timeout=90,
        what="the policyRef's Deployment",
    )
    assert web["metadata"]["labels"]["environment"] == "production"
    chart_map = await eventually(
        lambda: present(remote, f"greeter-{tag}-config", "apps"), timeout=90, what="the chart"
    )
    assert "environment" not in (chart_map["metadata"].get("labels") or {})  # not a Deployment
    await cleanup(fleet.client("mgmt"), f"pr-{tag}")


async def test_a_strategic_merge_post_render_patch_changes_the_charts_objects(
    fleet: TestFleet, manager: Manager, repo: ChartRepo, tmp_path: Path
) -> None:
    tag = uid()
    await register_cluster(fleet, f"pr-{tag}", "c", "cluster-2", f"env=pr-{tag}")
    patches = """  - target:
      kind: ConfigMap
    patch: |
      apiVersion: v1
      kind: ConfigMap
      metadata:
        name: not-important
        labels:
          team: platform
      data:
        greeting: patched
"""
    await kubectl_apply(
        fleet, tmp_path, "---\n".join([web_configmap(tag), chart_profile(tag, repo, patches)])
    )
    remote = fleet.client("cluster-2")

    async def patched() -> bool:
        obj = await present(remote, f"greeter-{tag}-config", "apps")
        return bool(obj and obj["data"].get("greeting") == "patched")

    await eventually(patched, timeout=90, what="the chart's ConfigMap patched by Helm")
    chart_map = await present(remote, f"greeter-{tag}-config", "apps")
    assert chart_map is not None and chart_map["metadata"]["labels"]["team"] == "platform"
    assert chart_map["data"]["chartVersion"] == "1.0.0"  # the rest of the chart's data stays
    web = await get(remote, "apps/v1", "Deployment", f"web-{tag}", "default")
    assert web is not None and "team" not in web["metadata"].get("labels", {})
    await cleanup(fleet.client("mgmt"), f"pr-{tag}")


async def test_a_lua_policy_ref_turns_a_management_resource_into_secrets(
    fleet: TestFleet, manager: Manager, tmp_path: Path
) -> None:
    tag = uid()
    await register_cluster(fleet, f"lx-{tag}", "c", "cluster-1", f"env=lx-{tag}")
    manifests = f"""apiVersion: v1
kind: ConfigMap
metadata:
  name: tenants-{tag}
  namespace: default
  annotations:
    owner: platform-team
data:
  alpha: "10"
  beta: "20"
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: lua-{tag}
  namespace: default
  annotations:
    projectsveltos.io/lua: ok
data:
  tenants.lua: |
    local json = require("json")
    function evaluate()
      local hs = {{}}
      local items = {{}}
      local tenants = getResource(resources, "Tenants")
      for name, quota in pairs(tenants.data) do
        table.insert(items, {{
          apiVersion = "v1",
          kind = "Secret",
          metadata = {{name = "tenant-" .. name, namespace = "default",
                      annotations = {{owner = getAnnotation(tenants, "owner")}}}},
          data = {{quota = base64Encode(quota)}},
        }})
      end
      table.sort(items, function(a, b) return a.metadata.name < b.metadata.name end)
      local docs = {{}}
      for _, item in ipairs(items) do table.insert(docs, json.encode(item)) end
      hs.resources = table.concat(docs, "\\n---\\n")
      return hs
    end
---
apiVersion: config.projectsveltos.io/v1beta1
kind: ClusterProfile
metadata:
  name: lx-{tag}
spec:
  clusterSelector:
    matchLabels:
      env: lx-{tag}
  templateResourceRefs:
  - resource:
      apiVersion: v1
      kind: ConfigMap
      name: tenants-{tag}
      namespace: default
    identifier: Tenants
  policyRefs:
  - kind: ConfigMap
    name: lua-{tag}
    namespace: default
"""
    await kubectl_apply(fleet, tmp_path, manifests)
    remote = fleet.client("cluster-1")
    for name, quota in (("alpha", "MTA="), ("beta", "MjA=")):
        secret = await eventually(
            lambda n=name: get(remote, "v1", "Secret", f"tenant-{n}", "default"),
            timeout=60,
            what=f"the Secret Lua made for {name}",
        )
        assert secret["data"] == {"quota": quota}
        assert secret["metadata"]["annotations"]["owner"] == "platform-team"
    await cleanup(fleet.client("mgmt"), f"lx-{tag}")
