"""`navarch register cluster`, `deregister cluster` and `get clusters`.

Options and behaviour follow sveltosctl's `register cluster` (see navarch.admin.register for
what is validated and how a failed registration is rolled back).
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml
from rich.table import Table

from navarch.admin import register as reg
from navarch.admin.install import require_crds
from navarch.api import names
from navarch.api.meta import parse_label_list
from navarch.cli.context import management_client
from navarch.cli.output import OutputFormat, console, progress
from navarch.kube import KubeconfigError, load_kubeconfig

register_app = typer.Typer(help="Register clusters with Navarch.", no_args_is_help=True)
deregister_app = typer.Typer(help="Remove registered clusters.", no_args_is_help=True)
get_app = typer.Typer(help="List objects Navarch manages.", no_args_is_help=True)

_out = console()

Namespace = Annotated[str, typer.Option("--namespace", help="Namespace of the SveltosCluster.")]
ClusterName = Annotated[str, typer.Option("--cluster", help="Name of the SveltosCluster.")]


@register_app.command("cluster")
def register_cluster(
    namespace: Namespace,
    cluster: ClusterName,
    kubeconfig: Annotated[
        Path | None,
        typer.Option("--kubeconfig", help="The managed cluster's kubeconfig, stored as given."),
    ] = None,
    fleet_cluster_context: Annotated[
        str | None,
        typer.Option(
            "--fleet-cluster-context",
            help="A context of your kubeconfig pointing at the managed cluster: a "
            "projectsveltos service account is created there and its token stored.",
        ),
    ] = None,
    labels: Annotated[
        str, typer.Option("--labels", help="Labels of the SveltosCluster: k=v,k2=v2.")
    ] = "",
    service_account_token: Annotated[
        bool,
        typer.Option(
            "--service-account-token",
            help="With --fleet-cluster-context: store a long-lived service-account token "
            "instead of a TokenRequest token the manager renews.",
        ),
    ] = False,
    shard: Annotated[
        str | None, typer.Option("--shard", help="Controller shard (sharding annotation).")
    ] = None,
) -> None:
    """Register a cluster: its kubeconfig Secret and its SveltosCluster."""
    if (kubeconfig is None) == (fleet_cluster_context is None):
        raise reg.RegistrationError("give exactly one of --kubeconfig or --fleet-cluster-context")
    if service_account_token and fleet_cluster_context is None:
        raise reg.RegistrationError("--service-account-token goes with --fleet-cluster-context")
    reg.check_names(namespace, cluster)
    try:
        parsed_labels = parse_label_list(labels)
    except ValueError as exc:
        raise reg.RegistrationError(f"--labels: {exc}") from None
    asyncio.run(
        _register(
            namespace,
            cluster,
            parsed_labels,
            kubeconfig,
            fleet_cluster_context,
            service_account_token,
            shard,
        )
    )


async def _register(
    namespace: str,
    cluster: str,
    labels: dict[str, str],
    kubeconfig: Path | None,
    context: str | None,
    long_lived: bool,
    shard: str | None,
) -> None:
    rollback = reg.Rollback()
    async with management_client() as mgmt:
        await require_crds(mgmt, (names.SVELTOS_CLUSTER_KIND,))
        try:
            if kubeconfig is not None:
                text = await reg.kubeconfig_from_file(kubeconfig)
            else:
                assert context is not None
                try:
                    user_kubeconfig = load_kubeconfig()
                except KubeconfigError as exc:
                    raise reg.RegistrationError(str(exc)) from None
                text = await reg.kubeconfig_for_context(
                    user_kubeconfig,
                    context,
                    long_lived=long_lived,
                    rollback=rollback,
                    report=progress,
                )
            await reg.register(
                mgmt,
                reg.Registration(
                    namespace=namespace,
                    cluster=cluster,
                    labels=labels,
                    kubeconfig=text,
                    renew_token=context is not None and not long_lived,
                    shard=shard,
                ),
                rollback,
                progress,
            )
        except BaseException:
            await rollback.run(progress)
            raise
    _out.print(f"cluster {namespace}/{cluster} registered; see `navarch get clusters`")


@deregister_app.command("cluster")
def deregister_cluster(namespace: Namespace, cluster: ClusterName) -> None:
    """Delete a cluster's SveltosCluster and kubeconfig Secret."""

    async def run() -> None:
        async with management_client() as mgmt:
            await reg.deregister(mgmt, namespace, cluster, progress)

    asyncio.run(run())


@get_app.command("clusters")
def get_clusters(
    namespace: Annotated[
        str | None, typer.Option("--namespace", "-n", help="Only this namespace.")
    ] = None,
    output: Annotated[OutputFormat, typer.Option("-o", "--output")] = OutputFormat.table,
) -> None:
    """List registered clusters: ready, connection, version, labels."""

    async def run() -> list[dict[str, Any]]:
        async with management_client() as mgmt:
            listed = await mgmt.list(names.LIB_API_VERSION, names.SVELTOS_CLUSTER_KIND, namespace)
        return sorted(
            listed.items, key=lambda o: (o["metadata"].get("namespace", ""), o["metadata"]["name"])
        )

    items = asyncio.run(run())
    if output is OutputFormat.json:
        _out.print(json.dumps({"apiVersion": "v1", "kind": "List", "items": items}, indent=2))
        return
    if output is OutputFormat.yaml:
        _out.print(
            yaml.safe_dump({"apiVersion": "v1", "kind": "List", "items": items}, sort_keys=False),
            end="",
        )
        return
    print_clusters(items)


def print_clusters(items: list[dict[str, Any]]) -> None:
    """The `get clusters` table: namespace, name, ready, connection, version, labels, message."""
    table = Table(box=None, pad_edge=False)
    for column in ("NAMESPACE", "NAME", "READY", "CONNECTION", "VERSION", "LABELS", "MESSAGE"):
        table.add_column(column, no_wrap=True)
    for obj in items:
        meta, status = obj["metadata"], obj.get("status") or {}
        labels = ",".join(f"{k}={v}" for k, v in sorted((meta.get("labels") or {}).items()))
        table.add_row(
            meta.get("namespace", ""),
            meta["name"],
            "true" if status.get("ready") else "false",
            status.get("connectionStatus", ""),
            status.get("version", ""),
            labels,
            status.get("failureMessage", ""),
        )
    _out.print(table)
