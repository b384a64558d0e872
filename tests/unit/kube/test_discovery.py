"""Discovery documents (aggregated v2 and legacy) parse into resource types."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from navarch.kube import Discovery, UnknownKind
from navarch.kube.discovery import parse_aggregated, parse_resource_list

AGGREGATED_APIS: dict[str, Any] = {
    "kind": "APIGroupDiscoveryList",
    "apiVersion": "apidiscovery.k8s.io/v2",
    "items": [
        {
            "metadata": {"name": "apps"},
            "versions": [
                {
                    "version": "v1",
                    "resources": [
                        {
                            "resource": "deployments",
                            "responseKind": {
                                "group": "apps",
                                "version": "v1",
                                "kind": "Deployment",
                            },
                            "scope": "Namespaced",
                            "verbs": ["get", "list", "patch"],
                            "subresources": [{"subresource": "status"}, {"subresource": "scale"}],
                        }
                    ],
                }
            ],
        }
    ],
}

AGGREGATED_CORE: dict[str, Any] = {
    "kind": "APIGroupDiscoveryList",
    "items": [
        {
            "metadata": {},
            "versions": [
                {
                    "version": "v1",
                    "resources": [
                        {
                            "resource": "namespaces",
                            "responseKind": {"kind": "Namespace"},
                            "scope": "Cluster",
                        },
                    ],
                }
            ],
        }
    ],
}


def test_aggregated_document() -> None:
    (deploy,) = parse_aggregated(AGGREGATED_APIS) or []
    assert (deploy.group, deploy.version, deploy.kind, deploy.plural) == (
        "apps",
        "v1",
        "Deployment",
        "deployments",
    )
    assert deploy.namespaced
    assert deploy.subresources == {"status", "scale"}
    (ns,) = parse_aggregated(AGGREGATED_CORE) or []
    assert (ns.group, ns.kind, ns.namespaced) == ("", "Namespace", False)
    assert parse_aggregated({"kind": "APIVersions", "versions": ["v1"]}) is None


def test_legacy_resource_list_folds_subresources_into_their_parent() -> None:
    types = parse_resource_list(
        {
            "groupVersion": "v1",
            "resources": [
                {"name": "pods", "kind": "Pod", "namespaced": True, "verbs": ["get"]},
                {"name": "pods/status", "kind": "Pod", "namespaced": True},
                {"name": "pods/log", "kind": "Pod", "namespaced": True},
            ],
        }
    )
    assert [(t.plural, t.subresources) for t in types] == [("pods", {"status", "log"})]


class InMemoryDocuments:
    """Discovery documents held in memory, to count how often the cache fetches them."""

    def __init__(self) -> None:
        self.fetches = 0
        self.docs = {"/api": AGGREGATED_CORE, "/apis": AGGREGATED_APIS}

    async def get_json(self, path: str, accept: str) -> dict[str, Any]:
        self.fetches += 1
        await asyncio.sleep(0)
        return self.docs[path]


async def test_a_miss_refreshes_once_and_concurrent_misses_share_it() -> None:
    docs = InMemoryDocuments()
    discovery = Discovery("c", docs.get_json, min_refresh_interval=0)
    found = await asyncio.gather(
        *(discovery.resource_for("apps/v1", "Deployment") for _ in range(5))
    )
    assert {t.plural for t in found} == {"deployments"}
    assert docs.fetches == 1, "one refresh of /apis for five concurrent misses"
    await discovery.resource_for("v1", "Namespace")
    assert docs.fetches == 2, "the core group is in /api: fetched at its first lookup"
    await discovery.resource_for("v1", "Namespace")
    await discovery.resource_for("apps/v1", "Deployment")
    assert docs.fetches == 2, "a hit does not fetch"


async def test_core_kinds_never_fetch_the_other_groups_and_types_are_shared() -> None:
    docs = InMemoryDocuments()
    one = Discovery("one", docs.get_json, min_refresh_interval=0)
    other = Discovery("other", docs.get_json, min_refresh_interval=0)
    found = await one.resource_for("v1", "Namespace")
    assert docs.fetches == 1 and [t.kind for t in one.cached()] == ["Namespace"]
    assert (await other.resource_for("v1", "Namespace")) is found, "one copy for every cluster"
    with pytest.raises(UnknownKind):
        await one.resource_for("v1", "Widget")
    assert docs.fetches == 3, "a core miss refreshes /api only"


async def test_a_kind_installed_later_is_found_after_a_miss() -> None:
    docs = InMemoryDocuments()
    discovery = Discovery("c", docs.get_json, min_refresh_interval=0)
    with pytest.raises(UnknownKind, match="is its CRD installed"):
        await discovery.resource_for("example.com/v1", "Widget")
    docs.docs["/apis"] = {
        **AGGREGATED_APIS,
        "items": [
            *AGGREGATED_APIS["items"],
            {
                "metadata": {"name": "example.com"},
                "versions": [
                    {
                        "version": "v1",
                        "resources": [
                            {
                                "resource": "widgets",
                                "responseKind": {"kind": "Widget"},
                                "scope": "Namespaced",
                            }
                        ],
                    }
                ],
            },
        ],
    }
    widget = await discovery.resource_for("example.com/v1", "Widget")
    assert widget.plural == "widgets"
    assert (await discovery.resource_for_plural("example.com/v1", "widgets")) is widget
