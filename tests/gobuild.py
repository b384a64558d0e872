"""Build the small Go programs the tests need (never shipped with Navarch).

Each program is a directory under ``tests/`` with its own go.mod and go.sum; it is built with the
same Go environment as the pinned binaries (module and build caches under Navarch's cache
directory, ``GOTOOLCHAIN=local``, ``-mod=readonly``), into
``<cache>/test-tools/<name>-<hash of its sources>``, so a warm cache skips the build and a
changed source builds anew. A file lock keeps parallel test processes from building twice.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
from pathlib import Path

from navarch.toolchain.install import _go_env
from navarch.toolchain.paths import cache_dir

TESTS = Path(__file__).resolve().parent


class GoBuildError(Exception):
    """A test tool did not build; the message has the end of the compiler's output."""


def build(name: str, timeout: float = 900.0) -> Path:
    """The binary of ``tests/<name>/`` (built if needed)."""
    source = TESTS / name
    files = [source / "go.mod", source / "go.sum", *sorted(source.rglob("*.go"))]
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.relative_to(source).as_posix().encode() + b"\0" + path.read_bytes())
    label = name.replace("/", "-")
    target = cache_dir() / "test-tools" / f"{label}-{digest.hexdigest()[:16]}"
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    go = shutil.which("go")
    if go is None:
        raise GoBuildError(f"building tests/{name} needs the `go` command on PATH")
    with open(target.parent / f".{label}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if target.exists():
            return target
        partial = target.with_suffix(".partial")
        result = subprocess.run(
            [go, "build", "-trimpath", "-ldflags", "-s -w", "-o", str(partial), "."],
            cwd=source,
            env=_go_env(),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if result.returncode != 0:
            raise GoBuildError(f"go build of tests/{name} failed:\n{result.stderr[-4000:]}")
        os.replace(partial, target)
    return target
