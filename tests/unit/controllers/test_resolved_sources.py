"""Sources reached through templated names are followed per summary."""

from __future__ import annotations

from navarch.controllers.templates import ResolvedSources, is_template


def test_a_summary_is_found_from_the_sources_it_resolved_to_and_only_those() -> None:
    resolved, east, west = ResolvedSources(), ("fleet", "p-east"), ("fleet", "p-west")
    resolved.record(east, {"ConfigMap/default/addons-east"})
    resolved.record(west, {"ConfigMap/default/addons-west", "Secret/default/creds"})
    assert resolved.summaries_of("ConfigMap/default/addons-east") == {east}
    assert resolved.summaries_of("Secret/default/creds") == {west}
    # the label changed: east now resolves elsewhere, the old source no longer wakes it
    resolved.record(east, {"ConfigMap/default/addons-east-2"})
    assert resolved.summaries_of("ConfigMap/default/addons-east") == set()
    assert resolved.summaries_of("ConfigMap/default/addons-east-2") == {east}
    resolved.forget(west)
    assert resolved.summaries_of("Secret/default/creds") == set()
    resolved.record(east, set())
    assert resolved.summaries_of("ConfigMap/default/addons-east-2") == set()


def test_only_text_with_an_action_is_a_template() -> None:
    assert is_template("addons-{{ .Cluster.metadata.name }}")
    assert not is_template("addons") and not is_template("")
