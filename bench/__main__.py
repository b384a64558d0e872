"""Run every benchmark against a temporary local fleet; print and save the results.

    make bench            (or: .venv/bin/python -m bench)

Benchmarks are not tests: nothing here passes or fails on time. Results go to
bench/results/<date>-<machine>.json.
"""

from __future__ import annotations

import asyncio
from typing import Any

from bench import kube_apply
from bench.common import temporary_fleet, write_results


async def main() -> None:
    results: dict[str, Any] = {}
    async with temporary_fleet(clusters=1) as fleet:
        results["kube_apply"] = await kube_apply.run(fleet)
    for name, result in results.items():
        print(
            f"{name}: navarch {result['navarch_median']:.3f}s  floor "
            f"{result['floor_median']:.3f}s  ratio {result['ratio']:.2f}  "
            f"({result['objects']} objects, concurrency {result['concurrency']}, "
            f"median of {result['rounds']})"
        )
    print(f"results: {write_results(results)}")


if __name__ == "__main__":
    asyncio.run(main())
