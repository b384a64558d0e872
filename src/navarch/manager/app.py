"""`navarch manager`: every management-side controller in one asyncio process.

Start-up, in order:

1. Check that the management cluster answers and serves Navarch's CRDs (else: one line saying
   to run ``navarch install``).
2. Contend for the Lease ``projectsveltos/navarch-manager``; only the leader runs controllers,
   so a second replica is a warm standby. On SIGTERM or SIGINT the leader stops its
   controllers and releases the Lease, and a standby takes over at once.
3. As leader: register the management cluster itself as SveltosCluster ``mgmt/mgmt`` (with the
   credentials the manager runs with), start the shared informers (SveltosClusters, Secrets,
   ClusterSets, Sets), then the controllers.

Every controller shares one connection pool (``ClusterConnections``) to the managed clusters.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import os
import resource
import shutil
import signal
import socket
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import yaml

from navarch import log
from navarch.admin.install import require_crds
from navarch.agent.manifests import DEFAULT_AGENT_IMAGE
from navarch.api import names
from navarch.controllers.clusterset import SetReconciler
from navarch.controllers.clustersummary import ClusterSummaryReconciler
from navarch.controllers.connections import ClusterConnections
from navarch.controllers.drift import DRIFTS
from navarch.controllers.helm import HelmFeature
from navarch.controllers.profile import ProfileReconciler
from navarch.controllers.resourcesummaries import MANAGER, ResourceSummaryHomes
from navarch.controllers.sveltoscluster import SveltosClusterReconciler
from navarch.engines.drift import Baselines
from navarch.engines.helm import Helm
from navarch.engines.kustomize import Kustomize
from navarch.engines.lua import LuaRunner
from navarch.engines.patches import Patcher
from navarch.kube import Client, ClusterConfig
from navarch.manager import metrics
from navarch.manager.agents import InProcessAgents, agent_installer
from navarch.runtime import Informer, LeaderElector, LeadershipLost
from navarch.toolchain import MissingBinaryError, binary_path

LEASE_NAME = "navarch-manager"

Reconciler = (
    SveltosClusterReconciler
    | SetReconciler
    | ProfileReconciler
    | ClusterSummaryReconciler
    | InProcessAgents
)

_log = log.get_logger(__name__)


@dataclass
class ManagerOptions:
    probe_interval: float = 60.0
    leader_elect: bool = True
    # client-go's defaults; a renewal that cannot finish within renew_deadline stops leading
    lease_duration: float = 15.0
    renew_deadline: float = 10.0
    retry_period: float = 2.0
    register_management: bool = True
    workers: int = 10  # parallel probes of SveltosClusters
    # ClusterSummaries deployed in parallel: Sveltos deploys with a pool of 20 workers
    # (--worker-number); 20 converged faster than 10 at N=300 in bench/scale.py
    concurrent_reconciles: int = 20
    # the management cluster's client (informers, status writes): Sveltos's --kube-api-qps/burst
    kube_api_qps: float = 100.0
    kube_api_burst: int = 200
    # host:port of the Prometheus endpoint (served while leading); "" = off
    metrics_bind_address: str = ""
    # where drift agents run unless a SveltosCluster's drift.navarch.io/agent says otherwise:
    # manager (Sveltos's mode 2), external, or managed-cluster (mode 1, image agent_image)
    drift_agent: str = MANAGER
    agent_image: str = DEFAULT_AGENT_IMAGE
    # --lua-methods: name of a ConfigMap in projectsveltos with Lua code run before every script
    lua_methods: str = ""


async def register_management_cluster(mgmt: Client, config: ClusterConfig) -> None:
    """Apply SveltosCluster mgmt/mgmt and its kubeconfig Secret (idempotent)."""
    namespace, name = names.MANAGEMENT_CLUSTER_NAMESPACE, names.MANAGEMENT_CLUSTER_NAME
    text = yaml.safe_dump(config.to_kubeconfig(context=name), sort_keys=False)
    await mgmt.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}})
    await mgmt.apply(
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "type": "Opaque",
            "metadata": {"name": names.kubeconfig_secret_name(name), "namespace": namespace},
            "data": {names.KUBECONFIG_KEY: base64.b64encode(text.encode()).decode()},
        },
        force=True,
    )
    await mgmt.apply(
        {
            "apiVersion": names.LIB_API_VERSION,
            "kind": names.SVELTOS_CLUSTER_KIND,
            "metadata": {"name": name, "namespace": namespace},
            "spec": {"kubeconfigKeyName": names.KUBECONFIG_KEY},
        },
        force=True,
    )


async def run_controllers(mgmt: Client, config: ClusterConfig, options: ManagerOptions) -> None:
    if options.register_management:
        await register_management_cluster(mgmt, config)
    clusters = Informer(mgmt, names.LIB_API_VERSION, names.SVELTOS_CLUSTER_KIND)
    secrets = Informer(mgmt, "v1", "Secret")
    configmaps = Informer(mgmt, "v1", "ConfigMap")
    cluster_sets = Informer(mgmt, names.LIB_API_VERSION, "ClusterSet")
    sets = Informer(mgmt, names.LIB_API_VERSION, "Set")
    cluster_profiles = Informer(mgmt, names.CONFIG_API_VERSION, names.CLUSTER_PROFILE_KIND)
    profiles = Informer(mgmt, names.CONFIG_API_VERSION, names.PROFILE_KIND)
    summaries = Informer(mgmt, names.CONFIG_API_VERSION, names.CLUSTER_SUMMARY_KIND)
    resource_summaries = Informer(mgmt, names.LIB_API_VERSION, names.RESOURCE_SUMMARY_KIND)
    configurations = Informer(mgmt, names.CONFIG_API_VERSION, names.CLUSTER_CONFIGURATION_KIND)
    connections = ClusterConnections()
    baselines = Baselines()
    homes = ResourceSummaryHomes(
        mgmt,
        resource_summaries,
        clusters,
        connections,
        default_location=options.drift_agent,
        install_agent=agent_installer(options.agent_image),
    )
    agents = InProcessAgents(
        mgmt, resource_summaries, clusters, connections, baselines, homes.location
    )
    helm_home = Path(tempfile.mkdtemp(prefix="navarch-helm-"))
    kubectl: Path | None = None
    try:
        kubectl = binary_path("kubectl")
    except MissingBinaryError as exc:
        _log.warning("kustomizationRefs and patches cannot be used", error=str(exc))
    try:
        helm: HelmFeature | None = HelmFeature(Helm(binary_path("helm"), helm_home, kubectl))
    except MissingBinaryError as exc:
        _log.warning("helm charts cannot be deployed", error=str(exc))
        helm = None
    kustomize = Kustomize(kubectl, helm_home) if kubectl is not None else None
    patcher = Patcher(kubectl, helm_home) if kubectl is not None else None
    lua = LuaRunner()  # its workers start on the first Lua policyRef
    reconcilers: list[Reconciler] = [
        SveltosClusterReconciler(
            mgmt,
            clusters,
            secrets,
            connections,
            probe_interval=options.probe_interval,
            workers=options.workers,
            configurations=configurations,
        ),
        SetReconciler(mgmt, cluster_sets, clusters, kind="ClusterSet"),
        SetReconciler(mgmt, sets, clusters, kind="Set"),
        ProfileReconciler(
            mgmt,
            kind=names.CLUSTER_PROFILE_KIND,
            profiles=cluster_profiles,
            clusters=clusters,
            sets=cluster_sets,
            summaries=summaries,
        ),
        ProfileReconciler(
            mgmt,
            kind=names.PROFILE_KIND,
            profiles=profiles,
            clusters=clusters,
            sets=sets,
            summaries=summaries,
        ),
        ClusterSummaryReconciler(
            mgmt,
            summaries=summaries,
            clusters=clusters,
            configmaps=configmaps,
            secrets=secrets,
            connections=connections,
            workers=options.concurrent_reconciles,
            homes=homes,
            baselines=baselines,
            helm=helm,
            kustomize=kustomize,
            patcher=patcher,
            lua=lua,
            lua_methods=options.lua_methods,
            configurations=configurations,
        ),
        agents,
    ]
    informers = [
        clusters,
        secrets,
        configmaps,
        cluster_sets,
        sets,
        cluster_profiles,
        profiles,
        summaries,
        resource_summaries,
        configurations,
    ]
    try:
        async with asyncio.TaskGroup() as group:
            for informer in informers:
                group.create_task(informer.run(), name=repr(informer))
            for reconciler in reconcilers:
                group.create_task(reconciler.run())
            group.create_task(homes.run())
            if options.metrics_bind_address:
                group.create_task(
                    metrics.serve(options.metrics_bind_address, lambda: _metrics(reconcilers))
                )
    finally:
        await connections.close_all()
        await lua.close()
        shutil.rmtree(helm_home, ignore_errors=True)


def _metrics(reconcilers: list[Reconciler]) -> str:
    samples: list[metrics.Sample] = []
    for cluster, count in sorted(DRIFTS.items()):
        namespace, _, name = cluster.partition("/")
        samples.append(
            (
                "projectsveltos_total_drifts",
                {"cluster_namespace": namespace, "cluster_name": name},
                count,
            )
        )
    controllers = [r.controller for r in reconcilers if not isinstance(r, InProcessAgents)]
    for c in controllers:
        samples.append(("navarch_reconcile_total", {"controller": c.name}, c.reconciles))
    for c in controllers:
        samples.append(("navarch_reconcile_errors_total", {"controller": c.name}, c.failures))
    return metrics.exposition(
        samples,
        {
            "projectsveltos_total_drifts": "Drifted objects repaired, per cluster.",
            "navarch_reconcile_total": "Reconciles run, per controller.",
            "navarch_reconcile_errors_total": "Reconciles that raised, per controller.",
        },
    )


def raise_open_files_limit() -> None:
    """Lift the soft limit on open files to the hard one: a thousand clusters with a few
    connections each exceed the usual soft limit of 1,024 while a profile rolls out."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or hard > soft:
        wanted = 1 << 20 if hard == resource.RLIM_INFINITY else hard
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
        except (ValueError, OSError) as exc:
            _log.warning("cannot raise the open-files limit", soft=soft, hard=hard, error=str(exc))


async def run_manager(config: ClusterConfig, options: ManagerOptions) -> None:
    """Run until SIGTERM/SIGINT; return after a clean shutdown (Lease released)."""
    raise_open_files_limit()
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stopping.set)
    async with Client(config, qps=options.kube_api_qps, burst=options.kube_api_burst) as mgmt:
        await require_crds(mgmt)
        identity = f"{socket.gethostname()}-{os.getpid()}"

        async def lead() -> None:
            await run_controllers(mgmt, config, options)

        _log.info(
            "manager starting",
            identity=identity,
            leader_elect=options.leader_elect,
            probe_interval=options.probe_interval,
        )
        if options.leader_elect:
            # its own connection and rate limit: a burst of controller writes never delays
            # a renewal of the Lease
            async with Client(config, qps=5, burst=10, timeout=options.renew_deadline) as lease:
                elector = LeaderElector(
                    lease,
                    namespace=names.PROJECTSVELTOS_NAMESPACE,
                    name=LEASE_NAME,
                    identity=identity,
                    lease_duration=options.lease_duration,
                    renew_deadline=options.renew_deadline,
                    retry_period=options.retry_period,
                )
                await _until(stopping, lambda: _lead_while_elected(elector, lead))
        else:
            await _until(stopping, lead)
    _log.info("manager stopped", identity=identity)


async def _lead_while_elected(elector: LeaderElector, lead: Callable[[], Awaitable[None]]) -> None:
    """Lead while holding the Lease; after losing it, stand by and contend again.

    The controllers are level-triggered and start from a fresh list, so starting them again
    after a lost Lease is safe; exiting instead would leave a CLI-run manager dead.
    """
    while True:
        try:
            await elector.run(lead)
            return
        except LeadershipLost:
            _log.error(
                "leadership lost; controllers stopped; contending again", identity=elector.identity
            )


async def until_signalled(work: Awaitable[None]) -> None:
    """Run ``work`` until it ends or SIGTERM/SIGINT arrives (then cancel it and wait)."""
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stopping.set)

    async def run() -> None:
        await work

    await _until(stopping, run)


async def _until(stopping: asyncio.Event, work: Callable[[], Awaitable[None]]) -> None:
    """Run ``work`` until it ends or ``stopping`` is set (then cancel it and wait)."""
    task = asyncio.ensure_future(work())
    stop = asyncio.ensure_future(stopping.wait())
    try:
        await asyncio.wait({task, stop}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stop.cancel()
        if not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        else:
            task.result()  # re-raise what the work failed with
