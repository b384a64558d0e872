"""The drift agent inside the managed cluster (Sveltos's mode 1): `navarch agent --managed-cluster`.

Everything the agent needs is in its own cluster: the manager publishes one ResourceSummary per
ClusterSummary in namespace ``projectsveltos``, named ``<clusterSummaryNamespace>--<name>``
(``resource_summary_name``), and the agent reports drift by setting ``status.resourcesChanged``
on it, in the same cluster, with the service account ``agent_manifests`` creates. The manager
watches those ResourceSummaries through its connection to the cluster and repairs.

It is the same ``DriftAgent`` as in the other modes; only where the ResourceSummaries are read
and written differs. The agent does not know the cluster's name in the management cluster and
does not need it: the ClusterSummary a ResourceSummary belongs to is in its annotations.
If the ResourceSummary CRD is not served yet (the agent started before the manager installed
it), the informer lists again with backoff until it is.
"""

from __future__ import annotations

from navarch import log
from navarch.agent.drift import DriftAgent, follow, resource_summary_reporter
from navarch.agent.manifests import AGENT_NAMESPACE
from navarch.api import names
from navarch.engines.drift import SummaryKey
from navarch.kube import Client
from navarch.runtime import Informer

_log = log.get_logger(__name__)

__all__ = ["AGENT_NAMESPACE", "locate", "resource_summary_name", "run_in_cluster_agent"]


def resource_summary_name(key: SummaryKey) -> str:
    """The ResourceSummary of ClusterSummary ``key`` (namespace, name) in the managed cluster."""
    return names.managed_resource_summary_name(key[0], key[1])


def locate(key: SummaryKey) -> tuple[str, str]:
    """(namespace, name) of ClusterSummary ``key``'s ResourceSummary in the managed cluster."""
    return AGENT_NAMESPACE, resource_summary_name(key)


async def run_in_cluster_agent(client: Client, *, cluster: str | None = None) -> None:
    """Watch the ResourceSummaries of ``client``'s cluster and report drift there, until
    cancelled. ``cluster`` names the cluster in logs (default: the client's name)."""
    label = cluster or client.name
    agent = DriftAgent(label, client, report=resource_summary_reporter(client, locate))
    resource_summaries = Informer(
        client, names.LIB_API_VERSION, names.RESOURCE_SUMMARY_KIND, namespace=AGENT_NAMESPACE
    )
    follow(agent, resource_summaries)
    _log.info("drift agent started", cluster=label, namespace=AGENT_NAMESPACE)
    try:
        await resource_summaries.run()
    finally:
        await agent.close()
        _log.info("drift agent stopped", cluster=label)
