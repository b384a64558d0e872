"""Drift repair latency: Navarch against a minimal watcher that re-applies objects itself.

Ten clusters; a ClusterProfile in ContinuousWithDriftDetection mode deploys 50 ConfigMaps to
each. Then ``EDITS`` random changes, one at a time, half edits of a declared field and half
deletions, each of a random object in a random cluster. For each: the clock starts when the API
server has accepted the change (the request returned) and stops when a watch on that cluster
shows the object back as declared.

The floor, in the same run: another 50 ConfigMaps per cluster (namespace ``floor``) kept by the
simplest possible repairer, one watch per cluster in this process that server-side applies the
declared object again on any change or deletion. The same kind and number of changes are made to
them and timed the same way. Both sets share the machine, the clusters and the timing code.

Then the agent as it runs in a managed cluster (Sveltos's mode 1): the first cluster is
annotated ``drift.navarch.io/agent: managed-cluster``, the manager installs the agent there and
moves the ResourceSummary, and ``navarch agent --managed-cluster`` runs as its own process (what
its Deployment runs; the fleet has no nodes). Its RSS and CPU are sampled while idle with 50
watched objects, and ``MODE1_EDITS`` of the same changes are timed through it.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import statistics
import sys
import time
from typing import Any

import psutil

from bench.common import register_fleet, start_manager, stop_manager, wait_ready
from bench.manager_idle import sample
from navarch.admin import register as reg
from navarch.api import names
from navarch.fleet import Fleet, managed_names
from navarch.kube import Client, KubeError, KubeObject

CLUSTERS = 10
OBJECTS = 50
EDITS = 200
NAVARCH_NS, FLOOR_NS = "drift-bench", "floor"
IDLE_WINDOW = 30.0
MODE1_EDITS = 40  # changes repaired through the agent in the managed cluster


def declared(namespace: str, i: int) -> KubeObject:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": f"obj-{i:02d}", "namespace": namespace},
        "data": {"index": str(i), "payload": "x" * 256},
    }


class Watcher:
    """One watch per cluster over both namespaces; resolves waits for "back as declared"."""

    def __init__(self, clients: list[Client]) -> None:
        self.clients = clients
        self._waits: dict[tuple[str, str, str], asyncio.Future[float]] = {}
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        for client in self.clients:
            rv = (await client.list("v1", "ConfigMap")).resource_version
            self._tasks.append(asyncio.create_task(self._watch(client, rv)))

    async def _watch(self, client: Client, rv: str) -> None:
        async for event in client.watch("v1", "ConfigMap", resource_version=rv):
            meta = event.object.get("metadata") or {}
            key = (client.name, str(meta.get("namespace")), str(meta.get("name")))
            waiting = self._waits.get(key)
            if waiting is None or waiting.done() or event.type == "DELETED":
                continue
            index = int(str(meta.get("name", "obj-0")).rpartition("-")[2])
            if event.object.get("data") == declared(key[1], index)["data"]:
                waiting.set_result(time.perf_counter())

    def expect(self, cluster: str, namespace: str, name: str) -> asyncio.Future[float]:
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self._waits[(cluster, namespace, name)] = future
        return future

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()


class FloorRepairer:
    """The floor: re-apply a declared object whenever a watch shows it changed or gone."""

    def __init__(self, clients: list[Client]) -> None:
        self.clients = clients
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        for client in self.clients:
            rv = (await client.list("v1", "ConfigMap", FLOOR_NS)).resource_version
            self._tasks.append(asyncio.create_task(self._run(client, rv)))

    async def _run(self, client: Client, rv: str) -> None:
        async for event in client.watch("v1", "ConfigMap", namespace=FLOOR_NS, resource_version=rv):
            name = str((event.object.get("metadata") or {}).get("name", ""))
            index = int(name.rpartition("-")[2])
            want = declared(FLOOR_NS, index)
            if event.type == "DELETED" or event.object.get("data") != want["data"]:
                await client.apply(want, force=True)

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()


async def _change(client: Client, namespace: str, i: int, delete: bool) -> None:
    name = f"obj-{i:02d}"
    if delete:
        await client.delete("v1", "ConfigMap", name, namespace)
    else:
        await client.patch(
            "v1", "ConfigMap", name, {"data": {"index": "edited"}}, namespace=namespace
        )


async def _measure(
    watcher: Watcher, clients: list[Client], namespace: str, plan: list[tuple[int, int, bool]]
) -> list[float]:
    latencies: list[float] = []
    for cluster, i, delete in plan:
        client = clients[cluster]
        back = watcher.expect(client.name, namespace, f"obj-{i:02d}")
        await _change(client, namespace, i, delete)
        accepted = time.perf_counter()
        latencies.append(await asyncio.wait_for(back, timeout=30) - accepted)
        await asyncio.sleep(0.02)
    return latencies


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)

    def at(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 1)

    return {
        "p50_ms": round(statistics.median(ordered) * 1000, 1),
        "p95_ms": at(0.95),
        "p99_ms": at(0.99),
        "max_ms": round(ordered[-1] * 1000, 1),
    }


async def _tracked(mgmt: Client) -> int:
    listed = await mgmt.list(names.LIB_API_VERSION, names.RESOURCE_SUMMARY_KIND, "bench")
    return sum(
        len((o.get("status") or {}).get("resourceHashes") or []) >= OBJECTS
        and not (o.get("status") or {}).get("resourcesChanged")
        for o in listed.items
    )


async def _managed_tracked(client: Client) -> bool:
    try:
        listed = await client.list(
            names.LIB_API_VERSION, names.RESOURCE_SUMMARY_KIND, names.PROJECTSVELTOS_NAMESPACE
        )
    except KubeError:  # the CRD is not installed yet
        return False
    return any(
        len((o.get("status") or {}).get("resourceHashes") or []) >= OBJECTS
        and not (o.get("status") or {}).get("resourcesChanged")
        for o in listed.items
    )


async def _agent_in_the_cluster(
    fleet: Fleet,
    mgmt: Client,
    client: Client,
    watcher: Watcher,
    plan: list[tuple[int, int, bool]],
) -> dict[str, Any]:
    """Mode 1 on the first cluster: the manager installs the agent there and moves the
    ResourceSummary; the agent runs as its Deployment would (`navarch agent --managed-cluster`,
    its own process; here with the cluster's admin kubeconfig). Measured: the process's RSS and
    CPU while idle with 50 watched objects, then the repair latency of MODE1_EDITS changes."""
    await mgmt.patch(
        names.LIB_API_VERSION,
        names.SVELTOS_CLUSTER_KIND,
        client.name,
        {"metadata": {"annotations": {names.DRIFT_AGENT_ANNOTATION: "managed-cluster"}}},
        namespace="bench",
    )
    deadline = time.monotonic() + 120
    while not await _managed_tracked(client):
        if time.monotonic() > deadline:
            raise TimeoutError("the ResourceSummary did not move to the cluster within 120 s")
        await asyncio.sleep(0.5)
    log_path = fleet.log_of("bench-agent")
    with log_path.open("ab") as log:
        agent = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "navarch",
            "agent",
            "--managed-cluster",
            env={**os.environ, "KUBECONFIG": str(fleet.kubeconfig_of(client.name))},
            stdout=log,
            stderr=log,
        )
    try:
        while "drift agent started" not in log_path.read_text(errors="replace"):
            if agent.returncode is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the agent did not start; see {log_path}")
            await asyncio.sleep(0.2)
        await asyncio.sleep(5)  # it lists the 50 objects; nothing to wait on from outside
        idle = await sample(psutil.Process(agent.pid), IDLE_WINDOW)
        changes = [(0, i, delete) for _, i, delete in plan[:MODE1_EDITS]]
        latencies = await _measure(watcher, [client], NAVARCH_NS, changes)
    finally:
        agent.terminate()
        await agent.wait()
    return {
        "watched_objects": OBJECTS,
        "idle": {**idle, "window_seconds": IDLE_WINDOW},
        "changes": len(changes),
        "repair": percentiles(latencies),
    }


async def run(fleet: Fleet, seed: int = 7) -> dict[str, Any]:
    clusters = managed_names(CLUSTERS)
    remote = [Client(fleet.cluster_config(name), qps=1000, burst=1000) for name in clusters]
    mgmt = Client(fleet.cluster_config("mgmt"), field_manager=reg.FIELD_MANAGER)
    manager = None
    watcher, floor = Watcher(remote), FloorRepairer(remote)
    try:
        await register_fleet(mgmt, fleet, clusters, {"bench": "drift"})
        manager = await start_manager(fleet)
        await wait_ready(mgmt, CLUSTERS)
        # the same manager before any profile asks for drift detection: no agents yet
        before = await sample(psutil.Process(manager.pid), IDLE_WINDOW)
        for client in remote:  # the floor's objects, applied directly
            await client.apply(
                {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": FLOOR_NS}}
            )
            await asyncio.gather(*(client.apply(declared(FLOOR_NS, i)) for i in range(OBJECTS)))
        docs = [declared(NAVARCH_NS, i) for i in range(OBJECTS)]
        await mgmt.apply(
            {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": {"name": "drift-bench-src", "namespace": "default"},
                "data": {"objects.yaml": "\n---\n".join(json.dumps(d) for d in docs)},
            }
        )
        await mgmt.apply(
            {
                "apiVersion": names.CONFIG_API_VERSION,
                "kind": "ClusterProfile",
                "metadata": {"name": "drift-bench"},
                "spec": {
                    "clusterSelector": {"matchLabels": {"bench": "drift"}},
                    "syncMode": "ContinuousWithDriftDetection",
                    "policyRefs": [
                        {"kind": "ConfigMap", "namespace": "default", "name": "drift-bench-src"}
                    ],
                },
            }
        )
        deadline = time.monotonic() + 120
        while await _tracked(mgmt) < CLUSTERS:
            if time.monotonic() > deadline:
                raise TimeoutError("the profile did not reach every cluster within 120 s")
            await asyncio.sleep(0.5)
        await asyncio.sleep(2)  # the agents have listed their objects
        await watcher.start()
        await floor.start()
        rng = random.Random(seed)
        plan = [
            (rng.randrange(CLUSTERS), rng.randrange(OBJECTS), rng.random() < 0.5)
            for _ in range(EDITS)
        ]
        navarch = await _measure(watcher, remote, NAVARCH_NS, plan)
        floor_latencies = await _measure(watcher, remote, FLOOR_NS, plan)
        nav, flo = percentiles(navarch), percentiles(floor_latencies)
        await floor.close()
        # the manager with 10 agents (500 watched objects), idle: its RSS and CPU
        idle = await sample(psutil.Process(manager.pid), IDLE_WINDOW)
        mode1 = await _agent_in_the_cluster(fleet, mgmt, remote[0], watcher, plan)
        return {
            "clusters": CLUSTERS,
            "objects": OBJECTS,
            "changes": EDITS,
            "deletions": sum(d for _, _, d in plan),
            "navarch": nav,
            "floor": flo,
            "p50_ratio": round(nav["p50_ms"] / flo["p50_ms"], 2),
            "p99_ratio": round(nav["p99_ms"] / flo["p99_ms"], 2),
            "manager_idle_without_agents": before,
            "manager_idle_with_agents": {**idle, "window_seconds": IDLE_WINDOW},
            "per_agent_in_manager": {
                "rss_mib": round((idle["rss_mib"] - before["rss_mib"]) / CLUSTERS, 2),
                "cpu_percent_of_core": round(
                    (idle["cpu_percent_of_core"] - before["cpu_percent_of_core"]) / CLUSTERS, 3
                ),
            },
            "agent_in_cluster": mode1,
        }
    finally:
        await watcher.close()
        await floor.close()
        await stop_manager(manager)
        for client in [*remote, mgmt]:
            await client.aclose()
