"""Which resources a cluster serves: kind to URL plural and scope, cached per cluster.

Every apply of a user's manifest needs to know that ``Deployment`` in ``apps/v1`` is the
namespaced ``deployments``. Asking the server each time would double the requests; caching
forever would miss a CRD installed after start. So the cache is filled once, and a lookup that
misses refreshes it (a CRD installed later is then found), with concurrent misses sharing one
refresh and refreshes spaced at least ``min_refresh_interval`` apart, so a reconciler retrying a
manifest whose CRD is genuinely absent cannot flood the server.

The cache is filled with aggregated discovery (``apidiscovery.k8s.io/v2``, GA since Kubernetes
1.30): ``/api`` describes the core group, ``/apis`` every other. Older servers answer those
paths with the legacy lists instead; then each group version is fetched on its own. Each root is
fetched when a kind of its own is first looked up: ``/apis`` is the big one (hundreds of
kilobytes to decode on a cluster with many CRDs), and a cluster that is only ever sent core
kinds (ConfigMaps, Secrets, Namespaces) never needs it. With a thousand registered clusters
that saves a thousand such documents at start.

The resource types are interned: a thousand clusters of the same Kubernetes version serve the
same few hundred types, and each cluster's tables then point at one shared copy of each
instead of holding their own (about 150 KiB per cluster otherwise).

Parsing is pure (``parse_aggregated``, ``parse_resource_list``) and tested without a server.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from navarch.kube.errors import UnknownKind
from navarch.kube.resource import ResourceType, split_api_version

AGGREGATED_ACCEPT = (
    "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json"
)

GetJSON = Callable[[str, str], Awaitable[dict[str, Any]]]


_INTERNED: dict[ResourceType, ResourceType] = {}


def _interned(rt: ResourceType) -> ResourceType:
    return _INTERNED.setdefault(rt, rt)


def root_of(group: str) -> str:
    """The discovery root that describes ``group``: /api for the core group, else /apis."""
    return "/apis" if group else "/api"


def parse_aggregated(doc: dict[str, Any]) -> list[ResourceType] | None:
    """Resource types from an APIGroupDiscoveryList, or None if ``doc`` is not one."""
    if doc.get("kind") != "APIGroupDiscoveryList":
        return None
    found: list[ResourceType] = []
    for group_doc in doc.get("items") or []:
        group = (group_doc.get("metadata") or {}).get("name", "") or ""
        for version_doc in group_doc.get("versions") or []:
            version = version_doc.get("version", "")
            for res in version_doc.get("resources") or []:
                kind = (res.get("responseKind") or {}).get("kind")
                plural = res.get("resource")
                if not kind or not plural:
                    continue
                found.append(
                    _interned(
                        ResourceType(
                            group=group,
                            version=version,
                            kind=kind,
                            plural=plural,
                            namespaced=res.get("scope") == "Namespaced",
                            verbs=frozenset(res.get("verbs") or ()),
                            subresources=frozenset(
                                s.get("subresource", "") for s in res.get("subresources") or ()
                            ),
                        )
                    )
                )
    return found


def parse_resource_list(doc: dict[str, Any]) -> list[ResourceType]:
    """Resource types from a legacy APIResourceList (one group version)."""
    group, version = split_api_version(doc.get("groupVersion", ""))
    entries = doc.get("resources") or []
    subresources: dict[str, set[str]] = {}
    for res in entries:
        name = res.get("name", "")
        if "/" in name:
            parent, sub = name.split("/", 1)
            subresources.setdefault(parent, set()).add(sub)
    return [
        _interned(
            ResourceType(
                group=group,
                version=version,
                kind=res["kind"],
                plural=res["name"],
                namespaced=bool(res.get("namespaced")),
                verbs=frozenset(res.get("verbs") or ()),
                subresources=frozenset(subresources.get(res["name"], ())),
            )
        )
        for res in entries
        if "/" not in res.get("name", "/") and res.get("kind")
    ]


class Discovery:
    """The resource types one cluster serves, each root fetched on first need and again when a
    lookup misses."""

    def __init__(
        self, cluster: str, get_json: GetJSON, *, min_refresh_interval: float = 1.0
    ) -> None:
        self._cluster = cluster
        self._get_json = get_json
        self._min_interval = min_refresh_interval
        self._by_kind: dict[tuple[str, str, str], ResourceType] = {}
        self._by_plural: dict[tuple[str, str, str], ResourceType] = {}
        self._types: dict[str, list[ResourceType]] = {}  # by root
        self._loaded_at: dict[str, float] = {}
        self._refreshing: dict[str, asyncio.Task[None]] = {}

    async def resource_for(self, api_version: str, kind: str) -> ResourceType:
        """The resource type of ``kind`` in ``api_version``; raises UnknownKind if not served."""
        return await self._lookup(
            lambda: self._by_kind,
            (*split_api_version(api_version), kind),
            f"the server has no resource for kind {kind} in {api_version} "
            "(is its CRD installed, or is the apiVersion misspelt?)",
        )

    async def resource_for_plural(self, api_version: str, plural: str) -> ResourceType:
        """The resource type served as ``plural`` in ``api_version`` (e.g. ``deployments``)."""
        return await self._lookup(
            lambda: self._by_plural,
            (*split_api_version(api_version), plural),
            f"the server has no resource {plural} in {api_version}",
        )

    async def _lookup(
        self,
        index: Callable[[], dict[tuple[str, str, str], ResourceType]],
        key: tuple[str, str, str],
        missing: str,
    ) -> ResourceType:
        found = index().get(key)
        if found is None:
            await self._refresh_after_miss(root_of(key[0]))
            found = index().get(key)
        if found is None:
            raise UnknownKind(missing, cluster=self._cluster, operation="discovery", code=404)
        return found

    def cached(self) -> list[ResourceType]:
        return list(self._by_kind.values())

    def invalidate(self) -> None:
        self._loaded_at.clear()

    async def refresh(self, roots: Iterable[str] = ("/api", "/apis")) -> None:
        """Fetch what the server serves now under ``roots``; concurrent callers share a fetch."""
        tasks = []
        for root in roots:
            task = self._refreshing.get(root)
            if task is None or task.done():
                task = self._refreshing[root] = asyncio.ensure_future(self._fetch(root))
            tasks.append(task)
        await asyncio.shield(asyncio.gather(*tasks))

    async def _refresh_after_miss(self, root: str) -> None:
        task = self._refreshing.get(root)
        if task is not None and not task.done():
            await asyncio.shield(task)
            return
        loaded_at = self._loaded_at.get(root)
        if loaded_at is not None:
            wait = loaded_at + self._min_interval - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
        await self.refresh((root,))

    async def _fetch(self, root: str) -> None:
        doc = await self._get_json(root, AGGREGATED_ACCEPT)
        parsed = parse_aggregated(doc)
        if parsed is None:
            parsed = await self._fetch_legacy(root, doc)
        self._types[root] = parsed
        self._store([t for types in self._types.values() for t in types])
        self._loaded_at[root] = time.monotonic()

    async def _fetch_legacy(self, root: str, doc: dict[str, Any]) -> list[ResourceType]:
        if root == "/api":
            paths = [f"/api/{v}" for v in doc.get("versions") or []]
        else:
            paths = [
                f"/apis/{gv['groupVersion']}"
                for group in doc.get("groups") or []
                for gv in group.get("versions") or []
            ]
        docs = await asyncio.gather(*(self._get_json(p, "application/json") for p in paths))
        return [t for d in docs for t in parse_resource_list(d)]

    def _store(self, types: Iterable[ResourceType]) -> None:
        by_kind: dict[tuple[str, str, str], ResourceType] = {}
        by_plural: dict[tuple[str, str, str], ResourceType] = {}
        for t in types:
            by_kind.setdefault((t.group, t.version, t.kind), t)
            by_plural[(t.group, t.version, t.plural)] = t
        self._by_kind, self._by_plural = by_kind, by_plural
