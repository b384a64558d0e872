"""Run every benchmark against a temporary local fleet; print and save the results.

    make bench            (or: .venv/bin/python -m bench)

Benchmarks are not tests: nothing here passes or fails on time. Results go to
bench/results/<date>-<machine>.json.
"""

from __future__ import annotations

import asyncio
from typing import Any

from bench import kube_apply, manager_idle
from bench.common import temporary_fleet, write_results


async def main() -> None:
    results: dict[str, Any] = {}
    async with temporary_fleet(clusters=3) as fleet:
        results["kube_apply"] = await kube_apply.run(fleet)
        results["manager_idle"] = await manager_idle.run(fleet)
    apply = results["kube_apply"]
    print(
        f"kube_apply: navarch {apply['navarch_median']:.3f}s  floor "
        f"{apply['floor_median']:.3f}s  ratio {apply['ratio']:.2f}  "
        f"({apply['objects']} objects, concurrency {apply['concurrency']}, "
        f"median of {apply['rounds']})"
    )
    idle = results["manager_idle"]
    nav, flo = idle["navarch"], idle["floor"]
    print(
        f"manager_idle: {idle['registrations']} clusters over {idle['window_seconds']:.0f}s: "
        f"navarch {nav['rss_mib']} MiB, {nav['cpu_percent_of_core']}% of a core; "
        f"floor {flo['rss_mib']} MiB, {flo['cpu_percent_of_core']}%; "
        f"RSS ratio {idle['rss_ratio']}"
    )
    print(f"results: {write_results(results)}")


if __name__ == "__main__":
    asyncio.run(main())
