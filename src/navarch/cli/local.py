"""``navarch local ...``: install the binaries and run a local fleet of real control planes.

Each command is a thin shell over ``navarch.toolchain`` and ``navarch.fleet``: it parses
options, runs the async operation, and prints progress to stderr and results to stdout (a table,
or JSON with ``-o json``) so that scripts can read the output without the progress lines.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import platformdirs
import typer
from rich.table import Table

from navarch import toolchain
from navarch.cli.output import OutputFormat, console, human_bytes, progress
from navarch.fleet import Fleet, FleetError, FleetStatus

app = typer.Typer(
    help="Run a local fleet: real kube-apiserver, kube-controller-manager and etcd processes.",
    no_args_is_help=True,
)

_out = console()


def default_state_dir() -> Path:
    """``$NAVARCH_FLEET_DIR``, else the fleet directory under the user's state directory."""
    configured = os.environ.get("NAVARCH_FLEET_DIR")
    if configured:
        return Path(configured).expanduser()
    return platformdirs.user_state_path("navarch") / "fleet"


StateDir = Annotated[
    Path | None,
    typer.Option(
        "--state-dir",
        help="Where the fleet keeps its data, certificates, kubeconfigs and logs "
        "[default: $NAVARCH_FLEET_DIR or ~/.local/state/navarch/fleet]",
        show_default=False,
    ),
]


def fleet_at(state_dir: Path | None) -> Fleet:
    return Fleet(state_dir or default_state_dir(), report=progress)


@app.command()
def install(
    force: Annotated[bool, typer.Option(help="Rebuild even what is installed.")] = False,
) -> None:
    """Build the pinned kube-apiserver, kube-controller-manager, kubectl, etcd and helm."""
    statuses = asyncio.run(toolchain.install(progress, force=force))
    for status in statuses:
        progress(f"ok  {status.name:<24} {status.found_version:<9} {status.path}")


@app.command()
def up(
    clusters: Annotated[int, typer.Option(min=0, help="Number of managed clusters.")] = 3,
    state_dir: StateDir = None,
    controller_manager: Annotated[
        bool,
        typer.Option(
            "--controller-manager/--no-controller-manager",
            help="Run kube-controller-manager (namespace deletion, garbage collection, "
            "service-account tokens); off saves ~40 MB per cluster.",
        ),
    ] = True,
) -> None:
    """Start mgmt and cluster-1..N (reusing whatever already runs)."""
    fleet = fleet_at(state_dir)
    status = asyncio.run(fleet.up(clusters, controller_manager=controller_manager))
    print_table(status)
    kubectl = kubectl_hint()
    _out.print(
        f"\nkubeconfig: {status.kubeconfig}\n"
        f"try:        {kubectl} --kubeconfig {status.kubeconfig} --context cluster-1 get ns\n"
        f"stop:       navarch local down" + (f" --state-dir {fleet.dir}" if state_dir else ""),
        highlight=False,
    )


@app.command()
def status(
    state_dir: StateDir = None,
    output: Annotated[OutputFormat, typer.Option("-o", "--output")] = OutputFormat.table,
) -> None:
    """Show each cluster: endpoint, version, readiness, PIDs and memory."""
    fleet = fleet_at(state_dir)
    if not fleet.exists():
        raise FleetError(f"no fleet in {fleet.dir}: start one with `navarch local up`")
    result = asyncio.run(fleet.status())
    if output is OutputFormat.json:
        _out.print_json(json.dumps(_status_json(result)))
    else:
        print_table(result)


@app.command()
def stop(
    cluster: Annotated[str, typer.Argument(help="e.g. cluster-1")],
    state_dir: StateDir = None,
) -> None:
    """Stop one cluster's API server (port and data are kept; `start` brings it back)."""
    asyncio.run(fleet_at(state_dir).stop_cluster(cluster))
    progress(f"{cluster} stopped")


@app.command()
def start(
    cluster: Annotated[str, typer.Argument(help="e.g. cluster-1")],
    state_dir: StateDir = None,
) -> None:
    """Start a stopped cluster again, on the same port with the same data."""
    asyncio.run(fleet_at(state_dir).start_cluster(cluster))
    progress(f"{cluster} started")


@app.command()
def down(
    state_dir: StateDir = None,
    keep_files: Annotated[
        bool, typer.Option(help="Keep data, certificates and logs for a later `up`.")
    ] = False,
) -> None:
    """Stop every process of the fleet and (unless --keep-files) delete its state."""
    fleet = fleet_at(state_dir)
    if not fleet.exists():
        progress(f"no fleet in {fleet.dir}: nothing to stop")
        return
    pids = asyncio.run(fleet.down(keep_files=keep_files))
    progress(f"stopped {len(pids)} process(es)" + ("" if keep_files else f"; removed {fleet.dir}"))


def print_table(status: FleetStatus) -> None:
    table = Table(box=None, pad_edge=False)
    for column in ("NAME", "ENDPOINT", "VERSION", "READY", "PIDS", "MEMORY"):
        table.add_column(column)
    for c in status.clusters:
        pids = ",".join(str(p) for p in (c.apiserver_pid, c.controller_manager_pid) if p)
        table.add_row(
            c.name,
            c.endpoint,
            c.version or "-",
            "yes" if c.ready else "no",
            pids or "-",
            human_bytes(c.memory_bytes),
        )
    table.add_row(
        "etcd",
        status.etcd_endpoint,
        "",
        "yes" if status.etcd_pid else "no",
        str(status.etcd_pid or "-"),
        human_bytes(status.etcd_memory_bytes),
    )
    _out.print(table)


def _status_json(status: FleetStatus) -> dict[str, object]:
    return {
        "stateDir": str(status.state_dir),
        "kubeconfig": str(status.kubeconfig),
        "etcd": {
            "endpoint": status.etcd_endpoint,
            "pid": status.etcd_pid,
            "memoryBytes": status.etcd_memory_bytes,
        },
        "clusters": [{_camel(k): v for k, v in asdict(c).items()} for c in status.clusters],
    }


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p.capitalize() for p in rest)


def navarch_hint() -> str:
    """How to call this navarch: plain ``navarch`` if it is on PATH, else its full path."""
    script = Path(sys.executable).with_name("navarch")
    found = shutil.which("navarch")
    if found is not None and Path(found).resolve() == script.resolve():
        return "navarch"
    return str(script) if script.exists() else "navarch"


def kubectl_hint() -> str:
    try:
        path = toolchain.binary_path("kubectl")
    except toolchain.MissingBinaryError:
        return "kubectl"
    on_path = os.environ.get("PATH", "").split(os.pathsep)
    return "kubectl" if str(path.parent) in on_path else str(path)
