"""Where Navarch keeps what it builds, and how a caller finds a binary.

One rule for every binary: ``NAVARCH_<NAME>`` (e.g. ``NAVARCH_KUBE_APISERVER``) names a file of the
user's choice; otherwise the binary is ``<cache>/bin/<name>``, where the cache is
``$NAVARCH_CACHE_DIR`` or ``~/.cache/navarch``. Resolution never searches ``$PATH``: a stray
kubectl or helm of another version on the path would make behaviour depend on the machine, which
is exactly what pinning is meant to prevent.

The Go module and build caches live under the same cache directory, so removing it removes
everything Navarch ever built or downloaded, and a warm cache makes reinstalling cheap.
"""

from __future__ import annotations

import os
from pathlib import Path

from navarch.toolchain.pins import BINARIES, Binary


class MissingBinaryError(Exception):
    """A binary Navarch needs is not where it should be; the message says how to get it."""


def cache_dir() -> Path:
    configured = os.environ.get("NAVARCH_CACHE_DIR")
    if configured:
        return Path(configured).expanduser()
    return Path.home() / ".cache" / "navarch"


def bin_dir() -> Path:
    return cache_dir() / "bin"


def override(binary: Binary) -> Path | None:
    """The user's own file for this binary, if the environment names one."""
    value = os.environ.get(binary.env_var)
    return Path(value).expanduser() if value else None


def binary_path(name: str) -> Path:
    """The path to run for ``name``; raises MissingBinaryError with the fix if it is not there."""
    binary = BINARIES[name]
    chosen = override(binary)
    if chosen is not None:
        if not _is_executable(chosen):
            raise MissingBinaryError(
                f"{binary.env_var}={chosen} is not an executable file: "
                f"point it at a {name} binary or unset it to use the one Navarch builds"
            )
        return chosen
    path = bin_dir() / name
    if not _is_executable(path):
        raise MissingBinaryError(
            f"{name} is not installed in {bin_dir()}: run `navarch local install` "
            f"(or set {binary.env_var} to a {name} binary)"
        )
    return path


def _is_executable(path: Path) -> bool:
    return path.is_file() and os.access(path, os.X_OK)
