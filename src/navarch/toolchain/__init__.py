"""The pinned upstream binaries: which versions, where they live, and how they get built.

``binary_path(name)`` is what everything else calls to run kube-apiserver, etcd, helm or kubectl;
``install()`` builds whatever is missing. See ``pins`` for the versions and ``install`` for how.
"""

from navarch.toolchain.install import BinaryStatus, ToolchainError, check, install
from navarch.toolchain.paths import MissingBinaryError, bin_dir, binary_path, cache_dir
from navarch.toolchain.pins import BINARIES, BUILDS, Binary, Build

__all__ = [
    "BINARIES",
    "BUILDS",
    "Binary",
    "BinaryStatus",
    "Build",
    "MissingBinaryError",
    "ToolchainError",
    "bin_dir",
    "binary_path",
    "cache_dir",
    "check",
    "install",
]
