"""Installing: a missing Go is one clear line; build progress counts compiled packages."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from navarch.toolchain import ToolchainError, check, install
from navarch.toolchain.install import _ProgressSteps, binary_version
from navarch.toolchain.pins import BINARIES


def test_without_go_the_error_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NAVARCH_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    for binary in BINARIES.values():
        monkeypatch.delenv(binary.env_var, raising=False)
    messages: list[str] = []
    with pytest.raises(ToolchainError, match=r"the `go` command is not on PATH: install Go 1\.26"):
        asyncio.run(install(messages.append))
    bins = tmp_path / "cache" / "bin"
    assert not bins.exists() or not any(bins.iterdir()), "nothing half-built is left behind"


def test_check_reports_missing_and_foreign_versions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NAVARCH_CACHE_DIR", str(tmp_path))
    fake_helm = tmp_path / "my-helm"
    fake_helm.write_text("#!/bin/sh\necho v4.0.0\n")
    fake_helm.chmod(0o755)
    monkeypatch.setenv("NAVARCH_HELM", str(fake_helm))
    statuses = {s.name: s for s in asyncio.run(check())}
    assert statuses["helm"].from_env and statuses["helm"].found_version == "v4.0.0"
    assert not statuses["helm"].ok
    assert statuses["etcd"].found_version is None and not statuses["etcd"].ok


def test_version_is_read_from_the_binarys_own_answer(tmp_path: Path) -> None:
    script = tmp_path / "etcd"
    script.write_text("#!/bin/sh\necho 'etcd Version: 3.6.16'\necho 'Git SHA: x'\n")
    script.chmod(0o755)
    assert asyncio.run(binary_version(script, BINARIES["etcd"])) == "v3.6.16"
    broken = tmp_path / "broken"
    broken.write_text("#!/bin/sh\nexit 3\n")
    broken.chmod(0o755)
    assert asyncio.run(binary_version(broken, BINARIES["etcd"])) is None


def test_progress_is_reported_in_tenths() -> None:
    seen: list[str] = []
    step = _ProgressSteps("k8s v1", total=20, started=0.0, report=seen.append)
    for i in range(20):
        step(f"example.com/pkg{i}")
    step("# a diagnostic line with spaces")
    assert len(seen) == 9
    assert seen[0].startswith("k8s v1: 10% of packages compiled")
    assert seen[-1].startswith("k8s v1: 90% of packages compiled")
