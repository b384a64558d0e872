"""Kustomize trees: from a tar.gz in a ConfigMap or Secret to the objects of ``kubectl kustomize``.

Sveltos users package a kustomize tree as ``kustomize.tar.gz`` (``tar -czf kustomize.tar.gz -C
dir .`` then ``kubectl create configmap NAME --from-file=kustomize.tar.gz``) and name it in a
``kustomizationRef`` with a ``path`` inside the tree and optional ``components``. This module:

1. reads the archive (``binaryData`` of a ConfigMap, ``data`` of a Secret, as Sveltos does) and
   unpacks it into a private directory, refusing what could escape it: absolute names, ``..``,
   links, devices, and archives over the size limits (a ConfigMap cannot exceed 1 MiB, but a
   gzip bomb can);
2. appends the ref's ``components`` to the ``components`` of the kustomization at ``path`` (how
   Sveltos applies them), then runs the pinned ``kubectl kustomize`` as an asyncio subprocess;
3. parses the output with the raw-manifest parser, so a broken document is reported the same way.

Builds run with kustomize's default load restrictor: every file must sit inside its own
kustomization's directory (bases and components may live anywhere in the tree). Sveltos builds
without that restriction, which lets a ``configMapGenerator`` read any file of the manager's
host; a tree that relied on it gets an error that says which file and what to do.

The same archive, path and components build the same objects for every cluster, so results are
cached by the archive's digest (one build per change, not one per cluster) and concurrent
builds of the same key share one subprocess.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import hashlib
import io
import os
import posixpath
import shutil
import tarfile
import tempfile
from pathlib import Path
from typing import Any

import yaml

from navarch.engines.resources import ManifestError, parse_documents
from navarch.engines.singleflight import SingleFlight

KubeObject = dict[str, Any]

ARCHIVE_KEY = "kustomize.tar.gz"
MAX_UNPACKED_BYTES = 64 * 1024 * 1024
MAX_ENTRIES = 20_000
BUILD_TIMEOUT = 120.0
KUSTOMIZATION_FILES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
_CACHE_SIZE = 64


class KustomizeError(ManifestError):
    """The tree cannot be built; the message names the source and says what to fix."""


def archive_of(source: KubeObject) -> bytes:
    """The ``kustomize.tar.gz`` bytes of a ConfigMap (binaryData) or Secret (data)."""
    kind = source.get("kind")
    meta = source.get("metadata") or {}
    where = f"{kind} {meta.get('namespace')}/{meta.get('name')}"
    field = "binaryData" if kind == "ConfigMap" else "data"
    encoded = (source.get(field) or {}).get(ARCHIVE_KEY)
    if encoded is None:
        found = sorted({*(source.get("data") or {}), *(source.get("binaryData") or {})})
        raise KustomizeError(
            f"{where} has no {field} key {ARCHIVE_KEY!r} (keys: {', '.join(found) or 'none'}); "
            f"create it with `tar -czf {ARCHIVE_KEY} -C <dir> .` and `kubectl create "
            f"{'configmap' if kind == 'ConfigMap' else 'secret generic'} "
            f"{meta.get('name')} --from-file={ARCHIVE_KEY}`"
        )
    try:
        return base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise KustomizeError(f"{where} key {ARCHIVE_KEY!r} is not valid base64") from None


def pack(directory: Path) -> bytes:
    """``tar -czf kustomize.tar.gz -C directory .``, in memory (what a user stores)."""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as tar:
        tar.add(directory, arcname=".")
    return out.getvalue()


def source_object(kind: str, name: str, namespace: str, archive: bytes) -> KubeObject:
    """The ConfigMap (``binaryData``) or Secret (``data``) holding ``archive`` as a
    kustomizationRef expects it, as ``kubectl create ... --from-file=kustomize.tar.gz`` makes it."""
    field = "binaryData" if kind == "ConfigMap" else "data"
    return {
        "apiVersion": "v1",
        "kind": kind,
        "metadata": {"name": name, "namespace": namespace},
        field: {ARCHIVE_KEY: base64.b64encode(archive).decode()},
    }


def unpack(archive: bytes, into: Path, where: str) -> None:
    """Extract a tar.gz into ``into``, refusing anything that could write outside it."""
    try:
        tar = tarfile.open(fileobj=io.BytesIO(archive), mode="r:*")  # noqa: SIM115 (closed below)
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise KustomizeError(f"{where}: {ARCHIVE_KEY} is not a tar.gz archive ({exc})") from None
    total = 0
    with tar:
        try:
            members = tar.getmembers()
        except (tarfile.TarError, OSError, EOFError) as exc:
            raise KustomizeError(f"{where}: {ARCHIVE_KEY} is damaged ({exc})") from None
        if len(members) > MAX_ENTRIES:
            raise KustomizeError(
                f"{where}: {ARCHIVE_KEY} has {len(members)} entries (at most {MAX_ENTRIES})"
            )
        for member in members:
            name = posixpath.normpath(member.name)
            if posixpath.isabs(name) or name == ".." or name.startswith("../"):
                raise KustomizeError(
                    f"{where}: {ARCHIVE_KEY} entry {member.name!r} points outside the tree; "
                    "create the archive with `tar -czf ... -C <dir> .`"
                )
            if not (member.isfile() or member.isdir()):
                raise KustomizeError(
                    f"{where}: {ARCHIVE_KEY} entry {member.name!r} is a link or special file; "
                    "only regular files and directories are unpacked (copy the file instead)"
                )
            total += member.size
            if total > MAX_UNPACKED_BYTES:
                raise KustomizeError(
                    f"{where}: {ARCHIVE_KEY} unpacks to more than "
                    f"{MAX_UNPACKED_BYTES // (1024 * 1024)} MiB"
                )
        try:
            tar.extractall(into, members=members, filter="data")
        except (tarfile.TarError, OSError, EOFError) as exc:
            raise KustomizeError(f"{where}: cannot unpack {ARCHIVE_KEY}: {exc}") from None


def inside(root: Path, relative: str, what: str, where: str) -> Path:
    """``root/relative`` when it stays inside ``root``; else a KustomizeError."""
    target = (root / relative.lstrip("/")).resolve()
    if target != root and root not in target.parents:
        raise KustomizeError(f"{where}: {what} {relative!r} points outside the archive")
    return target


def add_components(directory: Path, components: list[str], where: str) -> None:
    """Append ``components`` to the kustomization in ``directory`` (Sveltos's semantics)."""
    path = next((directory / n for n in KUSTOMIZATION_FILES if (directory / n).is_file()), None)
    if path is None:
        raise KustomizeError(
            f"{where}: no kustomization.yaml in {directory.name or 'the archive root'}; "
            "point path at a directory holding one"
        )
    if not components:
        return
    try:
        doc = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as exc:
        raise KustomizeError(f"{where}: {path.name} is not valid YAML: {exc}") from None
    if not isinstance(doc, dict):
        raise KustomizeError(f"{where}: {path.name} is not a mapping")
    existing = doc.get("components") or []
    if not isinstance(existing, list):
        raise KustomizeError(f"{where}: components in {path.name} is not a list")
    doc["components"] = [*existing, *components]
    path.write_text(yaml.safe_dump(doc, sort_keys=False))


def _explain(stderr: str) -> str:
    message = stderr.strip().removeprefix("Error: ")
    if "is not in or below" in message or "security;" in message:
        message += (
            " (Navarch builds with kustomize's default load restrictor: a file must be inside "
            "the directory of the kustomization that uses it; move it there, or make its "
            "directory a base or component)"
        )
    return message


class Kustomize:
    """``kubectl kustomize`` with a cache of built trees."""

    def __init__(self, kubectl: Path, workdir: Path | None = None) -> None:
        self.kubectl = kubectl
        self.workdir = workdir
        self._cache: SingleFlight[tuple[str, str, tuple[str, ...]], list[KubeObject]] = (
            SingleFlight(_CACHE_SIZE)
        )
        self.builds = 0  # subprocesses started (for tests and benchmarks)

    async def build(
        self, archive: bytes, path: str | None, components: list[str], where: str
    ) -> list[KubeObject]:
        """The objects of the kustomization at ``path`` inside ``archive`` (deep copies are the
        caller's business: the returned list is shared with the cache and must not be changed)."""
        key = (hashlib.sha256(archive).hexdigest(), path or ".", tuple(components))
        return await self._cache.get(
            key, lambda: self._build(archive, path or ".", components, where)
        )

    async def _build(
        self, archive: bytes, path: str, components: list[str], where: str
    ) -> list[KubeObject]:
        root = Path(tempfile.mkdtemp(prefix="navarch-kustomize-", dir=self.workdir))
        try:
            root.chmod(0o700)
            tree = (root / "tree").resolve()
            tree.mkdir()
            await asyncio.to_thread(unpack, archive, tree, where)
            directory = inside(tree, path, "path", where)
            if not directory.is_dir():
                raise KustomizeError(
                    f"{where}: path {path!r} is not a directory in {ARCHIVE_KEY}; "
                    f"directories there: {', '.join(_directories(tree)) or 'none'}"
                )
            for component in components:
                if not inside(tree, posixpath.join(path, component), "component", where).exists():
                    raise KustomizeError(
                        f"{where}: component {component!r} (relative to path {path!r}) "
                        "does not exist in the archive"
                    )
            add_components(directory, components, where)
            self.builds += 1
            text = await self._run(directory, tree, where)
        finally:
            await asyncio.to_thread(shutil.rmtree, root, True)
        return parse_documents(text, f"{where} (kustomize output of {path!r})")

    async def _run(self, directory: Path, tree: Path, where: str) -> str:
        try:
            code, out, err = await run_kustomize(self.kubectl, directory)
        except TimeoutError:
            raise KustomizeError(
                f"{where}: kubectl kustomize did not finish within {BUILD_TIMEOUT:.0f}s"
            ) from None
        if code != 0:
            # paths inside the archive, not the manager's temporary directory
            message = _explain(err.decode(errors="replace")).replace(f"{tree}/", "")
            raise KustomizeError(f"{where}: kustomize build failed: {message}")
        return out.decode(errors="replace")


async def run_kustomize(kubectl: Path, directory: Path) -> tuple[int, bytes, bytes]:
    """``kubectl kustomize directory`` as an asyncio subprocess: (exit code, stdout, stderr).
    TimeoutError after ``BUILD_TIMEOUT``; on any exception (a timeout, a cancellation) the
    process is killed and reaped first."""
    env = {k: v for k, v in os.environ.items() if k != "KUBECONFIG"}
    proc = await asyncio.create_subprocess_exec(
        str(kubectl),
        "kustomize",
        str(directory),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env,
        cwd=str(directory),
    )
    try:
        out, err = await asyncio.wait_for(proc.communicate(), timeout=BUILD_TIMEOUT)
    except BaseException:
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        await asyncio.shield(proc.wait())
        raise
    return proc.returncode or 0, out, err


def _directories(tree: Path, limit: int = 12) -> list[str]:
    found = sorted(
        str(p.parent.relative_to(tree)) or "."
        for name in KUSTOMIZATION_FILES
        for p in tree.rglob(name)
    )
    return found[:limit]
