"""Run the installed ``navarch`` command as a user does, in a subprocess."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

NAVARCH = Path(sys.executable).with_name("navarch")


@dataclass
class Result:
    code: int
    stdout: str
    stderr: str

    def one_line_error(self) -> str:
        """The failure as exactly one `error:` line (progress lines aside), non-zero exit."""
        lines = [ln for ln in self.stderr.splitlines() if ln.strip() and not ln.startswith("[")]
        assert len(lines) == 1, f"expected one line, got: {self.stderr!r}"
        assert lines[0].startswith("error: ")
        assert self.code != 0
        return lines[0]


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


async def run_async(*args: str, env: dict[str, str] | None = None, timeout: float = 300) -> Result:
    """Any command, without blocking the event loop of an async test."""
    proc = await asyncio.create_subprocess_exec(
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, **(env or {})},
    )
    out, err = await asyncio.wait_for(proc.communicate(), timeout=timeout)
    assert proc.returncode is not None
    return Result(proc.returncode, out.decode(errors="replace"), err.decode(errors="replace"))


async def navarch_async(
    *args: str, env: dict[str, str] | None = None, timeout: float = 300
) -> Result:
    return await run_async(str(NAVARCH), *args, env=env, timeout=timeout)
