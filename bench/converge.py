"""A ClusterProfile with 50 objects reaching 10 clusters: Navarch against the floor.

Navarch: the real `navarch manager`; 10 registered clusters; the clock starts when the
ClusterProfile is applied and stops when all 50 objects are present in all 10 clusters (seen
through a watch on each cluster). Floor: the same 500 server-side applies done directly from
one process, the 10 clusters in parallel and as many applies in flight per cluster as Navarch
gives each of up to 10 deploys running at once (``deployer.InFlight.MOST``: 8), into a second
namespace so both runs create every object.
Then a no-op resync: the manager is restarted, relists everything and reconciles every
ClusterSummary; the benchmark counts the objects and ClusterSummaries whose resourceVersion
changed (the goal is none).
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from bench.common import register_fleet, start_manager, stop_manager, summary, wait_ready
from navarch.admin import register as reg
from navarch.api import names
from navarch.controllers.deployer import InFlight
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


async def arrivals(
    clients: list[Client], namespace: str, prefix: str, count: int = OBJECTS
) -> asyncio.Future[Any]:
    """Watch every cluster from now on; resolves once ``count`` ConfigMaps whose names start
    with ``prefix`` arrived in every cluster.

    A watch rather than polling: polling the 10 API servers every 100 ms costs them CPU that
    the floor's run does not pay, and delays the stop of the clock by up to the poll interval.
    """

    async def one(client: Client, rv: str) -> None:
        seen: set[str] = set()
        async for event in client.watch(
            "v1", "ConfigMap", namespace=namespace, resource_version=rv
        ):
            name = str((event.object.get("metadata") or {}).get("name", ""))
            if event.type in ("ADDED", "MODIFIED") and name.startswith(prefix):
                seen.add(name)
                if len(seen) >= count:
                    return

    versions = [(await c.list("v1", "ConfigMap", namespace)).resource_version for c in clients]
    return asyncio.gather(*(one(c, rv) for c, rv in zip(clients, versions, strict=True)))


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
        await register_fleet(mgmt, fleet, clusters, {"bench": "converge"})
        manager = await start_manager(fleet)
        await wait_ready(mgmt, CLUSTERS)
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
            arrived = await arrivals(remote, "default", f"bench-{round_}-")
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
            await arrived
            navarch_times.append(time.perf_counter() - started)

            floor_ns = f"floor-{round_}"
            for client in remote:
                await client.apply(
                    {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": floor_ns}}
                )
            started = time.perf_counter()

            async def one_cluster(client: Client, ns: str = floor_ns, r: int = round_) -> None:
                gate = asyncio.Semaphore(InFlight.MOST)  # as many in flight as Navarch allows

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
        await stop_manager(manager)
        for client in [*remote, mgmt]:
            await client.aclose()


async def _noop_resync(
    fleet: Fleet, mgmt: Client, remote: list[Client], manager: asyncio.subprocess.Process
) -> dict[str, Any]:
    """Restart the manager (a full relist and reconcile of everything); count the writes."""
    before = await resource_versions(mgmt, remote)
    await stop_manager(manager)
    started = time.perf_counter()
    restarted = await start_manager(fleet)
    await asyncio.sleep(20)  # the relist and every reconcile have long finished by then
    after = await resource_versions(mgmt, remote)
    await stop_manager(restarted)
    changed = sorted(k for k in before if after.get(k) != before[k])
    return {
        "observed_seconds": round(time.perf_counter() - started, 1),
        "objects_checked": len(before),
        "objects_written": len(changed),
        "written": changed[:10],
    }
