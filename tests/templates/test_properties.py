"""Sprig functions whose output is random or the environment's: checked by properties."""

from __future__ import annotations

import re
import uuid

import pytest

from navarch.engines.gotemplate import render
from navarch.engines.gotemplate.sveltos import FUNCS


def run(text: str) -> str:
    return render(text, {}, funcs=FUNCS)


@pytest.mark.parametrize(
    ("fn", "alphabet"),
    [
        ("randAlphaNum", r"[A-Za-z0-9]"),
        ("randAlpha", r"[A-Za-z]"),
        ("randNumeric", r"[0-9]"),
        ("randAscii", r"[ -~]"),
    ],
)
def test_random_strings_have_the_length_and_alphabet(fn: str, alphabet: str) -> None:
    seen = {run(f"{{{{ {fn} 24 }}}}") for _ in range(5)}
    assert all(re.fullmatch(f"{alphabet}{{24}}", s) for s in seen)
    assert len(seen) > 1
    assert run(f"{{{{ {fn} 0 }}}}") == ""


def test_uuidv4_parses_as_a_version_4_uuid() -> None:
    value = uuid.UUID(run("{{ uuidv4 }}"))
    assert value.version == 4


def test_shuffle_keeps_the_characters() -> None:
    assert sorted(run('{{ shuffle "navarch-fleet" }}')) == sorted("navarch-fleet")


def test_rand_int_stays_in_range() -> None:
    values = {int(run("{{ randInt 3 6 }}")) for _ in range(50)}
    assert values <= {3, 4, 5} and len(values) > 1


def test_env_reads_the_process_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NAVARCH_TEMPLATE_TEST", "value")
    assert run('{{ env "NAVARCH_TEMPLATE_TEST" }}') == "value"
    assert run('{{ expandenv "x-${NAVARCH_TEMPLATE_TEST}-$NAVARCH_TEMPLATE_TEST" }}') == (
        "x-value-value"
    )
