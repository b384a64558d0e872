"""Small output helpers shared by the CLI commands: formats, sizes, progress lines."""

from __future__ import annotations

import enum
import sys
import time

from rich.console import Console

_STARTED = time.monotonic()


class OutputFormat(enum.StrEnum):
    table = "table"
    json = "json"
    yaml = "yaml"


def human_bytes(count: int) -> str:
    if count <= 0:
        return "-"
    value = float(count)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f}{unit}" if unit in ("B", "KiB") else f"{value:.1f}{unit}"
        value /= 1024
    return f"{value:.1f}GiB"


def progress(message: str) -> None:
    """A progress line on stderr, stamped with the seconds since the command started."""
    print(f"[{time.monotonic() - _STARTED:6.1f}s] {message}", file=sys.stderr, flush=True)


def console() -> Console:
    """A console for results on stdout; wide when piped, so table rows never wrap."""
    return Console(soft_wrap=True, highlight=False, width=None if sys.stdout.isatty() else 4096)
