"""Shared pieces of the benchmarks: a temporary fleet, timing, and the results file."""

from __future__ import annotations

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

from navarch.fleet import Fleet

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
    doc = {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": {"node": machine, "cpus": _cpus(), "python": platform.python_version()},
        "benchmarks": results,
    }
    path.write_text(json.dumps(doc, indent=2) + "\n")
    return path


def _cpus() -> int:
    import os

    return len(os.sched_getaffinity(0))
