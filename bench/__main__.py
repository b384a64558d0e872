"""Run every benchmark against a temporary local fleet; print and save the results.

    make bench            (or: .venv/bin/python -m bench [name ...])
    NAVARCH_BENCH_SCALE_SIZES=10,100 .venv/bin/python -m bench scale   (some sizes only; the
                          day's results of the other sizes are kept)

Benchmarks are not tests: nothing here passes or fails on time. Results go to
bench/results/<date>-<machine>.json, with a markdown summary and plots beside it
(bench/report.py) and a copy of the summary at bench/results/latest.md.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from typing import Any

from bench import converge, drift, helm, kube_apply, manager_idle, report, scale
from bench.common import temporary_fleet, write_results


async def main(selected: set[str]) -> None:
    results: dict[str, Any] = {}
    wall: dict[str, float] = {}  # how long each part of the run took (printed at the end)
    started = time.monotonic()
    if selected & {"kube_apply", "manager_idle"}:
        async with temporary_fleet(clusters=3) as fleet:
            if "kube_apply" in selected:
                results["kube_apply"] = await kube_apply.run(fleet)
            if "manager_idle" in selected:
                results["manager_idle"] = await manager_idle.run(fleet)
        wall["kube_apply+manager_idle"] = time.monotonic() - started
    for name, module in OWN_FLEET.items():  # each on a fresh fleet, without kcm
        if name in selected:
            began = time.monotonic()
            async with temporary_fleet(clusters=module.CLUSTERS, controller_manager=False) as fleet:
                results[name] = await module.run(fleet)
            wall[name] = time.monotonic() - began
    if "kube_apply" in results:
        apply = results["kube_apply"]
        print(
            f"kube_apply: navarch {apply['navarch_median']:.3f}s  floor "
            f"{apply['floor_median']:.3f}s  ratio {apply['ratio']:.2f}  httpx "
            f"{apply['httpx_median']:.3f}s  "
            f"({apply['objects']} objects, concurrency {apply['concurrency']}, "
            f"median of {apply['rounds']})"
        )
    if "manager_idle" in results:
        idle = results["manager_idle"]
        nav, flo = idle["navarch"], idle["floor"]
        print(
            f"manager_idle: {idle['registrations']} clusters over {idle['window_seconds']:.0f}s: "
            f"navarch {nav['rss_mib']} MiB, {nav['cpu_percent_of_core']}% of a core; "
            f"floor {flo['rss_mib']} MiB, {flo['cpu_percent_of_core']}%; "
            f"RSS ratio {idle['rss_ratio']}"
        )
    if "converge" in results:
        conv = results["converge"]
        noop = conv["noop_resync"]
        print(
            f"converge: {conv['objects']} objects x {conv['clusters']} clusters: navarch "
            f"{conv['navarch_median']:.2f}s  floor {conv['floor_median']:.2f}s  ratio "
            f"{conv['ratio']:.2f} (median of {conv['rounds']}); no-op resync after a manager "
            f"restart: {noop['objects_written']} of {noop['objects_checked']} objects written"
        )
    if "drift" in results:
        d = results["drift"]
        nav, flo = d["navarch"], d["floor"]
        print(
            f"drift: {d['changes']} edits/deletes over {d['clusters']} clusters: navarch p50 "
            f"{nav['p50_ms']}ms p95 {nav['p95_ms']}ms p99 {nav['p99_ms']}ms max {nav['max_ms']}ms; "
            f"floor p50 {flo['p50_ms']}ms p99 {flo['p99_ms']}ms; p50 ratio {d['p50_ratio']}; "
            f"manager idle with the agents: {d['manager_idle_with_agents']['rss_mib']} MiB, "
            f"{d['manager_idle_with_agents']['cpu_percent_of_core']}% of a core"
        )
    if "helm" in results:
        h = results["helm"]
        print(
            f"helm: one chart to {h['clusters']} clusters: navarch {h['navarch_median']:.2f}s  "
            f"floor (helm upgrade --install in parallel) {h['floor_median']:.2f}s  ratio "
            f"{h['ratio']:.2f} (median of {h['rounds']})"
        )
    if "scale" in selected:  # last: it starts a fleet of its own for every size
        sizes = os.environ.get("NAVARCH_BENCH_SCALE_SIZES")  # e.g. "10,100"
        began = time.monotonic()
        results["scale"] = await scale.run(
            tuple(int(n) for n in sizes.split(",")) if sizes else scale.SIZES
        )
        wall["scale"] = time.monotonic() - began
    wall["total"] = time.monotonic() - started
    print("wall-clock minutes: " + ", ".join(f"{k} {v / 60:.1f}" for k, v in wall.items()))
    path = write_results(results)
    print(f"results: {path}\nsummary: {report.write(json.loads(path.read_text()), path)}")
    print(f"latest of every benchmark: {report.write_latest(path.parent)}")


OWN_FLEET: dict[str, Any] = {"converge": converge, "helm": helm, "drift": drift}
ALL = ("kube_apply", "manager_idle", *OWN_FLEET, "scale")

if __name__ == "__main__":
    chosen = set(sys.argv[1:]) or set(ALL)
    unknown = chosen - set(ALL)
    if unknown:
        sys.exit(f"unknown benchmark(s) {', '.join(sorted(unknown))}; choose from {', '.join(ALL)}")
    asyncio.run(main(chosen))
