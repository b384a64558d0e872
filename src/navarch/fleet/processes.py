"""Start, find and stop the fleet's long-running processes, by recorded PID.

The fleet's processes must outlive the CLI command that started them (``navarch local up``
returns while the clusters keep running), so they are started in their own session with output
to log files, and their PID plus start time is recorded in the fleet's state file. A PID alone
is not an identity (PIDs are reused), so every later check or kill first confirms that the
process with that PID started at the recorded time; a stale record is never used to kill an
unrelated process.

Stopping is SIGTERM, then SIGKILL after a grace period, then waiting until the PID is gone: a
``down`` that returns has left nothing behind.

``die_with_parent`` (used by the test fixture) additionally asks the kernel to kill the child if
the process that started it dies, so a test run killed mid-way leaves no orphans.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import os
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil

_PR_SET_PDEATHSIG = 1


@dataclass(frozen=True)
class ProcessRecord:
    pid: int
    started: float  # psutil create_time, seconds since the epoch

    def to_json(self) -> dict[str, Any]:
        return {"pid": self.pid, "started": self.started}

    @staticmethod
    def from_json(doc: dict[str, Any] | None) -> ProcessRecord | None:
        if not doc:
            return None
        return ProcessRecord(pid=int(doc["pid"]), started=float(doc["started"]))


def _die_with_parent() -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def spawn(
    args: list[str],
    *,
    log_file: Path,
    die_with_parent: bool = False,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
) -> ProcessRecord:
    """Start ``args`` detached from this terminal's session, output appended to ``log_file``."""
    log_file.parent.mkdir(parents=True, exist_ok=True)
    with log_file.open("ab") as log:
        proc = subprocess.Popen(
            args,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            close_fds=True,
            cwd=cwd,
            env=env,
            preexec_fn=_die_with_parent if die_with_parent else None,  # noqa: PLW1509
        )
    # The Popen object is dropped on purpose: the child is not ours to reap but the fleet's,
    # found again through its record. Mark it so Python does not warn about it.
    proc.returncode = 0
    return ProcessRecord(pid=proc.pid, started=psutil.Process(proc.pid).create_time())


def find(record: ProcessRecord | None) -> psutil.Process | None:
    """The live process of ``record``, or None if it exited (or the PID now names another)."""
    if record is None:
        return None
    try:
        proc = psutil.Process(record.pid)
        if abs(proc.create_time() - record.started) > 0.5:
            return None
        if proc.status() == psutil.STATUS_ZOMBIE:
            _reap(record.pid)
            return None
        return proc
    except psutil.Error:
        return None


def _reap(pid: int) -> None:
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def rss_bytes(record: ProcessRecord | None) -> int:
    proc = find(record)
    if proc is None:
        return 0
    try:
        return int(proc.memory_info().rss)
    except psutil.Error:
        return 0


async def stop(record: ProcessRecord | None, *, grace: float = 10.0) -> None:
    """Terminate the process of ``record`` and wait until it is gone."""
    proc = find(record)
    if proc is None:
        return
    try:
        proc.terminate()
    except psutil.NoSuchProcess:
        return
    deadline = time.monotonic() + grace
    while find(record) is not None:
        if time.monotonic() > deadline:
            try:
                proc.kill()
            except psutil.NoSuchProcess:
                return
            deadline = time.monotonic() + grace
        await asyncio.sleep(0.05)
