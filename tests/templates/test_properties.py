"""Sprig functions whose output is random or the environment's: checked by properties."""

from __future__ import annotations

import re
import time
import uuid
from datetime import UTC, datetime

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


# -- the clock: now, ago, and date of a value that is not a time (Sprig uses now) ----------------

_GO_DURATION = re.compile(r"-?(\d+h)?(\d+m)?\d+(\.\d+)?(s|ms|µs|ns)|0s")


def _seconds(text: str) -> float:
    """The seconds of a Go duration string (``1h2m3.5s``)."""
    assert _GO_DURATION.fullmatch(text), text
    units = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 1e-3, "µs": 1e-6, "ns": 1e-9}
    total = sum(float(n) * units[u] for n, u in re.findall(r"([\d.]+)(h|ms|µs|ns|m|s)", text))
    return -total if text.startswith("-") else total


def _today(layout: str) -> set[str]:
    """Now in UTC (the test machines' Local) before and after: a run may straddle midnight."""
    return {datetime.now(UTC).strftime(layout)}


def test_now_is_the_current_time_with_a_monotonic_reading() -> None:
    years = _today("%Y")
    assert run('{{ now | date "2006" }}') in years | _today("%Y")
    text = run("{{ now }}")
    assert re.fullmatch(
        r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)? [+-]\d{4} \S+ m=\+\d+\.\d{9}", text
    )
    assert "m=" in run('{{ now | dateModify "1h" }}')  # Add keeps the monotonic reading
    assert "m=" not in run("{{ (now).UTC }}")  # In, UTC, Local drop it
    assert abs(int(run("{{ now | unixEpoch }}")) - time.time()) < 5
    assert run('{{ printf "%T %v" now (now).Location }}') == "time.Time Local"


def test_date_of_a_value_that_is_not_a_time_formats_now() -> None:
    for value in ('"2024-01-01"', "1.5", "true", "(semver `1.2.3`).Major"):
        days = _today("%Y-%m-%d")
        assert run(f'{{{{ date "2006-01-02" {value} }}}}') in days | _today("%Y-%m-%d"), value


def test_ago_is_the_go_duration_since_then_to_the_second() -> None:
    then = int(time.time()) - 3723
    got = run(f"{{{{ ago {then} }}}}")
    assert abs(_seconds(got) - 3723) <= 2 and "." not in got
    assert run('{{ now | dateModify "-90m" | ago }}') in {"1h30m0s", "1h30m1s"}
    assert _seconds(run('{{ ago (toDate "2006-01-02" "2024-03-05") }}')) > 0
    assert run("{{ ago now }}") == "0s"


def test_duration_round_of_a_time_is_the_time_since() -> None:
    assert run('{{ now | dateModify "-73h" | durationRound }}') == "3d"
    assert run('{{ now | dateModify "-2m1s" | durationRound }}') == "2m"


def test_each_now_is_a_new_instant() -> None:
    assert run("{{ eq now now }}") == "false"
    assert run("{{ $n := now }}{{ eq $n $n }} {{ $n.Equal $n }}") == "true true"
    assert _seconds(run("{{ $a := now }}{{ (now).Sub $a }}")) >= 0
