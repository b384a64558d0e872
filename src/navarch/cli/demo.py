"""`navarch demo` (what `make demo` runs): the main job, end to end, as a new user sees it.

What it does today: builds what is missing, starts a local fleet, installs the CRDs, starts the
manager in the background (a process of the fleet, so `navarch local down` stops it too),
registers the managed clusters with labels, waits until the manager reports them Ready, and
prints how to look around. Add-on deployment joins as the profile controllers land.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time

from navarch import toolchain
from navarch.admin import install as crd_install
from navarch.admin import register as reg
from navarch.api import names
from navarch.cli import local
from navarch.cli.clusters import print_clusters
from navarch.cli.output import console, progress
from navarch.fleet import Fleet, managed_names
from navarch.kube import Client

NAMESPACE = "fleet"
READY_TIMEOUT = 120.0

_out = console()


def manager_command(probe_interval: float | None = None) -> list[str]:
    """`navarch manager` against the fleet's mgmt context, run by this Python."""
    command = [sys.executable, "-m", "navarch", "--context", "mgmt", "manager"]
    if probe_interval is not None:
        command += ["--probe-interval", str(probe_interval)]
    return command


def manager_env(fleet: Fleet) -> dict[str, str]:
    return {**os.environ, "KUBECONFIG": str(fleet.kubeconfig)}


def labels_for(index: int) -> dict[str, str]:
    """Two clusters in prod, the rest in staging, so selectors have something to choose."""
    return {"env": "prod" if index < 2 else "staging", "demo": "navarch"}


async def run_demo(clusters: int, exit_after: bool) -> None:
    progress("checking the pinned binaries (a first run builds them: about 20 minutes)")
    await toolchain.install(progress)
    fleet = local.fleet_at(None)
    progress(f"starting a local fleet: mgmt and {clusters} managed clusters in {fleet.dir}")
    status = await fleet.up(clusters)
    local.print_table(status)
    async with Client(fleet.cluster_config("mgmt"), field_manager=reg.FIELD_MANAGER) as mgmt:
        await crd_install.install(mgmt, progress)
        pid = await fleet.ensure_extra(
            "manager", manager_command(probe_interval=10), env=manager_env(fleet)
        )
        progress(f"manager running (pid {pid}); log: {fleet.log_of('manager')}")
        await register_all(fleet, mgmt, managed_names(clusters))
        items = await wait_ready(mgmt, clusters)
    _out.print()
    print_clusters(items)
    kubectl, navarch = local.kubectl_hint(), local.navarch_hint()
    if exit_after:
        _out.print("\n--exit: stopping the manager and the fleet")
    else:
        _out.print(
            "\nThe fleet and the manager are running. Look around:\n"
            f"  export KUBECONFIG={status.kubeconfig}\n"
            f"  {navarch} get clusters\n"
            f"  {kubectl} --context cluster-1 get namespaces\n"
            f"  {kubectl} --context mgmt get sveltosclusters -A\n"
            f"  {navarch} local stop cluster-1   # it goes Down in `get clusters` within 30 s\n"
            f"  {navarch} local down              # stop everything\n"
        )
    if exit_after:
        pids = await fleet.down()
        progress(f"stopped {len(pids)} process(es); fleet removed")


async def register_all(fleet: Fleet, mgmt: Client, clusters: list[str]) -> None:
    for index, name in enumerate(clusters):
        rollback = reg.Rollback()
        registration = reg.Registration(
            namespace=NAMESPACE,
            cluster=name,
            labels=labels_for(index),
            kubeconfig=fleet.kubeconfig_of(name).read_text(),
            renew_token=False,
        )
        try:
            await reg.register(mgmt, registration, rollback, progress)
        except BaseException:
            await rollback.run(progress)
            raise


async def wait_ready(mgmt: Client, expected: int) -> list[dict[str, object]]:
    deadline = time.monotonic() + READY_TIMEOUT
    while True:
        listed = await mgmt.list(names.LIB_API_VERSION, names.SVELTOS_CLUSTER_KIND, NAMESPACE)
        ready = [o for o in listed.items if (o.get("status") or {}).get("ready")]
        if len(ready) >= expected:
            return sorted(listed.items, key=lambda o: str(o["metadata"]["name"]))
        if time.monotonic() > deadline:
            raise reg.RegistrationError(
                f"only {len(ready)} of {expected} clusters became Ready within "
                f"{READY_TIMEOUT:.0f}s: see `navarch get clusters` and the manager's log"
            )
        await asyncio.sleep(0.5)
