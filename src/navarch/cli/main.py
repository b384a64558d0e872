"""The ``navarch`` command: entry point, global options, and the top-level commands.

The management cluster is found as kubectl finds it (``$KUBECONFIG`` or ``~/.kube/config``,
``--context`` to pick one); commands about the local fleet live under ``navarch local``.
"""

from __future__ import annotations

import asyncio
import os
import sys
from typing import Annotated

import click
import typer
import yaml

from navarch import __version__, log
from navarch.admin import install as crd_install
from navarch.admin.install import require_crds
from navarch.agent.managed import run_in_cluster_agent
from navarch.agent.manifests import DEFAULT_AGENT_IMAGE
from navarch.cli import clusters, errors, local, show
from navarch.cli import demo as demo_module
from navarch.cli.context import Globals, management_client, management_config
from navarch.cli.output import console, progress
from navarch.controllers.resourcesummaries import LOCATIONS
from navarch.kube import Client, KubeconfigError, in_cluster_config, in_pod
from navarch.manager import ManagerOptions, run_manager
from navarch.manager.agents import AgentSetupError, run_external_agent
from navarch.manager.app import until_signalled

app = typer.Typer(
    help="Navarch keeps the same add-ons on a fleet of Kubernetes clusters (Sveltos API).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(local.app, name="local")
app.add_typer(clusters.register_app, name="register")
app.add_typer(clusters.deregister_app, name="deregister")
app.add_typer(clusters.get_app, name="get")
app.add_typer(show.show_app, name="show")
app.add_typer(show.redeploy_app, name="redeploy")

_out = console()


@app.callback()
def _global_options(
    context: Annotated[
        str | None,
        typer.Option("--context", help="kubeconfig context of the management cluster."),
    ] = None,
    log_level: Annotated[str, typer.Option(help="debug, info, warning or error.")] = "warning",
) -> None:
    Globals.context = context
    Globals.log_level = log_level.upper()
    log.configure(Globals.log_level)


@app.command()
def version() -> None:
    """Print Navarch's version and the management cluster's Kubernetes version."""
    _out.print(f"navarch {__version__}")

    async def server() -> str:
        async with management_client(timeout=10.0) as client:
            info = await client.version()
        return f"{client.name} ({client.server}): Kubernetes {info.get('gitVersion', '?')}"

    _out.print(f"management cluster {asyncio.run(server())}")


@app.command()
def install(
    print_only: Annotated[
        bool, typer.Option("--print", help="Print the CRDs as YAML; change nothing.")
    ] = False,
) -> None:
    """Install or upgrade Navarch's CRDs in the management cluster (idempotent)."""
    if print_only:
        docs = crd_install.crd_manifests()
        _out.print(yaml.safe_dump_all(docs, sort_keys=False), end="")
        return

    async def run() -> None:
        async with management_client() as client:
            progress(f"installing CRDs into {client.name} ({client.server})")
            await crd_install.install(client, progress)

    asyncio.run(run())


@app.command()
def manager(
    probe_interval: Annotated[
        float, typer.Option(help="Seconds between two probes of a cluster.", min=0.1)
    ] = 60.0,
    leader_elect: Annotated[
        bool, typer.Option(help="Contend for the Lease projectsveltos/navarch-manager.")
    ] = True,
    lease_duration: Annotated[
        float, typer.Option("--leader-elect-lease-duration", help="Seconds.", min=1)
    ] = 15.0,
    renew_deadline: Annotated[
        float, typer.Option("--leader-elect-renew-deadline", help="Seconds.", min=0.5)
    ] = 10.0,
    retry_period: Annotated[
        float, typer.Option("--leader-elect-retry-period", help="Seconds.", min=0.1)
    ] = 2.0,
    workers: Annotated[int, typer.Option(help="Parallel probes.", min=1)] = 10,
    concurrent_reconciles: Annotated[
        int,
        typer.Option(
            help="ClusterSummaries deployed in parallel (Sveltos's deploy worker pool: 20).",
            min=1,
        ),
    ] = 20,
    kube_api_qps: Annotated[
        float, typer.Option(help="Requests per second to the management cluster.", min=1)
    ] = 100.0,
    kube_api_burst: Annotated[
        int, typer.Option(help="Burst of requests to the management cluster.", min=1)
    ] = 200,
    metrics_bind_address: Annotated[
        str,
        typer.Option(help="host:port to serve Prometheus metrics on (/metrics); empty: off."),
    ] = "",
    drift_agent: Annotated[
        str,
        typer.Option(
            help="Where drift agents run unless a SveltosCluster's drift.navarch.io/agent "
            "annotation says otherwise: manager (inside this process; Sveltos's mode 2), "
            "managed-cluster (a Deployment the manager installs in each managed cluster; "
            "mode 1) or external (navarch agent processes you run).",
        ),
    ] = "manager",
    agent_image: Annotated[
        str, typer.Option(help="Image of the drift agent Deployment (managed-cluster).")
    ] = DEFAULT_AGENT_IMAGE,
    lua_methods: Annotated[
        str,
        typer.Option(
            help="Name of a ConfigMap in namespace projectsveltos whose values (Lua code, in "
            "key order) run before every Lua script, as Sveltos's --lua-methods.",
        ),
    ] = "",
    log_format: Annotated[str, typer.Option(help="text or json.")] = "text",
) -> None:
    """Run the controllers: clusters, sets, profiles, deployment and drift repair."""
    # the manager logs at info unless debug was asked for
    log.configure("DEBUG" if Globals.log_level == "DEBUG" else "INFO", fmt=log_format)
    port = metrics_bind_address.rpartition(":")[2]
    if metrics_bind_address and not (port.isdigit() and 0 < int(port) < 65536):
        raise typer.BadParameter(
            f"--metrics-bind-address {metrics_bind_address!r} is not host:port "
            "(e.g. 127.0.0.1:8080, or :8080 for every interface)"
        )
    if drift_agent not in LOCATIONS:
        raise typer.BadParameter(
            f"--drift-agent {drift_agent!r}: use one of {', '.join(LOCATIONS)}"
        )
    if not lease_duration > renew_deadline > retry_period:
        raise typer.BadParameter(
            "need --leader-elect-lease-duration > --leader-elect-renew-deadline > "
            "--leader-elect-retry-period"
        )
    options = ManagerOptions(
        probe_interval=probe_interval,
        leader_elect=leader_elect,
        lease_duration=lease_duration,
        renew_deadline=renew_deadline,
        retry_period=retry_period,
        workers=workers,
        concurrent_reconciles=concurrent_reconciles,
        kube_api_qps=kube_api_qps,
        kube_api_burst=kube_api_burst,
        metrics_bind_address=metrics_bind_address,
        drift_agent=drift_agent,
        agent_image=agent_image,
        lua_methods=lua_methods,
    )
    asyncio.run(run_manager(management_config(), options))


@app.command()
def agent(
    cluster_namespace: Annotated[
        str | None, typer.Option("--cluster-namespace", help="Namespace of the SveltosCluster.")
    ] = None,
    cluster_name: Annotated[str | None, typer.Option("--cluster-name", help="Its name.")] = None,
    managed_cluster: Annotated[
        bool,
        typer.Option(
            "--managed-cluster",
            help="Run inside the managed cluster (mode 1): watch the ResourceSummaries in its "
            "projectsveltos namespace and report drift there. Uses the pod's service account "
            "in a pod, else the kubeconfig (KUBECONFIG, --context).",
        ),
    ] = False,
    log_format: Annotated[str, typer.Option(help="text or json.")] = "text",
) -> None:
    """Run the drift agent of one cluster in its own process (instead of inside the manager).

    With --cluster-namespace/--cluster-name it runs beside the manager: annotate the
    SveltosCluster drift.navarch.io/agent=external so the manager leaves that cluster to this
    process. With --managed-cluster it runs in the managed cluster itself (what the Deployment
    the manager installs for drift.navarch.io/agent=managed-cluster runs). Stops on SIGTERM or
    Ctrl-C.
    """
    log.configure("DEBUG" if Globals.log_level == "DEBUG" else "INFO", fmt=log_format)
    if managed_cluster:
        if cluster_namespace or cluster_name:
            raise click.UsageError(
                "--managed-cluster runs in the managed cluster itself: drop "
                "--cluster-namespace/--cluster-name"
            )
        try:
            config = in_cluster_config() if in_pod() else management_config()
        except KubeconfigError as exc:
            raise click.ClickException(str(exc)) from None

        async def run_in_cluster() -> None:
            async with Client(config) as client:
                await until_signalled(run_in_cluster_agent(client))

        asyncio.run(run_in_cluster())
        return
    if not cluster_namespace or not cluster_name:
        raise click.UsageError(
            "--cluster-namespace and --cluster-name are required (or --managed-cluster)"
        )
    namespace, name = cluster_namespace, cluster_name

    async def run() -> None:
        async with management_client() as mgmt:
            await require_crds(mgmt)
            await until_signalled(run_external_agent(mgmt, namespace, name))

    try:
        asyncio.run(run())
    except AgentSetupError as exc:
        raise click.ClickException(str(exc)) from None


@app.command()
def demo(
    clusters: Annotated[int, typer.Option(min=1, help="Number of managed clusters.")] = 3,
    exit_after: Annotated[
        bool, typer.Option("--exit", help="Tear everything down again and exit 0.")
    ] = False,
) -> None:
    """Start a local fleet with the manager and registered clusters; show how to look around."""
    asyncio.run(demo_module.run_demo(clusters, exit_after))


def main(argv: list[str] | None = None) -> None:
    command = typer.main.get_command(app)
    if os.environ.get("NAVARCH_DEBUG"):
        sys.exit(errors.run(command, argv, "navarch"))
    sys.exit(errors.guarded(lambda: errors.run(command, argv, "navarch")))
