"""Informers against real API servers: event order, outages, and the relist after a 410."""

from __future__ import annotations

import asyncio
import base64
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from navarch.kube import Client, KubeError, KubeObject
from navarch.runtime import FuncHandler, Informer
from tests.integration.conftest import NamespaceFactory, TestFleet
from tests.integration.helpers import configmap, eventually

pytestmark = pytest.mark.integration


class Recorder:
    """Collects (event, name, data value) in the order the informer delivers them."""

    def __init__(self) -> None:
        self.events: list[tuple[str, str, str]] = []

    def handler(self) -> FuncHandler:
        def note(kind: str, obj: KubeObject) -> None:
            self.events.append(
                (kind, obj["metadata"]["name"], (obj.get("data") or {}).get("v", ""))
            )

        return FuncHandler(
            add=lambda o: note("add", o),
            update=lambda _old, new: note("update", new),
            delete=lambda o: note("delete", o),
        )

    def of(self, name: str) -> list[tuple[str, str]]:
        return [(kind, v) for kind, n, v in self.events if n == name]


@contextlib.asynccontextmanager
async def running(informer: Informer) -> AsyncIterator[Informer]:
    informer.start()
    try:
        await informer.wait_synced(timeout=30)
        yield informer
    finally:
        await informer.stop()


async def server_state(client: Client, ns: str) -> dict[str, str]:
    listed = await client.list("v1", "ConfigMap", ns)
    return {o["metadata"]["name"]: o["metadata"]["resourceVersion"] for o in listed.items}


def cache_state(informer: Informer) -> dict[str, str]:
    return {o["metadata"]["name"]: o["metadata"]["resourceVersion"] for o in informer.store.list()}


async def test_events_arrive_in_order_and_the_cache_follows(
    fleet: TestFleet, namespace: NamespaceFactory
) -> None:
    client = fleet.client("cluster-1")
    ns = await namespace("cluster-1")
    await client.create(configmap("before", ns, v="0"))
    recorder = Recorder()
    informer = Informer(client, "v1", "ConfigMap", namespace=ns)
    informer.add_handler(recorder.handler())
    async with running(informer):
        assert ("add", "0") in recorder.of("before"), "the initial list is delivered as adds"
        await client.create(configmap("x", ns, v="1"))
        await client.apply(configmap("x", ns, v="2"), force=True)
        await client.patch("v1", "ConfigMap", "x", {"data": {"v": "3"}}, namespace=ns)
        await client.delete("v1", "ConfigMap", "x", ns)
        await eventually(lambda: ("delete", "3") in recorder.of("x"), what="delete of x")
        assert recorder.of("x") == [("add", "1"), ("update", "2"), ("update", "3"), ("delete", "3")]
        assert informer.store.get(f"{ns}/x") is None
        assert informer.store.get(f"{ns}/before") is not None


async def test_label_selector_limits_what_is_cached(
    fleet: TestFleet, namespace: NamespaceFactory
) -> None:
    client = fleet.client("cluster-1")
    ns = await namespace("cluster-1")
    informer = Informer(client, "v1", "ConfigMap", namespace=ns, label_selector="team=red")
    async with running(informer):
        red = configmap("red", ns)
        red["metadata"]["labels"] = {"team": "red"}
        await client.create(red)
        await client.create(configmap("plain", ns))
        await eventually(lambda: informer.store.get(f"{ns}/red"), what="red cached")
        # relabelling out of the selector looks like a delete to this informer
        await client.patch(
            "v1", "ConfigMap", "red", {"metadata": {"labels": {"team": "blue"}}}, namespace=ns
        )
        await eventually(lambda: informer.store.get(f"{ns}/red") is None, what="red dropped")
        assert informer.store.get(f"{ns}/plain") is None


async def own_cluster_with_namespace(fleet: TestFleet, cluster: str, ns: str) -> Client:
    """A cluster of the test's own (it will be stopped) with namespace ``ns`` in it."""
    client = await fleet.own_cluster(cluster)
    await client.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}})
    return client


async def test_an_outage_mid_watch_loses_no_update(fleet: TestFleet) -> None:
    cluster, ns = "outage-watch", "counter"
    client = await own_cluster_with_namespace(fleet, cluster, ns)
    await client.apply(configmap("counter", ns, v="0"), force=True)
    recorder = Recorder()
    informer = Informer(client, "v1", "ConfigMap", namespace=ns, max_backoff=0.5)
    informer.add_handler(recorder.handler())
    written: list[int] = []
    stop_writing = asyncio.Event()

    async def writer() -> None:
        i = 0
        while not stop_writing.is_set():
            i += 1
            try:
                await client.apply(configmap("counter", ns, v=str(i)), force=True)
                written.append(i)
            except KubeError:
                i -= 1  # the server is down; try the same value again
                await asyncio.sleep(0.05)
            await asyncio.sleep(0.01)

    async with running(informer):
        task = asyncio.create_task(writer())
        await eventually(lambda: len(written) >= 10, what="writes before the outage")
        await fleet.stop(cluster)
        before_start = len(written)
        await fleet.start(cluster)
        await eventually(lambda: len(written) >= before_start + 10, what="writes after restart")
        stop_writing.set()
        await task
        last = str(written[-1])

        async def converged() -> bool:
            return (
                cache_state(informer) == await server_state(client, ns)
                and (informer.store.get(f"{ns}/counter") or {}).get("data", {}).get("v") == last
            )

        await eventually(converged, what="informer cache equal to the server after the outage")
    values = [int(v) for kind, v in recorder.of("counter") if kind in ("add", "update")]
    assert values == sorted(values), "updates are delivered in order, never older after newer"
    assert values[-1] == written[-1]


# -- forcing a 410: change etcd behind a stopped API server, then compact ----------------------


async def etcd_client(fleet: TestFleet) -> httpx.AsyncClient:
    """A client of the fleet's etcd v3 JSON gateway (served on its client port)."""
    status = await fleet.fleet.status()
    return httpx.AsyncClient(base_url=status.etcd_endpoint, timeout=10)


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


async def etcd(client: httpx.AsyncClient, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = await client.post(path, json=body)
    response.raise_for_status()
    result: dict[str, Any] = response.json()
    return result


async def test_a_410_after_compaction_relists_and_reports_what_was_missed(fleet: TestFleet) -> None:
    cluster, ns = "outage-gone", "gone"
    client = await own_cluster_with_namespace(fleet, cluster, ns)
    for name in ("a", "b", "c"):
        await client.apply(configmap(name, ns, v="1"), force=True)
    recorder = Recorder()
    informer = Informer(client, "v1", "ConfigMap", namespace=ns, max_backoff=0.5)
    informer.add_handler(recorder.handler())
    async with running(informer):
        assert informer.stats.relists_after_gone == 0
        await fleet.stop(cluster)
        # While the API server is down, remove "b" straight from etcd (the informer cannot see
        # it happen), move the revision on through another cluster, and compact everything the
        # informer's resourceVersion could resume from.
        async with await etcd_client(fleet) as kv:
            deleted = await etcd(
                kv, "/v3/kv/deleterange", {"key": b64(f"/navarch/{cluster}/configmaps/{ns}/b")}
            )
            assert deleted.get("deleted") == "1"
            await fleet.client("mgmt").apply(configmap("bump", "default", v="1"), force=True)
            revision = int(
                (await etcd(kv, "/v3/kv/range", {"key": b64("/")}))["header"]["revision"]
            )
            await etcd(kv, "/v3/kv/compaction", {"revision": revision, "physical": True})
        await fleet.start(cluster)
        await eventually(
            lambda: informer.stats.relists_after_gone >= 1, what="a relist after 410 Gone"
        )
        await eventually(
            lambda: ("delete", "1") in recorder.of("b"),
            what="the delete of b, missed while watching, reported by the relist",
        )
        assert cache_state(informer) == await server_state(client, ns)
        assert sorted(set(cache_state(informer)) - {"kube-root-ca.crt"}) == ["a", "c"]
