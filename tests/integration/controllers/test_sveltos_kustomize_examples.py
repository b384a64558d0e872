"""The Kustomize scenarios Sveltos documents, done as a Sveltos user does them.

Sveltos's Kustomize page packs a tree with overlays (`tar -czf kustomize.tar.gz -C dir .`),
stores it with `kubectl create configmap kustomize --from-file=kustomize.tar.gz` (or in a
Secret), and deploys `./overlays/production/` into a target namespace; its other examples read
the tree from a Flux GitRepository or template the path. These tests run the same commands
with the pinned kubectl against our own tree and check the managed cluster and `navarch show
addons`; the Flux and template examples check that status says plainly what is not supported.
"""

from __future__ import annotations

import tarfile
from collections.abc import Awaitable
from pathlib import Path

import pytest

from navarch.toolchain import binary_path
from tests.cli import navarch_async, run_async
from tests.integration.conftest import TestFleet
from tests.integration.controllers.conftest import Manager, register_cluster
from tests.integration.controllers.test_kustomize import failed, get
from tests.integration.controllers.test_profiles import cleanup, present, uid
from tests.integration.controllers.test_sveltos_examples import kubectl_apply
from tests.integration.helpers import eventually
from tests.kustomizetree import hello_tree

pytestmark = pytest.mark.integration


async def kubectl(fleet: TestFleet, *args: str) -> None:
    result = await run_async(
        str(binary_path("kubectl")),
        "--kubeconfig",
        str(fleet.dir / "kubeconfig"),
        "--context",
        "mgmt",
        *args,
    )
    assert result.code == 0, result.stderr


def tarball(tmp_path: Path) -> Path:
    """`tar -czf kustomize.tar.gz -C tree .` of our hello-world tree with overlays."""
    tree = hello_tree(tmp_path / "helloWorldWithOverlays")
    archive = tmp_path / "kustomize.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(tree, arcname=".")
    return archive


def profile(name: str, tag: str, kind: str, source: str, path: str, target: str) -> str:
    return f"""apiVersion: config.projectsveltos.io/v1beta1
kind: ClusterProfile
metadata:
  name: {name}
spec:
  clusterSelector:
    matchLabels:
      example: "{tag}"
  syncMode: Continuous
  kustomizationRefs:
  - namespace: default
    name: {source}
    kind: {kind}
    path: {path}
    targetNamespace: {target}
"""


async def setup(fleet: TestFleet, cluster: str) -> str:
    tag = uid()
    await register_cluster(fleet, f"kex-{tag}", "x", cluster, f"example={tag}")
    return tag


async def _deployed_in(fleet: TestFleet, cluster: str, target: str) -> bool:
    remote = fleet.client(cluster)
    return bool(
        await get(remote, "apps/v1", "Deployment", "production-the-deployment", target)
        and await get(remote, "v1", "Service", "production-the-service", target)
        and await present(remote, "production-the-map", target)
    )


async def test_kustomize_with_a_configmap_made_by_kubectl_create(
    fleet: TestFleet, manager: Manager, tmp_path: Path
) -> None:
    tag = await setup(fleet, "cluster-2")
    archive = tarball(tmp_path)
    await kubectl(
        fleet, "create", "configmap", f"kustomize-{tag}", "-n", "default",
        f"--from-file={archive}",
    )  # fmt: skip
    target = f"production-{tag}"
    await kubectl_apply(
        fleet,
        tmp_path,
        profile(
            f"kex1-{tag}", tag, "ConfigMap", f"kustomize-{tag}", "./overlays/production/", target
        ),
    )
    await eventually(
        lambda: _deployed_in(fleet, "cluster-2", target), timeout=60, what="overlay deployed"
    )

    async def table_rows() -> list[list[str]]:
        shown = await navarch_async(
            "--context", "mgmt", "show", "addons", "--namespace", f"kex-{tag}", env=manager.env
        )
        assert shown.code == 0, shown.stderr
        # columns: CLUSTER, RESOURCE TYPE, NAMESPACE, NAME, VERSION, TIME (spaced), PROFILES
        rows = [line.split() for line in shown.stdout.splitlines()]
        return [r for r in rows if len(r) > 5 and r[2] == target]

    rows = await eventually(
        lambda: _three(table_rows()), timeout=30, what="three rows in show addons"
    )
    assert sorted((r[1], r[3], r[4], r[-1]) for r in rows) == [
        (":ConfigMap", "production-the-map", "N/A", f"ClusterProfile/kex1-{tag}"),
        (":Service", "production-the-service", "N/A", f"ClusterProfile/kex1-{tag}"),
        ("apps:Deployment", "production-the-deployment", "N/A", f"ClusterProfile/kex1-{tag}"),
    ]
    await cleanup(fleet.client("mgmt"), f"kex1-{tag}")


async def _three(read: Awaitable[list[list[str]]]) -> list[list[str]] | None:
    rows = await read
    return rows if len(rows) == 3 else None


async def test_kustomize_with_a_secret(fleet: TestFleet, manager: Manager, tmp_path: Path) -> None:
    tag = await setup(fleet, "cluster-3")
    archive = tarball(tmp_path)
    await kubectl(
        fleet, "create", "secret", "generic", f"kustomize-{tag}", "-n", "default",
        f"--from-file={archive}",
    )  # fmt: skip
    target = f"production-{tag}"
    await kubectl_apply(
        fleet,
        tmp_path,
        profile(f"kex2-{tag}", tag, "Secret", f"kustomize-{tag}", "./overlays/production/", target),
    )
    await eventually(
        lambda: _deployed_in(fleet, "cluster-3", target), timeout=60, what="overlay deployed"
    )
    await cleanup(fleet.client("mgmt"), f"kex2-{tag}")


async def test_a_flux_source_says_it_is_not_supported(
    fleet: TestFleet, manager: Manager, tmp_path: Path
) -> None:
    tag = await setup(fleet, "cluster-1")
    name = f"kex3-{tag}"
    await kubectl_apply(
        fleet, tmp_path, profile(name, tag, "GitRepository", "flux2", "./helloWorld/", "eng")
    )
    message = await eventually(
        lambda: failed(fleet.client("mgmt"), f"kex-{tag}", f"{name}-sveltos-x"),
        timeout=60,
        what="status names what is not supported",
    )
    assert "GitRepository is a Flux source" in message, message
    await cleanup(fleet.client("mgmt"), name)


async def test_a_path_expressed_as_a_template(
    fleet: TestFleet, manager: Manager, tmp_path: Path
) -> None:
    """Sveltos's "Express Path as Template": the cluster's environment annotation picks the
    directory."""
    tag = await setup(fleet, "cluster-2")
    await fleet.client("mgmt").patch(
        "lib.projectsveltos.io/v1beta1",
        "SveltosCluster",
        "x",
        {"metadata": {"annotations": {"environment": "production"}}},
        namespace=f"kex-{tag}",
    )
    tree = tmp_path / "envs"
    hello_tree(tree / "production" / "helloWorld")
    archive = tmp_path / "kustomize.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(tree, arcname=".")
    await kubectl(
        fleet, "create", "configmap", f"envs-{tag}", "-n", "default", f"--from-file={archive}"
    )
    path = "'{{ index .Cluster.metadata.annotations \"environment\" }}/helloWorld/base'"
    target = f"eng-{tag}"
    await kubectl_apply(
        fleet, tmp_path, profile(f"kex4-{tag}", tag, "ConfigMap", f"envs-{tag}", path, target)
    )
    await eventually(
        lambda: present(fleet.client("cluster-2"), "the-map", target),
        timeout=60,
        what="the production directory deployed",
    )
    await cleanup(fleet.client("mgmt"), f"kex4-{tag}")
