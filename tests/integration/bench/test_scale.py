"""The scale harness at N=20 on 2 API servers, so `make bench` keeps working (not a timing test).

It runs the whole harness, Navarch and the floor, on a fleet of its own, then draws the summary
and plots from the result. The harness raises if Navarch does not converge in a phase.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from bench import report, scale

pytestmark = pytest.mark.integration


async def test_the_scale_harness_runs_end_to_end_and_reports(tmp_path: Path) -> None:
    result = await scale.run(sizes=(20,), servers=2, idle_window=5.0)

    one = result["sizes"]["20"]
    assert one["registrations"] == 20 and one["servers"] == 2
    assert set(one["phases"]) == set(report.PHASES)
    for phase in one["phases"].values():
        assert phase["navarch_seconds"] > 0 and phase["floor_seconds"] > 0
        assert phase["ratio"] == round(phase["navarch_seconds"] / phase["floor_seconds"], 2)
    deploy = one["phases"]["deploy"]
    for who in ("navarch", "floor"):  # the work each made the machine do, split by process
        by_role = deploy[f"{who}_cpu_seconds_by_role"]
        assert {"managed apiservers", "mgmt apiserver", "etcd", "harness"} <= set(by_role)
        assert deploy[f"{who}_machine_cpu_seconds"] >= by_role["managed apiservers"] > 0
    assert deploy["navarch_cpu_seconds_by_role"]["manager"] > 0
    # the floor applies what Navarch applies (same metadata), once each, and nothing else
    assert one["floor_objects_match"] is True
    assert deploy["floor_requests"]["managed"].get("APPLY configmaps") == 20 * scale.OBJECTS
    assert deploy["navarch_requests"]["managed"].get("APPLY configmaps", 0) >= 20 * scale.OBJECTS
    assert deploy["navarch_requests"]["mgmt"].get("APPLY clustersummaries", 0) >= 20
    # the second floor writes the Sveltos bookkeeping too, and nothing else, in every phase
    summaries, configurations = "clustersummaries", "clusterconfigurations/status"
    expected = {
        "deploy": (
            {"APPLY configmaps": 20 * scale.OBJECTS},
            {
                f"APPLY {summaries}": 20,
                f"APPLY {summaries}/status": 20,
                f"APPLY {configurations}": 20,
            },
        ),
        "label_move": (  # 2 of the 20 registrations move
            {"APPLY configmaps": 2 * scale.OBJECTS, "DELETE configmaps": 2 * scale.OBJECTS},
            {
                f"DELETE {summaries}": 2,
                f"APPLY {summaries}": 2,
                f"APPLY {summaries}/status": 2,
                f"APPLY {configurations}": 2,
            },
        ),
        "rollout_max_update_10pct": (  # the 18 that stay
            {"APPLY configmaps": 18 * scale.OBJECTS},
            {f"APPLY {summaries}": 18, f"APPLY {summaries}/status": 18},
        ),
    }
    for name, (managed, mgmt) in expected.items():
        phase = one["phases"][name]
        booked = phase["floor_bookkeeping_requests"]
        assert {k: v for k, v in booked["managed"].items() if scale.is_write(k)} == managed, name
        assert {k: v for k, v in booked["mgmt"].items() if scale.is_write(k)} == mgmt, name
        assert phase["ratio_bookkeeping"] == round(
            phase["navarch_seconds"] / phase["floor_bookkeeping_seconds"], 2
        )
    assert one["phases"]["label_move"]["registrations_moved"] == 2
    assert one["manager_busy"]["peak_rss_mib"] > 20
    assert one["idle"]["window_seconds"] >= 5.0
    assert one["idle"]["managed_background_requests_per_minute"] >= 0
    # at rest the manager writes nothing to the managed clusters (only the servers' own Leases)
    assert set(one["idle"]["writes"]["managed"]) <= {"PUT leases"}

    doc = {
        "date": "2026-01-01T00:00:00+00:00",
        "machine": {"node": "test", "cpus": 2, "python": "3.11"},
        "benchmarks": {"scale": result, "other": {"navarch_median": 1.0, "floor_median": 0.5}},
    }
    summary = report.write(doc, tmp_path / "run.json")
    text = summary.read_text()
    assert "| 20 | 2 | new profile (20 objects) reaches all |" in text
    for name, what in report.PHASES.items():  # each phase beside its bookkeeping floor
        p = one["phases"][name]
        row = f"| 20 | {what} | {p['navarch_seconds']} | {p['floor_seconds']} | "
        assert f"{row}{p['floor_bookkeeping_seconds']} | {p['ratio_bookkeeping']} | " in text
    assert "## other" in text and "| navarch_median | 1.0 |" in text
    for png in ("run-scale-converge.png", "run-scale-rss.png"):
        data = (tmp_path / png).read_bytes()
        assert data.startswith(b"\x89PNG") and len(data) > 5000
        assert f"]({png})" in text
