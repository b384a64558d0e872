"""ClusterProfile and Profile end to end: a real manager deploying to real clusters."""

from __future__ import annotations

import base64
import contextlib
import json
import signal
import uuid
from typing import Any

import httpx
import pytest
import yaml

from navarch.admin import register as reg
from navarch.api import names
from navarch.engines.resources import TEMPLATE_ANNOTATION
from navarch.kube import Client, NotFound
from tests.cli import navarch_async
from tests.integration.conftest import TestFleet
from tests.integration.controllers.conftest import Manager, register_cluster
from tests.integration.helpers import eventually

pytestmark = pytest.mark.integration

CONFIG = names.CONFIG_API_VERSION


def uid() -> str:
    return uuid.uuid4().hex[:6]


def configmap_source(
    name: str, namespace: str, *docs: dict[str, Any], **extra: str
) -> dict[str, Any]:
    """A ConfigMap holding ``docs`` as one multi-document key (plus raw ``extra`` keys)."""
    data = {"resources.yaml": yaml.safe_dump_all(docs)} if docs else {}
    data.update(extra)
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": namespace},
        "data": data,
    }


def cm(name: str, namespace: str, **data: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": namespace},
        "data": data,
    }


def cluster_profile(
    name: str, selector: dict[str, str], refs: list[tuple[str, str]], **spec: Any
) -> dict[str, Any]:
    return {
        "apiVersion": CONFIG,
        "kind": "ClusterProfile",
        "metadata": {"name": name},
        "spec": {
            "clusterSelector": {"matchLabels": selector},
            "policyRefs": [{"kind": "ConfigMap", "namespace": ns, "name": n} for ns, n in refs],
            **spec,
        },
    }


async def get_or_none(
    client: Client, api: str, kind: str, name: str, ns: str | None = None
) -> dict[str, Any] | None:
    try:
        return await client.get(api, kind, name, ns)
    except NotFound:
        return None


async def present(client: Client, name: str, ns: str) -> dict[str, Any] | None:
    return await get_or_none(client, "v1", "ConfigMap", name, ns)


async def absent(client: Client, name: str, ns: str) -> bool:
    return await present(client, name, ns) is None


async def summary_feature(mgmt: Client, namespace: str, name: str) -> dict[str, Any]:
    summary = await get_or_none(mgmt, CONFIG, "ClusterSummary", name, namespace)
    for feature in ((summary or {}).get("status") or {}).get("featureSummaries") or []:
        if feature.get("featureID") == "Resources":
            return dict(feature)
    return {}


async def cleanup(mgmt: Client, *profiles: str) -> None:
    for name in profiles:
        with contextlib.suppress(NotFound):
            await mgmt.delete(CONFIG, "ClusterProfile", name)


async def test_a_label_change_moves_the_add_ons(fleet: TestFleet, manager: Manager) -> None:
    mgmt, ns, tag = fleet.client("mgmt"), f"move-{uid()}", uid()
    await register_cluster(fleet, ns, "a", "cluster-1", f"move={tag}")
    await register_cluster(fleet, ns, "b", "cluster-2", "move=elsewhere")
    target = f"addon-{tag}"
    await mgmt.apply(configmap_source("moving", "default", cm(target, "default", v="1")))
    await mgmt.apply(cluster_profile(f"move-{tag}", {"move": tag}, [("default", "moving")]))
    one, two = fleet.client("cluster-1"), fleet.client("cluster-2")
    deployed = await eventually(lambda: present(one, target, "default"), what="on cluster a")
    annotations = deployed["metadata"]["annotations"]
    assert annotations["projectsveltos.io/owner-name"] == f"move-{tag}"
    assert annotations["projectsveltos.io/reference-name"] == "moving"
    assert deployed["metadata"]["labels"]["projectsveltos.io/reason"] == "Resources"
    assert await absent(two, target, "default")

    await mgmt.patch(
        names.LIB_API_VERSION,
        "SveltosCluster",
        "a",
        {"metadata": {"labels": {"move": "elsewhere"}}},
        namespace=ns,
    )
    await mgmt.patch(
        names.LIB_API_VERSION,
        "SveltosCluster",
        "b",
        {"metadata": {"labels": {"move": tag}}},
        namespace=ns,
    )
    await eventually(lambda: present(two, target, "default"), what="moved to cluster b")
    await eventually(lambda: absent(one, target, "default"), what="withdrawn from cluster a")
    profile = await mgmt.get(CONFIG, "ClusterProfile", f"move-{tag}")
    assert [c["name"] for c in profile["status"]["matchingClusters"]] == ["b"]
    await cleanup(mgmt, f"move-{tag}")
    await eventually(lambda: absent(two, target, "default"), what="withdrawn on delete")


async def test_a_changed_source_redeploys_and_drops_what_it_no_longer_lists(
    fleet: TestFleet, manager: Manager
) -> None:
    mgmt, ns, tag = fleet.client("mgmt"), f"chg-{uid()}", uid()
    await register_cluster(fleet, ns, "c", "cluster-1", f"chg={tag}")
    remote = fleet.client("cluster-1")
    await mgmt.apply(
        configmap_source(
            f"src-{tag}",
            "default",
            cm(f"keep-{tag}", "default", v="1"),
            cm(f"drop-{tag}", "default", v="1"),
        )
    )
    await mgmt.apply(cluster_profile(f"chg-{tag}", {"chg": tag}, [("default", f"src-{tag}")]))
    await eventually(lambda: present(remote, f"drop-{tag}", "default"), what="first version")
    await mgmt.apply(
        configmap_source(
            f"src-{tag}",
            "default",
            cm(f"keep-{tag}", "default", v="2"),
            cm(f"new-{tag}", "default", v="1"),
        )
    )

    async def second_version() -> bool:
        kept = await present(remote, f"keep-{tag}", "default")
        return bool(
            kept
            and kept["data"]["v"] == "2"
            and await present(remote, f"new-{tag}", "default")
            and await absent(remote, f"drop-{tag}", "default")
        )

    await eventually(second_version, what="updated, added and removed")

    async def recorded() -> list[str] | None:
        config = await mgmt.get(CONFIG, "ClusterConfiguration", "sveltos--c", ns)
        entries = (config.get("status") or {}).get("clusterProfileResources") or []
        if not entries or entries[0]["clusterProfileName"] != f"chg-{tag}":
            return None
        found = sorted(r["name"] for r in entries[0]["Features"][0]["resources"])
        return found if found == [f"keep-{tag}", f"new-{tag}"] else None

    await eventually(recorded, what="ClusterConfiguration records the new set")
    await cleanup(mgmt, f"chg-{tag}")


async def test_an_unchanged_profile_sends_no_writes(fleet: TestFleet, manager: Manager) -> None:
    mgmt, ns, tag = fleet.client("mgmt"), f"noop-{uid()}", uid()
    await register_cluster(fleet, ns, "n", "cluster-2", f"noop={tag}")
    remote = fleet.client("cluster-2")
    await mgmt.apply(configmap_source(f"src-{tag}", "default", cm(f"obj-{tag}", "default")))
    await mgmt.apply(cluster_profile(f"noop-{tag}", {"noop": tag}, [("default", f"src-{tag}")]))
    first = await eventually(lambda: present(remote, f"obj-{tag}", "default"), what="deployed")
    summary = f"noop-{tag}-sveltos-n"
    await eventually(lambda: _provisioned(mgmt, ns, summary), what="Provisioned")
    before = await mgmt.get(CONFIG, "ClusterSummary", summary, ns)
    # a change that is not the profile's content: reconciles again, writes nothing
    await mgmt.patch(
        CONFIG, "ClusterProfile", f"noop-{tag}", {"metadata": {"labels": {"touched": "yes"}}}
    )
    await mgmt.apply(configmap_source(f"src-{tag}", "default", cm(f"obj-{tag}", "default")))
    await mgmt.patch(
        "v1", "ConfigMap", f"src-{tag}", {"metadata": {"labels": {"x": "y"}}}, namespace="default"
    )
    after = await mgmt.get(CONFIG, "ClusterSummary", summary, ns)
    again = await present(remote, f"obj-{tag}", "default")
    assert again is not None
    assert again["metadata"]["resourceVersion"] == first["metadata"]["resourceVersion"]
    assert after["status"] == before["status"]
    await cleanup(mgmt, f"noop-{tag}")


async def test_a_profile_never_reaches_clusters_of_another_namespace(
    fleet: TestFleet, manager: Manager
) -> None:
    mgmt, tag = fleet.client("mgmt"), uid()
    mine, theirs = f"tenant-a-{tag}", f"tenant-b-{tag}"
    await register_cluster(fleet, mine, "edge", "cluster-1", f"tenant={tag}")
    await register_cluster(fleet, theirs, "edge", "cluster-2", f"tenant={tag}")
    await mgmt.apply(configmap_source("tenant-src", mine, cm(f"tenant-{tag}", "default")))
    await mgmt.apply(
        {
            "apiVersion": CONFIG,
            "kind": "Profile",
            "metadata": {"name": "tenant-addons", "namespace": mine},
            "spec": {
                "clusterSelector": {"matchLabels": {"tenant": tag}},
                "clusterRefs": [{"kind": "SveltosCluster", "namespace": theirs, "name": "edge"}],
                # a namespace in a Profile's policyRef is ignored: it reads from its own namespace
                "policyRefs": [{"kind": "ConfigMap", "name": "tenant-src", "namespace": theirs}],
            },
        }
    )
    await eventually(
        lambda: present(fleet.client("cluster-1"), f"tenant-{tag}", "default"),
        what="deployed in the Profile's namespace",
    )
    profile = await mgmt.get(CONFIG, "Profile", "tenant-addons", mine)
    assert [(c["namespace"], c["name"]) for c in profile["status"]["matchingClusters"]] == [
        (mine, "edge")
    ]
    assert await absent(fleet.client("cluster-2"), f"tenant-{tag}", "default")
    summaries = await mgmt.list(CONFIG, "ClusterSummary", theirs)
    assert summaries.items == []
    assert await mgmt.get(CONFIG, "ClusterSummary", "p--tenant-addons-sveltos-edge", mine)
    await mgmt.delete(CONFIG, "Profile", "tenant-addons", mine)


async def test_two_profiles_for_one_object_conflict_and_a_lower_tier_takes_over(
    fleet: TestFleet, manager: Manager
) -> None:
    mgmt, ns, tag = fleet.client("mgmt"), f"tier-{uid()}", uid()
    await register_cluster(fleet, ns, "t", "cluster-3", f"tier={tag}")
    remote = fleet.client("cluster-3")
    shared = f"shared-{tag}"
    await mgmt.apply(configmap_source(f"first-{tag}", "default", cm(shared, "default", by="first")))
    await mgmt.apply(
        configmap_source(f"second-{tag}", "default", cm(shared, "default", by="second"))
    )
    await mgmt.apply(cluster_profile(f"first-{tag}", {"tier": tag}, [("default", f"first-{tag}")]))
    await eventually(lambda: present(remote, shared, "default"), what="first deploys")
    await mgmt.apply(
        cluster_profile(f"second-{tag}", {"tier": tag}, [("default", f"second-{tag}")])
    )

    async def conflict() -> str | None:
        feature = await summary_feature(mgmt, ns, f"second-{tag}-sveltos-t")
        if feature.get("status") == "Failed" and feature.get("failureReason") == "Conflict":
            return str(feature["failureMessage"])
        return None

    message = await eventually(conflict, what="second reports the conflict")
    assert f"deployed by ClusterProfile first-{tag} (tier 100)" in message
    owned = await present(remote, shared, "default")
    assert owned is not None and owned["data"] == {"by": "first"}, "the loser wrote nothing"
    first_feature = await summary_feature(mgmt, ns, f"first-{tag}-sveltos-t")
    assert first_feature["status"] == "Provisioned"

    # a lower tier takes it over; the old owner then reports the conflict
    await mgmt.patch(CONFIG, "ClusterProfile", f"second-{tag}", {"spec": {"tier": 50}})

    async def taken_over() -> bool:
        obj = await present(remote, shared, "default")
        return bool(obj and obj["data"] == {"by": "second"})

    await eventually(taken_over, what="the lower tier takes over")
    await eventually(
        lambda: _failed_with(mgmt, ns, f"first-{tag}-sveltos-t", "Conflict"),
        what="the old owner reports the conflict",
    )
    await cleanup(mgmt, f"first-{tag}", f"second-{tag}")


async def _failed_with(mgmt: Client, ns: str, summary: str, reason: str) -> bool:
    feature = await summary_feature(mgmt, ns, summary)
    return feature.get("status") == "Failed" and feature.get("failureReason") == reason


@pytest.mark.parametrize(
    ("bad", "expected"),
    [
        ({"broken.yaml": "kind: [unclosed\n"}, "key 'broken.yaml': invalid YAML at line 2"),
        (
            {"broken.yaml": "apiVersion: example.com/v9\nkind: Gizmo\nmetadata: {name: g}\n"},
            "the cluster serves no Gizmo in example.com/v9",
        ),
        (
            {"broken.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: Not_Valid}\n"},
            "Not_Valid",
        ),
    ],
)
async def test_a_bad_document_is_named_and_nothing_deployed_is_lost(
    fleet: TestFleet, manager: Manager, bad: dict[str, str], expected: str
) -> None:
    mgmt, ns, tag = fleet.client("mgmt"), f"bad-{uid()}", uid()
    await register_cluster(fleet, ns, "x", "cluster-1", f"bad={tag}")
    await register_cluster(fleet, ns, "y", "cluster-2", f"bad={tag}")
    await mgmt.apply(configmap_source(f"src-{tag}", "default", cm(f"good-{tag}", "default")))
    await mgmt.apply(configmap_source(f"other-{tag}", "default", cm(f"other-{tag}", "default")))
    await mgmt.apply(cluster_profile(f"bad-{tag}", {"bad": tag}, [("default", f"src-{tag}")]))
    await mgmt.apply(cluster_profile(f"ok-{tag}", {"bad": tag}, [("default", f"other-{tag}")]))
    for cluster in ("cluster-1", "cluster-2"):
        await eventually(
            lambda c=cluster: present(fleet.client(c), f"good-{tag}", "default"),
            what="first version deployed",
        )
    broken = configmap_source(f"src-{tag}", "default", cm(f"good-{tag}", "default"), **bad)
    await mgmt.apply(broken)

    async def reported() -> str | None:
        feature = await summary_feature(mgmt, ns, f"bad-{tag}-sveltos-x")
        return feature.get("failureMessage") if feature.get("status") == "Failed" else None

    message = await eventually(reported, what="the bad document named in status")
    assert expected in message and f"src-{tag}" in message
    for cluster in ("cluster-1", "cluster-2"):
        client = fleet.client(cluster)
        assert await present(client, f"good-{tag}", "default"), "nothing deployed is removed"
        await eventually(
            lambda c=client: present(c, f"other-{tag}", "default"),
            what="the other profile keeps working",
        )
    # fixing the source clears the failure by itself
    await mgmt.apply(configmap_source(f"src-{tag}", "default", cm(f"good-{tag}", "default")))
    await eventually(lambda: _provisioned(mgmt, ns, f"bad-{tag}-sveltos-x"), what="recovered")
    await cleanup(mgmt, f"bad-{tag}", f"ok-{tag}")


async def _provisioned(mgmt: Client, ns: str, summary: str) -> bool:
    feature = await summary_feature(mgmt, ns, summary)
    return feature.get("status") == "Provisioned" and "failureMessage" not in feature


async def test_unsupported_fields_are_reported_and_max_consecutive_failures_stops_retries(
    fleet: TestFleet, manager: Manager
) -> None:
    mgmt, ns, tag = fleet.client("mgmt"), f"mcf-{uid()}", uid()
    await register_cluster(fleet, ns, "m", "cluster-1", f"mcf={tag}")
    rejected = {  # the API server refuses a number where a string belongs
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": f"mcf-{tag}", "namespace": "default"},
        "data": {"n": 1},
    }
    await mgmt.apply(configmap_source(f"src-{tag}", "default", rejected))
    await mgmt.apply(
        cluster_profile(
            f"mcf-{tag}",
            {"mcf": tag},
            [("default", f"src-{tag}")],
            maxConsecutiveFailures=1,
            reloader=True,
        )
    )
    name = f"mcf-{tag}-sveltos-m"

    async def gave_up() -> dict[str, Any] | None:
        feature = await summary_feature(mgmt, ns, name)
        message = feature.get("failureMessage") or ""
        return feature if "no more retries" in message else None

    feature = await eventually(gave_up, what="retries stopped after one failure")
    assert feature["status"] == "Failed" and feature["consecutiveFailures"] == 1
    assert f"mcf-{tag}" in feature["failureMessage"]
    summary = await mgmt.get(CONFIG, "ClusterSummary", name, ns)
    assert summary["status"]["failureMessage"] == "not supported yet, so not acted on: reloader"
    # a fixed source is a new event: it is deployed although timed retries had stopped
    await mgmt.apply(configmap_source(f"src-{tag}", "default", cm(f"mcf-{tag}", "default")))
    await eventually(lambda: present(fleet.client("cluster-1"), f"mcf-{tag}", "default"))
    await cleanup(mgmt, f"mcf-{tag}")


async def test_leave_policies_keeps_objects_when_the_profile_goes(
    fleet: TestFleet, manager: Manager
) -> None:
    mgmt, ns, tag = fleet.client("mgmt"), f"leave-{uid()}", uid()
    await register_cluster(fleet, ns, "l", "cluster-2", f"leave={tag}")
    remote = fleet.client("cluster-2")
    await mgmt.apply(configmap_source(f"src-{tag}", "default", cm(f"stays-{tag}", "default")))
    await mgmt.apply(
        cluster_profile(
            f"leave-{tag}",
            {"leave": tag},
            [("default", f"src-{tag}")],
            stopMatchingBehavior="LeavePolicies",
        )
    )
    await eventually(lambda: present(remote, f"stays-{tag}", "default"), what="deployed")
    await cleanup(mgmt, f"leave-{tag}")
    await eventually(
        lambda: _gone(mgmt, CONFIG, "ClusterProfile", f"leave-{tag}"), what="profile deleted"
    )
    assert await present(remote, f"stays-{tag}", "default"), "LeavePolicies leaves it"


async def _gone(client: Client, api: str, kind: str, name: str, ns: str | None = None) -> bool:
    return await get_or_none(client, api, kind, name, ns) is None


async def test_secret_sources_namespaces_and_local_deployment(
    fleet: TestFleet, manager: Manager
) -> None:
    mgmt, ns, tag = fleet.client("mgmt"), f"sec-{uid()}", uid()
    await register_cluster(fleet, ns, "s", "cluster-3", f"sec={tag}")
    remote = fleet.client("cluster-3")
    content = yaml.safe_dump_all(
        [
            {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": f"team-{tag}"}},
            {
                "apiVersion": "v1",
                "kind": "ServiceAccount",
                "metadata": {"name": "bot", "namespace": f"team-{tag}"},
            },
            # no namespace: lands in default
            {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": f"nons-{tag}"}},
        ]
    )
    await mgmt.apply(
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "type": "addons.projectsveltos.io/cluster-profile",
            "metadata": {"name": f"secret-src-{tag}", "namespace": "default"},
            "data": {"all.yaml": base64.b64encode(content.encode()).decode()},
        }
    )
    await mgmt.apply(configmap_source(f"local-{tag}", "default", cm(f"in-mgmt-{tag}", "default")))
    await mgmt.apply(
        {
            "apiVersion": CONFIG,
            "kind": "ClusterProfile",
            "metadata": {"name": f"sec-{tag}"},
            "spec": {
                "clusterSelector": {"matchLabels": {"sec": tag}},
                "policyRefs": [
                    {"kind": "Secret", "namespace": "default", "name": f"secret-src-{tag}"},
                    {
                        "kind": "ConfigMap",
                        "namespace": "default",
                        "name": f"local-{tag}",
                        "deploymentType": "Local",
                    },
                    {
                        "kind": "ConfigMap",
                        "namespace": "default",
                        "name": "does-not-exist",
                        "optional": True,
                    },
                ],
            },
        }
    )
    await eventually(
        lambda: get_or_none(remote, "v1", "ServiceAccount", "bot", f"team-{tag}"),
        what="secret content deployed",
    )
    # objects of one group are applied concurrently: the ConfigMap may land just after
    await eventually(
        lambda: present(remote, f"nons-{tag}", "default"), what="no namespace: in default"
    )
    local = await eventually(
        lambda: present(mgmt, f"in-mgmt-{tag}", "default"),
        what="Local deployment in the management cluster",
    )
    assert local["metadata"]["annotations"]["projectsveltos.io/deploymenttype"] == "Local"
    await cleanup(mgmt, f"sec-{tag}")
    await eventually(lambda: absent(mgmt, f"in-mgmt-{tag}", "default"), what="local withdrawn")
    await eventually(
        lambda: _gone(remote, "v1", "Namespace", f"team-{tag}"), what="namespace withdrawn"
    )


async def test_an_unreachable_cluster_fails_with_the_reason_and_recovers(
    fleet: TestFleet, manager: Manager
) -> None:
    own = "profile-outage"
    remote = await fleet.own_cluster(own)
    mgmt, ns, tag = fleet.client("mgmt"), f"out-{uid()}", uid()
    await register_cluster(fleet, ns, "o", own, f"out={tag}")
    await mgmt.apply(configmap_source(f"src-{tag}", "default", cm(f"v1-{tag}", "default")))
    await mgmt.apply(cluster_profile(f"out-{tag}", {"out": tag}, [("default", f"src-{tag}")]))
    await eventually(lambda: present(remote, f"v1-{tag}", "default"), what="deployed")
    await fleet.stop(own)
    await mgmt.apply(configmap_source(f"src-{tag}", "default", cm(f"v2-{tag}", "default")))

    async def waiting() -> str | None:
        feature = await summary_feature(mgmt, ns, f"out-{tag}-sveltos-o")
        message = str(feature.get("failureMessage") or "")
        return message if feature.get("status") in ("Failed", "Provisioning") and message else None

    message = await eventually(waiting, timeout=60, what="the outage reported")
    assert "o" in message
    await fleet.start(own)
    await eventually(
        lambda: present(remote, f"v2-{tag}", "default"),
        timeout=60,
        what="deployed after the outage",
    )
    await eventually(lambda: absent(remote, f"v1-{tag}", "default"), what="old version removed")
    await cleanup(mgmt, f"out-{tag}")


async def test_show_addons_usage_and_redeploy(fleet: TestFleet, manager: Manager) -> None:
    mgmt, ns, tag = fleet.client("mgmt"), f"show-{uid()}", uid()
    await register_cluster(fleet, ns, "v", "cluster-1", f"show={tag}")
    remote = fleet.client("cluster-1")
    await mgmt.apply(configmap_source(f"src-{tag}", "default", cm(f"shown-{tag}", "default")))
    await mgmt.apply(cluster_profile(f"show-{tag}", {"show": tag}, [("default", f"src-{tag}")]))
    await eventually(lambda: _provisioned(mgmt, ns, f"show-{tag}-sveltos-v"), what="deployed")
    env = {"KUBECONFIG": str(fleet.dir / "kubeconfig")}

    async def addons() -> list[list[str]] | None:
        result = await navarch_async(
            "--context", "mgmt", "show", "addons", "--namespace", ns, env=env
        )
        assert result.code == 0, result.stderr
        rows = [line.split() for line in result.stdout.splitlines()]
        return rows if len(rows) == 2 else None

    rows = await eventually(addons, what="show addons lists the object")
    assert rows[0] == [
        "CLUSTER",
        "RESOURCE",
        "TYPE",
        "NAMESPACE",
        "NAME",
        "VERSION",
        "TIME",
        "DEPLOYMENT",
        "TYPE",
        "PROFILES",
    ]
    row = rows[1]
    assert row[:5] == [f"{ns}/v", ":ConfigMap", "default", f"shown-{tag}", "N/A"]
    assert row[-3:] == ["Managed", "cluster", f"ClusterProfile/show-{tag}"]
    listed = await navarch_async(
        "--context", "mgmt", "show", "addons", "--namespace", ns, "-o", "json", env=env
    )
    assert json.loads(listed.stdout)[0]["profiles"] == f"ClusterProfile/show-{tag}"
    usage = await navarch_async(
        "--context", "mgmt", "show", "usage", "--name", f"src-{tag}", env=env
    )
    assert usage.stdout.splitlines()[1].split() == ["ConfigMap", "default", f"src-{tag}", f"{ns}/v"]

    # someone deletes the object; `redeploy cluster` puts it back
    await remote.delete("v1", "ConfigMap", f"shown-{tag}", "default")
    again = await navarch_async(
        "--context", "mgmt", "redeploy", "cluster", "--namespace", ns, "--cluster", "v", env=env
    )
    assert again.code == 0, again.stderr
    await eventually(lambda: present(remote, f"shown-{tag}", "default"), what="redeployed")
    await cleanup(mgmt, f"show-{tag}")


async def test_dry_run_reports_and_changes_nothing_then_continuous_deploys(
    fleet: TestFleet, manager: Manager
) -> None:
    mgmt, ns, tag = fleet.client("mgmt"), f"dry-{uid()}", uid()
    await register_cluster(fleet, ns, "d", "cluster-2", f"dry={tag}")
    remote = fleet.client("cluster-2")
    # one object exists already and belongs to nobody; one is new
    await remote.apply(cm(f"existing-{tag}", "default", v="old"))
    await mgmt.apply(
        configmap_source(
            f"src-{tag}",
            "default",
            cm(f"existing-{tag}", "default", v="new"),
            cm(f"new-{tag}", "default", v="1"),
        )
    )
    await mgmt.apply(
        cluster_profile(f"dry-{tag}", {"dry": tag}, [("default", f"src-{tag}")], syncMode="DryRun")
    )
    env = {"KUBECONFIG": str(fleet.dir / "kubeconfig")}

    async def report() -> list[list[str]] | None:
        result = await navarch_async(
            "--context", "mgmt", "show", "dryrun", "--namespace", ns, env=env
        )
        rows = [line.split() for line in result.stdout.splitlines()[1:]]
        return rows if len(rows) == 2 else None

    rows = await eventually(report, what="the DryRun report")
    assert [(r[3], r[4]) for r in rows] == [(f"existing-{tag}", "Update"), (f"new-{tag}", "Create")]
    assert all(r[-1] == f"ClusterProfile/dry-{tag}" for r in rows)
    assert await absent(remote, f"new-{tag}", "default"), "DryRun deploys nothing"
    existing = await present(remote, f"existing-{tag}", "default")
    assert existing is not None and existing["data"] == {"v": "old"}
    feature = await summary_feature(mgmt, ns, f"dry-{tag}-sveltos-d")
    assert feature["failureReason"] == "DryRun"

    await mgmt.patch(CONFIG, "ClusterProfile", f"dry-{tag}", {"spec": {"syncMode": "Continuous"}})
    await eventually(lambda: present(remote, f"new-{tag}", "default"), what="deployed for real")
    await eventually(
        lambda: _gone(mgmt, CONFIG, "ClusterReport", f"dry-{tag}--sveltos--d", ns),
        what="the report goes away",
    )
    # and again: a second round in DryRun reports again, and leaving it removes that report too
    await mgmt.patch(CONFIG, "ClusterProfile", f"dry-{tag}", {"spec": {"syncMode": "DryRun"}})
    await eventually(
        lambda: get_or_none(mgmt, CONFIG, "ClusterReport", f"dry-{tag}--sveltos--d", ns),
        what="the report written again",
    )
    await mgmt.patch(CONFIG, "ClusterProfile", f"dry-{tag}", {"spec": {"syncMode": "Continuous"}})
    await eventually(
        lambda: _gone(mgmt, CONFIG, "ClusterReport", f"dry-{tag}--sveltos--d", ns),
        what="the second report goes away",
    )
    await cleanup(mgmt, f"dry-{tag}")


async def test_one_time_deploys_once_and_ignores_later_changes(
    fleet: TestFleet, manager: Manager
) -> None:
    mgmt, ns, tag = fleet.client("mgmt"), f"once-{uid()}", uid()
    await register_cluster(fleet, ns, "once", "cluster-3", f"once={tag}")
    remote = fleet.client("cluster-3")
    await mgmt.apply(configmap_source(f"src-{tag}", "default", cm(f"once-{tag}", "default", v="1")))
    await mgmt.apply(
        cluster_profile(
            f"once-{tag}", {"once": tag}, [("default", f"src-{tag}")], syncMode="OneTime"
        )
    )
    await eventually(lambda: _provisioned(mgmt, ns, f"once-{tag}-sveltos-once"), what="deployed")
    await mgmt.apply(
        configmap_source(
            f"src-{tag}",
            "default",
            cm(f"once-{tag}", "default", v="2"),
            cm(f"later-{tag}", "default"),
        )
    )
    # a redeploy of another profile on the same cluster proves the controller ran since
    await mgmt.apply(configmap_source(f"probe-{tag}", "default", cm(f"probe-{tag}", "default")))
    await mgmt.apply(cluster_profile(f"probe-{tag}", {"once": tag}, [("default", f"probe-{tag}")]))
    await eventually(lambda: present(remote, f"probe-{tag}", "default"), what="the probe profile")
    obj = await present(remote, f"once-{tag}", "default")
    assert obj is not None and obj["data"] == {"v": "1"}, "OneTime does not apply changes"
    assert await absent(remote, f"later-{tag}", "default")
    await cleanup(mgmt, f"once-{tag}", f"probe-{tag}")


async def test_depends_on_deploys_prerequisites_first_and_reports_cycles(
    fleet: TestFleet, manager: Manager
) -> None:
    mgmt, ns, tag = fleet.client("mgmt"), f"deps-{uid()}", uid()
    await register_cluster(fleet, ns, "dep", "cluster-1", f"deps={tag}")
    remote = fleet.client("cluster-1")
    space = f"needed-{tag}"
    await mgmt.apply(
        configmap_source(
            f"base-{tag}",
            "default",
            {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": space}},
        )
    )
    # the app lives in a namespace only the base creates; it must wait for the base
    await mgmt.apply(configmap_source(f"app-{tag}", "default", cm(f"app-{tag}", space)))
    await mgmt.apply(
        {
            "apiVersion": CONFIG,
            "kind": "ClusterProfile",
            "metadata": {"name": f"app-{tag}"},
            "spec": {
                "clusterSelector": {"matchLabels": {"deps": tag}},
                "dependsOn": [f"base-{tag}"],
                "policyRefs": [
                    {
                        "kind": "ConfigMap",
                        "namespace": "default",
                        "name": f"app-{tag}",
                        "skipNamespaceCreation": True,
                    }
                ],
            },
        }
    )
    # the base selects no cluster itself: it is deployed where its dependents are
    await mgmt.apply(
        cluster_profile(f"base-{tag}", {"nothing": "matches"}, [("default", f"base-{tag}")])
    )
    await eventually(lambda: present(remote, f"app-{tag}", space), what="app after base")
    base = await mgmt.get(CONFIG, "ClusterProfile", f"base-{tag}")
    assert [c["name"] for c in base["status"]["matchingClusters"]] == ["dep"]
    app = await mgmt.get(CONFIG, "ClusterSummary", f"app-{tag}-sveltos-dep", ns)
    assert app["status"]["dependencies"] == "all dependencies are provisioned"

    for this, other in ((f"x-{tag}", f"y-{tag}"), (f"y-{tag}", f"x-{tag}")):
        await mgmt.apply(configmap_source(this, "default", cm(this, "default")))
        await mgmt.apply(
            {
                "apiVersion": CONFIG,
                "kind": "ClusterProfile",
                "metadata": {"name": this},
                "spec": {
                    "clusterSelector": {"matchLabels": {"deps": tag}},
                    "dependsOn": [other],
                    "policyRefs": [{"kind": "ConfigMap", "namespace": "default", "name": this}],
                },
            }
        )

    async def cycle() -> str | None:
        summary = await get_or_none(mgmt, CONFIG, "ClusterSummary", f"x-{tag}-sveltos-dep", ns)
        text = str(((summary or {}).get("status") or {}).get("dependencies") or "")
        return text if "cycle" in text or "waiting" in text else None

    assert "waiting for ClusterProfile" in await eventually(cycle, what="blocked by the cycle")
    assert await absent(remote, f"x-{tag}", "default")
    await cleanup(mgmt, f"app-{tag}", f"base-{tag}", f"x-{tag}", f"y-{tag}")


async def test_max_update_rolls_a_spec_change_out_one_cluster_at_a_time(
    fleet: TestFleet, manager: Manager
) -> None:
    mgmt, ns, tag = fleet.client("mgmt"), f"roll-{uid()}", uid()
    sources = ("cluster-1", "cluster-2", "cluster-3")
    for i, source in enumerate(sources):
        await register_cluster(fleet, ns, f"r{i}", source, f"roll={tag}")
    await mgmt.apply(configmap_source(f"v1-{tag}", "default", cm(f"v1-{tag}", "default")))
    await mgmt.apply(configmap_source(f"v2-{tag}", "default", cm(f"v2-{tag}", "default")))
    await mgmt.apply(
        cluster_profile(f"roll-{tag}", {"roll": tag}, [("default", f"v1-{tag}")], maxUpdate=1)
    )
    for source in sources:
        await eventually(
            lambda s=source: present(fleet.client(s), f"v1-{tag}", "default"),
            what="first version everywhere",
        )
    await mgmt.patch(
        CONFIG,
        "ClusterProfile",
        f"roll-{tag}",
        {
            "spec": {
                "policyRefs": [{"kind": "ConfigMap", "namespace": "default", "name": f"v2-{tag}"}]
            }
        },
    )
    most_updating = 0

    async def rolled_out() -> bool:
        nonlocal most_updating
        profile = await mgmt.get(CONFIG, "ClusterProfile", f"roll-{tag}")
        updating = (profile.get("status") or {}).get("updatingClusters") or {}
        most_updating = max(most_updating, len(updating.get("clusters") or []))
        everywhere = True
        for source in sources:
            everywhere = everywhere and bool(
                await present(fleet.client(source), f"v2-{tag}", "default")
            )
        return everywhere and not updating

    await eventually(rolled_out, timeout=60, interval=0.02, what="second version everywhere")
    assert most_updating <= 1, "never more than maxUpdate clusters updating at once"
    for source in sources:  # removed right after the new version is applied
        await eventually(
            lambda s=source: absent(fleet.client(s), f"v1-{tag}", "default"), what="v1 removed"
        )
    await cleanup(mgmt, f"roll-{tag}")


async def reconciles(manager: Manager, controller: str) -> float:
    """Reconciles ``controller`` has run in the manager's process so far (its metrics)."""
    async with httpx.AsyncClient() as http:
        scraped = await http.get(f"http://127.0.0.1:{manager.metrics_port}/metrics")
    prefix = f'navarch_reconcile_total{{controller="{controller}"}} '
    found = [line for line in scraped.text.splitlines() if line.startswith(prefix)]
    return float(found[0].removeprefix(prefix)) if found else 0.0


async def test_a_restarted_manager_writes_nothing_to_a_converged_fleet(
    fleet: TestFleet, manager: Manager
) -> None:
    """After a restart the manager knows every cluster's status says Ready but has connected
    none yet; a summary must wait for its connection, not report the cluster unreachable (that
    write would make it deploy everything again once connected)."""
    mgmt, ns, tag = fleet.client("mgmt"), f"rs-{uid()}", uid()
    await mgmt.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}})
    count = 30  # more clusters than the manager probes at once, so most wait at its start
    sources = ("cluster-1", "cluster-2", "cluster-3")
    for i in range(count):
        await reg.register(
            mgmt,
            reg.Registration(
                namespace=ns,
                cluster=f"r{i:02d}",
                labels={"restart": tag},
                kubeconfig=fleet.fleet.kubeconfig_of(sources[i % 3]).read_text(),
                renew_token=False,
            ),
            reg.Rollback(),
            lambda _m: None,
        )
    templated = cm(f"rs-{tag}-{{{{ .Cluster.metadata.name }}}}", "default", v="1")
    source = configmap_source(f"src-{tag}", "default", templated)
    source["metadata"]["annotations"] = {TEMPLATE_ANNOTATION: "ok"}
    await mgmt.apply(source)
    await mgmt.apply(cluster_profile(f"rs-{tag}", {"restart": tag}, [("default", f"src-{tag}")]))

    async def all_provisioned() -> bool:
        for i in range(count):
            if not await _provisioned(mgmt, ns, f"rs-{tag}-sveltos-r{i:02d}"):
                return False
        return True

    await eventually(all_provisioned, timeout=90, what="deployed to every cluster")
    before = {
        s["metadata"]["name"]: s["metadata"]["resourceVersion"]
        for s in (await mgmt.list(CONFIG, "ClusterSummary", ns)).items
    }
    assert len(before) == count

    await manager.stop()
    clusters = len((await mgmt.list(names.LIB_API_VERSION, "SveltosCluster")).items)
    summaries = len((await mgmt.list(CONFIG, "ClusterSummary")).items)
    await manager.start()

    async def connected_and_seen() -> bool:
        # every cluster probed (so connected) and every summary reconciled once by the new
        # process: the writes the fault made come at a summary's reconcile before that
        return await reconciles(manager, "sveltoscluster") >= clusters and (
            await reconciles(manager, "clustersummary") >= summaries
        )

    await eventually(connected_and_seen, timeout=60, what="the restarted manager caught up")
    after = {
        s["metadata"]["name"]: s["metadata"]["resourceVersion"]
        for s in (await mgmt.list(CONFIG, "ClusterSummary", ns)).items
    }
    rewritten = sorted(name for name, rv in after.items() if before.get(name) != rv)
    assert not rewritten, f"summaries written after a restart with nothing to do: {rewritten}"

    # and the restarted manager does reach every cluster: a change of the source arrives
    templated["data"] = {"v": "2"}
    source["data"] = configmap_source(f"src-{tag}", "default", templated)["data"]
    await mgmt.apply(source)

    async def all_updated() -> bool:
        for i in range(count):
            name = f"rs-{tag}-r{i:02d}"
            try:
                obj = await fleet.client(sources[i % 3]).get("v1", "ConfigMap", name, "default")
            except NotFound:
                return False
            if obj.get("data") != {"v": "2"}:
                return False
        return True

    await eventually(all_updated, timeout=90, what="the change deployed after the restart")
    await cleanup(mgmt, f"rs-{tag}")
    for i in range(count):  # thirty registrations would otherwise be probed for the session
        await mgmt.delete(names.LIB_API_VERSION, "SveltosCluster", f"r{i:02d}", ns)


async def test_a_manager_killed_mid_rollout_converges_after_restart(
    fleet: TestFleet, manager: Manager
) -> None:
    mgmt, ns, tag = fleet.client("mgmt"), f"kill-{uid()}", uid()
    sources = ("cluster-1", "cluster-2", "cluster-3")
    for i, source in enumerate(sources):
        await register_cluster(fleet, ns, f"k{i}", source, f"kill={tag}")
    objects = [cm(f"obj{i:02d}-{tag}", f"kill-{tag}", i=str(i)) for i in range(40)]
    await mgmt.apply(configmap_source(f"src-{tag}", "default", *objects))
    await mgmt.apply(cluster_profile(f"kill-{tag}", {"kill": tag}, [("default", f"src-{tag}")]))

    async def started() -> bool:
        for source in sources:
            if await present(fleet.client(source), f"obj00-{tag}", f"kill-{tag}"):
                return True
        return False

    await eventually(started, interval=0.01, what="the rollout under way")
    await manager.stop(signal.SIGKILL)
    await manager.start()  # waits out the old leader's Lease, then runs again

    async def converged() -> bool:
        for i in range(len(sources)):
            if not await _provisioned(mgmt, ns, f"kill-{tag}-sveltos-k{i}"):
                return False
        return True

    await eventually(converged, timeout=90, what="converged after the restart")
    for source in sources:
        listed = await fleet.client(source).list("v1", "ConfigMap", f"kill-{tag}")
        ours = sorted(
            o["metadata"]["name"]
            for o in listed.items
            if o["metadata"]["name"] != "kube-root-ca.crt"
        )
        assert ours == sorted(o["metadata"]["name"] for o in objects), source
    summaries = await mgmt.list(CONFIG, "ClusterSummary", ns)
    assert sorted(s["metadata"]["name"] for s in summaries.items) == [
        f"kill-{tag}-sveltos-k{i}" for i in range(len(sources))
    ], "one summary per cluster"
    for i in range(len(sources)):
        config = await mgmt.get(CONFIG, "ClusterConfiguration", f"sveltos--k{i}", ns)
        entries = config["status"]["clusterProfileResources"]
        assert len(entries) == 1
        assert len(entries[0]["Features"][0]["resources"]) == len(objects)
    await cleanup(mgmt, f"kill-{tag}")
