"""The ``navarch`` command: entry point, global options, and the top-level commands.

The management cluster is found as kubectl finds it (``$KUBECONFIG`` or ``~/.kube/config``,
``--context`` to pick one); commands about the local fleet live under ``navarch local``.
"""

from __future__ import annotations

import asyncio
import os
import sys
from typing import Annotated

import typer
from rich.console import Console

from navarch import __version__, log
from navarch.cli import errors, local
from navarch.cli.output import progress
from navarch.kube import Client, load_kubeconfig

app = typer.Typer(
    help="Navarch keeps the same add-ons on a fleet of Kubernetes clusters (Sveltos API).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(local.app, name="local")

_out = Console(soft_wrap=True, highlight=False)


class Globals:
    context: str | None = None


@app.callback()
def _global_options(
    context: Annotated[
        str | None,
        typer.Option("--context", help="kubeconfig context of the management cluster."),
    ] = None,
    log_level: Annotated[str, typer.Option(help="debug, info, warning or error.")] = "warning",
) -> None:
    Globals.context = context
    log.configure(log_level.upper())


@app.command()
def version() -> None:
    """Print Navarch's version and the management cluster's Kubernetes version."""
    _out.print(f"navarch {__version__}")

    async def server() -> str:
        config = load_kubeconfig().cluster_config(Globals.context)
        async with Client(config, timeout=10.0) as client:
            info = await client.version()
        return f"{config.name} ({config.server}): Kubernetes {info.get('gitVersion', '?')}"

    _out.print(f"management cluster {asyncio.run(server())}")


@app.command()
def demo(
    clusters: Annotated[int, typer.Option(min=1, help="Number of managed clusters.")] = 3,
    exit_after: Annotated[
        bool, typer.Option("--exit", help="Tear the fleet down again and exit 0.")
    ] = False,
) -> None:
    """Start a local fleet and show how to use it (the add-on demo grows with Navarch)."""
    fleet = local.fleet_at(None)
    progress(f"starting a local fleet: mgmt and {clusters} managed clusters in {fleet.dir}")
    status = asyncio.run(fleet.up(clusters))
    local.print_table(status)
    kubectl = local.kubectl_hint()
    _out.print(
        "\nThe fleet is running. Look around:\n"
        f"  export KUBECONFIG={status.kubeconfig}\n"
        f"  {kubectl} --context cluster-1 get namespaces\n"
        "  navarch local status\n"
        "  navarch local down        # stop everything\n"
    )
    if exit_after:
        pids = asyncio.run(fleet.down())
        progress(f"stopped {len(pids)} process(es); fleet removed")


def main(argv: list[str] | None = None) -> None:
    command = typer.main.get_command(app)
    if os.environ.get("NAVARCH_DEBUG"):
        sys.exit(errors.run(command, argv, "navarch"))
    sys.exit(errors.guarded(lambda: errors.run(command, argv, "navarch")))
