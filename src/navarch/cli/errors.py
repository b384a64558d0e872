"""How the CLI fails: one line on stderr saying what is wrong and what to do, and a non-zero exit.

Every error type a user can cause or meet (bad option, unreadable kubeconfig, missing binary,
unreachable cluster, a fleet that will not start) is turned into that one line here, in one
place, instead of a traceback. Usage errors exit 2 (as Click and most Unix tools do); every
other failure exits 1. An unexpected exception still prints one line, plus where to find more.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence

import click

from navarch.admin.install import InstallError
from navarch.admin.register import RegistrationError
from navarch.fleet import FleetError
from navarch.kube import KubeError
from navarch.toolchain import MissingBinaryError, ToolchainError

EXPECTED: tuple[type[BaseException], ...] = (
    FleetError,
    InstallError,
    KubeError,
    MissingBinaryError,
    RegistrationError,
    ToolchainError,
)


def fail(message: str, code: int = 1) -> int:
    print(f"error: {message}", file=sys.stderr)
    return code


def run(command: click.Command, args: Sequence[str] | None, prog: str) -> int:
    """Run a Click command, mapping every failure to one line and an exit code."""
    try:
        result = command.main(
            args=list(args) if args is not None else None, prog_name=prog, standalone_mode=False
        )
    except click.UsageError as exc:
        where = exc.ctx.command_path if exc.ctx else prog
        return fail(f"{exc.format_message()} (see `{where} --help`)", 2)
    except click.Abort:
        return fail("aborted", 130)
    except click.ClickException as exc:
        return fail(exc.format_message(), exc.exit_code or 1)
    except EXPECTED as exc:
        return fail(str(exc))
    except KeyboardInterrupt:
        return fail("interrupted", 130)
    return result if isinstance(result, int) else 0


def guarded(func: Callable[[], int]) -> int:
    """Run ``func`` and turn an unexpected exception into one line (with its type)."""
    try:
        return func()
    except Exception as exc:
        return fail(
            f"unexpected {type(exc).__name__}: {exc} "
            "(please report it; run with NAVARCH_DEBUG=1 for the traceback)"
        )
