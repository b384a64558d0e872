"""The kube client against a real API server: CRUD, apply, typed errors, discovery, auth."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from navarch.kube import (
    AlreadyExists,
    Client,
    ClusterConfig,
    Conflict,
    Forbidden,
    Invalid,
    NotFound,
    Unauthorized,
    UnknownKind,
    Unreachable,
    http1,
)
from tests.integration.conftest import NamespaceFactory, TestFleet
from tests.integration.helpers import configmap, eventually

pytestmark = pytest.mark.integration

WIDGETS_CRD: dict[str, Any] = {
    "apiVersion": "apiextensions.k8s.io/v1",
    "kind": "CustomResourceDefinition",
    "metadata": {"name": "widgets.test.navarch.io"},
    "spec": {
        "group": "test.navarch.io",
        "scope": "Namespaced",
        "names": {
            "plural": "widgets",
            "singular": "widget",
            "kind": "Widget",
            "listKind": "WidgetList",
        },
        "versions": [
            {
                "name": "v1",
                "served": True,
                "storage": True,
                "subresources": {"status": {}},
                "schema": {
                    "openAPIV3Schema": {
                        "type": "object",
                        "properties": {
                            "spec": {"type": "object", "properties": {"size": {"type": "integer"}}},
                            "status": {
                                "type": "object",
                                "properties": {"phase": {"type": "string"}},
                            },
                        },
                    }
                },
            }
        ],
    },
}


async def install_crd(client: Client, crd: dict[str, Any]) -> None:
    await client.apply(crd)

    async def established() -> bool:
        got = await client.get(
            "apiextensions.k8s.io/v1", "CustomResourceDefinition", crd["metadata"]["name"]
        )
        conditions = (got.get("status") or {}).get("conditions") or []
        return any(c["type"] == "Established" and c["status"] == "True" for c in conditions)

    await eventually(established, what=f"CRD {crd['metadata']['name']} Established")


async def test_create_get_list_replace_delete(
    fleet: TestFleet, namespace: NamespaceFactory
) -> None:
    client = fleet.client("cluster-1")
    ns = await namespace("cluster-1")
    created = await client.create(configmap("a", ns, k="1"))
    assert created["metadata"]["uid"]
    got = await client.get("v1", "ConfigMap", "a", ns)
    assert got["data"] == {"k": "1"}

    got["data"]["k"] = "2"
    replaced = await client.replace(got)
    assert replaced["data"] == {"k": "2"}

    stale = dict(got)  # still carries the old resourceVersion
    with pytest.raises(Conflict, match="the object has been modified"):
        await client.replace(stale)
    with pytest.raises(AlreadyExists, match='"a" already exists'):
        await client.create(configmap("a", ns))

    for i in range(7):
        await client.create(configmap(f"page-{i}", ns))
    listed = await client.list("v1", "ConfigMap", ns, page_size=3)
    # kube-root-ca.crt is added by the controller manager at some point; it is not ours
    names = sorted(
        o["metadata"]["name"] for o in listed.items if o["metadata"]["name"] != "kube-root-ca.crt"
    )
    assert names == sorted(["a", *(f"page-{i}" for i in range(7))])
    assert int(listed.resource_version) > 0
    assert all(o["kind"] == "ConfigMap" for o in listed.items)

    await client.delete("v1", "ConfigMap", "a", ns)
    with pytest.raises(NotFound) as info:
        await client.get("v1", "ConfigMap", "a", ns)
    assert str(info.value).startswith(f"cluster-1: get ConfigMap {ns}/a: ")


async def test_server_side_apply_owns_fields_and_reports_conflicts(
    fleet: TestFleet, namespace: NamespaceFactory
) -> None:
    client = fleet.client("cluster-1")
    ns = await namespace("cluster-1")
    applied = await client.apply(configmap("cfg", ns, mine="1"))
    managers = {m["manager"] for m in applied["metadata"]["managedFields"]}
    assert managers == {"navarch"}

    # another manager takes the same field: apply without force is a conflict, force wins
    await client.apply(configmap("cfg", ns, mine="other"), field_manager="someone-else", force=True)
    with pytest.raises(Conflict, match="conflict"):
        await client.apply(configmap("cfg", ns, mine="1"))
    won = await client.apply(configmap("cfg", ns, mine="1"), force=True)
    assert won["data"] == {"mine": "1"}

    # applying the same thing again changes nothing
    again = await client.apply(configmap("cfg", ns, mine="1"))
    assert again["metadata"]["resourceVersion"] == won["metadata"]["resourceVersion"]

    dry = await client.apply(configmap("cfg", ns, mine="dry"), dry_run=True)
    assert dry["data"] == {"mine": "dry"}
    assert (await client.get("v1", "ConfigMap", "cfg", ns))["data"] == {"mine": "1"}


async def test_patch_types(fleet: TestFleet, namespace: NamespaceFactory) -> None:
    client = fleet.client("cluster-1")
    ns = await namespace("cluster-1")
    await client.create(configmap("p", ns, a="1", b="2"))
    merged = await client.patch(
        "v1", "ConfigMap", "p", {"data": {"b": None, "c": "3"}}, namespace=ns
    )
    assert merged["data"] == {"a": "1", "c": "3"}
    jsonpatched = await client.patch(
        "v1",
        "ConfigMap",
        "p",
        [{"op": "replace", "path": "/data/a", "value": "9"}],
        namespace=ns,
        patch_type="json",
    )
    assert jsonpatched["data"]["a"] == "9"
    strategic = await client.patch(
        "v1",
        "ConfigMap",
        "p",
        {"metadata": {"labels": {"x": "y"}}},
        namespace=ns,
        patch_type="strategic",
    )
    assert strategic["metadata"]["labels"] == {"x": "y"}


async def test_invalid_object_carries_the_servers_reason(
    fleet: TestFleet, namespace: NamespaceFactory
) -> None:
    client = fleet.client("cluster-1")
    ns = await namespace("cluster-1")
    with pytest.raises(Invalid) as info:
        await client.create(configmap("Not_A_Valid_Name", ns))
    assert "Not_A_Valid_Name" in str(info.value)
    assert any(c.get("field") == "metadata.name" for c in info.value.causes)


async def test_crd_established_then_found_by_discovery_and_status_subresource(
    fleet: TestFleet, namespace: NamespaceFactory
) -> None:
    client = fleet.client("cluster-2")
    with pytest.raises(UnknownKind, match="no resource for kind Widget"):
        await client.resource("test.navarch.io/v1", "Widget")
    await install_crd(client, WIDGETS_CRD)
    # the cache missed a moment ago; a new miss refreshes it and finds the CRD
    widget_type = await client.resource("test.navarch.io/v1", "Widget")
    assert widget_type.plural == "widgets" and "status" in widget_type.subresources

    ns = await namespace("cluster-2")
    widget = {
        "apiVersion": "test.navarch.io/v1",
        "kind": "Widget",
        "metadata": {"name": "w", "namespace": ns},
        "spec": {"size": 3},
    }
    await client.apply(widget)
    status = {**widget, "status": {"phase": "Ready"}}
    del status["spec"]
    await client.apply_status(status)
    got = await client.get("test.navarch.io/v1", "Widget", "w", ns)
    assert got["status"] == {"phase": "Ready"} and got["spec"] == {"size": 3}
    managers = {(m["manager"], m.get("subresource", "")) for m in got["metadata"]["managedFields"]}
    assert ("navarch-status", "status") in managers
    assert ("navarch", "") in managers


async def test_delete_with_foreground_propagation_waits_for_dependents(
    fleet: TestFleet, namespace: NamespaceFactory
) -> None:
    client = fleet.client("cluster-1")
    ns = await namespace("cluster-1")
    owner = await client.create(configmap("owner", ns))
    dependent = configmap("dependent", ns)
    dependent["metadata"]["ownerReferences"] = [
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "name": "owner",
            "uid": owner["metadata"]["uid"],
            "blockOwnerDeletion": True,
        }
    ]
    await client.create(dependent)
    answer = await client.delete("v1", "ConfigMap", "owner", ns, propagation_policy="Foreground")
    assert "foregroundDeletion" in answer["metadata"].get("finalizers", [])

    async def both_gone() -> bool:
        for name in ("owner", "dependent"):
            try:
                await client.get("v1", "ConfigMap", name, ns)
                return False
            except NotFound:
                pass
        return True

    await eventually(both_gone, what="garbage collector removing owner and dependent")


async def test_bearer_token_and_rbac_forbidden(
    fleet: TestFleet, namespace: NamespaceFactory, tmp_path: Path
) -> None:
    admin = fleet.client("cluster-1")
    ns = await namespace("cluster-1")
    await admin.create(
        {
            "apiVersion": "v1",
            "kind": "ServiceAccount",
            "metadata": {"name": "reader", "namespace": ns},
        }
    )
    token_request = await admin.create_subresource(
        "v1",
        "ServiceAccount",
        "reader",
        "token",
        {"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest", "spec": {}},
        namespace=ns,
    )
    token = token_request["status"]["token"]
    base = fleet.fleet.cluster_config("cluster-1")
    as_reader = Client(
        ClusterConfig(
            name="cluster-1-reader", server=base.server, ca_data=base.ca_data, token=token
        )
    )
    try:
        with pytest.raises(Forbidden) as info:
            await as_reader.list("v1", "Secret", ns)
        message = str(info.value)
        assert f"system:serviceaccount:{ns}:reader" in message
        assert token not in message
    finally:
        await as_reader.aclose()

    # the same token from a file, re-read when the file is rotated
    token_file = tmp_path / "token"
    token_file.write_text("stale-token")
    from_file = Client(
        ClusterConfig(
            name="cluster-1-file", server=base.server, ca_data=base.ca_data, token_file=token_file
        )
    )
    try:
        with pytest.raises(Unauthorized):
            await from_file.get("v1", "ServiceAccount", "reader", ns)
        token_file.write_text(token + "\n")
        os.utime(token_file, (time.time() + 5, time.time() + 5))  # a new mtime, for sure
        with pytest.raises(Forbidden):  # authenticated now; RBAC still says no
            await from_file.get("v1", "ServiceAccount", "reader", ns)
    finally:
        await from_file.aclose()

    bad = Client(
        ClusterConfig(
            name="cluster-1-bad", server=base.server, ca_data=base.ca_data, token="not-a-token"
        )
    )
    try:
        with pytest.raises(Unauthorized):
            await bad.get("v1", "Namespace", ns)
    finally:
        await bad.aclose()


def nowhere_client() -> Client:
    """A client of a loopback port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return Client(ClusterConfig(name="nowhere", server=f"https://127.0.0.1:{port}"), timeout=3)


async def test_unreachable_server_is_a_typed_error_naming_the_cluster() -> None:
    client = nowhere_client()
    try:
        with pytest.raises(Unreachable, match=r"^nowhere: get /version: cannot reach"):
            await client.version()
    finally:
        await client.aclose()


def wrong_ca_client(fleet: TestFleet) -> Client:
    """cluster-1's server with cluster-2's CA and credentials."""
    one = fleet.fleet.cluster_config("cluster-1")
    two = fleet.fleet.cluster_config("cluster-2")
    return Client(
        ClusterConfig(
            name="mixed",
            server=one.server,
            ca_data=two.ca_data,
            client_cert_data=two.client_cert_data,
            client_key_data=two.client_key_data,
        ),
        timeout=5,
    )


async def test_a_wrong_ca_fails_tls_instead_of_trusting(fleet: TestFleet) -> None:
    mixed = wrong_ca_client(fleet)
    try:
        with pytest.raises(Unreachable, match="CERTIFICATE_VERIFY_FAILED"):
            await mixed.version()
    finally:
        await mixed.aclose()


async def test_watch_sees_changes_after_a_resource_version(
    fleet: TestFleet, namespace: NamespaceFactory
) -> None:
    client = fleet.client("cluster-1")
    ns = await namespace("cluster-1")
    start = await client.list("v1", "ConfigMap", ns)
    name = f"w-{uuid.uuid4().hex[:6]}"
    seen: list[tuple[str, str]] = []

    async def consume() -> None:
        events = client.watch(
            "v1", "ConfigMap", namespace=ns, resource_version=start.resource_version
        )
        async with contextlib.aclosing(events):
            async for event in events:
                if event.object["metadata"]["name"] == name:
                    seen.append((event.type, event.object.get("data", {}).get("v", "")))
                if event.type == "DELETED":
                    return

    task = asyncio.create_task(consume())
    try:
        await client.create(configmap(name, ns, v="1"))
        await client.patch("v1", "ConfigMap", name, {"data": {"v": "2"}}, namespace=ns)
        await client.delete("v1", "ConfigMap", name, ns)
        await asyncio.wait_for(task, timeout=30)
    finally:
        task.cancel()
    assert seen == [("ADDED", "1"), ("MODIFIED", "2"), ("DELETED", "2")]


async def test_streaming_list_ends_initial_events_with_a_bookmark(
    fleet: TestFleet, namespace: NamespaceFactory
) -> None:
    client = fleet.client("cluster-2")
    ns = await namespace("cluster-2")
    for name in ("one", "two"):
        await client.create(configmap(name, ns))
    seen: list[tuple[str, str, bool]] = []
    events = client.watch(
        "v1", "ConfigMap", namespace=ns, resource_version="", send_initial_events=True
    )
    async with contextlib.aclosing(events):
        async with asyncio.timeout(30):
            async for event in events:
                name = event.object["metadata"].get("name", "")
                seen.append((event.type, name, event.initial_events_end))
                if event.initial_events_end:
                    await client.create(configmap("three", ns))
                if name == "three":
                    break
    initial = [(t, n) for t, n, _ in seen[: seen.index(("BOOKMARK", "", True))]]
    assert sorted(n for _, n in initial if n != "kube-root-ca.crt") == ["one", "two"]
    assert {t for t, _ in initial} == {"ADDED"}
    assert seen[-1] == ("ADDED", "three", False)


@pytest.mark.parametrize("http2", [True, False])
async def test_both_http_versions_read_write_and_watch(
    fleet: TestFleet, namespace: NamespaceFactory, http2: bool
) -> None:
    client = Client(fleet.fleet.cluster_config("cluster-1"), http2=http2)
    try:
        ns = await namespace("cluster-1")
        listed = await client.list("v1", "ConfigMap", ns)
        await client.apply(configmap("v", ns, k="1"))
        events = client.watch(
            "v1", "ConfigMap", namespace=ns, resource_version=listed.resource_version
        )
        async with contextlib.aclosing(events), asyncio.timeout(30):
            async for event in events:
                if event.object["metadata"]["name"] == "v":
                    assert event.type == "ADDED"
                    break
    finally:
        await client.aclose()


async def test_requests_reuse_kept_alive_connections(
    fleet: TestFleet, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The HTTP/1.1 pool (kube/http1.py): sequential requests reuse one connection (no TLS
    handshake each), concurrent ones open more and all come back, a connection closed while
    idle is replaced, and the burst's extra connections are closed soon after."""
    monkeypatch.setattr(http1, "EXTRA_EXPIRY", 0.3)
    base = fleet.fleet.cluster_config("cluster-1")
    async with Client(base) as client:
        pool = client._pool
        assert pool is not None
        expected = await client.version()
        assert await client.version() == expected
        assert len(pool._idle) == 1
        first = pool._idle[0]
        assert await client.version() == expected
        assert pool._idle == [first]  # kept alive, not a new connection per request
        await asyncio.gather(*(client.version() for _ in range(12)))
        assert 1 < len(pool._idle) <= 12
        last = pool._idle[-1]
        await client.version()
        assert pool._idle[-1] is last  # LIFO: the most recent one serves a quiet cluster
        async with asyncio.timeout(10):  # the burst's extra connections are closed soon
            while len(pool._idle) > 1:
                await asyncio.sleep(0.05)
        assert pool._idle == [last]
        for conn in pool._idle:
            conn.close()  # gone meanwhile: each is dropped, a new one opened
        assert await client.version() == expected
        assert len(pool._idle) == 1 and pool._idle[0] not in (first, last)


async def test_failures_are_typed_errors(fleet: TestFleet, tmp_path: Path) -> None:
    """A bad token (inline or from a file), no server, the wrong CA: each its own error."""
    base = fleet.fleet.cluster_config("cluster-1")
    bad = Client(ClusterConfig(name="bad", server=base.server, ca_data=base.ca_data, token="x"))
    try:
        with pytest.raises(Unauthorized, match=r"^bad: get /version"):
            await bad.version()
    finally:
        await bad.aclose()
    token_file = tmp_path / "token"
    token_file.write_text("not-a-token")
    from_file = Client(
        ClusterConfig(name="file", server=base.server, ca_data=base.ca_data, token_file=token_file)
    )
    try:
        with pytest.raises(Unauthorized):
            await from_file.version()
    finally:
        await from_file.aclose()
    nowhere = nowhere_client()
    try:
        with pytest.raises(Unreachable, match=r"^nowhere: get /version: cannot reach"):
            await nowhere.version()
    finally:
        await nowhere.aclose()
    mixed = wrong_ca_client(fleet)
    try:
        with pytest.raises(Unreachable, match="CERTIFICATE_VERIFY_FAILED"):
            await mixed.version()
    finally:
        await mixed.aclose()


async def test_a_large_answer_arrives_whole(fleet: TestFleet) -> None:
    """Over the server's 128 KiB compression threshold the answer comes gzip-compressed."""
    async with Client(fleet.fleet.cluster_config("cluster-1")) as client:
        big = "x" * 400_000  # above the server's 128 KiB compression threshold
        await client.apply(
            {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": {"name": "big-answer", "namespace": "default"},
                "data": {"big": big},
            }
        )
        try:
            got = await client.get("v1", "ConfigMap", "big-answer", "default")
            assert got["data"]["big"] == big
            listed = await client.list("v1", "ConfigMap", "default")
            assert any(o["data"].get("big") == big for o in listed.items)
        finally:
            await client.delete("v1", "ConfigMap", "big-answer", "default")
