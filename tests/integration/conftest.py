"""One local fleet of real control planes for the whole test session.

``fleet`` starts mgmt and cluster-1..3 in a temporary state directory (processes die with the
test run if it is killed) and tears them down at the end; or, with ``NAVARCH_TEST_FLEET=DIR``, uses
the fleet already running in DIR and leaves it running (handy while iterating on one test).

Tests keep out of each other's way: each gets fresh namespaces from ``namespace``, and a test
that stops an API server asks for a cluster of its own with ``fleet.own_cluster(name)``.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from navarch.fleet import Fleet
from navarch.kube import Client, KubeError
from navarch.toolchain import MissingBinaryError, binary_path

MANAGED = 3


class TestFleet:
    __test__ = False  # not a test class

    def __init__(self, fleet: Fleet) -> None:
        self.fleet = fleet
        self._clients: dict[str, Client] = {}

    @property
    def dir(self) -> Path:
        return self.fleet.dir

    def client(self, cluster: str = "mgmt") -> Client:
        """An admin client of ``cluster``, shared for the session."""
        if cluster not in self._clients:
            self._clients[cluster] = Client(self.fleet.cluster_config(cluster))
        return self._clients[cluster]

    async def own_cluster(self, name: str) -> Client:
        """A cluster only the calling test uses (started if needed), and its client."""
        await self.fleet.up(names=[name])
        return self.client(name)

    async def stop(self, cluster: str) -> None:
        await self.fleet.stop_cluster(cluster)

    async def start(self, cluster: str) -> None:
        await self.fleet.start_cluster(cluster)

    async def close(self) -> None:
        for client in self._clients.values():
            await client.aclose()


@pytest.fixture(scope="session")
async def fleet(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[TestFleet]:
    try:
        binary_path("kube-apiserver")
        binary_path("etcd")
    except MissingBinaryError as exc:
        pytest.fail(f"{exc} (make test does this for you)")
    existing = os.environ.get("NAVARCH_TEST_FLEET")
    if existing:
        fleet = Fleet(Path(existing))
        await fleet.up(MANAGED)
        wrapper = TestFleet(fleet)
        yield wrapper
        await wrapper.close()
        return
    fleet = Fleet(tmp_path_factory.mktemp("fleet"), die_with_parent=True)
    try:
        await fleet.up(MANAGED)
        wrapper = TestFleet(fleet)
        yield wrapper
        await wrapper.close()
    finally:
        await fleet.down()


NamespaceFactory = Callable[..., Awaitable[str]]


@pytest.fixture
async def namespace(fleet: TestFleet) -> AsyncIterator[NamespaceFactory]:
    """``await namespace(cluster="mgmt")`` creates a fresh namespace, deleted after the test."""
    created: list[tuple[str, str]] = []

    async def make(cluster: str = "mgmt", prefix: str = "t") -> str:
        name = f"{prefix}-{uuid.uuid4().hex[:8]}"
        await fleet.client(cluster).create(
            {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}
        )
        created.append((cluster, name))
        return name

    yield make
    for cluster, name in created:
        # NotFound if the test deleted it; Unreachable if the test left its own cluster stopped
        with contextlib.suppress(KubeError):
            await fleet.client(cluster).delete("v1", "Namespace", name)
