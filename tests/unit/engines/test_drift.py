"""Drift hashing, exclusions and the manager/agent baselines, without a server."""

from __future__ import annotations

import copy
from typing import Any

from navarch.engines.drift import (
    Baselines,
    ResourceRef,
    drift_hash,
    excluded_paths,
    exclusion_patches,
    hashes_of,
    ignored,
    ref_of,
    selector_matches,
    target_matches,
)


def deployment() -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {
            "name": "web",
            "namespace": "prod",
            "labels": {"app": "web"},
            "annotations": {"team": "a"},
            "uid": "u-1",
            "resourceVersion": "10",
            "generation": 3,
            "creationTimestamp": "2026-01-01T00:00:00Z",
            "managedFields": [{"manager": "navarch"}],
        },
        "spec": {"replicas": 2, "template": {"spec": {"containers": [{"name": "c"}]}}},
        "status": {"readyReplicas": 2},
    }


def test_server_set_metadata_and_status_are_not_drift() -> None:
    base = deployment()
    other = copy.deepcopy(base)
    other["metadata"].update(resourceVersion="11", generation=4, managedFields=[], uid="u-2")
    other["status"] = {"readyReplicas": 0}
    assert drift_hash(other) == drift_hash(base)
    assert drift_hash(base).startswith("sha256:")


def test_spec_labels_and_annotations_are_drift() -> None:
    base = drift_hash(deployment())
    for change in (
        lambda d: d["spec"].update(replicas=3),
        lambda d: d["metadata"]["labels"].update(app="other"),
        lambda d: d["metadata"]["annotations"].pop("team"),
    ):
        changed = deployment()
        change(changed)
        assert drift_hash(changed) != base


def test_excluded_paths_are_left_out_of_the_hash() -> None:
    patches = exclusion_patches(
        [{"paths": ["spec/replicas"], "target": {"kind": "Deployment", "name": "w.*"}}]
    )
    assert patches == [
        {
            "patch": "- op: remove\n  path: /spec/replicas",
            "target": {"kind": "Deployment", "name": "w.*"},
        }
    ]
    scaled = deployment()
    scaled["spec"]["replicas"] = 7
    paths = excluded_paths(patches, scaled)
    assert paths == ["/spec/replicas"]
    assert drift_hash(scaled, paths) == drift_hash(deployment(), paths)
    assert drift_hash(scaled) != drift_hash(deployment())
    # a path that is not there, or a list index out of range, is fine
    assert drift_hash(deployment(), ["/spec/nothing/here", "/spec/template/spec/containers/5"])


def test_targets_select_by_fields_and_selectors() -> None:
    obj = deployment()
    assert target_matches({}, obj)
    assert target_matches({"group": "apps", "version": "v1", "namespace": "prod"}, obj)
    assert not target_matches({"kind": "ConfigMap"}, obj)
    assert not target_matches({"name": "web-.*"}, obj)  # a full match, not a prefix search
    assert target_matches({"labelSelector": "app=web"}, obj)
    assert not target_matches({"labelSelector": "app!=web"}, obj)
    assert target_matches({"annotationSelector": "team"}, obj)
    assert not target_matches({"annotationSelector": "!team"}, obj)
    assert selector_matches("a=1, b", {"a": "1", "b": ""})
    assert not selector_matches("a==2", {"a": "1"})


def test_refs_hashes_and_the_ignore_annotation() -> None:
    obj = deployment()
    assert ref_of(obj) == ResourceRef("apps", "Deployment", "prod", "web")
    assert str(ref_of(obj)) == "Deployment prod/web"
    assert str(ResourceRef("", "Namespace", "", "n")) == "Namespace n"
    status = {
        "resourceHashes": [
            {
                "resource": {
                    "group": "apps",
                    "kind": "Deployment",
                    "namespace": "prod",
                    "name": "web",
                },
                "hash": "sha256:1",
            },
            {"resource": {"kind": "ConfigMap", "name": "no-hash"}},
        ]
    }
    assert hashes_of(status) == {ResourceRef("apps", "Deployment", "prod", "web"): "sha256:1"}
    assert not ignored(obj)
    obj["metadata"]["annotations"]["projectsveltos.io/driftDetectionIgnore"] = ""
    assert ignored(obj)


def test_baselines_hold_judging_while_the_manager_writes() -> None:
    baselines, settled = Baselines(), []
    baselines.subscribe(settled.append)
    key, ref = ("ns", "summary"), ResourceRef("", "ConfigMap", "d", "a")
    assert not baselines.writing(key) and baselines.hashes(key) is None
    baselines.begin(key)
    baselines.begin(key)
    baselines.settle(key, None)
    assert baselines.writing(key)  # still one write in flight
    baselines.settle(key, {ref: "sha256:x"})
    assert not baselines.writing(key)
    assert baselines.hashes(key) == {ref: "sha256:x"}
    assert settled == [key, key]
    baselines.retire(key)  # withdrawing: never judged again, baselines dropped
    assert baselines.writing(key) and baselines.hashes(key) is None
    baselines.begin(key)  # deployed again later
    baselines.settle(key, {})
    assert not baselines.writing(key)
    baselines.unsubscribe(settled.append)
    baselines.begin(key)
    baselines.settle(key, None)
    assert settled == [key, key, key]  # the unsubscribed listener heard nothing more


def test_in_process_reports_wake_the_controller_and_are_taken_once() -> None:
    baselines, woken = Baselines(), []
    baselines.on_report(woken.append)
    key = ("ns", "summary")
    a, b = ResourceRef("", "ConfigMap", "d", "a"), ResourceRef("", "ConfigMap", "d", "b")
    baselines.report(key, [a])
    baselines.report(key, [b, a])
    assert woken == [key, key]
    assert baselines.take_suspects(key) == {a, b}
    assert baselines.take_suspects(key) == set()
    baselines.report(key, [a])
    baselines.retire(key)  # withdrawn: pending reports are dropped
    assert baselines.take_suspects(key) == set()


def test_suspects_can_be_taken_for_one_feature_and_the_rest_left() -> None:
    baselines, key = Baselines(), ("ns", "summary")
    raw, chart = ResourceRef("", "ConfigMap", "d", "raw"), ResourceRef("", "ConfigMap", "a", "c")
    baselines.report(key, [raw, chart])
    assert baselines.take_suspects(key, {chart}) == {chart}  # the Helm feature's
    assert baselines.take_suspects(key, {chart}) == set()
    assert baselines.take_suspects(key) == {raw}  # the rest, for the others


def test_helm_hashes_are_baselines_too() -> None:
    entry = {"resource": {"kind": "ConfigMap", "namespace": "a", "name": "c"}, "hash": "sha256:h"}
    status = {"helmResourceHashes": [{**entry, "helmChartRef": "a/r"}]}
    assert hashes_of(status) == {ResourceRef("", "ConfigMap", "a", "c"): "sha256:h"}
