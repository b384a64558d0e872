"""Registration and SveltosCluster health, end to end: the CLI, a real manager, real clusters."""

from __future__ import annotations

import base64
import uuid
from pathlib import Path

import pytest
import yaml

from navarch.api import names
from navarch.kube import Client, parse_kubeconfig
from navarch.toolchain import binary_path
from navarch.toolchain.pins import KUBERNETES_VERSION
from tests.cli import Result, navarch_async, run_async
from tests.integration.conftest import TestFleet
from tests.integration.controllers.conftest import Manager, sveltos_cluster, wait_status
from tests.integration.helpers import eventually

pytestmark = pytest.mark.integration

SVELTOS_MANIFEST = """\
apiVersion: lib.projectsveltos.io/v1beta1
kind: SveltosCluster
metadata:
  name: {name}
  namespace: {namespace}
  labels:
    env: fv
  annotations:
    sharding.projectsveltos.io/key: shard1
spec:
  kubeconfigName: {name}-kubeconfig
  kubeconfigKeyName: value
  paused: true
  consecutiveFailureThreshold: 5
  data:
    region: west
  activeWindow:
    from: "0 20 * * 5"
    to: "0 7 * * 1"
  tokenRequestRenewalOption:
    renewTokenRequestInterval: 1h
    tokenDuration: 2h
    saNamespace: projectsveltos
    saName: platform
  readinessChecks:
  - name: worker-nodes
    resourceSelectors:
    - group: ""
      version: v1
      kind: Node
      labelFilters:
      - key: node-role.kubernetes.io/control-plane
        operation: DoesNotHave
    condition: |-
      function evaluate()
        return {{ pass = #resources > 0 }}
      end
"""


def ns_name() -> str:
    return f"reg-{uuid.uuid4().hex[:6]}"


async def register(fleet: TestFleet, *args: str) -> tuple[int, str]:
    result = await cli(fleet, "register", "cluster", *args)
    return result.code, result.stderr


async def cli(fleet: TestFleet, *args: str) -> Result:
    """`navarch --context mgmt ...` with the fleet's kubeconfig."""
    env = {"KUBECONFIG": str(fleet.dir / "kubeconfig")}
    return await navarch_async("--context", "mgmt", *args, env=env)


async def test_generated_crds_take_a_sveltos_manifest_unchanged(
    fleet: TestFleet, manager: Manager, tmp_path: Path
) -> None:
    namespace, name = ns_name(), "written-for-sveltos"
    manifest = tmp_path / "cluster.yaml"
    manifest.write_text(SVELTOS_MANIFEST.format(name=name, namespace=namespace))
    kubectl = [
        str(binary_path("kubectl")),
        "--kubeconfig",
        str(fleet.dir / "kubeconfig"),
        "--context",
        "mgmt",
    ]
    assert (await run_async(*kubectl, "create", "namespace", namespace)).code == 0
    applied = await run_async(*kubectl, "apply", "--validate=strict", "-f", str(manifest))
    assert applied.code == 0, applied.stderr
    stored = await sveltos_cluster(fleet.client("mgmt"), namespace, name)
    assert stored is not None
    original = yaml.safe_load(manifest.read_text())["spec"]
    assert {k: stored["spec"][k] for k in original} == original, "nothing pruned or changed"
    assert stored["spec"]["pullMode"] is False, "defaults apply as in Sveltos"
    printed = (
        await run_async(*kubectl, "get", "sveltoscluster", "-n", namespace, "-o", "wide")
    ).stdout
    assert printed.split()[:6] == ["NAME", "READY", "CONNECTIONSTATUS", "VERSION", "AGE", "SHARD"]


async def test_registered_clusters_become_ready_with_version_and_label(
    fleet: TestFleet, manager: Manager
) -> None:
    namespace = ns_name()
    mgmt = fleet.client("mgmt")
    code, err = await register(
        fleet,
        "--namespace",
        namespace,
        "--cluster",
        "one",
        "--kubeconfig",
        str(fleet.fleet.kubeconfig_of("cluster-1")),
        "--labels",
        "env=prod,team=a",
    )
    assert code == 0, err
    code, err = await register(
        fleet,
        "--namespace",
        namespace,
        "--cluster",
        "two",
        "--fleet-cluster-context",
        "cluster-2",
        "--labels",
        "env=prod",
    )
    assert code == 0, err
    code, err = await register(
        fleet,
        "--namespace",
        namespace,
        "--cluster",
        "three",
        "--fleet-cluster-context",
        "cluster-3",
        "--labels",
        "env=staging",
        "--service-account-token",
    )
    assert code == 0, err
    for name, env in (("one", "prod"), ("two", "prod"), ("three", "staging")):
        obj = await wait_status(
            mgmt,
            namespace,
            name,
            "Ready",
            ready=True,
            connectionStatus="Healthy",
            version=KUBERNETES_VERSION,
        )
        labels = obj["metadata"]["labels"]
        assert labels[names.K8S_VERSION_LABEL] == KUBERNETES_VERSION
        assert labels["env"] == env

    async def configurations() -> set[str]:
        listed = await mgmt.list(
            names.CONFIG_API_VERSION, names.CLUSTER_CONFIGURATION_KIND, namespace
        )
        return {o["metadata"]["name"] for o in listed.items if not o.get("status")}

    async def configurations_created() -> bool:
        return await configurations() == {"sveltos--one", "sveltos--two", "sveltos--three"}

    await eventually(configurations_created, what="an empty ClusterConfiguration per cluster")
    two = await sveltos_cluster(mgmt, namespace, "two")
    assert two is not None
    assert two["spec"]["tokenRequestRenewalOption"]["renewTokenRequestInterval"] == "1h0m0s"
    three = await sveltos_cluster(mgmt, namespace, "three")
    assert three is not None
    assert "tokenRequestRenewalOption" not in three["spec"], "a long-lived token is not renewed"

    # re-registering with other labels replaces the CLI's labels, and keeps the manager's
    code, err = await register(
        fleet,
        "--namespace",
        namespace,
        "--cluster",
        "one",
        "--kubeconfig",
        str(fleet.fleet.kubeconfig_of("cluster-1")),
        "--labels",
        "env=staging",
    )
    assert code == 0, err
    one = await sveltos_cluster(mgmt, namespace, "one")
    assert one is not None
    assert one["metadata"]["labels"] == {
        "env": "staging",
        names.K8S_VERSION_LABEL: KUBERNETES_VERSION,
    }

    listing = await cli(fleet, "get", "clusters", "--namespace", namespace)
    assert listing.code == 0, listing.stderr
    rows = [line.split() for line in listing.stdout.splitlines()[1:]]
    assert [(r[1], r[2], r[3], r[4]) for r in rows] == [
        ("one", "true", "Healthy", KUBERNETES_VERSION),
        ("three", "true", "Healthy", KUBERNETES_VERSION),
        ("two", "true", "Healthy", KUBERNETES_VERSION),
    ]

    result = await cli(
        fleet, "deregister", "cluster", "--namespace", namespace, "--cluster", "three"
    )
    assert result.code == 0, result.stderr
    assert await sveltos_cluster(mgmt, namespace, "three") is None
    secrets = await mgmt.list("v1", "Secret", namespace)
    assert {s["metadata"]["name"] for s in secrets.items} == {
        "one-sveltos-kubeconfig",
        "two-sveltos-kubeconfig",
    }

    async def configuration_deleted() -> bool:
        return await configurations() == {"sveltos--one", "sveltos--two"}

    await eventually(
        configuration_deleted, what="the deregistered cluster's ClusterConfiguration gone"
    )


async def test_a_stopped_cluster_goes_down_after_the_threshold_and_comes_back(
    fleet: TestFleet, manager: Manager
) -> None:
    own = "health-1"
    await fleet.own_cluster(own)
    namespace = ns_name()
    mgmt = fleet.client("mgmt")
    for name, source in (("flaky", own), ("steady", "cluster-1")):
        code, err = await register(
            fleet,
            "--namespace",
            namespace,
            "--cluster",
            name,
            "--kubeconfig",
            str(fleet.fleet.kubeconfig_of(source)),
        )
        assert code == 0, err
        await wait_status(mgmt, namespace, name, "Healthy", connectionStatus="Healthy", ready=True)
    await fleet.stop(own)
    down = await wait_status(mgmt, namespace, "flaky", "Down", connectionStatus="Down")
    assert down["status"]["connectionFailures"] >= 3
    assert "cannot reach the cluster" in down["status"]["failureMessage"]
    steady = await sveltos_cluster(mgmt, namespace, "steady")
    assert steady is not None and steady["status"]["connectionStatus"] == "Healthy"

    await fleet.start(own)  # the manager keeps running
    back = await wait_status(
        mgmt, namespace, "flaky", "Healthy again", connectionStatus="Healthy", connectionFailures=0
    )
    assert "failureMessage" not in back["status"]


async def test_token_renewal_writes_a_working_kubeconfig(
    fleet: TestFleet, manager: Manager
) -> None:
    namespace = ns_name()
    mgmt = fleet.client("mgmt")
    code, err = await register(
        fleet,
        "--namespace",
        namespace,
        "--cluster",
        "renewing",
        "--fleet-cluster-context",
        "cluster-2",
    )
    assert code == 0, err
    await wait_status(mgmt, namespace, "renewing", "Ready", ready=True)
    # an interval short enough to be due at the next probe
    await mgmt.patch(
        names.LIB_API_VERSION,
        "SveltosCluster",
        "renewing",
        {"spec": {"tokenRequestRenewalOption": {"renewTokenRequestInterval": "2s"}}},
        namespace=namespace,
    )

    async def renewed() -> dict[str, object] | None:
        obj = await sveltos_cluster(mgmt, namespace, "renewing")
        ok = (
            obj is not None
            and obj["spec"].get("kubeconfigKeyName") == "re-kubeconfig"
            and obj.get("status", {}).get("lastReconciledTokenRequestAt")
        )
        return obj if ok else None

    await eventually(renewed, what="token renewed into re-kubeconfig")
    secret = await mgmt.get("v1", "Secret", "renewing-sveltos-kubeconfig", namespace)
    text = base64.b64decode(secret["data"]["re-kubeconfig"]).decode()
    original = base64.b64decode(secret["data"]["kubeconfig"]).decode()
    config = parse_kubeconfig(text, source="renewed").cluster_config()
    assert (
        config.token
        and config.token != parse_kubeconfig(original, source="original").cluster_config().token
    )
    async with Client(config) as renewed_client:
        listed = await renewed_client.list("v1", "Namespace")
        assert any(n["metadata"]["name"] == "projectsveltos" for n in listed.items)
    await wait_status(mgmt, namespace, "renewing", "still Healthy", connectionStatus="Healthy")
    # stop renewing every 2 s for the rest of the session
    await mgmt.delete(names.LIB_API_VERSION, "SveltosCluster", "renewing", namespace)


async def test_missing_secret_and_wrong_key_are_named_in_status(
    fleet: TestFleet, manager: Manager
) -> None:
    namespace = ns_name()
    mgmt = fleet.client("mgmt")
    await mgmt.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}})
    # a paused twin, created first, is left alone: no probe, no status
    for name, spec in (("resting", {"paused": True}), ("orphan", {})):
        await mgmt.apply(
            {
                "apiVersion": names.LIB_API_VERSION,
                "kind": "SveltosCluster",
                "metadata": {"name": name, "namespace": namespace},
                "spec": spec,
            }
        )
    orphan = await eventually(
        lambda: _failure(mgmt, namespace, "orphan"), what="failure message for missing Secret"
    )
    assert (
        f"Secret {namespace}/orphan-sveltos-kubeconfig with the kubeconfig does not exist" in orphan
    )
    assert "navarch register cluster" in orphan
    resting = await sveltos_cluster(mgmt, namespace, "resting")
    assert resting is not None and "status" not in resting, "a paused cluster is not probed"

    kubeconfig = fleet.fleet.kubeconfig_of("cluster-1").read_text()
    await mgmt.apply(
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "keyed-sveltos-kubeconfig", "namespace": namespace},
            "data": {"kubeconfig": base64.b64encode(kubeconfig.encode()).decode()},
        }
    )
    await mgmt.apply(
        {
            "apiVersion": names.LIB_API_VERSION,
            "kind": "SveltosCluster",
            "metadata": {"name": "keyed", "namespace": namespace},
            "spec": {"kubeconfigKeyName": "value"},
        }
    )
    keyed = await eventually(
        lambda: _failure(mgmt, namespace, "keyed"), what="failure message for a wrong key"
    )
    assert "has no key 'value' (keys: kubeconfig): fix spec.kubeconfigKeyName" in keyed

    # fixing the key heals it at once: the SveltosCluster change triggers a probe
    await mgmt.apply(
        {
            "apiVersion": names.LIB_API_VERSION,
            "kind": "SveltosCluster",
            "metadata": {"name": "keyed", "namespace": namespace},
            "spec": {"kubeconfigKeyName": "kubeconfig"},
        }
    )
    await wait_status(mgmt, namespace, "keyed", "Healthy", connectionStatus="Healthy", ready=True)


async def _failure(mgmt: Client, namespace: str, name: str) -> str | None:
    obj = await sveltos_cluster(mgmt, namespace, name)
    return ((obj or {}).get("status") or {}).get("failureMessage")


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("garbage", "is not valid YAML (line"),
        ("missing-context", 'has no context "nope"'),
        ("unreachable", "does not answer at https://127.0.0.1:"),
    ],
)
async def test_bad_registrations_fail_in_one_line_and_write_nothing(
    fleet: TestFleet, manager: Manager, tmp_path: Path, case: str, expected: str
) -> None:
    namespace = ns_name()
    args = ["--namespace", namespace, "--cluster", "bad"]
    if case == "garbage":
        bad = tmp_path / "kubeconfig"
        bad.write_text("clusters: [\n  - {name: x\n")
        args += ["--kubeconfig", str(bad)]
    elif case == "missing-context":
        args += ["--fleet-cluster-context", "nope"]
    else:
        config = yaml.safe_load(fleet.fleet.kubeconfig_of("cluster-1").read_text())
        config["clusters"][0]["cluster"]["server"] = "https://127.0.0.1:9"
        bad = tmp_path / "kubeconfig"
        bad.write_text(yaml.safe_dump(config))
        args += ["--kubeconfig", str(bad)]
    result = await cli(fleet, "register", "cluster", *args)
    assert expected in result.one_line_error()
    mgmt = fleet.client("mgmt")
    assert await sveltos_cluster(mgmt, namespace, "bad") is None
    namespaces = await mgmt.list("v1", "Namespace")
    assert namespace not in {n["metadata"]["name"] for n in namespaces.items}


async def test_no_credential_reaches_the_manager_log(fleet: TestFleet, manager: Manager) -> None:
    namespace = ns_name()
    mgmt = fleet.client("mgmt")
    code, err = await register(
        fleet,
        "--namespace",
        namespace,
        "--cluster",
        "secretive",
        "--fleet-cluster-context",
        "cluster-1",
    )
    assert code == 0, err
    await wait_status(mgmt, namespace, "secretive", "Ready", ready=True)
    secret = await mgmt.get("v1", "Secret", "secretive-sveltos-kubeconfig", namespace)
    text = base64.b64decode(secret["data"]["kubeconfig"]).decode()
    token = parse_kubeconfig(text, source="x").cluster_config().token
    assert token
    log = manager.log_text()
    assert "probe failed" in log or "controller started" in log  # the log is the right one
    forbidden = [token, token[:40], "BEGIN", "PRIVATE KEY"]
    for name in ("mgmt", "cluster-1", "cluster-2", "cluster-3"):
        config = fleet.fleet.cluster_config(name)
        assert config.client_key_data is not None
        key_b64 = base64.b64encode(config.client_key_data).decode()
        forbidden += [key_b64[:40], config.client_key_data.decode().splitlines()[1][:40]]
    for needle in forbidden:
        assert needle not in log, "a credential reached the manager's log"
