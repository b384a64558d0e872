"""Pure helpers of the deployer (no server)."""

from __future__ import annotations

import contextlib

from navarch.controllers.deployer import InFlight, written_where


def test_written_objects_say_which_namespaces_of_which_kinds_to_look_in() -> None:
    written = [
        ("Remote", ("ConfigMap.v1.", "a", "x")),
        ("Remote", ("ConfigMap.v1.", "b", "y")),
        ("Remote", ("ClusterRole.v1.rbac.authorization.k8s.io", "", "r")),
        ("Local", ("ConfigMap.v1.", "mgmt-ns", "z")),
    ]
    assert written_where(written, "Remote") == {
        "ConfigMap.v1.": {"a", "b"},
        "ClusterRole.v1.rbac.authorization.k8s.io": {""},
    }
    assert written_where(written, "Local") == {"ConfigMap.v1.": {"mgmt-ns"}}
    assert written_where([], "Remote") == {}


def test_a_few_deploys_get_eight_requests_each_and_many_share_the_budget() -> None:
    budget = InFlight()
    with contextlib.ExitStack() as stack:  # ten deploys at once: still eight each
        widths = [stack.enter_context(budget.share()) for _ in range(10)]
        assert budget.active == 10
    assert widths == [8] * 10 and budget.active == 0
    with contextlib.ExitStack() as stack:  # the manager's 20 ClusterSummary workers
        widths = [stack.enter_context(budget.share()) for _ in range(40)]
    assert widths[19] == 4 and widths[26] == 2 and widths[39] == InFlight.LEAST
    assert budget.active == 0, "a deploy counts only while it runs"
