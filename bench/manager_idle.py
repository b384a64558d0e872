"""The manager at rest: RSS and CPU with N registered clusters, against a floor.

Navarch: `navarch manager` (the real command) with N SveltosClusters registered (they point at
the fleet's managed clusters in turn), default 60 s probe interval, measured for `window`
seconds once every cluster is Ready. Floor: the same periodic work done directly, a bare asyncio
process that GETs /version of each cluster every 60 s with one httpx client per cluster. The
ratio says what the manager's machinery (informers, work queues, leader election, status
bookkeeping) costs on top of the probes themselves.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import textwrap
import time
from pathlib import Path
from typing import Any

import psutil

from navarch.admin import register as reg
from navarch.admin.install import install
from navarch.api import names
from navarch.cli.demo import manager_command, manager_env
from navarch.fleet import Fleet, managed_names
from navarch.kube import Client

REGISTRATIONS = 10
WINDOW = 60.0

FLOOR = textwrap.dedent(
    """
    import asyncio, sys, httpx
    from navarch.kube import load_kubeconfig
    from navarch.kube.tls import ssl_context
    from pathlib import Path

    async def main():
        files = sys.argv[1:]
        clients = []
        for f in files:
            cfg = load_kubeconfig(Path(f)).cluster_config()
            clients.append(httpx.AsyncClient(base_url=cfg.server, verify=ssl_context(cfg)))
        print("ready", flush=True)
        while True:
            await asyncio.gather(*(c.get("/version") for c in clients))
            await asyncio.sleep(60)

    asyncio.run(main())
    """
)


async def sample(proc: psutil.Process, window: float) -> dict[str, float]:
    """CPU (% of one core) and peak RSS of ``proc`` over ``window`` seconds."""
    start_cpu = sum(proc.cpu_times()[:2])
    start = time.monotonic()
    peak = 0
    while time.monotonic() - start < window:
        peak = max(peak, proc.memory_info().rss)
        await asyncio.sleep(1)
    cpu = sum(proc.cpu_times()[:2]) - start_cpu
    return {
        "cpu_percent_of_core": round(100 * cpu / (time.monotonic() - start), 2),
        "rss_mib": round(peak / 2**20, 1),
    }


async def run(
    fleet: Fleet, registrations: int = REGISTRATIONS, window: float = WINDOW
) -> dict[str, Any]:
    clusters = managed_names(len(fleet_clusters(fleet)))
    async with Client(fleet.cluster_config("mgmt"), field_manager=reg.FIELD_MANAGER) as mgmt:
        await install(mgmt, lambda _m: None)
        for i in range(registrations):
            source = clusters[i % len(clusters)]
            await reg.register(
                mgmt,
                reg.Registration(
                    namespace="bench",
                    cluster=f"c{i:04d}",
                    labels={"i": str(i)},
                    kubeconfig=fleet.kubeconfig_of(source).read_text(),
                    renew_token=False,
                ),
                reg.Rollback(),
                lambda _m: None,
            )
        manager = await asyncio.create_subprocess_exec(
            *manager_command(),
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
            env=manager_env(fleet),
        )
        try:
            await wait_ready(mgmt, registrations)
            nav = await sample(psutil.Process(manager.pid), window)
        finally:
            manager.terminate()
            await manager.wait()
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as script:
        script.write(FLOOR)
    files = [
        str(fleet.kubeconfig_of(clusters[i % len(clusters)])) for i in range(registrations)
    ] + [str(fleet.kubeconfig_of("mgmt"))]
    floor = await asyncio.create_subprocess_exec(
        sys.executable, script.name, *files, stdout=asyncio.subprocess.PIPE
    )
    try:
        assert floor.stdout is not None
        await floor.stdout.readline()
        flo = await sample(psutil.Process(floor.pid), window)
    finally:
        floor.terminate()
        await floor.wait()
        Path(script.name).unlink()
    return {
        "registrations": registrations,
        "window_seconds": window,
        "navarch": nav,
        "floor": flo,
        "rss_ratio": round(nav["rss_mib"] / flo["rss_mib"], 2),
        "cpu_ratio": round(nav["cpu_percent_of_core"] / max(flo["cpu_percent_of_core"], 0.01), 2),
    }


def fleet_clusters(fleet: Fleet) -> list[str]:
    return [p.stem for p in (fleet.dir / "kubeconfigs").glob("cluster-*.yaml")]


async def wait_ready(mgmt: Client, expected: int, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        listed = await mgmt.list(names.LIB_API_VERSION, names.SVELTOS_CLUSTER_KIND, "bench")
        if sum(bool((o.get("status") or {}).get("ready")) for o in listed.items) >= expected:
            return
        await asyncio.sleep(1)
    raise RuntimeError(f"the {expected} registrations did not all become Ready")
