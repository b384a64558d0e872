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
    with contextlib.ExitStack() as stack:
        widths = [stack.enter_context(budget.share()) for _ in range(25)]
        assert budget.active == 25
    assert widths[:2] == [8, 8], "one or two deploys at once: eight each"
    assert widths[2] == 6 and widths[9] == 2, "ten at once share the budget: two each"
    assert widths[19] == 1 and widths[24] == InFlight.LEAST == 1, "the manager's 20 workers"
    assert widths == sorted(widths, reverse=True)
    assert budget.active == 0, "a deploy counts only while it runs"
