"""Binaries resolve from the cache or an environment override, with a fix in every error."""

from __future__ import annotations

from pathlib import Path

import pytest

from navarch.toolchain import BINARIES, MissingBinaryError, binary_path, cache_dir


def executable(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\n")
    path.chmod(0o755)
    return path


def test_cache_dir_follows_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NAVARCH_CACHE_DIR", str(tmp_path))
    assert cache_dir() == tmp_path
    executable(tmp_path / "bin" / "helm")
    assert binary_path("helm") == tmp_path / "bin" / "helm"


def test_override_wins_and_must_be_executable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NAVARCH_CACHE_DIR", str(tmp_path / "cache"))
    mine = executable(tmp_path / "my-apiserver")
    monkeypatch.setenv("NAVARCH_KUBE_APISERVER", str(mine))
    assert binary_path("kube-apiserver") == mine
    monkeypatch.setenv("NAVARCH_KUBE_APISERVER", str(tmp_path / "absent"))
    with pytest.raises(MissingBinaryError, match=r"NAVARCH_KUBE_APISERVER=.*absent is not an exec"):
        binary_path("kube-apiserver")


def test_missing_binary_says_how_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NAVARCH_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("NAVARCH_ETCD", raising=False)
    with pytest.raises(MissingBinaryError, match=r"run `navarch local install`.*NAVARCH_ETCD"):
        binary_path("etcd")


def test_every_binary_has_an_env_var_and_a_build() -> None:
    assert {b.env_var for b in BINARIES.values()} == {
        "NAVARCH_KUBE_APISERVER",
        "NAVARCH_KUBE_CONTROLLER_MANAGER",
        "NAVARCH_KUBECTL",
        "NAVARCH_ETCD",
        "NAVARCH_HELM",
    }
    for binary in BINARIES.values():
        assert binary.name in binary.build.binaries()
