"""The CLI as a user runs it: the installed ``navarch`` command in a subprocess."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from tests.cli import navarch


def processes_using(path: Path) -> list[psutil.Process]:
    """Live processes whose command line mentions ``path`` (the fleet's state dir)."""
    found = []
    for proc in psutil.process_iter(["cmdline", "status"]):
        cmdline = " ".join(proc.info["cmdline"] or [])
        if str(path) in cmdline and proc.info["status"] != psutil.STATUS_ZOMBIE:
            found.append(proc)
    return found


@pytest.fixture
def state_dir(tmp_path: Path) -> Iterator[Path]:
    """A fleet state dir; whatever a test leaves running there is stopped afterwards."""
    directory = tmp_path / "fleet"
    yield directory
    if (directory / "fleet.json").exists():
        navarch("local", "down", "--state-dir", str(directory))
    for proc in processes_using(directory):
        proc.kill()
