"""The Go-template engine's own guarantees (rendering is compared with Go in
tests/templates): errors a user can act on, and types as Go sees them."""

from __future__ import annotations

import pytest

from navarch.engines.gotemplate import I64, Template, TemplateError, render
from navarch.engines.gotemplate.sveltos import FUNCS, to_yaml
from navarch.engines.gotemplate.values import go_data

CLUSTER = {"Cluster": {"metadata": {"name": "prod-1", "labels": {"env": "prod", "tier": "1"}}}}


def error_of(text: str, data: object = CLUSTER, name: str = "policy") -> TemplateError:
    with pytest.raises(TemplateError) as err:
        Template(name, funcs=FUNCS).parse(text).execute(go_data(data))
    return err.value


def test_a_missing_key_names_the_path_and_the_keys_there() -> None:
    err = error_of("kind: ConfigMap\nmetadata:\n  name: {{ .Cluster.metadata.labels.region }}\n")
    assert (err.template, err.line, err.column) == ("policy", 3, 12)
    assert err.action == "{{.Cluster.metadata.labels.region}}"
    assert 'map has no entry for key "region"' in err.reason
    assert "at .Cluster.metadata.labels.region" in err.reason
    assert "keys at .Cluster.metadata.labels: env, tier" in err.reason
    assert str(err).startswith('template "policy" line 3 column 12, in {{.Cluster.metadata')


def test_parse_errors_say_where() -> None:
    err = error_of("ok\n{{ if .Cluster }}\nno end")
    assert err.line is not None and "unexpected EOF" in err.reason
    err = error_of("{{ nosuchfunc . }}")
    assert 'function "nosuchfunc" not defined' in err.reason and err.column == 4


def test_function_errors_name_the_function_and_the_cause() -> None:
    err = error_of('{{ fail "region label is required" }}')
    assert err.reason == "error calling fail: region label is required"
    err = error_of("{{ repeat .Cluster.metadata.name 3 }}")
    assert "wrong type for value; expected int; got string" in err.reason


def test_data_integers_are_int64_and_constants_int() -> None:
    assert render('{{ printf "%T %T" .n 3 }}', go_data({"n": 3})) == "int64 int"
    # Go refuses an int64 where a Sprig function wants an int
    with pytest.raises(TemplateError, match="expected int; got int64"):
        render('{{ repeat .n "x" }}', go_data({"n": 2}), funcs=FUNCS)
    assert isinstance(go_data({"a": [1]})["a"][0], I64)


def test_to_yaml_quotes_what_would_read_back_as_another_type() -> None:
    assert to_yaml({"a": "yes", "b": "1", "c": "y", "d": "plain"}) == (
        'a: "yes"\nb: "1"\nc: "y"\nd: plain'
    )


def test_recursion_is_stopped() -> None:
    text = '{{ define "loop" }}{{ template "loop" . }}{{ end }}{{ template "loop" . }}'
    with pytest.raises(TemplateError, match=r"too deeply|maximum template depth"):
        render(text, {})
