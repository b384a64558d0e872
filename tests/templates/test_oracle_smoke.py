"""The Go template oracle builds, speaks its protocol, and renders the way Sveltos does."""

from __future__ import annotations

import shutil
from typing import Any

import pytest

from tests.templates.oracle import Oracle, build_oracle

pytestmark = pytest.mark.skipif(shutil.which("go") is None, reason="the oracle needs Go")


@pytest.fixture(scope="module")
def oracle() -> Oracle:
    return Oracle(build_oracle())


def ok(result: dict[str, Any]) -> str:
    assert result["error"] is None, result["error"]
    return result["output"]


def test_a_missing_key_is_an_error_by_default(oracle: Oracle) -> None:
    result = oracle("{{ .a }}", {})
    assert result["output"] == ""
    assert result["error"] == (
        'template: template:1:3: executing "template" at <.a>: map has no entry for key "a"'
    )


def test_missingkey_default_and_the_template_name_are_options(oracle: Oracle) -> None:
    assert ok(oracle("[{{ .a }}]", {}, missingkey="default")) == "[<no value>]"
    result = oracle("{{ .a }}", {}, name="ns-cluster-summary")
    assert result["error"].startswith('template: ns-cluster-summary:1:3: executing "ns-cluster')


def test_range_over_a_map_visits_keys_in_order(oracle: Oracle) -> None:
    template = "{{ range $k, $v := . }}{{ $k }}={{ $v }};{{ end }}"
    assert ok(oracle(template, {"b": 2, "c": 3, "a": 1})) == "a=1;b=2;c=3;"


def test_printf_and_numbers_typed_like_unstructured_objects(oracle: Oracle) -> None:
    assert ok(oracle('{{ printf "%v" 1.0 }}')) == "1"
    assert ok(oracle("{{ .n }}", {"n": 3})) == "3"
    assert ok(oracle("{{ .n }}", {"n": 3.5})) == "3.5"
    assert ok(oracle('{{ printf "%T %T %T" .i .f .w }}', {"i": 3, "f": 3.5, "w": 4.0})) == (
        "int64 float64 float64"
    )


def test_sprig_and_sveltos_functions(oracle: Oracle) -> None:
    assert ok(oracle('{{ "hello" | upper }}')) == "HELLO"
    # toYaml is Sveltos's: sigs.k8s.io/yaml, sorted keys, its final newline trimmed.
    assert ok(oracle("{{ toYaml . }}|", {"b": [1, "x"], "a": {"z": 1.5}})) == (
        "a:\n  z: 1.5\nb:\n- 1\n- x|"
    )
    # fromJson is Sveltos's too: a map, with a parse error under "Error".
    assert ok(oracle('{{ (fromJson "[1]").Error }}')) == (
        "json: cannot unmarshal array into Go value of type map[string]interface {}"
    )


def test_resource_functions_read_and_change_the_resources(oracle: Oracle) -> None:
    resources = {
        "cm": {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "cfg", "uid": "u-1", "resourceVersion": "7"},
            "data": {"k": "v"},
        }
    }
    template = (
        '{{ getResource "cm" | toYaml }}\n---\n'
        '{{ setField "cm" "data.k" "w" }}\n---\n'
        '{{ getField "cm" "data.k" }} [{{ getField "cm" "data.nope" }}] [{{ getResource "x" }}]'
    )
    assert ok(oracle(template, resources=resources)) == (
        "apiVersion: v1\ndata:\n  k: v\nkind: ConfigMap\nmetadata:\n  name: cfg\n---\n"
        "apiVersion: v1\ndata:\n  k: w\nkind: ConfigMap\nmetadata:\n  name: cfg\n---\n"
        "w [] [map[]]"
    )


def test_the_sveltos_root_is_addon_controllers_struct(oracle: Oracle) -> None:
    data = {"Cluster": {"metadata": {"name": "prod-1"}}}
    assert ok(oracle("{{ .Cluster.metadata.name }}", data, root="sveltos")) == "prod-1"
    result = oracle("{{ .Clusters }}", data, root="sveltos")
    assert result["error"].endswith(
        "can't evaluate field Clusters in type *controllers.currentClusterObjects"
    )


def test_errors_panics_and_crashes_stay_in_their_case(oracle: Oracle) -> None:
    cases = [
        {"id": "parse", "template": "{{ if }}"},
        {"id": "call", "template": '{{ fail "boom" }}'},
        # A template int is Go's int, which apimachinery cannot deep-copy: Sveltos fails so too.
        {"id": "panic", "template": '{{ setField "r" "a" 1 }}', "resources": {"r": {}}},
        {"id": "option", "template": "x", "missingkey": "bogus"},
        # printf of a map holding itself overflows Go's stack and kills the process.
        {"id": "crash", "template": '{{ $d := dict }}{{ $_ := set $d "d" $d }}{{ print $d }}'},
        {"id": "after", "template": "{{ 1 }}"},
    ]
    results = {r["id"]: r for r in oracle.render(cases)}
    assert list(results) == [c["id"] for c in cases]
    assert results["parse"]["error"] == "template: template:1: missing value for if"
    assert results["call"]["error"].endswith("error calling fail: boom")
    assert results["panic"]["error"].endswith("error calling setField: cannot deep copy int")
    assert results["option"]["error"].startswith("panic: ")
    assert results["crash"]["error"] == "crash: fatal error: stack overflow"
    assert ok(results["after"]) == "1"
