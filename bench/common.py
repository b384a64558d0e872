"""Shared pieces of the benchmarks: a temporary fleet, timing, and the results file."""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import json
import platform
import statistics
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

from navarch.admin import register as reg
from navarch.admin.install import install
from navarch.api import names
from navarch.cli.demo import manager_command, manager_env
from navarch.fleet import Fleet
from navarch.kube import Client

RESULTS = Path(__file__).parent / "results"


@contextlib.asynccontextmanager
async def temporary_fleet(
    clusters: int, *, controller_manager: bool = True
) -> AsyncIterator[Fleet]:
    with tempfile.TemporaryDirectory(prefix="navarch-bench-") as tmp:
        fleet = Fleet(Path(tmp) / "fleet", die_with_parent=True)
        try:
            await fleet.up(clusters, controller_manager=controller_manager)
            yield fleet
        finally:
            await fleet.down()


async def timed(func: Callable[[], Awaitable[Any]]) -> float:
    started = time.perf_counter()
    await func()
    return time.perf_counter() - started


def summary(navarch: list[float], floor: list[float]) -> dict[str, Any]:
    nav, flo = statistics.median(navarch), statistics.median(floor)
    return {
        "navarch_seconds": navarch,
        "floor_seconds": floor,
        "navarch_median": round(nav, 4),
        "floor_median": round(flo, 4),
        "ratio": round(nav / flo, 3),
    }


def write_results(results: dict[str, Any]) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d")
    machine = platform.node() or "machine"
    path = RESULTS / f"{stamp}-{machine}.json"
    earlier: dict[str, Any] = {}
    if path.exists():  # a run of some benchmarks keeps the day's results of the others
        earlier = json.loads(path.read_text()).get("benchmarks") or {}
    if "scale" in results and "scale" in earlier:  # and of the other sizes
        sizes = {**(earlier["scale"].get("sizes") or {}), **results["scale"]["sizes"]}
        results = {**results, "scale": {**results["scale"], "sizes": sizes}}
    doc = {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": {"node": machine, "cpus": _cpus(), "python": platform.python_version()},
        "benchmarks": {**earlier, **results},
    }
    path.write_text(json.dumps(doc, indent=2) + "\n")
    return path


def _cpus() -> int:
    import os

    return len(os.sched_getaffinity(0))


async def register_fleet(
    mgmt: Client, fleet: Fleet, clusters: list[str], labels: dict[str, str]
) -> None:
    """Install the CRDs and register ``clusters`` in namespace ``bench`` with ``labels``."""
    await install(mgmt, lambda _m: None)
    for name in clusters:
        await reg.register(
            mgmt,
            reg.Registration(
                namespace="bench",
                cluster=name,
                labels=labels,
                kubeconfig=fleet.kubeconfig_of(name).read_text(),
                renew_token=False,
            ),
            reg.Rollback(),
            lambda _m: None,
        )


async def start_manager(fleet: Fleet, *extra: str) -> asyncio.subprocess.Process:
    """`navarch manager` on the fleet; its log is the fleet's ``bench-manager`` log."""
    log = fleet.log_of("bench-manager").open("ab")
    return await asyncio.create_subprocess_exec(
        *manager_command(), *extra, env=manager_env(fleet), stdout=log, stderr=log
    )


async def stop_manager(manager: asyncio.subprocess.Process | None) -> None:
    if manager is not None and manager.returncode is None:
        manager.terminate()
        await manager.wait()


async def wait_ready(mgmt: Client, count: int) -> None:
    """Until ``count`` SveltosClusters of namespace ``bench`` are ready."""
    while True:
        listed = await mgmt.list(names.LIB_API_VERSION, names.SVELTOS_CLUSTER_KIND, "bench")
        if sum(bool((o.get("status") or {}).get("ready")) for o in listed.items) >= count:
            return
        await asyncio.sleep(0.5)
