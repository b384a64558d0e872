"""Helm releases through the real ``helm`` v4 binary, as asyncio subprocesses.

Navarch drives Helm the way a user would, so ``helm list`` in a managed cluster shows real
releases a user can take over with plain Helm. Each call:

- writes the cluster's kubeconfig to a private file (mode 0600, removed afterwards) and passes
  it with ``--kubeconfig``; the kubeconfig never reaches a log line or an error message (Helm's
  stderr is passed on, and it names files, not their content);
- runs with its own ``HELM_CACHE_HOME``/``HELM_CONFIG_HOME``/``HELM_DATA_HOME`` under one
  directory per manager, so no user's Helm state is read or changed;
- never blocks the event loop (``asyncio.create_subprocess_exec``) and has a deadline.

Installs and upgrades are one ``helm upgrade --install`` with server-side apply and forced
conflicts (Sveltos v1.14's Helm 4 settings); ``atomic`` maps to ``--rollback-on-failure`` and
``wait`` to Helm 4's ``--wait=watcher``.

Charts come from an http(s) repository (``--repo``) or an ``oci://`` reference. Registry
credentials (``RegistryAuth``) go to OCI registries as a registry config file in the private
per-call directory (what ``helm registry login`` would write, so no password is in any process's
arguments), and to http(s) repositories as ``--username``/``--password`` (Helm has no other way
short of a repository file plus an index download); a CA goes in a file (``--ca-file``).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import gzip
import json
import os
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from navarch.engines import postrender
from navarch.engines.patches import Patch


class HelmError(Exception):
    """A helm command failed; the message is Helm's own, with the command named."""


@dataclass(frozen=True)
class Release:
    """A release as ``helm list`` shows it."""

    name: str
    namespace: str
    revision: int
    status: str
    chart: str  # "<chart>-<version>"
    app_version: str = ""
    manifest: str = field(default="", repr=False, compare=False)  # rendered, without hooks

    def has_version(self, version: str) -> bool:
        return self.chart.endswith(f"-{version}")


@dataclass(frozen=True)
class RegistryAuth:
    """How to reach a private repository or registry (from registryCredentialsConfig)."""

    username: str | None = None
    password: str | None = None
    ca_pem: str | None = None
    insecure_skip_tls_verify: bool = False
    plain_http: bool = False

    def __repr__(self) -> str:  # never print the password
        return f"RegistryAuth(username={self.username!r}, password=***)"


@dataclass
class InstallOptions:
    """The HelmOptions Navarch passes on (the rest are reported as not supported yet)."""

    create_namespace: bool = True
    wait: bool = False
    wait_for_jobs: bool = False
    timeout_seconds: float = 300.0
    skip_crds: bool = False
    atomic: bool = False
    disable_hooks: bool = False
    take_ownership: bool = False
    max_history: int = 2
    reset_values: bool = False
    reuse_values: bool = False
    force: bool = False
    labels: dict[str, str] = field(default_factory=dict)
    recover_after: int = 5  # consecutive failures before a stuck release is uninstalled
    upgrade_crds: bool = False  # apply the chart's crds/ before an upgrade


class Helm:
    """The ``helm`` binary, with private state under ``home`` (created on first use)."""

    def __init__(self, binary: Path, home: Path | None = None, kubectl: Path | None = None) -> None:
        self.binary = binary
        self.home = home or Path(tempfile.mkdtemp(prefix="navarch-helm-"))
        self.kubectl = kubectl  # the post-renderer's kustomize; None: patches are refused

    def _env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("HELM_")}
        env.pop("KUBECONFIG", None)
        for part in ("cache", "config", "data"):
            path = self.home / part
            path.mkdir(parents=True, exist_ok=True)
            env[f"HELM_{part.upper()}_HOME"] = str(path)
        return env

    @contextlib.contextmanager
    def _private_files(
        self, kubeconfig: dict[str, Any], values: dict[str, Any] | None
    ) -> Iterator[tuple[Path, Path | None]]:
        with self._private_dir() as directory:
            config = _private_file(directory / "kubeconfig", yaml.safe_dump(kubeconfig))
            values_file = None
            if values is not None:
                values_file = _private_file(directory / "values.yaml", yaml.safe_dump(values))
            yield config, values_file

    @contextlib.contextmanager
    def _private_dir(self) -> Iterator[Path]:
        directory = Path(tempfile.mkdtemp(prefix="call-", dir=self.home))
        try:
            directory.chmod(0o700)
            yield directory
        finally:
            shutil.rmtree(directory, ignore_errors=True)

    async def _run(self, args: list[str], timeout: float, what: str) -> str:
        proc = await asyncio.create_subprocess_exec(
            str(self.binary),
            *args,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=self._env(),
        )
        try:
            out, err = await asyncio.wait_for(proc.communicate(), timeout=timeout)
        except TimeoutError:
            proc.kill()
            await proc.wait()
            raise HelmError(f"{what}: helm did not finish within {timeout:.0f}s") from None
        if proc.returncode != 0:
            message = err.decode(errors="replace").strip().removeprefix("Error: ")
            raise HelmError(f"{what}: {message or f'helm exited with {proc.returncode}'}")
        return out.decode(errors="replace")

    async def list_release(
        self, kubeconfig: dict[str, Any], name: str, namespace: str
    ) -> Release | None:
        """The release ``namespace/name`` in any state, or None."""
        with self._private_files(kubeconfig, None) as (config, _):
            out = await self._run(
                [
                    "list",
                    "--kubeconfig",
                    str(config),
                    "--namespace",
                    namespace,
                    "--filter",
                    f"^{_regex_escape(name)}$",
                    "--output",
                    "json",
                ],
                60.0,
                f"helm list in {namespace}",
            )
        for entry in json.loads(out or "[]"):
            if entry.get("name") == name:
                return Release(
                    name=name,
                    namespace=str(entry.get("namespace", namespace)),
                    revision=int(entry.get("revision") or 0),
                    status=str(entry.get("status", "")),
                    chart=str(entry.get("chart", "")),
                    app_version=str(entry.get("app_version", "")),
                )
        return None

    async def upgrade_install(
        self,
        kubeconfig: dict[str, Any],
        *,
        release: str,
        namespace: str,
        chart: str,
        repo_url: str | None,
        version: str,
        values: dict[str, Any],
        options: InstallOptions,
        auth: RegistryAuth | None = None,
        patches: Sequence[Patch] = (),
        post_render_strategy: str | None = None,
    ) -> Release:
        """Install the release, or upgrade it to ``version`` with ``values``.

        ``chart`` is a chart name in the ``repo_url`` repository, or a whole ``oci://``
        reference (then ``repo_url`` is None). ``patches`` go through Navarch's post-renderer
        plugin (installed under this Helm's data home on first need)."""
        with self._private_files(kubeconfig, values) as (config, values_file):
            args = [
                "upgrade",
                "--install",
                release,
                chart,
                "--kubeconfig",
                str(config),
                "--namespace",
                namespace,
                "--version",
                version,
                "--values",
                str(values_file),
                "--server-side",
                "true",
                "--force-conflicts",
                "--timeout",
                f"{options.timeout_seconds:.0f}s",
                "--history-max",
                str(options.max_history),
                "--output",
                "json",
            ]
            if repo_url:
                args += ["--repo", repo_url]
            args += _flags(options)
            args += _auth_flags(auth, chart, config.parent)
            request = None
            if patches:
                if self.kubectl is None:
                    raise HelmError("patches need kubectl (its kustomize), which is not installed")
                postrender.install_plugin(self.home / "data" / "plugins")
                request = postrender.write_request(
                    config.parent,
                    patches,
                    kubectl=self.kubectl,
                    where=f"helm release {namespace}/{release}",
                    strategy=post_render_strategy,
                )
                args += postrender.flags(request)
            try:
                out = await self._run(
                    args,
                    options.timeout_seconds + 60.0,
                    f"helm upgrade --install {namespace}/{release}",
                )
            except HelmError:
                said = postrender.error_of(request) if request is not None else None
                if said is None:
                    raise
                raise HelmError(said) from None
        doc = _json_document(out)
        chart_meta = ((doc.get("chart") or {}).get("metadata")) or {}
        return Release(
            name=release,
            namespace=namespace,
            revision=int(doc.get("version") or 0),
            status=str((doc.get("info") or {}).get("status", "")),
            chart=f"{chart_meta.get('name', chart)}-{chart_meta.get('version', version)}",
            app_version=str(chart_meta.get("appVersion", "")),
        )

    async def chart_crds(
        self,
        *,
        chart: str,
        repo_url: str | None,
        version: str,
        auth: RegistryAuth | None = None,
    ) -> list[str]:
        """The files of the chart's ``crds/`` directory (``helm pull --untar``), as text."""
        with self._private_dir() as directory:
            args = ["pull", chart, "--version", version, "--untar", "--untardir", str(directory)]
            if repo_url:
                args += ["--repo", repo_url]
            args += _auth_flags(auth, chart, directory)
            await self._run(args, 300.0, f"helm pull {chart} {version}")
            return [
                path.read_text()
                for path in sorted(directory.glob("*/crds/**/*"))
                if path.suffix in (".yaml", ".yml", ".json") and path.is_file()
            ]

    async def uninstall(
        self,
        kubeconfig: dict[str, Any],
        *,
        release: str,
        namespace: str,
        keep_history: bool = False,
        cascade: str = "background",
        disable_hooks: bool = False,
    ) -> None:
        with self._private_files(kubeconfig, None) as (config, _):
            args = [
                "uninstall",
                release,
                "--kubeconfig",
                str(config),
                "--namespace",
                namespace,
                "--ignore-not-found",
                "--cascade",
                cascade,
            ]
            if keep_history:
                args.append("--keep-history")
            if disable_hooks:
                args.append("--no-hooks")
            await self._run(args, 300.0, f"helm uninstall {namespace}/{release}")


def release_of_secret(secret: dict[str, Any]) -> Release | None:
    """The release a Helm storage Secret (``sh.helm.release.v1.<name>.v<revision>``) holds.

    Helm stores each revision as base64 of gzipped JSON inside the Secret's (base64) data, so a
    release can be read with one LIST of Secrets instead of starting ``helm list``.
    """
    labels = (secret.get("metadata") or {}).get("labels") or {}
    raw = (secret.get("data") or {}).get("release")
    if labels.get("owner") != "helm" or not raw:
        return None
    try:
        doc = json.loads(gzip.decompress(base64.b64decode(base64.b64decode(raw))))
    except (ValueError, OSError):
        return None
    meta = (doc.get("chart") or {}).get("metadata") or {}
    return Release(
        name=str(doc.get("name", labels.get("name", ""))),
        namespace=str(doc.get("namespace", "")),
        revision=int(doc.get("version") or labels.get("version") or 0),
        status=str((doc.get("info") or {}).get("status", labels.get("status", ""))),
        chart=f"{meta.get('name', '')}-{meta.get('version', '')}",
        app_version=str(meta.get("appVersion", "")),
        manifest=str(doc.get("manifest") or ""),
    )


def _json_document(out: str) -> dict[str, Any]:
    """The JSON object of ``--output json``; Helm prints "Pulled:"/"Digest:" lines before it
    for OCI charts."""
    start = out.find("{")
    if start < 0:
        return {}
    try:
        doc, _ = json.JSONDecoder().raw_decode(out, start)
    except ValueError:
        return {}
    return doc if isinstance(doc, dict) else {}


def _private_file(path: Path, text: str) -> Path:
    path.touch(mode=0o600)
    path.write_text(text)
    return path


def _auth_flags(auth: RegistryAuth | None, chart: str, directory: Path) -> list[str]:
    """Flags (and private files in ``directory``) for a private repository or registry."""
    if auth is None:
        return []
    flags: list[str] = []
    oci = chart.startswith("oci://")
    if auth.plain_http and oci:
        flags.append("--plain-http")
    if auth.insecure_skip_tls_verify:
        flags.append("--insecure-skip-tls-verify")
    if auth.ca_pem:
        flags += ["--ca-file", str(_private_file(directory / "ca.crt", auth.ca_pem))]
    if auth.username is not None and auth.password is not None:
        if oci:
            host = chart.removeprefix("oci://").split("/", 1)[0]
            token = base64.b64encode(f"{auth.username}:{auth.password}".encode()).decode()
            registry = json.dumps({"auths": {host: {"auth": token}}})
            flags += [
                "--registry-config",
                str(_private_file(directory / "registry.json", registry)),
            ]
        else:
            flags += ["--username", auth.username, "--password", auth.password]
    return flags


def _flags(options: InstallOptions) -> list[str]:
    switches = (
        (options.create_namespace, "--create-namespace"),
        (options.wait or options.atomic, "--wait=watcher"),
        (options.wait_for_jobs, "--wait-for-jobs"),
        (options.skip_crds, "--skip-crds"),
        (options.atomic, "--rollback-on-failure"),
        (options.disable_hooks, "--no-hooks"),
        (options.take_ownership, "--take-ownership"),
        (options.reset_values, "--reset-values"),
        (options.reuse_values, "--reuse-values"),
        (options.force, "--force-replace"),
    )
    flags = [flag for on, flag in switches if on]
    if options.labels:
        flags += ["--labels", ",".join(f"{k}={v}" for k, v in sorted(options.labels.items()))]
    return flags


def _regex_escape(name: str) -> str:
    return "".join("\\" + c if c in r".^$*+?()[]{}|\\" else c for c in name)


def chart_reference(chart_name: str, repository_name: str | None, repository_url: str = "") -> str:
    """The chart to name to helm.

    - OCI: Sveltos accepts the whole reference in ``chartName`` (``oci://host/path/chart``) or
      the registry path in ``repositoryURL`` and the chart in ``chartName``;
    - http(s) (for ``--repo``): Sveltos writes ``chartName`` as ``<repositoryName>/<chart>``.
    """
    if chart_name.startswith("oci://"):
        return chart_name
    if repository_url.startswith("oci://"):
        base = repository_url.rstrip("/")
        name = chart_name.rpartition("/")[2]
        return base if base.endswith(f"/{name}") else f"{base}/{name}"
    if repository_name and chart_name.startswith(f"{repository_name}/"):
        return chart_name[len(repository_name) + 1 :]
    return chart_name.rpartition("/")[2]


def merge_values(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Helm's deep merge: maps merge key by key, anything else in ``override`` replaces."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = merge_values(merged[key], value)
        else:
            merged[key] = value
    return merged
