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


def test_a_few_deploys_get_eight_requests_each_and_many_get_one() -> None:
    budget = InFlight()
    with contextlib.ExitStack() as stack:
        widths = [stack.enter_context(budget.share()) for _ in range(25)]
        assert budget.active == 25
    assert widths[:10] == [8] * 10, "up to ten deploys at once: eight each"
    assert widths[10:] == [1] * 15, "beyond (the manager's 20 workers busy): one connection each"
    assert budget.active == 0, "a deploy counts only while it runs"
    with budget.share() as width:
        assert width == 8, "a lone deploy gets eight again"
