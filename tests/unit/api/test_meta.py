"""Label selectors, label lists and object names, as Kubernetes defines them."""

from __future__ import annotations

import pytest

from navarch.api.meta import (
    LabelSelector,
    SelectorError,
    dns_label_problem,
    dns_subdomain_problem,
    parse_label_list,
)


def selector(**doc: object) -> LabelSelector:
    return LabelSelector.parse(doc)


@pytest.mark.parametrize(
    ("doc", "labels", "expected"),
    [
        ({"matchLabels": {"env": "prod"}}, {"env": "prod", "x": "y"}, True),
        ({"matchLabels": {"env": "prod"}}, {"env": "dev"}, False),
        (
            {"matchExpressions": [{"key": "env", "operator": "In", "values": ["a", "b"]}]},
            {"env": "b"},
            True,
        ),
        ({"matchExpressions": [{"key": "env", "operator": "In", "values": ["a"]}]}, {}, False),
        ({"matchExpressions": [{"key": "env", "operator": "NotIn", "values": ["a"]}]}, {}, True),
        (
            {"matchExpressions": [{"key": "env", "operator": "NotIn", "values": ["a"]}]},
            {"env": "a"},
            False,
        ),
        ({"matchExpressions": [{"key": "gpu", "operator": "Exists"}]}, {"gpu": ""}, True),
        ({"matchExpressions": [{"key": "gpu", "operator": "DoesNotExist"}]}, {"gpu": "1"}, False),
        (
            {
                "matchLabels": {"env": "prod"},
                "matchExpressions": [{"key": "tier", "operator": "Exists"}],
            },
            {"env": "prod"},
            False,
        ),
        ({}, {"anything": "x"}, True),
    ],
)
def test_selector_semantics(doc: dict[str, object], labels: dict[str, str], expected: bool) -> None:
    assert selector(**doc).matches(labels) is expected


def test_empty_selector_is_reported_as_empty() -> None:
    assert selector().is_empty
    assert not selector(matchLabels={"a": "b"}).is_empty


def test_malformed_terms_are_errors_not_non_matches() -> None:
    with pytest.raises(SelectorError, match="operator In needs values"):
        selector(matchExpressions=[{"key": "k", "operator": "In"}]).matches({})
    with pytest.raises(SelectorError, match="Exists takes no values"):
        selector(matchExpressions=[{"key": "k", "operator": "Exists", "values": ["x"]}]).matches({})


def test_label_lists() -> None:
    assert parse_label_list("env=prod, team=a,example.com/tier=gold") == {
        "env": "prod",
        "team": "a",
        "example.com/tier": "gold",
    }
    assert parse_label_list("") == {}
    assert parse_label_list("empty=") == {"empty": ""}
    for bad, reason in (
        ("novalue", "is not key=value"),
        ("a=b=c", "is not key=value"),
        ("-bad=x", "must start and end"),
        ("k=v v", "may contain only"),
        ("Bad_Prefix/k=v", "key prefix"),
    ):
        with pytest.raises(ValueError, match=reason):
            parse_label_list(bad)


def test_object_names() -> None:
    assert dns_subdomain_problem("cluster-1.example") is None
    assert dns_subdomain_problem("Cluster") is not None
    assert dns_label_problem("ns.with.dots") == "may not contain '.'"
    assert dns_label_problem("x" * 64) is not None
