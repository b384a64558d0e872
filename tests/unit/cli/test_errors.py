"""Every CLI failure is one `error:` line and a non-zero exit; never a traceback."""

from __future__ import annotations

import click
import pytest

from navarch.cli import errors
from navarch.fleet import FleetError
from navarch.kube import NotFound


def command(exc: BaseException | None) -> click.Command:
    @click.command()
    @click.option("--count", type=int, default=1)
    def cmd(count: int) -> None:
        if exc is not None:
            raise exc

    return cmd


@pytest.mark.parametrize(
    ("args", "exc", "code", "expected"),
    [
        (["--nope"], None, 2, "error: No such option: --nope (see `navarch --help`)"),
        (["--count", "x"], None, 2, "error: Invalid value for '--count'"),
        ([], FleetError("port 1 is taken"), 1, "error: port 1 is taken"),
        ([], NotFound("gone", cluster="c", operation="get x"), 1, "error: c: get x: gone"),
    ],
)
def test_failures_become_one_line(
    args: list[str],
    exc: BaseException | None,
    code: int,
    expected: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert errors.run(command(exc), args, "navarch") == code
    err = capsys.readouterr().err
    assert err.startswith(expected)
    assert err.count("\n") == 1


def test_an_unexpected_exception_is_still_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    code = errors.guarded(lambda: errors.run(command(ZeroDivisionError("boom")), [], "navarch"))
    assert code == 1
    err = capsys.readouterr().err
    assert err.startswith("error: unexpected ZeroDivisionError: boom")
    assert err.count("\n") == 1


def test_success_is_zero() -> None:
    assert errors.run(command(None), [], "navarch") == 0
