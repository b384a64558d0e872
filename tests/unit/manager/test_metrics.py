"""The manager's Prometheus text exposition, without a server."""

from __future__ import annotations

from navarch.manager.metrics import exposition


def test_exposition_names_each_metric_once_and_escapes_labels() -> None:
    text = exposition(
        [
            ("projectsveltos_total_drifts", {"cluster_namespace": "a", "cluster_name": "x"}, 3),
            ("projectsveltos_total_drifts", {"cluster_namespace": "b", "cluster_name": 'q"'}, 1),
            ("navarch_up", {}, 1.5),
        ],
        {"projectsveltos_total_drifts": "Drifted objects repaired, per cluster."},
    )
    assert text.splitlines() == [
        "# HELP projectsveltos_total_drifts Drifted objects repaired, per cluster.",
        "# TYPE projectsveltos_total_drifts counter",
        'projectsveltos_total_drifts{cluster_name="x",cluster_namespace="a"} 3',
        'projectsveltos_total_drifts{cluster_name="q\\"",cluster_namespace="b"} 1',
        "# HELP navarch_up navarch_up",
        "# TYPE navarch_up counter",
        "navarch_up 1.5",
    ]
