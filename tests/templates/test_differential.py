"""Navarch's Go-template engine against Go's own text/template + Sprig (the oracle).

Every corpus case is rendered by both; a case passes when both produce the same output, or
both fail. The pass rate is printed; a difference fails the test unless the case is listed in
``KNOWN_GAPS`` with the reason (and a listed case that now passes fails the test too, so the
list stays true).
"""

from __future__ import annotations

import copy
import sys
from typing import Any

import pytest

from navarch.engines.gotemplate import Template, TemplateError
from navarch.engines.gotemplate.sveltos import FUNCS, resource_funcs
from navarch.engines.gotemplate.values import go_data
from tests.templates.corpus import DATA, RESOURCES, cases, resource_cases
from tests.templates.oracle import Oracle

KNOWN_GAPS: dict[str, str] = {
    # fromYaml/fromJson put the parser's message under "Error"; ours come from PyYAML and
    # Python's json, whose wording differs from go-yaml's and encoding/json's
    "sprig-287": "YAML parse error wording (fromYaml)",
    "sprig-294": "JSON parse error wording (fromJson)",
}


def navarch_render(template: str, data: Any, missing_key: str) -> tuple[str, str | None]:
    try:
        engine = Template("template", funcs=FUNCS, missing_key=missing_key).parse(template)
        return engine.execute(go_data(data)), None
    except TemplateError as exc:
        return "", str(exc)


def navarch_render_sveltos(template: str) -> tuple[str, str | None]:
    """Sveltos's data root (.Cluster, .MgmtResources) and its resource functions."""
    resources = go_data(copy.deepcopy(RESOURCES))
    root = {"Cluster": go_data(DATA["Cluster"]), "MgmtResources": resources}
    funcs = {**FUNCS, **resource_funcs(resources)}
    try:
        return Template("template", funcs=funcs).parse(template).execute(root), None
    except TemplateError as exc:
        return "", str(exc)


@pytest.fixture(scope="module")
def oracle_results() -> dict[str, dict[str, Any]]:
    batch = [
        {"id": id_, "template": template, "data": data, "missingkey": missing_key}
        for id_, template, data, missing_key in cases()
    ]
    batch += [
        {
            "id": id_,
            "template": template,
            "data": {"Cluster": DATA["Cluster"]},
            "resources": RESOURCES,
            "root": "sveltos",
        }
        for id_, template in resource_cases()
    ]
    return {r["id"]: r for r in Oracle().render(batch)}


def test_the_engine_renders_like_go(oracle_results: dict[str, dict[str, Any]]) -> None:
    differences: dict[str, str] = {}
    total = 0
    runs = [
        (id_, template, lambda t=template, d=data, m=missing_key: navarch_render(t, d, m))
        for id_, template, data, missing_key in cases()
    ] + [
        (id_, template, lambda t=template: navarch_render_sveltos(t))
        for id_, template in resource_cases()
    ]
    for id_, template, run in runs:
        total += 1
        expected = oracle_results[id_]
        output, error = run()
        go_error = expected.get("error")
        if (error is None) != (go_error is None) or (
            error is None and output != expected["output"]
        ):
            differences[id_] = (
                f"{template!r}\n    go:      {expected['output']!r} error={go_error!r}\n"
                f"    navarch: {output!r} error={error!r}"
            )
    unexpected = {k: v for k, v in differences.items() if k not in KNOWN_GAPS}
    fixed = [k for k in KNOWN_GAPS if k not in differences]
    passed = total - len(differences)
    print(
        f"\ndifferential corpus: {passed}/{total} identical ({100 * passed / total:.1f}%), "
        f"{len(differences)} known gaps",
        file=sys.stderr,
    )
    assert not unexpected, "renders differently from Go:\n" + "\n".join(
        f"  {k}: {v}" for k, v in sorted(unexpected.items())
    )
    assert not fixed, f"listed as known gaps but identical now (remove them): {fixed}"
