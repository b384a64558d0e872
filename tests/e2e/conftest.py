"""The CLI as a user runs it: the installed ``navarch`` command in a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest

NAVARCH = Path(sys.executable).with_name("navarch")


@dataclass
class Result:
    code: int
    stdout: str
    stderr: str

    @property
    def error_lines(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if line.startswith("error:")]


def navarch(*args: str, env: dict[str, str] | None = None, timeout: float = 300) -> Result:
    proc = subprocess.run(
        [str(NAVARCH), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
        check=False,
    )
    return Result(proc.returncode, proc.stdout, proc.stderr)


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
