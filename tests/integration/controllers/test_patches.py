"""Profile patches and Lua policyRefs against real clusters: patches reach raw, kustomize and Helm
objects (Helm through the post-renderer plugin), follow their patchesFrom source, and a bad patch
or a runaway Lua script fails that profile's cluster with a clear status, nothing lost."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.chartrepo import ChartRepo, chart_repo
from tests.integration.conftest import TestFleet
from tests.integration.controllers.conftest import (
    LUA_GREETING,
    LUA_METHODS,
    NAMESPACE,
    Manager,
    register_cluster,
)
from tests.integration.controllers.test_helm import greeter
from tests.integration.controllers.test_kustomize import get
from tests.integration.controllers.test_profiles import (
    CONFIG,
    cleanup,
    cm,
    configmap_source,
    present,
    summary_feature,
    uid,
)
from tests.integration.controllers.test_templates import annotated_source
from tests.integration.helpers import eventually
from tests.kustomizetree import hello_tree, packed, source

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChartRepo]:
    with chart_repo(tmp_path_factory.mktemp("charts"), [("greeter", "1.0.0")]) as served:
        yield served


def deployment(name: str) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "app", "image": "registry.invalid/app:1"}]},
            },
        },
    }


PATCH_FROM = """target:
  kind: Deployment
patch: |
  apiVersion: apps/v1
  kind: Deployment
  metadata:
    name: any
  spec:
    replicas: {replicas}
"""


async def test_patches_reach_raw_kustomize_and_helm_objects_and_follow_patches_from(
    fleet: TestFleet, manager: Manager, repo: ChartRepo, tmp_path: Path
) -> None:
    mgmt, ns, tag = fleet.client("mgmt"), f"pt-{uid()}", uid()
    await register_cluster(fleet, ns, "p", "cluster-1", f"pt={tag},env=prod")
    remote = fleet.client("cluster-1")
    await mgmt.apply(configmap_source(f"raw-{tag}", "default", deployment(f"raw-{tag}")))
    await mgmt.apply(source("ConfigMap", f"tree-{tag}", "default", packed(hello_tree(tmp_path))))
    await mgmt.apply(
        cm(f"more-{tag}", "default", **{"replicas.yaml": PATCH_FROM.format(replicas=2)})
    )
    release = f"g-{tag}"
    profile = {
        "apiVersion": CONFIG,
        "kind": "ClusterProfile",
        "metadata": {"name": f"pt-{tag}"},
        "spec": {
            "clusterSelector": {"matchLabels": {"pt": tag}},
            "policyRefs": [{"kind": "ConfigMap", "namespace": "default", "name": f"raw-{tag}"}],
            "kustomizationRefs": [
                {"kind": "ConfigMap", "namespace": "default", "name": f"tree-{tag}", "path": "base"}
            ],
            "helmCharts": [greeter(repo, release, "1.0.0")],
            "patches": [
                {  # strategic merge, templated from the cluster's labels, every object
                    "target": {"name": ".*"},
                    "patch": (
                        "apiVersion: v1\nkind: Any\nmetadata:\n  name: any\n  labels:\n"
                        '    environment: "{{ index .Cluster.metadata.labels "env" }}"\n'
                    ),
                },
                {  # JSON 6902 on the chart's ConfigMap only
                    "target": {"kind": "ConfigMap", "name": ".*-config"},
                    "patch": "- op: add\n  path: /data/patched\n  value: by-json6902\n",
                },
            ],
            "patchesFrom": [{"kind": "ConfigMap", "namespace": "default", "name": f"more-{tag}"}],
        },
    }
    await mgmt.apply(profile)

    raw = await eventually(
        lambda: get(remote, "apps/v1", "Deployment", f"raw-{tag}", "default"),
        timeout=90,
        what="the raw Deployment",
    )
    assert raw["metadata"]["labels"]["environment"] == "prod"
    assert raw["spec"]["replicas"] == 2  # patchesFrom
    assert raw["metadata"]["labels"]["projectsveltos.io/reason"] == "Resources"  # ours kept
    tree = await eventually(
        lambda: get(remote, "apps/v1", "Deployment", "the-deployment", "default"),
        timeout=90,
        what="the kustomize Deployment",
    )
    assert tree["metadata"]["labels"]["environment"] == "prod"
    assert tree["spec"]["replicas"] == 2
    chart_map = await eventually(
        lambda: present(remote, f"{release}-config", "apps"), timeout=90, what="the chart"
    )
    assert chart_map["data"]["patched"] == "by-json6902"
    assert chart_map["metadata"]["labels"]["environment"] == "prod"
    plain = await present(remote, "the-map", "default")  # the tree's ConfigMap
    assert plain is not None and "patched" not in (plain.get("data") or {})

    # a changed patchesFrom source redeploys the patched objects
    await mgmt.apply(
        cm(f"more-{tag}", "default", **{"replicas.yaml": PATCH_FROM.format(replicas=4)})
    )

    async def replicas(name: str) -> bool:
        obj = await get(remote, "apps/v1", "Deployment", name, "default")
        return bool(obj and obj["spec"]["replicas"] == 4)

    await eventually(lambda: replicas(f"raw-{tag}"), timeout=60, what="raw follows")
    await eventually(lambda: replicas("the-deployment"), timeout=60, what="kustomize follows")
    await cleanup(mgmt, f"pt-{tag}")


async def test_a_bad_patch_fails_with_its_name_and_nothing_deployed_is_lost(
    fleet: TestFleet, manager: Manager
) -> None:
    mgmt, ns, tag = fleet.client("mgmt"), f"pb-{uid()}", uid()
    await register_cluster(fleet, ns, "b", "cluster-2", f"pb={tag}")
    remote = fleet.client("cluster-2")
    await mgmt.apply(configmap_source(f"src-{tag}", "default", cm(f"kept-{tag}", "default")))
    base = {
        "apiVersion": CONFIG,
        "kind": "ClusterProfile",
        "metadata": {"name": f"pb-{tag}"},
        "spec": {
            "clusterSelector": {"matchLabels": {"pb": tag}},
            "policyRefs": [{"kind": "ConfigMap", "namespace": "default", "name": f"src-{tag}"}],
        },
    }
    await mgmt.apply(base)
    await eventually(lambda: present(remote, f"kept-{tag}", "default"), what="deployed")
    bad = {
        **base,
        "spec": {
            **base["spec"],
            "patches": [
                {"target": {"kind": "ConfigMap"}, "patch": "- op: frobnicate\n  path: /x\n"}
            ],
        },
    }
    await mgmt.apply(bad)

    async def failure() -> str | None:
        entry = await summary_feature(mgmt, ns, f"pb-{tag}-sveltos-b")
        return entry.get("failureMessage") if entry.get("status") == "Failed" else None

    message = await eventually(failure, timeout=60, what="the bad patch named in status")
    assert "patches[0]" in message, message
    assert await present(remote, f"kept-{tag}", "default"), "nothing deployed is removed"
    await cleanup(mgmt, f"pb-{tag}")


LUA = """local json = require("json")
local strings = require("strings")

function evaluate()
  local hs = {}
  local out = {}
  local teams = resources["teams"]
  for _, team in ipairs(strings.Split(teams.data.names, ",")) do
    local cm = {apiVersion = "v1", kind = "ConfigMap",
                metadata = {name = "team-" .. team, namespace = "default",
                            labels = {team = team}},
                data = {owner = getLabel(teams, "owner")}}
    table.insert(out, json.toYAML(cm))
  end
  hs.resources = table.concat(out, "---\\n")
  return hs
end
"""


def lua_source(name: str, script: str) -> dict[str, Any]:
    return annotated_source(name, "projectsveltos.io/lua", "lua.lua", script)


def lua_profile(tag: str, name: str, source_name: str) -> dict[str, Any]:
    return {
        "apiVersion": CONFIG,
        "kind": "ClusterProfile",
        "metadata": {"name": name},
        "spec": {
            "clusterSelector": {"matchLabels": {"lua": tag}},
            "templateResourceRefs": [
                {
                    "resource": {
                        "apiVersion": "v1",
                        "kind": "ConfigMap",
                        "name": f"teams-{tag}",
                        "namespace": "default",
                    },
                    "identifier": "teams",
                }
            ],
            "policyRefs": [{"kind": "ConfigMap", "namespace": "default", "name": source_name}],
        },
    }


async def test_a_lua_policy_ref_deploys_what_it_returns_and_a_runaway_script_is_stopped(
    fleet: TestFleet, manager: Manager
) -> None:
    mgmt, ns, tag = fleet.client("mgmt"), f"lua-{uid()}", uid()
    await register_cluster(fleet, ns, "l", "cluster-1", f"lua={tag}")
    remote = fleet.client("cluster-1")
    teams = cm(f"teams-{tag}", "default", names="red,blue")
    teams["metadata"]["labels"] = {"owner": "platform"}
    await mgmt.apply(teams)
    await mgmt.apply(lua_source(f"lua-{tag}", LUA))
    await mgmt.apply(lua_source(f"spin-{tag}", "function evaluate()\n  while true do end\nend\n"))
    await mgmt.apply(lua_profile(tag, f"lua-{tag}", f"lua-{tag}"))
    await mgmt.apply(lua_profile(tag, f"spin-{tag}", f"spin-{tag}"))

    for team in ("red", "blue"):
        made = await eventually(
            lambda t=team: present(remote, f"team-{t}", "default"),
            timeout=60,
            what=f"the ConfigMap Lua made for {team}",
        )
        assert made["data"] == {"owner": "platform"}
        assert made["metadata"]["labels"]["team"] == team

    async def stopped() -> str | None:
        entry = await summary_feature(mgmt, ns, f"spin-{tag}-sveltos-l")
        return entry.get("failureMessage") if entry.get("status") == "Failed" else None

    message = await eventually(stopped, timeout=60, what="the runaway script reported")
    assert "CPU limit" in message and f"spin-{tag}" in message, message

    # the referenced object changes: Lua runs again
    teams["data"] = {"names": "red,blue,green"}
    await mgmt.apply(teams)
    await eventually(lambda: present(remote, "team-green", "default"), timeout=60, what="rerun")
    await cleanup(mgmt, f"lua-{tag}", f"spin-{tag}")


async def test_lua_methods_run_before_every_script_and_a_change_reruns_it(
    fleet: TestFleet, manager: Manager
) -> None:
    """--lua-methods: the ConfigMap's functions can be called from any Lua policyRef; when it
    changes, what the scripts return is computed again."""
    mgmt, ns, tag = fleet.client("mgmt"), f"luam-{uid()}", uid()
    await register_cluster(fleet, ns, "m", "cluster-2", f"lua={tag}")
    remote = fleet.client("cluster-2")
    await mgmt.apply(cm(f"teams-{tag}", "default", names="red"))
    script = f"""local json = require("json")
function evaluate()
  local cm = {{apiVersion = "v1", kind = "ConfigMap",
              metadata = {{name = "greeted-{tag}", namespace = "default"}},
              data = {{text = greeting(resources["teams"].data.names)}}}}
  return {{resources = json.toYAML(cm)}}
end
"""
    await mgmt.apply(lua_source(f"greet-{tag}", script))
    await mgmt.apply(lua_profile(tag, f"greet-{tag}", f"greet-{tag}"))

    async def text() -> str | None:
        found = await present(remote, f"greeted-{tag}", "default")
        return str(found["data"]["text"]) if found else None

    assert await eventually(text, timeout=60, what="the helper's result") == "hello red"
    methods = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": LUA_METHODS, "namespace": NAMESPACE},
        "data": {"greeting.lua": LUA_GREETING % "hi"},
    }
    try:
        await mgmt.apply(methods)

        async def greeted_again() -> bool:
            return await text() == "hi red"

        await eventually(greeted_again, timeout=60, what="the scripts run again")
    finally:
        methods["data"] = {"greeting.lua": LUA_GREETING % "hello"}
        await mgmt.apply(methods)
    await cleanup(mgmt, f"greet-{tag}")
