"""Drift agents inside the manager (Sveltos's mode 2): one per managed cluster, as tasks.

The ResourceSummaries live in the management cluster (the cluster's namespace, the
ClusterSummary's name); this supervisor routes each to the agent of its cluster, creating the
agent when a cluster gets its first ResourceSummary and closing it when the last one goes. An
agent uses the manager's connection to its cluster; when that connection is replaced (a renewed
token, a re-registration) the agent is started again on the new one. Connections appear and
change on their own schedule, so a sweep every ``SWEEP`` seconds (in memory, no API calls)
catches what no ResourceSummary event announced.

Agents share ``Baselines`` with the ClusterSummary controller: they report drift through it
(no API round trip) and never judge objects the manager is writing. A cluster whose
cluster whose agent runs elsewhere (``ResourceSummaryHomes.location``: the SveltosCluster's
``drift.navarch.io/agent`` annotation, else the manager's ``--drift-agent``) gets no agent here:
with ``external`` a ``navarch agent`` process of its own watches it and reports through the
ResourceSummary; with ``managed-cluster`` the agent Deployment that ``agent_installer`` puts in
the managed cluster does (Sveltos's mode 1).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from navarch import log
from navarch.admin.install import InstallError, wait_established
from navarch.agent.drift import DriftAgent, follow, resource_summary_reporter, summary_key_of
from navarch.agent.manifests import agent_manifests
from navarch.api import names
from navarch.api.sveltoscluster import SveltosClusterSpec
from navarch.controllers.connections import ClusterConnections, ClusterKey
from navarch.controllers.resourcesummaries import MANAGER, InstallAgent
from navarch.controllers.sveltoscluster import ProbeFailure, kubeconfig_from_secret, secret_name_of
from navarch.engines.drift import Baselines, SummaryKey
from navarch.kube import (
    Client,
    KubeconfigError,
    KubeError,
    KubeObject,
    NotFound,
    parse_kubeconfig,
)
from navarch.runtime import FuncHandler, Informer

_log = log.get_logger(__name__)

SWEEP = 2.0


def cluster_of(resource_summary: KubeObject) -> ClusterKey | None:
    meta = resource_summary.get("metadata") or {}
    name = (meta.get("labels") or {}).get(names.CLUSTER_NAME_LABEL)
    return (str(meta.get("namespace")), str(name)) if name else None


class InProcessAgents:
    def __init__(
        self,
        mgmt: Client,
        resource_summaries: Informer,
        clusters: Informer,
        connections: ClusterConnections,
        baselines: Baselines,
        location: Callable[[ClusterKey], str] | None = None,
    ) -> None:
        self.mgmt = mgmt
        # where each cluster's agent runs (ResourceSummaryHomes.location): only "manager" here
        self.location = location or self._annotated_location
        self.clusters = clusters
        self.connections = connections
        self.baselines = baselines
        self.resource_summaries = resource_summaries
        self._summaries: dict[ClusterKey, dict[SummaryKey, KubeObject]] = {}
        self._agents: dict[ClusterKey, DriftAgent] = {}
        self._closing: set[asyncio.Task[None]] = set()  # referenced until done
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
        if connection is None or self.location(cluster) != MANAGER:
            if agent is not None:
                self._close(cluster)
            return None
        if agent is not None and agent.remote is connection.client:
            return agent
        if agent is not None:
            self._close(cluster)
        agent = DriftAgent(
            f"{cluster[0]}/{cluster[1]}", connection.client, baselines=self.baselines
        )
        self._agents[cluster] = agent
        for key, resource_summary in self._summaries.get(cluster, {}).items():
            agent.set_summary(key, resource_summary)
        _log.info("drift agent started", cluster=agent.cluster)
        return agent

    def _annotated_location(self, cluster: ClusterKey) -> str:
        registered = self.clusters.store.get(f"{cluster[0]}/{cluster[1]}") or {}
        annotations = (registered.get("metadata") or {}).get("annotations") or {}
        return str(annotations.get(names.DRIFT_AGENT_ANNOTATION) or MANAGER)

    def _close(self, cluster: ClusterKey) -> None:
        agent = self._agents.pop(cluster, None)
        if agent is not None:
            closing = asyncio.get_running_loop().create_task(agent.close())
            self._closing.add(closing)
            closing.add_done_callback(self._closing.discard)
            _log.info("drift agent stopped", cluster=agent.cluster)

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


AGENT_INSTALL_FIELD_MANAGER = "navarch-agent-install"


def agent_installer(image: str) -> InstallAgent:
    """Installs the drift agent in a managed cluster (Sveltos's mode 1; see
    ``navarch.agent.manifests``): server-side apply of every object in order, waiting for the
    ResourceSummary CRD to be served before the objects after it."""

    async def install(client: Client) -> None:
        for obj in agent_manifests(image):
            await client.apply(obj, force=True, field_manager=AGENT_INSTALL_FIELD_MANAGER)
            if obj["kind"] == "CustomResourceDefinition":
                try:
                    await wait_established(client, obj["metadata"]["name"], 30.0)
                except InstallError as exc:
                    raise KubeError(str(exc), cluster=client.name) from None

    return install


class AgentSetupError(Exception):
    """The cluster an external agent should watch cannot be found or reached."""


async def run_external_agent(mgmt: Client, namespace: str, cluster: str) -> None:
    """`navarch agent`: one cluster's drift agent in its own process, until cancelled.

    It reads the cluster's kubeconfig as the manager does (the SveltosCluster's Secret), watches
    the ResourceSummaries of that cluster in the management cluster and reports drift by setting
    their ``status.resourcesChanged``. The SveltosCluster should carry the annotation
    ``drift.navarch.io/agent: external`` so the manager does not run an agent of its own too.
    A renewed kubeconfig is picked up by restarting the process.
    """
    where = f"SveltosCluster {namespace}/{cluster}"
    try:
        registered = await mgmt.get(
            names.LIB_API_VERSION, names.SVELTOS_CLUSTER_KIND, cluster, namespace
        )
    except NotFound:
        raise AgentSetupError(
            f"{where} does not exist; register it first (navarch register cluster)"
        ) from None
    spec = SveltosClusterSpec.parse(registered.get("spec") or {})
    secret_name = secret_name_of(cluster, spec)
    try:
        secret: KubeObject | None = await mgmt.get("v1", "Secret", secret_name, namespace)
    except NotFound:
        secret = None
    try:
        text, key = kubeconfig_from_secret(namespace, cluster, spec, secret)
        config = parse_kubeconfig(
            text, source=f"Secret {namespace}/{secret_name} key {key!r}"
        ).cluster_config(name=f"{namespace}/{cluster}")
    except (ProbeFailure, KubeconfigError) as exc:
        raise AgentSetupError(f"{where}: {exc}") from None
    annotations = (registered.get("metadata") or {}).get("annotations") or {}
    if annotations.get(names.DRIFT_AGENT_ANNOTATION) != "external":
        _log.warning(
            "the manager runs an agent for this cluster too; annotate the SveltosCluster "
            f"{names.DRIFT_AGENT_ANNOTATION}=external",
            cluster=f"{namespace}/{cluster}",
        )
    async with Client(config) as remote:
        agent = DriftAgent(
            f"{namespace}/{cluster}",
            remote,
            report=resource_summary_reporter(mgmt, lambda key: key),
        )
        resource_summaries = Informer(
            mgmt,
            names.LIB_API_VERSION,
            names.RESOURCE_SUMMARY_KIND,
            namespace=namespace,
            label_selector=f"{names.CLUSTER_NAME_LABEL}={cluster}",
        )
        follow(agent, resource_summaries)
        _log.info("drift agent started", cluster=f"{namespace}/{cluster}")
        try:
            await resource_summaries.run()
        finally:
            await agent.close()
            _log.info("drift agent stopped", cluster=f"{namespace}/{cluster}")
