"""Build the pinned binaries from Go modules into the cache, once.

Shape of an install:

1. Ask every binary for its version (``--version`` or the like). A binary that answers with the
   pinned version is kept; the rest mark their build as needed. This makes the install idempotent
   and also repairs a cache whose binaries were swapped or truncated.
2. For each needed build, copy its wrapper module (``modules/<build>``, committed with ``go.sum``)
   into the cache, download its modules and run one ``go build -v`` for all its main packages.
   ``-v`` names each package as it is compiled, which, counted against the packages ``go list``
   reports stale (not in the build cache), gives an honest progress figure for the long build.
3. Binaries are built into a scratch directory and moved into ``bin/`` only once all of them
   exist, so an interrupted build never leaves a half-written binary behind.

The Go toolchain runs with its module and build caches under the Navarch cache
(``GOMODCACHE``, ``GOCACHE``), ``GOTOOLCHAIN=local`` (never fetch another Go silently) and
``CGO_ENABLED=0`` (static binaries, as upstream releases them). The full output of each build goes
to ``<cache>/logs/build-<name>.log``; the error a user sees is one line that names that file.

Installs are serialized by a lock file, so two ``make`` targets started at once do not build twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import re
import shutil
import tempfile
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TextIO

from navarch.toolchain.paths import bin_dir, cache_dir, override
from navarch.toolchain.pins import BINARIES, BUILDS, GO_MIN_VERSION, Binary, Build

Report = Callable[[str], None]

_VERSION_RE = re.compile(r"\bv?(\d+\.\d+\.\d+)\b")
_GO_VERSION_RE = re.compile(r"go(\d+)\.(\d+)")


class ToolchainError(Exception):
    """Installing the binaries failed; the message is one line saying why and what to do."""


@dataclass(frozen=True)
class BinaryStatus:
    name: str
    path: Path
    found_version: str | None
    expected_version: str
    from_env: bool

    @property
    def ok(self) -> bool:
        return self.found_version == self.expected_version


async def binary_version(path: Path, binary: Binary) -> str | None:
    """The version ``path`` reports for itself (``vX.Y.Z``), or None if it does not run."""
    if not (path.is_file() and os.access(path, os.X_OK)):
        return None
    try:
        proc = await asyncio.create_subprocess_exec(
            str(path),
            *binary.version_args,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        out, _ = await asyncio.wait_for(proc.communicate(), timeout=30)
    except (OSError, TimeoutError):
        return None
    if proc.returncode != 0:
        return None
    match = _VERSION_RE.search(out.decode(errors="replace"))
    return f"v{match.group(1)}" if match else None


async def check() -> list[BinaryStatus]:
    """What is installed now, binary by binary, without building anything."""

    async def one(binary: Binary) -> BinaryStatus:
        chosen = override(binary)
        path = chosen if chosen is not None else bin_dir() / binary.name
        return BinaryStatus(
            name=binary.name,
            path=path,
            found_version=await binary_version(path, binary),
            expected_version=binary.expected_version,
            from_env=chosen is not None,
        )

    return list(await asyncio.gather(*(one(b) for b in BINARIES.values())))


async def install(report: Report, *, force: bool = False) -> list[BinaryStatus]:
    """Make every pinned binary present; build only what is missing or of another version."""
    cache = cache_dir()
    try:
        cache.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ToolchainError(
            f"cannot create the cache directory {cache}: {exc.strerror}; "
            "set NAVARCH_CACHE_DIR to a writable directory"
        ) from exc
    async with _install_lock(cache / "install.lock", report):
        statuses = await check()
        needed = _builds_needed(statuses, force=force)
        for status in statuses:
            if status.from_env:
                note = "" if status.ok else f" (Navarch pins {status.expected_version})"
                report(f"{status.name}: using {status.path} {status.found_version}{note}")
        if needed:
            go = await _go_binary()
            for build in needed:
                await _build(go, build, report)
            statuses = await check()
        for status in statuses:
            if not status.from_env and not status.ok:
                raise ToolchainError(
                    f"{status.name} at {status.path} reports {status.found_version or 'nothing'} "
                    f"after the build, expected {status.expected_version}; "
                    f"see {_log_path(status.name)}"
                )
            if not status.from_env and not needed:
                report(f"{status.name} {status.found_version}: already installed")
        return statuses


def _builds_needed(statuses: list[BinaryStatus], *, force: bool) -> list[Build]:
    wanted: list[Build] = []
    for build in BUILDS:
        mine = [s for s in statuses if BINARIES[s.name].build is build and not s.from_env]
        if mine and (force or not all(s.ok for s in mine)):
            wanted.append(build)
    return wanted


@contextlib.asynccontextmanager
async def _install_lock(path: Path, report: Report) -> AsyncIterator[None]:
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            report("another navarch install is running; waiting for it to finish")
            await asyncio.to_thread(fcntl.flock, fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


async def _go_binary() -> str:
    go = shutil.which("go")
    if go is None:
        raise ToolchainError(
            "the `go` command is not on PATH: install Go "
            f"{GO_MIN_VERSION[0]}.{GO_MIN_VERSION[1]} or newer to build the binaries, "
            "or point NAVARCH_KUBE_APISERVER (and the others) at prebuilt ones"
        )
    proc = await asyncio.create_subprocess_exec(
        go, "env", "GOVERSION", stdout=asyncio.subprocess.PIPE, env=_go_env()
    )
    out, _ = await proc.communicate()
    match = _GO_VERSION_RE.search(out.decode())
    if match is None or (int(match.group(1)), int(match.group(2))) < GO_MIN_VERSION:
        found = out.decode().strip() or "an unknown version"
        raise ToolchainError(
            f"{go} is {found}; building the pinned binaries needs Go "
            f"{GO_MIN_VERSION[0]}.{GO_MIN_VERSION[1]} or newer"
        )
    return go


def _go_env() -> dict[str, str]:
    cache = cache_dir()
    env = dict(os.environ)
    env.update(
        GOPATH=str(cache / "go"),
        GOMODCACHE=str(cache / "go" / "mod"),
        GOCACHE=str(cache / "go" / "build"),
        GOTOOLCHAIN="local",
        GOWORK="off",
        GOFLAGS="-mod=readonly",
        CGO_ENABLED="0",
    )
    return env


def _log_path(name: str) -> Path:
    binary = BINARIES.get(name)
    build = binary.build.name if binary else name
    return cache_dir() / "logs" / f"build-{build}.log"


def _module_source(build: Build) -> Path:
    source = resources.files("navarch.toolchain") / "modules" / build.name
    return Path(str(source))


async def _build(go: str, build: Build, report: Report) -> None:
    cache = cache_dir()
    workdir = cache / "src" / f"{build.name}-{build.version}"
    log_path = _log_path(build.name)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    if workdir.exists():
        shutil.rmtree(workdir)
    shutil.copytree(_module_source(build), workdir)
    bins = bin_dir()
    bins.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    label = f"{build.name} {build.version}"
    with log_path.open("w") as log:
        report(f"{label}: downloading Go modules")
        await _run_go(go, ["mod", "download"], workdir, log, label)
        # Only packages missing from the build cache are compiled (and named by -v).
        stale = "{{if .Stale}}{{.ImportPath}}{{end}}"
        listing = await _run_go(
            go, ["list", "-trimpath", "-deps", "-f", stale, *build.packages], workdir, log, label
        )
        total = len([line for line in listing.splitlines() if line])
        report(f"{label}: compiling {total} packages")
        scratch = Path(tempfile.mkdtemp(prefix=".build-", dir=bins))
        try:
            ldflags = " ".join(["-s", "-w", *(f"-X {flag}" for flag in build.ldflags)])
            args = ["build", "-v", "-trimpath", "-ldflags", ldflags, "-o", f"{scratch}/"]
            step = _ProgressSteps(label, total, started, report)
            await _run_go(go, [*args, *build.packages], workdir, log, label, on_line=step)
            for name in build.binaries():
                built = scratch / name
                if not built.is_file():
                    raise ToolchainError(f"{label}: go build produced no {name}; see {log_path}")
                os.replace(built, bins / name)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
    report(f"{label}: built {', '.join(build.binaries())} in {time.monotonic() - started:.0f}s")


class _ProgressSteps:
    """Counts the package lines of ``go build -v`` and reports every tenth of the way."""

    def __init__(self, label: str, total: int, started: float, report: Report) -> None:
        self.label, self.total, self.started, self.report = label, max(total, 1), started, report
        self.done = 0
        self.next_tenth = 1

    def __call__(self, line: str) -> None:
        if not line or " " in line:  # package paths have no spaces; diagnostics do
            return
        self.done += 1
        if self.done * 10 >= self.next_tenth * self.total and self.next_tenth < 10:
            elapsed = time.monotonic() - self.started
            self.report(
                f"{self.label}: {self.next_tenth * 10}% of packages compiled ({elapsed:.0f}s)"
            )
            self.next_tenth = self.done * 10 // self.total + 1


async def _run_go(
    go: str,
    args: list[str],
    workdir: Path,
    log: TextIO,
    label: str,
    on_line: Callable[[str], None] | None = None,
) -> str:
    proc = await asyncio.create_subprocess_exec(
        go,
        *args,
        cwd=workdir,
        env=_go_env(),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    tail: deque[str] = deque(maxlen=20)

    async def pump_stderr() -> None:
        assert proc.stderr is not None
        async for raw in proc.stderr:
            line = raw.decode(errors="replace").rstrip()
            print(line, file=log)
            tail.append(line)
            if on_line is not None:
                on_line(line)

    assert proc.stdout is not None
    stdout_task = asyncio.ensure_future(proc.stdout.read())
    await pump_stderr()
    stdout = (await stdout_task).decode(errors="replace")
    code = await proc.wait()
    if code != 0:
        errors = [line for line in tail if line and " " in line] or list(tail) or ["no output"]
        raise ToolchainError(
            f"{label}: `go {args[0]}` failed: {errors[-1].strip()}; full output in {log.name}"
        )
    return stdout
