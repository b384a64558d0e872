"""Server-side apply of N ConfigMaps to one cluster: navarch.kube.Client against the floor.

The floor is the same work with nothing of Navarch in the way: the same PATCH
(application/apply-patch+yaml) requests, paths built by hand, written straight onto kept-alive
HTTP/1.1 connections (``Http1Pool``, the transport under Navarch's Client, used bare) at the
same concurrency, answers not decoded. The ratio is Navarch's client-side overhead (discovery,
rate limiting, JSON decoding of the answer, error typing). The same requests through httpx are
measured too (``httpx_median``), as the usual Python way of doing it. Each round applies into a
fresh namespace so every apply really creates an object; rounds alternate the three ways to
share the machine's noise.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import uuid
from typing import Any

import httpx

from bench.common import summary, timed
from navarch.fleet import Fleet
from navarch.kube import Client
from navarch.kube.http1 import Http1Pool, token_source
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
    pool = Http1Pool(config, "navarch-bench-floor", token_source(config))
    web = httpx.AsyncClient(
        base_url=config.server,
        verify=ssl_context(config),
        timeout=30,
        limits=httpx.Limits(max_connections=200, max_keepalive_connections=20),
    )
    times: dict[str, list[float]] = {"navarch": [], "floor": [], "httpx": []}
    apply_patch = {"Content-Type": "application/apply-patch+yaml"}

    def path(o: dict[str, Any]) -> str:
        meta = o["metadata"]
        return f"/api/v1/namespaces/{meta['namespace']}/configmaps/{meta['name']}"

    async def raw(o: dict[str, Any]) -> None:
        answer = await pool.request(
            "PATCH",
            path(o),
            params={"fieldManager": "floor"},
            headers=apply_patch,
            content=json.dumps(o).encode(),
        )
        assert answer.status in (200, 201), answer.status

    async def through_httpx(o: dict[str, Any]) -> None:
        response = await web.patch(
            path(o),
            params={"fieldManager": "floor"},
            content=json.dumps(o).encode(),
            headers=apply_patch,
        )
        assert response.status_code in (200, 201), response.status_code

    ways = {
        "navarch": client.apply,
        "floor": raw,
        "httpx": through_httpx,
    }
    try:
        await client.resource("v1", "ConfigMap")  # warm discovery, as a running manager has it
        for _ in range(ROUNDS):
            for side, way in ways.items():
                ns = f"bench-{uuid.uuid4().hex[:8]}"
                await client.create(
                    {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}}
                )
                objs = manifests(ns)
                times[side].append(
                    await timed(
                        lambda objs=objs, way=way: bounded([way(o) for o in objs])  # type: ignore[misc]
                    )
                )
                await client.delete("v1", "Namespace", ns)
    finally:
        await client.aclose()
        await pool.aclose()
        await web.aclose()
    result = summary(times["navarch"], times["floor"])
    result.update(
        objects=OBJECTS,
        concurrency=CONCURRENCY,
        rounds=ROUNDS,
        httpx_seconds=times["httpx"],
        httpx_median=round(statistics.median(times["httpx"]), 4),
    )
    return result
