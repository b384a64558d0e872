"""Kustomize engine pieces that need no binary: reading the archive, unpacking it safely,
adding components."""

from __future__ import annotations

import io
import re
import tarfile
from pathlib import Path

import pytest
import yaml

from navarch.engines.kustomize import (
    KustomizeError,
    add_components,
    archive_of,
    inside,
    unpack,
)
from tests.kustomizetree import hello_tree, packed, packed_files, source


def test_the_archive_is_read_from_binary_data_of_a_configmap_and_data_of_a_secret() -> None:
    archive = packed_files({"kustomization.yaml": "resources: []\n"})
    assert archive_of(source("ConfigMap", "k", "ns", archive)) == archive
    assert archive_of(source("Secret", "k", "ns", archive)) == archive


def test_a_missing_archive_key_names_the_keys_found_and_how_to_make_one() -> None:
    cm = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "k", "namespace": "ns"},
        "data": {"deployment.yaml": "x"},
    }
    with pytest.raises(KustomizeError) as err:
        archive_of(cm)
    message = str(err.value)
    assert "ConfigMap ns/k has no binaryData key 'kustomize.tar.gz'" in message
    assert "keys: deployment.yaml" in message
    assert "kubectl create configmap k --from-file=kustomize.tar.gz" in message


def test_bad_base64_is_reported() -> None:
    secret = {"kind": "Secret", "metadata": {"name": "s", "namespace": "ns"}}
    secret["data"] = {"kustomize.tar.gz": "not base64!"}
    with pytest.raises(KustomizeError, match="not valid base64"):
        archive_of(secret)


def test_a_tree_unpacks_with_its_directories(tmp_path: Path) -> None:
    archive = packed(hello_tree(tmp_path / "src"))
    unpack(archive, tmp_path / "out", "here")
    assert (tmp_path / "out" / "overlays" / "production" / "kustomization.yaml").is_file()
    assert (tmp_path / "out" / "base" / "deployment.yaml").read_text().startswith("apiVersion")


@pytest.mark.parametrize("name", ["../escape.yaml", "/etc/escape.yaml", "a/../../escape.yaml"])
def test_entries_outside_the_tree_are_refused(tmp_path: Path, name: str) -> None:
    archive = packed_files({"kustomization.yaml": "resources: []\n", name: "x"})
    with pytest.raises(KustomizeError, match="points outside the tree"):
        unpack(archive, tmp_path / "out", "ConfigMap ns/k")
    assert not (tmp_path / "escape.yaml").exists()


def test_links_are_refused(tmp_path: Path) -> None:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as tar:
        link = tarfile.TarInfo("secrets.yaml")
        link.type = tarfile.SYMTYPE
        link.linkname = "/etc/passwd"
        tar.addfile(link)
    with pytest.raises(KustomizeError, match="is a link or special file"):
        unpack(out.getvalue(), tmp_path / "out", "here")


def test_not_a_tar_gz_is_reported(tmp_path: Path) -> None:
    with pytest.raises(KustomizeError, match=re.escape("is not a tar.gz archive")):
        unpack(b"plain text, not an archive", tmp_path / "out", "ConfigMap ns/k")


def test_an_archive_that_unpacks_too_large_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import navarch.engines.kustomize as engine

    monkeypatch.setattr(engine, "MAX_UNPACKED_BYTES", 1000)
    archive = packed_files({"big.yaml": "x" * 2000})
    with pytest.raises(KustomizeError, match="unpacks to more than"):
        unpack(archive, tmp_path / "out", "here")


def test_components_are_appended_to_the_kustomization(tmp_path: Path) -> None:
    (tmp_path / "kustomization.yaml").write_text("resources:\n- a.yaml\ncomponents:\n- ../c1\n")
    add_components(tmp_path, ["../c2", "../c3"], "here")
    doc = yaml.safe_load((tmp_path / "kustomization.yaml").read_text())
    assert doc == {"resources": ["a.yaml"], "components": ["../c1", "../c2", "../c3"]}


def test_a_directory_without_kustomization_is_reported(tmp_path: Path) -> None:
    with pytest.raises(KustomizeError, match=re.escape("no kustomization.yaml")):
        add_components(tmp_path, [], "here")


def test_paths_may_not_leave_the_archive(tmp_path: Path) -> None:
    root = tmp_path.resolve()
    assert inside(root, "overlays/prod", "path", "here") == root / "overlays" / "prod"
    assert inside(root, "/overlays", "path", "here") == root / "overlays"
    with pytest.raises(KustomizeError, match=re.escape("path '../..' points outside the archive")):
        inside(root, "../..", "path", "here")
