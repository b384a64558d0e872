"""Where the ResourceSummary of a ClusterSummary lives, and the manager's cache of it.

Drift detection keeps one ResourceSummary per ClusterSummary. Where it lives follows where the
cluster's drift agent runs: the SveltosCluster's annotation ``drift.navarch.io/agent``, else the
manager's ``--drift-agent`` default.

- ``manager`` (Sveltos's mode 2; Navarch's default) and ``external`` (a ``navarch agent
  --cluster-namespace/--cluster-name`` process beside the manager): in the management cluster,
  in the cluster's namespace, named after the ClusterSummary, cached by the manager's informer.
- ``managed-cluster`` (Sveltos's mode 1): in the managed cluster, namespace ``projectsveltos``,
  named ``<ClusterSummary namespace>--<name>``, where the agent Deployment reads it. Before the
  first one is written, the manager installs the agent there (``install_agent``, once per
  connection), and it caches those ResourceSummaries with one informer per such cluster over
  the cluster's connection, replaced when the connection is.

The controller awaits ``ready`` before it reads or writes a cluster's ResourceSummaries: a
mode-1 cluster whose informer has not listed yet is not ready (the caller retries), so a cache
not yet filled is never taken for "there is no ResourceSummary", which would deploy everything
again.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from navarch import log
from navarch.api import names
from navarch.controllers.connections import ClusterConnections, ClusterKey, Connection
from navarch.engines.drift import SummaryKey
from navarch.kube import Client, KubeObject
from navarch.runtime import EventHandler, Informer

_log = log.get_logger(__name__)

MANAGER, EXTERNAL, MANAGED_CLUSTER = "manager", "external", "managed-cluster"
LOCATIONS = (MANAGER, EXTERNAL, MANAGED_CLUSTER)
SYNC_TIMEOUT = 10.0  # seconds to wait for a managed cluster's ResourceSummaries to be listed
SWEEP = 5.0  # seconds between looks for caches whose cluster changed mode or connection

InstallAgent = Callable[[Client], Awaitable[None]]


@dataclass(frozen=True)
class Home:
    """Where one ResourceSummary is written: a cluster's client, a namespace and a name."""

    client: Client
    namespace: str
    name: str


@dataclass
class _Remote:
    client: Client
    informer: Informer


class ResourceSummaryHomes:
    """See the module docstring."""

    def __init__(
        self,
        mgmt: Client,
        resource_summaries: Informer,
        clusters: Informer,
        connections: ClusterConnections,
        *,
        default_location: str = MANAGER,
        install_agent: InstallAgent | None = None,
    ) -> None:
        if default_location not in LOCATIONS:
            raise ValueError(f"drift agent location must be one of {', '.join(LOCATIONS)}")
        self.mgmt = mgmt
        self.resource_summaries = resource_summaries
        self.clusters = clusters
        self.connections = connections
        self.default_location = default_location
        self.install_agent = install_agent
        self._handlers: list[EventHandler] = []
        self._remotes: dict[ClusterKey, _Remote] = {}
        self._locks: dict[ClusterKey, asyncio.Lock] = {}
        self._warned: set[tuple[ClusterKey, str]] = set()

    def add_handler(self, handler: EventHandler) -> None:
        """``handler`` sees the ResourceSummaries of every location."""
        self._handlers.append(handler)
        self.resource_summaries.add_handler(handler)
        for remote in self._remotes.values():
            remote.informer.add_handler(handler)

    def location(self, cluster: ClusterKey) -> str:
        registered = self.clusters.store.get(f"{cluster[0]}/{cluster[1]}") or {}
        annotations = (registered.get("metadata") or {}).get("annotations") or {}
        value = annotations.get(names.DRIFT_AGENT_ANNOTATION)
        if value is None:
            return self.default_location
        if value not in LOCATIONS:
            if (cluster, value) not in self._warned:
                self._warned.add((cluster, value))
                _log.warning(
                    f"unknown {names.DRIFT_AGENT_ANNOTATION} value; using the default",
                    cluster=f"{cluster[0]}/{cluster[1]}",
                    value=value,
                    expected=", ".join(LOCATIONS),
                    default=self.default_location,
                )
            return self.default_location
        return str(value)

    def home(self, key: SummaryKey, cluster: ClusterKey) -> Home | None:
        """Where ``key``'s ResourceSummary is written (None: a mode-1 cluster not ready)."""
        if self.location(cluster) != MANAGED_CLUSTER:
            return Home(self.mgmt, key[0], key[1])
        remote = self._remotes.get(cluster)
        if remote is None:
            return None
        return Home(
            remote.client,
            names.PROJECTSVELTOS_NAMESPACE,
            names.managed_resource_summary_name(key[0], key[1]),
        )

    def get(self, key: SummaryKey, cluster: ClusterKey) -> KubeObject | None:
        """``key``'s ResourceSummary as last seen where it lives."""
        home = self.home(key, cluster)
        if home is None:
            return None
        if home.client is self.mgmt:
            return self.resource_summaries.store.get(f"{key[0]}/{key[1]}")
        return self._remotes[cluster].informer.store.get(f"{home.namespace}/{home.name}")

    def left_behind(self, key: SummaryKey, cluster: ClusterKey) -> Home | None:
        """A ResourceSummary of ``key`` in the management cluster while the cluster's agent
        now runs in the managed cluster (its annotation changed): to be removed."""
        if self.location(cluster) != MANAGED_CLUSTER:
            return None
        found = self.resource_summaries.store.get(f"{key[0]}/{key[1]}")
        return Home(self.mgmt, key[0], key[1]) if found is not None else None

    async def ready(self, cluster: ClusterKey, connection: Connection) -> bool:
        """Whether ``cluster``'s ResourceSummaries can be read and written now; for a mode-1
        cluster, installs the agent and starts the cache first. Raises KubeError when the
        agent cannot be installed."""
        if self.location(cluster) != MANAGED_CLUSTER:
            return True
        async with self._locks.setdefault(cluster, asyncio.Lock()):
            remote = self._remotes.get(cluster)
            if remote is not None and remote.client is not connection.client:
                self._stop(cluster)
                remote = None
            if remote is None:
                if self.install_agent is not None:
                    await self.install_agent(connection.client)
                    _log.info("drift agent installed", cluster=f"{cluster[0]}/{cluster[1]}")
                informer = Informer(
                    connection.client,
                    names.LIB_API_VERSION,
                    names.RESOURCE_SUMMARY_KIND,
                    namespace=names.PROJECTSVELTOS_NAMESPACE,
                    max_backoff=2.0,
                )
                for handler in self._handlers:
                    informer.add_handler(handler)
                informer.start()
                remote = self._remotes[cluster] = _Remote(connection.client, informer)
        try:
            await asyncio.wait_for(remote.informer.wait_synced(), SYNC_TIMEOUT)
        except TimeoutError:
            return False
        return True

    def _stop(self, cluster: ClusterKey) -> None:
        remote = self._remotes.pop(cluster, None)
        if remote is not None:
            remote.informer.cancel()

    async def run(self) -> None:
        """Drop the caches of clusters no longer in mode 1 or whose connection changed."""
        try:
            while True:
                await asyncio.sleep(SWEEP)
                for cluster, remote in list(self._remotes.items()):
                    connection = self.connections.get(cluster)
                    if (
                        connection is None
                        or connection.client is not remote.client
                        or self.location(cluster) != MANAGED_CLUSTER
                    ):
                        self._stop(cluster)
        finally:
            for cluster in list(self._remotes):
                with contextlib.suppress(Exception):
                    self._stop(cluster)
