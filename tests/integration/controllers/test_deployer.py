"""The deployer against a real API server: namespaces found missing by applying, and created."""

from __future__ import annotations

import contextlib
import re
import uuid
from collections.abc import AsyncIterator

import pytest

from navarch.controllers.deployer import Item, Outcome, deploy, reapply
from navarch.engines.resources import DEFAULT_TIER, REASON_LABEL, Owner, Reference, decorate
from navarch.kube import Client, KubeError, KubeObject, NotFound
from tests.integration.conftest import TestFleet
from tests.integration.helpers import eventually

pytestmark = pytest.mark.integration

CLUSTER = "cluster-1"
REFERENCE = Reference(kind="ConfigMap", namespace="default", name="source")
OWNER = Owner(kind="ClusterProfile", name="p", tier=DEFAULT_TIER, cluster="sveltos-ns-c")
_FAILED_APPLY = re.compile(
    r'^apiserver_request_total\{[^}]*code="404"[^}]*resource="configmaps"[^}]*verb="APPLY"'
    r"[^}]*\} ([0-9.e+]+)$",
    re.M,
)


@pytest.fixture
async def fresh_namespace(fleet: TestFleet) -> AsyncIterator[str]:
    """A namespace name that does not exist yet; deleted after the test if it came to exist."""
    name = f"d-{uuid.uuid4().hex[:8]}"
    yield name
    with contextlib.suppress(KubeError):
        await fleet.client(CLUSTER).delete("v1", "Namespace", name)


def items(namespace: str, count: int, *, skip_namespace_creation: bool = False) -> list[Item]:
    return [
        Item(
            obj=decorate(
                {
                    "apiVersion": "v1",
                    "kind": "ConfigMap",
                    "metadata": {"name": f"cm-{i}", "namespace": namespace},
                    "data": {"i": str(i)},
                },
                reference=REFERENCE,
                owner=OWNER,
                feature="Resources",
            ),
            reference=REFERENCE,
            skip_namespace_creation=skip_namespace_creation,
        )
        for i in range(count)
    ]


async def failed_applies(client: Client) -> float:
    """ConfigMap applies this API server has answered 404 so far."""
    _code, text = await client.probe("/metrics", timeout=30.0)
    return sum(float(v) for v in _FAILED_APPLY.findall(text))


async def deploy_to(
    client: Client, wanted: list[Item], *, continue_on_error: bool = False
) -> Outcome:
    return await deploy(
        {"Remote": client},
        wanted,
        OWNER,
        continue_on_conflict=False,
        continue_on_error=continue_on_error,
    )


async def test_a_missing_namespace_is_created_after_one_apply_finds_it_missing(
    fleet: TestFleet, fresh_namespace: str
) -> None:
    client = fleet.client(CLUSTER)
    before = await failed_applies(client)
    outcome = await deploy_to(client, items(fresh_namespace, 6))
    assert outcome.ok, outcome
    assert sorted(d.name for d in outcome.deployed) == [f"cm-{i}" for i in range(6)]
    await client.get("v1", "Namespace", fresh_namespace)
    listed = await client.list("v1", "ConfigMap", fresh_namespace)
    assert {o["metadata"]["name"] for o in listed.items} >= {f"cm-{i}" for i in range(6)}
    # the first object went alone: one apply found the namespace missing, not six
    assert await failed_applies(client) - before == 1

    again = await deploy_to(client, items(fresh_namespace, 6))
    assert again.ok, again
    assert await failed_applies(client) - before == 1  # the namespace exists: no failure


async def test_skip_namespace_creation_reports_the_missing_namespace_and_creates_nothing(
    fleet: TestFleet, fresh_namespace: str
) -> None:
    client = fleet.client(CLUSTER)
    wanted = items(fresh_namespace, 2, skip_namespace_creation=True)
    outcome = await deploy_to(client, wanted, continue_on_error=True)
    assert not outcome.deployed
    assert len(outcome.errors) == 2
    assert all(f'namespaces "{fresh_namespace}" not found' in e for e in outcome.errors)
    with pytest.raises(NotFound):
        await client.get("v1", "Namespace", fresh_namespace)


async def test_a_repair_recreates_a_namespace_deleted_with_its_objects(
    fleet: TestFleet, fresh_namespace: str
) -> None:
    client = fleet.client(CLUSTER)
    wanted = items(fresh_namespace, 3)
    first = await deploy_to(client, wanted)
    assert first.ok, first
    await client.delete("v1", "Namespace", fresh_namespace)

    async def namespace_gone() -> bool:
        try:
            await client.get("v1", "Namespace", fresh_namespace)
        except NotFound:
            return True
        return False

    # the namespace controller empties the namespace, then it goes
    await eventually(namespace_gone, what="the namespace deleted")
    gone: KubeObject | None = None
    repaired = await reapply({"Remote": client}, [(i, gone) for i in wanted], OWNER)
    assert repaired.ok, repaired
    listed = await client.list("v1", "ConfigMap", fresh_namespace, label_selector=REASON_LABEL)
    assert sorted(o["metadata"]["name"] for o in listed.items) == ["cm-0", "cm-1", "cm-2"]
