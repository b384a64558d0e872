"""A ClusterProfile with 50 objects reaching 10 clusters: Navarch against the floor.

Navarch: the real `navarch manager`; 10 registered clusters; the clock starts when the
ClusterProfile is applied and stops when all 50 objects are present in all 10 clusters (listed
every 100 ms). Floor: the same 500 server-side applies done directly from one process, the 10
clusters in parallel and as many applies in flight per cluster as Navarch allows
(``deployer.CONCURRENCY``), into a second namespace so both runs create every object.
Then a no-op resync: the manager is restarted, relists everything and reconciles every
ClusterSummary; the benchmark counts the objects and ClusterSummaries whose resourceVersion
changed (the goal is none).
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from bench.common import summary
from navarch.admin import register as reg
from navarch.admin.install import install
from navarch.api import names
from navarch.cli.demo import manager_command, manager_env
from navarch.controllers.deployer import CONCURRENCY
from navarch.fleet import Fleet, managed_names
from navarch.kube import Client, KubeObject

CLUSTERS = 10
OBJECTS = 50
ROUNDS = 3


def objects(namespace: str, round_: int) -> list[KubeObject]:
    return [
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": f"bench-{round_}-{i:02d}", "namespace": namespace},
            "data": {"index": str(i), "payload": "x" * 512},
        }
        for i in range(OBJECTS)
    ]


async def wait_all(clients: list[Client], namespace: str, prefix: str) -> None:
    while True:
        counts = await asyncio.gather(*(c.list("v1", "ConfigMap", namespace) for c in clients))
        if all(
            sum(o["metadata"]["name"].startswith(prefix) for o in listed.items) >= OBJECTS
            for listed in counts
        ):
            return
        await asyncio.sleep(0.1)


async def resource_versions(mgmt: Client, clients: list[Client]) -> dict[str, str]:
    found: dict[str, str] = {}
    for client in clients:
        for obj in (await client.list("v1", "ConfigMap", "default")).items:
            found[f"{client.name}/{obj['metadata']['name']}"] = obj["metadata"]["resourceVersion"]
    for obj in (await mgmt.list(names.CONFIG_API_VERSION, names.CLUSTER_SUMMARY_KIND)).items:
        found[f"summary/{obj['metadata']['name']}"] = obj["metadata"]["resourceVersion"]
    return found


async def run(fleet: Fleet) -> dict[str, Any]:
    clusters = managed_names(CLUSTERS)
    remote = [Client(fleet.cluster_config(name), qps=1000, burst=1000) for name in clusters]
    mgmt = Client(fleet.cluster_config("mgmt"), field_manager=reg.FIELD_MANAGER)
    manager: asyncio.subprocess.Process | None = None
    try:
        await install(mgmt, lambda _m: None)
        for name in clusters:
            await reg.register(
                mgmt,
                reg.Registration(
                    namespace="bench",
                    cluster=name,
                    labels={"bench": "converge"},
                    kubeconfig=fleet.kubeconfig_of(name).read_text(),
                    renew_token=False,
                ),
                reg.Rollback(),
                lambda _m: None,
            )
        manager = await _start(fleet)
        await _wait_ready(mgmt)
        navarch_times: list[float] = []
        floor_times: list[float] = []
        for round_ in range(ROUNDS):
            source = {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": {"name": f"bench-src-{round_}", "namespace": "default"},
                "data": {
                    "objects.yaml": "\n---\n".join(
                        json.dumps(o) for o in objects("default", round_)
                    )
                },
            }
            await mgmt.apply(source)
            started = time.perf_counter()
            await mgmt.apply(
                {
                    "apiVersion": names.CONFIG_API_VERSION,
                    "kind": "ClusterProfile",
                    "metadata": {"name": f"bench-{round_}"},
                    "spec": {
                        "clusterSelector": {"matchLabels": {"bench": "converge"}},
                        "policyRefs": [
                            {
                                "kind": "ConfigMap",
                                "namespace": "default",
                                "name": f"bench-src-{round_}",
                            }
                        ],
                    },
                }
            )
            await wait_all(remote, "default", f"bench-{round_}-")
            navarch_times.append(time.perf_counter() - started)

            floor_ns = f"floor-{round_}"
            for client in remote:
                await client.apply(
                    {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": floor_ns}}
                )
            started = time.perf_counter()

            async def one_cluster(client: Client, ns: str = floor_ns, r: int = round_) -> None:
                gate = asyncio.Semaphore(CONCURRENCY)  # as many in flight as Navarch allows

                async def apply(obj: KubeObject) -> None:
                    async with gate:
                        await client.apply(obj, force=True)

                await asyncio.gather(*(apply(o) for o in objects(ns, r)))

            await asyncio.gather(*(one_cluster(c) for c in remote))
            floor_times.append(time.perf_counter() - started)
        result = summary(navarch_times, floor_times)
        result.update(clusters=CLUSTERS, objects=OBJECTS, rounds=ROUNDS)
        result["noop_resync"] = await _noop_resync(fleet, mgmt, remote, manager)
        return result
    finally:
        if manager is not None and manager.returncode is None:
            manager.terminate()
            await manager.wait()
        for client in [*remote, mgmt]:
            await client.aclose()


async def _start(fleet: Fleet) -> asyncio.subprocess.Process:
    log = fleet.log_of("bench-manager").open("ab")
    return await asyncio.create_subprocess_exec(
        *manager_command(),
        env=manager_env(fleet),
        stdout=log,
        stderr=log,
    )


async def _wait_ready(mgmt: Client) -> None:
    while True:
        listed = await mgmt.list(names.LIB_API_VERSION, names.SVELTOS_CLUSTER_KIND, "bench")
        if sum(bool((o.get("status") or {}).get("ready")) for o in listed.items) >= CLUSTERS:
            return
        await asyncio.sleep(0.5)


async def _noop_resync(
    fleet: Fleet, mgmt: Client, remote: list[Client], manager: asyncio.subprocess.Process
) -> dict[str, Any]:
    """Restart the manager (a full relist and reconcile of everything); count the writes."""
    before = await resource_versions(mgmt, remote)
    manager.terminate()
    await manager.wait()
    started = time.perf_counter()
    restarted = await _start(fleet)
    await asyncio.sleep(20)  # the relist and every reconcile have long finished by then
    after = await resource_versions(mgmt, remote)
    restarted.terminate()
    await restarted.wait()
    changed = sorted(k for k in before if after.get(k) != before[k])
    return {
        "observed_seconds": round(time.perf_counter() - started, 1),
        "objects_checked": len(before),
        "objects_written": len(changed),
        "written": changed[:10],
    }
