"""The results of a benchmark run as a markdown summary and PNG plots beside the JSON.

``make bench`` writes ``bench/results/<date>-<machine>.json``; this module turns that document
into ``<date>-<machine>.md`` (one table per benchmark, Navarch beside its floor and the ratio)
and, when the scale benchmark ran, two plots against N: time to converge and the manager's RSS.
``bench/results/latest.md`` is the stable name the README links to.
Only the document is read, so a summary can be redrawn from any results file:

    .venv/bin/python -m bench.report bench/results/2026-11-25-vm.json

``latest.md`` is drawn from every results file (``write_latest``): the newest figures of each
benchmark and of each scale size, each naming the file it comes from.

    .venv/bin/python -m bench.report bench/results
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no display: files only
import matplotlib.pyplot as plt

PHASES = {
    "deploy": "new profile (20 objects) reaches all",
    "label_move": "label change moves it (10% of registrations)",
    "rollout_max_update_10pct": "profile update rolls through, maxUpdate 10%",
}


def write(doc: dict[str, Any], json_path: Path) -> Path:
    """Write the summary (and plots) next to ``json_path``; returns the summary's path."""
    stem = json_path.with_suffix("")
    benchmarks = doc.get("benchmarks") or {}
    lines = [
        f"# Navarch benchmarks, {doc.get('date', '?')}",
        "",
        f"Machine: {doc['machine']['node']}, {doc['machine']['cpus']} CPUs, Python "
        f"{doc['machine']['python']}. Produced by `make bench` (`.venv/bin/python -m bench`); "
        f"raw numbers in [{json_path.name}]({json_path.name}). Every benchmark runs Navarch and "
        "a floor (the same work done directly from one process) in the same run; ratio = "
        "Navarch / floor. Benchmarks are not tests: nothing here passes or fails.",
        "",
    ]
    scale = benchmarks.get("scale")
    if scale:
        lines += _scale_section(scale, stem)
    for name, result in benchmarks.items():
        if name != "scale":
            lines += _generic_section(name, result)
    path = stem.with_suffix(".md")
    text = "\n".join(lines) + "\n"
    path.write_text(text)
    return path


def _scale_section(scale: dict[str, Any], stem: Path) -> list[str]:
    sizes = scale["sizes"]
    counts = sorted(sizes, key=int)
    lines = [
        "## Scale: N registered clusters",
        "",
        "N SveltosClusters are registered against a few real API servers of the local fleet "
        "(registration i uses server i mod S), because one machine cannot run 1,000 control "
        "planes. Each registration has its own connection, ClusterSummary and status, and its "
        "own objects: the profile is a template that puts 20 ConfigMaps into the namespace "
        "named after the registration. The API servers' CPU is shared, by Navarch and the floor "
        "alike.",
        "",
        *([f"Note: {scale['note']}.", ""] if scale.get("note") else []),
        "The machine CPU-s columns are the CPU time the whole machine (API servers, etcd, the "
        "manager, the harness) spent during the phase: how much work each way made the shared "
        "cores do (blank where a run predates the measure).",
        "",
        "| N | servers | phase | Navarch s | floor s | ratio | machine CPU-s Navarch | "
        "machine CPU-s floor |",
        "|---:|---:|---|---:|---:|---:|---:|---:|",
    ]
    for n in counts:
        one = sizes[n]
        for phase, what in PHASES.items():
            p = one["phases"][phase]
            lines.append(
                f"| {n} | {one['servers']} | {what} | {p['navarch_seconds']} | "
                f"{p['floor_seconds']} | {p['ratio']} | "
                f"{p.get('navarch_machine_cpu_seconds', '')} | "
                f"{p.get('floor_machine_cpu_seconds', '')} |"
            )
    lines += _bookkeeping_table(sizes, counts)
    lines += [
        "",
        "| N | manager CPU-s (the 3 phases) | peak RSS MiB | idle RSS MiB | goal RSS MiB "
        "(150 + 0.5 N) | idle CPU % of a core | requests / registration / min at idle | "
        "writes / min at idle (managed; mgmt) |",
        "|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for n in counts:
        one = sizes[n]
        busy, idle = one["manager_busy"], one["idle"]
        writes = idle["writes"]
        lines.append(
            f"| {n} | {busy['cpu_seconds']} | {busy['peak_rss_mib']} | {idle['rss_mib']} | "
            f"{150 + 0.5 * int(n):g} | {idle['cpu_percent_of_core']} | "
            f"{idle['managed_requests_per_registration_per_minute']} | "
            f"{_writes(writes['managed'])}; {_writes(writes['mgmt'])} |"
        )
    lines += [
        "",
        "Idle writes are Lease renewals: each API server renews its own identity Lease "
        "(6/min per server, managed and mgmt), and the manager renews its leader-election "
        "Lease in the management cluster (every 2 s, as controller-runtime does). Requests per "
        "registration leave Leases out.",
        "",
    ]
    lines += _requests_table(sizes, counts)
    converge_png, rss_png = _scale_plots(sizes, counts, stem)
    lines += [f"![time to converge]({converge_png.name})", "", f"![RSS]({rss_png.name})", ""]
    return lines


def _bookkeeping_table(sizes: dict[str, Any], counts: list[str]) -> list[str]:
    """Each phase against a second floor that also writes what the Sveltos API keeps on the
    management cluster (absent from results that predate it; older results have it for the
    deploy only)."""
    rows = [
        (n, phase, what)
        for n in counts
        for phase, what in PHASES.items()
        if "floor_bookkeeping_seconds" in sizes[n]["phases"][phase]
    ]
    if not rows:
        return []
    lines = [
        "",
        "Against a second floor that also writes, directly (32 in flight), the least the "
        "Sveltos API keeps on the management cluster per registration: deploy, a ClusterSummary, "
        "its status and the ClusterConfiguration's status (Navarch writes the summary's status "
        "twice, once before deploying so that a restart knows which kinds to clean up); label "
        "move, the old ClusterSummary deleted, the new one and its status, the "
        "ClusterConfiguration's status; rollout, the ClusterSummary's new spec and its status.",
        "",
        "| N | phase | Navarch s | floor s | floor + bookkeeping s | ratio to it | machine CPU-s "
        "floor + bookkeeping |",
        "|---:|---|---:|---:|---:|---:|---:|",
    ]
    for n, phase, what in rows:
        p = sizes[n]["phases"][phase]
        lines.append(
            f"| {n} | {what} | {p['navarch_seconds']} | {p['floor_seconds']} | "
            f"{p['floor_bookkeeping_seconds']} | {p['ratio_bookkeeping']} | "
            f"{p.get('floor_bookkeeping_machine_cpu_seconds', '')} |"
        )
    return lines


def _requests_table(sizes: dict[str, Any], counts: list[str]) -> list[str]:
    """Requests per registration concerned in each phase (all, the moved ones, the others),
    by server kind, Navarch beside the floor (runs before 2026-11-26 did not count them)."""
    rows = []
    for n in counts:
        for phase, what in PHASES.items():
            p = sizes[n]["phases"][phase]
            if "navarch_requests" not in p:
                continue
            moved_n = sizes[n]["phases"]["label_move"].get("registrations_moved", 0)
            moved = {"label_move": moved_n, "rollout_max_update_10pct": int(n) - moved_n}.get(
                phase, int(n)
            )
            cells = [
                f"{sum(p[f'{who}_requests'][kind].values()) / moved:.1f}"
                for who in ("navarch", "floor")
                for kind in ("managed", "mgmt")
            ]
            detail = "; ".join(f"{k} {v:g}" for k, v in p["navarch_requests"]["mgmt"].items())
            rows.append(f"| {n} | {what} | {' | '.join(cells)} | {detail} |")
    if not rows:
        return []
    objects_match = all(sizes[n].get("floor_objects_match") for n in counts)
    return [
        "Requests per registration concerned (all of them; the moved ones; the others), by the API "
        "servers' own counts (`apiserver_request_total`, WATCH and Leases left out). The floor "
        "applies the very objects Navarch does (the same ownership labels and annotations"
        + (", checked in every run" if objects_match else "; NOT confirmed in this run")
        + ").",
        "",
        "| N | phase | Navarch managed | Navarch mgmt | floor managed | floor mgmt | Navarch's "
        "management-cluster requests |",
        "|---:|---|---:|---:|---:|---:|---|",
        *rows,
        "",
    ]


def _writes(by_kind: dict[str, float]) -> str:
    return ", ".join(f"{k} {v:g}" for k, v in by_kind.items()) or "none"


def _scale_plots(sizes: dict[str, Any], counts: list[str], stem: Path) -> tuple[Path, Path]:
    xs = [int(n) for n in counts]
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for phase, style in (("deploy", "o"), ("rollout_max_update_10pct", "s")):
        nav = [sizes[n]["phases"][phase]["navarch_seconds"] for n in counts]
        flo = [sizes[n]["phases"][phase]["floor_seconds"] for n in counts]
        ax.plot(xs, nav, f"-{style}", label=f"Navarch: {PHASES[phase]}")
        ax.plot(xs, flo, f"--{style}", label=f"floor: {PHASES[phase]}")
    converge = _save(fig, ax, "seconds", "Time to converge", stem, "converge")

    fig, ax = plt.subplots(figsize=(7, 4.5))
    ax.plot(xs, [sizes[n]["manager_busy"]["peak_rss_mib"] for n in counts], "-o", label="peak")
    ax.plot(xs, [sizes[n]["idle"]["rss_mib"] for n in counts], "-s", label="idle")
    ax.plot(xs, [150 + 0.5 * x for x in xs], ":", label="goal 150 MiB + 0.5 MiB per cluster")
    rss = _save(fig, ax, "manager RSS (MiB)", "Manager memory", stem, "rss")
    return converge, rss


def _save(fig: Any, ax: Any, ylabel: str, title: str, stem: Path, name: str) -> Path:
    """Label a plot against N and write it as ``<stem>-scale-<name>.png``."""
    ax.set_xlabel("registered clusters (N)")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=7)
    path = stem.parent / f"{stem.name}-scale-{name}.png"
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _generic_section(name: str, result: dict[str, Any]) -> list[str]:
    """Other benchmarks: their headline numbers, whatever their shape."""
    lines = [f"## {name}", "", "| measure | value |", "|---|---|"]
    for key, value in _flatten(result):
        lines.append(f"| {key} | {value} |")
    return [*lines, ""]


def _flatten(value: Any, prefix: str = "") -> list[tuple[str, Any]]:
    if isinstance(value, dict):
        out: list[tuple[str, Any]] = []
        for k, v in value.items():
            out += _flatten(v, f"{prefix}.{k}" if prefix else str(k))
        return out
    if isinstance(value, list):
        if len(value) > 5:
            return [(prefix, f"{len(value)} values")]
        return [(prefix, ", ".join(str(v) for v in value))]
    return [(prefix, value)]


def write_latest(results: Path) -> Path:
    """``latest.md`` (and ``latest.json``): the newest result of every benchmark across the
    results files (and of every scale size), each saying which file it comes from, so a run of
    some benchmarks does not hide the others' figures."""
    files = sorted(p for p in results.glob("*.json") if p.name != LATEST)
    merged: dict[str, Any] = {}
    scale_from: dict[str, str] = {}
    doc: dict[str, Any] = {}
    for path in files:  # named <date>-<machine>: oldest first, the newer wins
        doc = json.loads(path.read_text())
        for name, result in (doc.get("benchmarks") or {}).items():
            if name == "scale":
                sizes = {**(merged.get("scale") or {}).get("sizes", {}), **result["sizes"]}
                scale_from.update({n: path.name for n in result["sizes"]})
                merged["scale"] = {**result, "sizes": sizes}
            else:
                merged[name] = {**result, "measured_in": path.name}
    if "scale" in merged:
        by_file: dict[str, list[str]] = {}
        for n in sorted(scale_from, key=int):
            by_file.setdefault(scale_from[n], []).append(f"N={n}")
        merged["scale"]["note"] = "; ".join(
            f"{', '.join(ns)} from {name}" for name, ns in by_file.items()
        )
    latest = {**doc, "benchmarks": merged}
    path = results / LATEST
    path.write_text(json.dumps(latest, indent=2) + "\n")
    return write(latest, path)


LATEST = "latest.json"


if __name__ == "__main__":
    target = Path(sys.argv[1])
    if target.is_dir():  # python -m bench.report bench/results: latest.md from every file
        print(write_latest(target))
    else:
        print(write(json.loads(target.read_text()), target))
