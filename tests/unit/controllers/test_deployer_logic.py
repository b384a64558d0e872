"""Pure helpers of the deployer (no server)."""

from __future__ import annotations

from navarch.controllers.deployer import written_where


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
