"""Server-side apply of N ConfigMaps to one cluster: navarch.kube.Client against the floor.

The floor is the same work with nothing of Navarch in the way: one httpx client with the same
TLS credentials sending the same PATCH (application/apply-patch+yaml) requests, paths built by
hand, at the same concurrency. The ratio is Navarch's client-side overhead (discovery, rate
limiting, error typing, JSON handling). Each round applies into a fresh namespace so every apply
really creates an object; rounds alternate Navarch and floor to share the machine's noise.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import httpx

from bench.common import summary, timed
from navarch.fleet import Fleet
from navarch.kube import Client
from navarch.kube.tls import ssl_context

OBJECTS = 500
CONCURRENCY = 32
ROUNDS = 5


def manifests(ns: str) -> list[dict[str, Any]]:
    return [
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": f"cm-{i}", "namespace": ns},
            "data": {"index": str(i), "payload": "x" * 256},
        }
        for i in range(OBJECTS)
    ]


async def bounded(coros: list[Any]) -> None:
    gate = asyncio.Semaphore(CONCURRENCY)

    async def one(coro: Any) -> None:
        async with gate:
            await coro

    await asyncio.gather(*(one(c) for c in coros))


async def run(fleet: Fleet) -> dict[str, Any]:
    config = fleet.cluster_config("cluster-1")
    # a high limit so the benchmark measures the client, not the deliberate throttle
    client = Client(config, qps=10_000, burst=10_000)
    floor = httpx.AsyncClient(
        base_url=config.server,
        verify=ssl_context(config),
        timeout=30,
        limits=httpx.Limits(max_connections=200, max_keepalive_connections=20),
    )
    navarch_times: list[float] = []
    floor_times: list[float] = []
    try:
        await client.resource("v1", "ConfigMap")  # warm discovery, as a running manager has it
        for _ in range(ROUNDS):
            for side in ("navarch", "floor"):
                ns = f"bench-{uuid.uuid4().hex[:8]}"
                await client.create(
                    {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}}
                )
                objs = manifests(ns)
                if side == "navarch":
                    navarch_times.append(
                        await timed(lambda objs=objs: bounded([client.apply(o) for o in objs]))
                    )
                else:
                    floor_times.append(
                        await timed(
                            lambda objs=objs, ns=ns: bounded(
                                [
                                    floor.patch(
                                        f"/api/v1/namespaces/{ns}/configmaps/{o['metadata']['name']}",
                                        params={"fieldManager": "floor"},
                                        content=json.dumps(o).encode(),
                                        headers={"Content-Type": "application/apply-patch+yaml"},
                                    )
                                    for o in objs
                                ]
                            )
                        )
                    )
                await client.delete("v1", "Namespace", ns)
    finally:
        await client.aclose()
        await floor.aclose()
    result = summary(navarch_times, floor_times)
    result.update(objects=OBJECTS, concurrency=CONCURRENCY, rounds=ROUNDS)
    return result
