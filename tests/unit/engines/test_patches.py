"""Patches without kubectl: converting spec entries, telling patch types apart, checking them,
choosing the objects each may touch, batching, aligning output, reading YAML 1.2, and the
Helm plugin files."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from navarch.api.validatehealth import Patch as PatchSpec
from navarch.engines import kyaml, postrender
from navarch.engines.patches import Patch, PatchError, Target, patch_from_spec, patches_from_data
from navarch.engines.patchplan import (
    JSON6902,
    STRATEGIC_MERGE,
    Item,
    align,
    applicable_operations,
    batches,
    item_of,
    may_select,
    parse_patch,
    path_exists,
    plan,
)
from navarch.engines.resources import ManifestError

Obj = dict[str, Any]


def _obj(kind: str, name: str, namespace: str = "", api: str = "v1", **extra: Any) -> Obj:
    meta: dict[str, Any] = {"name": name}
    if namespace:
        meta["namespace"] = namespace
    return {"apiVersion": api, "kind": kind, "metadata": meta, **extra}


def _items(*objects: Obj) -> list[Item]:
    items = [item_of(n, o) for n, o in enumerate(objects)]
    assert all(i is not None for i in items)
    return [i for i in items if i is not None]


# --- spec entries --------------------------------------------------------------------------------


def test_a_spec_entry_in_wire_form_becomes_a_patch() -> None:
    entry = {
        "patch": "- op: add\n  path: /metadata/labels/a\n  value: b\n",
        "target": {
            "group": "apps",
            "version": "v1",
            "kind": "Deployment",
            "namespace": "prod-.*",
            "name": "web",
            "labelSelector": "app=web",
            "annotationSelector": "team in (a,b)",
        },
    }
    patch = patch_from_spec(entry, "spec.patches[2]")
    assert patch.origin == "spec.patches[2]"
    assert patch.target == Target(
        "apps", "v1", "Deployment", "prod-.*", "web", "app=web", "team in (a,b)"
    )
    assert patch.target.kustomize() == {
        "group": "apps",
        "version": "v1",
        "kind": "Deployment",
        "namespace": "prod-.*",
        "name": "web",
        "labelSelector": "app=web",
        "annotationSelector": "team in (a,b)",
    }


def test_the_api_model_is_accepted_and_an_empty_target_is_not_no_target() -> None:
    spec = PatchSpec.parse({"patch": "x: y", "target": {}})
    assert patch_from_spec(spec, "p").target == Target()  # selects everything, as in kustomize
    assert Target().kustomize() == {}
    assert patch_from_spec(PatchSpec.parse({"patch": "x: y"}), "p").target is None
    kind_only = PatchSpec.parse({"patch": "x", "target": {"kind": "Service"}})
    assert patch_from_spec(kind_only, "p").target == Target(kind="Service")


def test_an_empty_patch_in_the_spec_is_an_error() -> None:
    with pytest.raises(PatchError, match=r"^spec.patches\[0\]: patch is empty"):
        patch_from_spec({"patch": "  \n"}, "spec.patches[0]")


def test_patches_from_data_are_patch_objects_in_key_order() -> None:
    data = {
        "b": "patch: |\n  - op: remove\n    path: /x\ntarget:\n  kind: Service\n",
        "a": "patch: |\n  apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: c}\n",
    }
    patches = patches_from_data(data, "ConfigMap default/overrides")
    assert [p.origin for p in patches] == [
        "ConfigMap default/overrides key 'a'",
        "ConfigMap default/overrides key 'b'",
    ]
    assert patches[0].target is None and patches[0].text.startswith("apiVersion: v1")
    assert patches[1].target == Target(kind="Service")
    with pytest.raises(PatchError, match="key 'c': expected a patch object with `patch:`"):
        patches_from_data({"c": "- op: remove\n  path: /x\n"}, "ConfigMap default/overrides")


# --- patch types and checks ----------------------------------------------------------------------


def test_a_list_is_json6902_and_objects_are_strategic_merge() -> None:
    json_patch = Patch('[{"op": "remove", "path": "/a"}]', Target(kind="X"))
    assert parse_patch(json_patch).type == JSON6902
    yaml_ops = Patch("- op: add\n  path: /a\n  value: 1\n", Target(kind="X"))
    assert parse_patch(yaml_ops).operations == ({"op": "add", "path": "/a", "value": 1},)
    smp = Patch(
        "apiVersion: v1\nkind: A\nmetadata: {name: a}\n---\n"
        "apiVersion: v1\nkind: B\nmetadata: {name: b}\n"
    )
    parsed = parse_patch(smp)
    assert parsed.type == STRATEGIC_MERGE
    assert [d["kind"] for d in parsed.documents] == ["A", "B"]


@pytest.mark.parametrize(
    ("text", "target", "expected"),
    [
        ("a: [b", Target(), "not valid YAML (line 2: did not find expected"),
        ("just words", Target(), "neither a strategic merge patch"),
        ("---\n", Target(), "the patch is empty"),
        ("- op: add\n  path: /a\n  value: 1\n", None, "needs a target naming the objects"),
        ("- op: frob\n  path: /a\n", Target(), "operation 0 needs `op:` one of add, remove"),
        ("- op: add\n  value: 1\n", Target(), "operation 0 (add) needs `path:`"),
        (
            "- op: remove\n  path: /a\n- op: replace\n  path: /b\n",
            Target(),
            "operation 1 (replace) needs `value:`",
        ),
        ("- op: move\n  path: /a\n", Target(), "operation 0 (move) needs `from:`"),
        ("spec: {replicas: 2}\n", Target(kind="Deployment"), "needs kind and metadata.name"),
        ("kind: Deployment\nmetadata: {name: x}\n", None, "needs apiVersion to name it"),
    ],
)
def test_a_bad_patch_is_named_with_what_to_do(
    text: str, target: Target | None, expected: str
) -> None:
    patch = Patch(text, target, "ConfigMap default/p key 'k'")
    with pytest.raises(PatchError) as err:
        parse_patch(patch, 3)
    message = str(err.value)
    assert message.startswith(f"patch 3 (ConfigMap default/p key 'k', {patch.head!r}): ")
    assert expected in message


def test_the_head_of_a_long_patch_is_short_and_on_one_line() -> None:
    patch = Patch("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: " + "x" * 100)
    assert patch.head.startswith("apiVersion: apps/v1 kind: Deployment metadata: name: xx")
    assert len(patch.head) == 60 and patch.head.endswith("...")


# --- which objects a target may select -----------------------------------------------------------


def test_target_regexes_are_matched_whole() -> None:
    (web, web2, cm) = _items(
        _obj("Deployment", "web", "apps", "apps/v1"),
        _obj("Deployment", "web-2", "apps", "apps/v1"),
        _obj("ConfigMap", "web", "apps"),
    )
    assert may_select(Target(name="web"), web) and not may_select(Target(name="web"), web2)
    assert may_select(Target(name="web.*"), web2)
    assert not may_select(Target(kind="Deploy"), web)
    assert may_select(Target(kind="Deployment|ConfigMap"), cm)
    assert may_select(Target(group="apps", version="v1"), web)
    assert not may_select(Target(group="apps"), cm)
    assert may_select(Target(group="", version="v1", kind="ConfigMap"), cm)
    assert not may_select(Target(version="v2"), cm)
    assert may_select(Target(label_selector="anything=at-all"), cm)  # kustomize decides


def test_a_namespace_target_sees_an_object_without_namespace_as_default() -> None:
    (bare, other) = _items(_obj("ConfigMap", "c"), _obj("ConfigMap", "d", "other"))
    assert may_select(Target(namespace="default"), bare)
    assert not may_select(Target(namespace="default"), other)
    assert may_select(Target(namespace="oth.*"), other)


def test_a_regex_python_cannot_read_is_left_to_kustomize() -> None:
    (item,) = _items(_obj("ConfigMap", "c"))
    assert may_select(Target(name=r"\pL+"), item)  # Go syntax Python lacks: maybe


# --- JSON 6902 remove of missing paths -----------------------------------------------------------


def test_paths_are_json_pointers_with_escapes_and_indices() -> None:
    obj = {"metadata": {"labels": {"velero.io/exclude": "true"}}, "spec": {"l": [{"a": 1}]}}
    assert path_exists(obj, "/metadata/labels/velero.io~1exclude")
    assert not path_exists(obj, "/metadata/labels/velero.io/exclude")
    assert path_exists(obj, "/spec/l/0/a")
    assert not path_exists(obj, "/spec/l/1")
    assert not path_exists(obj, "/spec/l/-")
    assert not path_exists(obj, "/spec/l/0/a/deeper")
    assert path_exists(obj, "")


def test_only_removes_of_missing_paths_are_dropped() -> None:
    ops = [
        {"op": "remove", "path": "/metadata/labels/gone"},
        {"op": "remove", "path": "/metadata/labels/here"},
        {"op": "add", "path": "/metadata/labels/new", "value": "x"},
    ]
    obj = {"metadata": {"labels": {"here": "1"}}}
    assert applicable_operations(ops, obj) == ops[1:]


# --- planning ------------------------------------------------------------------------------------


def test_an_untargeted_patch_goes_to_the_object_it_names_or_nowhere() -> None:
    items = _items(
        _obj("ConfigMap", "a", "default"), _obj("ConfigMap", "b"), _obj("Secret", "a", "default")
    )
    names_a = Patch("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {x: y}\n")
    absent = Patch("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: zz}\ndata: {x: y}\n")
    other_version = Patch("apiVersion: v2\nkind: ConfigMap\nmetadata: {name: a}\n")
    entries = plan(items, [names_a, absent, other_version])
    assert [(e.patch, e.objects, e.target) for e in entries] == [(0, frozenset({0}), None)]
    assert entries[0].text == names_a.text


def test_an_untargeted_patch_keeps_only_its_documents_whose_object_is_there() -> None:
    items = _items(_obj("ConfigMap", "a", "ns"))
    patch = Patch(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: ns}\ndata: {x: y}\n"
        "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: gone, namespace: ns}\n"
    )
    (entry,) = plan(items, [patch])
    assert [yaml.safe_load(d)["metadata"]["name"] for d in entry.text.split("\n---\n")] == ["a"]


def test_a_patch_that_can_select_nothing_is_left_out() -> None:
    items = _items(_obj("ConfigMap", "a"))
    patch = Patch('[{"op": "add", "path": "/x", "value": 1}]', Target(kind="Deployment"))
    assert plan(items, [patch]) == []


def test_removes_of_missing_paths_narrow_the_patch_to_each_object() -> None:
    with_label = _obj("ConfigMap", "a.b", "ns")
    with_label["metadata"]["labels"] = {"drop": "me"}
    items = _items(with_label, _obj("ConfigMap", "c"))
    patch = Patch(
        '[{"op": "remove", "path": "/metadata/labels/drop"}]',
        Target(kind="ConfigMap", label_selector="x!=y"),
        "spec.patches[0]",
    )
    entries = plan(items, [patch])
    assert len(entries) == 1  # the object without the label has nothing left to do
    (entry,) = entries
    assert json.loads(entry.text) == [{"op": "remove", "path": "/metadata/labels/drop"}]
    assert entry.objects == frozenset({0})
    assert entry.target == Target(
        version="v1", kind="ConfigMap", namespace="ns", name=r"a\.b", label_selector="x!=y"
    )


def test_a_patch_all_objects_can_take_whole_stays_one_entry() -> None:
    a, b = _obj("ConfigMap", "a"), _obj("ConfigMap", "b")
    for obj in (a, b):
        obj["metadata"]["labels"] = {"drop": "me"}
    patch = Patch('[{"op": "remove", "path": "/metadata/labels/drop"}]', Target(kind="ConfigMap"))
    (entry,) = plan(_items(a, b), [patch])
    assert entry.text == patch.text and entry.target == patch.target
    assert entry.objects == frozenset({0, 1})


def test_objects_kustomize_would_take_for_one_id_are_batched_apart() -> None:
    items = _items(
        _obj("ServiceAccount", "sa"),
        _obj("ServiceAccount", "sa", "default"),  # same id: no namespace means default
        _obj("ServiceAccount", "sa", "other"),
        _obj("ServiceAccount", "sa", "default"),
    )
    assert [[i.index for i in b] for b in batches(items)] == [[0, 2], [1], [3]]


def test_output_is_aligned_to_input_through_deletes_and_renames() -> None:
    inputs = _items(_obj("A", "a"), _obj("B", "b"), _obj("C", "c"), _obj("D", "d"))
    outputs = [_obj("A", "a"), _obj("C", "renamed"), _obj("D", "d")]
    # B was deleted... or renamed? C's output has a new name: it is the next input's
    assert align(inputs, outputs) == [0, 1, None, 2]
    assert align(inputs, [_obj("A", "a"), _obj("C", "c"), _obj("D", "d")]) == [0, None, 1, 2]


def test_objects_kustomize_cannot_identify_are_never_sent() -> None:
    assert item_of(0, {"kind": "ConfigMap", "metadata": {"name": "x"}}) is None
    assert item_of(0, {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {}}) is None
    item = item_of(4, _obj("Deployment", "web", "apps", "apps/v1"))
    assert item is not None
    assert (item.group, item.version, item.key) == (
        "apps",
        "v1",
        ("apps", "Deployment", "apps", "web"),
    )


# --- YAML 1.2 as kustomize writes it ---------------------------------------------------------


def test_kustomize_output_is_read_as_yaml_1_2() -> None:
    text = (
        "a: =\nb: 1e-05\nc: yes\nd: 0123\ne: 12:30\nf: 2024-01-01\ng: true\nh: ~\ni: 1.5\n"
        "j: 0x1F\nk: -3\nl: .inf\nm: '1'\n<<: x\n"
    )
    doc = kyaml.load(text)
    assert doc == {
        "a": "=",
        "b": 1e-05,
        "c": "yes",
        "d": 123,
        "e": "12:30",
        "f": "2024-01-01",
        "g": True,
        "h": None,
        "i": 1.5,
        "j": 31,
        "k": -3,
        "l": float("inf"),
        "m": "1",
        "<<": "x",
    }


def test_a_stream_splits_into_documents_with_their_text() -> None:
    text = "---\na: 1\n---\n\n--- # comment\nb: |\n  ---\n  x\n"
    assert kyaml.split_documents(text) == ["a: 1\n", "b: |\n  ---\n  x\n"]
    with pytest.raises(ManifestError, match="out document 1 is not an object"):
        kyaml.parse_objects("- a\n", "out")


# --- the Helm plugin's files ---------------------------------------------------------------------


def test_the_plugin_is_a_helm_4_postrenderer_run_by_this_interpreter(tmp_path: Path) -> None:
    name = postrender.install_plugin(tmp_path / "plugins")
    manifest = yaml.safe_load((tmp_path / "plugins" / name / "plugin.yaml").read_text())
    assert manifest == {
        "apiVersion": "v1",
        "type": "postrenderer/v1",
        "name": "navarch-patches",
        "version": "1.0.0",
        "runtime": "subprocess",
        "runtimeConfig": {
            "platformCommand": [
                {"command": sys.executable, "args": ["-m", "navarch.engines.postrender"]}
            ]
        },
    }
    before = (tmp_path / "plugins" / name / "plugin.yaml").stat().st_mtime_ns
    postrender.install_plugin(tmp_path / "plugins")
    assert (tmp_path / "plugins" / name / "plugin.yaml").stat().st_mtime_ns == before
    assert sorted(p.name for p in (tmp_path / "plugins" / name).iterdir()) == ["plugin.yaml"]


def test_a_request_is_private_and_round_trips_the_patches(tmp_path: Path) -> None:
    patches = [
        Patch("x: y", Target(kind="A", label_selector="a=b"), "spec.patches[0]"),
        Patch("z: 1"),
    ]
    request = postrender.write_request(
        tmp_path, patches, kubectl=Path("/bin/kubectl"), where="Helm r", strategy="nohooks"
    )
    assert request.stat().st_mode & 0o777 == 0o600
    spec = json.loads(request.read_text())
    assert spec["strategy"] == "nohooks" and spec["kubectl"] == "/bin/kubectl"
    assert [Target(**p["target"]) if p["target"] else None for p in spec["patches"]] == [
        patches[0].target,
        None,
    ]
    assert postrender.flags(request) == [
        "--post-renderer",
        "navarch-patches",
        "--post-renderer-args",
        str(request),
    ]
    assert postrender.error_of(request) is None
    with pytest.raises(ManifestError, match="postRenderStrategy 'sometimes' is not one of"):
        postrender.write_request(
            tmp_path, patches, kubectl=Path("k"), where="w", strategy="sometimes"
        )


def test_the_plugin_reports_failure_in_a_file_beside_the_request(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    request = postrender.write_request(
        tmp_path, [Patch("not: [valid", Target())], kubectl=Path("/nonexistent"), where="Helm r"
    )
    monkeypatch.setattr(
        "sys.stdin", _Stdin("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n")
    )
    assert postrender.main([str(request)]) == 1
    message = postrender.error_of(request)
    assert message is not None and message.startswith("Helm r (post-renderer): patch 0 (patch, ")
    assert "not valid YAML" in message
    assert message in capsys.readouterr().err


class _Stdin:
    def __init__(self, text: str) -> None:
        self.text = text

    def read(self) -> str:
        return self.text
