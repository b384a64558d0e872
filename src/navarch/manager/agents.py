"""Drift agents inside the manager (Sveltos's mode 2): one per managed cluster, as tasks.

The ResourceSummaries live in the management cluster (the cluster's namespace, the
ClusterSummary's name); this supervisor routes each to the agent of its cluster, creating the
agent when a cluster gets its first ResourceSummary and closing it when the last one goes. An
agent uses the manager's connection to its cluster; when that connection is replaced (a renewed
token, a re-registration) the agent is started again on the new one. Connections appear and
change on their own schedule, so a sweep every ``SWEEP`` seconds (in memory, no API calls)
catches what no ResourceSummary event announced.

Agents report by setting ``status.resourcesChanged`` on the ResourceSummary; they share
``Baselines`` with the ClusterSummary controller, so the manager's own writes are never
reported.
"""

from __future__ import annotations

import asyncio
import contextlib

from navarch import log
from navarch.agent.drift import DriftAgent, summary_key_of
from navarch.api import names
from navarch.controllers.connections import ClusterConnections, ClusterKey
from navarch.engines.drift import Baselines, SummaryKey
from navarch.kube import Client, KubeObject, NotFound
from navarch.runtime import FuncHandler, Informer

_log = log.get_logger(__name__)

SWEEP = 2.0
AGENT_FIELD_MANAGER = "navarch-agent"


def cluster_of(resource_summary: KubeObject) -> ClusterKey | None:
    meta = resource_summary.get("metadata") or {}
    name = (meta.get("labels") or {}).get(names.CLUSTER_NAME_LABEL)
    return (str(meta.get("namespace")), str(name)) if name else None


class InProcessAgents:
    def __init__(
        self,
        mgmt: Client,
        resource_summaries: Informer,
        connections: ClusterConnections,
        baselines: Baselines,
    ) -> None:
        self.mgmt = mgmt
        self.connections = connections
        self.baselines = baselines
        self.resource_summaries = resource_summaries
        self._summaries: dict[ClusterKey, dict[SummaryKey, KubeObject]] = {}
        self._agents: dict[ClusterKey, DriftAgent] = {}
        resource_summaries.add_handler(
            FuncHandler(add=self._upsert, update=lambda _o, n: self._upsert(n), delete=self._gone)
        )

    @property
    def agents(self) -> dict[ClusterKey, DriftAgent]:
        return dict(self._agents)

    def _upsert(self, resource_summary: KubeObject) -> None:
        cluster, key = cluster_of(resource_summary), summary_key_of(resource_summary)
        if cluster is None or key is None:
            return
        self._summaries.setdefault(cluster, {})[key] = resource_summary
        agent = self._agent(cluster)
        if agent is not None:
            agent.set_summary(key, resource_summary)

    def _gone(self, resource_summary: KubeObject) -> None:
        cluster, key = cluster_of(resource_summary), summary_key_of(resource_summary)
        if cluster is None or key is None:
            return
        summaries = self._summaries.get(cluster, {})
        summaries.pop(key, None)
        agent = self._agents.get(cluster)
        if agent is not None:
            agent.drop_summary(key)
        if not summaries:
            self._summaries.pop(cluster, None)
            self._close(cluster)

    def _agent(self, cluster: ClusterKey) -> DriftAgent | None:
        """The running agent of ``cluster``, (re)started on its current connection."""
        connection = self.connections.get(cluster)
        agent = self._agents.get(cluster)
        if connection is None:
            if agent is not None:
                self._close(cluster)
            return None
        if agent is not None and agent.remote is connection.client:
            return agent
        if agent is not None:
            self._close(cluster)
        agent = DriftAgent(
            f"{cluster[0]}/{cluster[1]}", connection.client, self._report, self.baselines
        )
        self._agents[cluster] = agent
        for key, resource_summary in self._summaries.get(cluster, {}).items():
            agent.set_summary(key, resource_summary)
        _log.info("drift agent started", cluster=agent.cluster)
        return agent

    def _close(self, cluster: ClusterKey) -> None:
        agent = self._agents.pop(cluster, None)
        if agent is not None:
            asyncio.get_running_loop().create_task(agent.close())
            _log.info("drift agent stopped", cluster=agent.cluster)

    async def _report(self, key: SummaryKey, drifted: list[str]) -> None:
        with contextlib.suppress(NotFound):  # the ResourceSummary is gone: nothing to repair
            await self.mgmt.patch(
                names.LIB_API_VERSION,
                names.RESOURCE_SUMMARY_KIND,
                key[1],
                {"status": {"resourcesChanged": True}},
                namespace=key[0],
                subresource="status",
                field_manager=AGENT_FIELD_MANAGER,
            )

    async def run(self) -> None:
        await self.resource_summaries.wait_synced()
        try:
            while True:
                for cluster in list(self._summaries):
                    self._agent(cluster)
                await asyncio.sleep(SWEEP)
        finally:
            for agent in list(self._agents.values()):
                await agent.close()
            self._agents.clear()
