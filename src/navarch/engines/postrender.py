"""Sveltos ``patches`` on Helm output: a Helm 4 post-renderer plugin that runs ``Patcher``.

Helm 4 no longer runs an executable named by ``--post-renderer``: it runs a plugin of type
``postrenderer/v1`` found under ``$HELM_PLUGINS`` (by default ``$HELM_DATA_HOME/plugins``),
named by ``--post-renderer``, with each ``--post-renderer-args`` appended to its command. The
plugin gets the rendered chart (every template and hook as one stream, each object annotated with
its file) on stdin and writes the stream to install on stdout.

Navarch's plugin (``install_plugin``) is one ``plugin.yaml`` whose command is this module, run by
the manager's own interpreter. Per Helm call the engine writes a request file (``write_request``:
the patches, the kubectl to use, the ``postRenderStrategy``, where the call comes from) in its
private per-call directory, mode 0600, and passes it with ``flags``. The plugin applies the
patches with the same ``Patcher`` the other features use, so Helm output is patched exactly like
raw manifests and kustomize output. Objects no patch changed are written back byte for byte.

Helm swallows a plugin's stderr (it reports only "plugin exited with error"), so the plugin also
writes its message next to the request file, where ``error_of`` reads it back for the engine's
error.

``postRenderStrategy``: Helm 4's CLI always sends hooks and templates together ("combined"; the
other modes exist only in its Go API). Sveltos offers "separate" to avoid kustomize's failure on
an object that is both a hook and a template; ``Patcher`` never puts two objects with one id in
one kustomize run, so "combined" and "separate" give the same result here. "nohooks" (Helm 3's
behaviour) is done by the plugin: objects with a ``helm.sh/hook`` annotation pass through.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

import yaml

from navarch.engines import kyaml
from navarch.engines.patches import Patch, Patcher, Target
from navarch.engines.resources import ManifestError

PLUGIN_NAME = "navarch-patches"
PLUGIN_VERSION = "1.0.0"
HOOK_ANNOTATION = "helm.sh/hook"
STRATEGIES = ("combined", "separate", "nohooks")
_ERROR_SUFFIX = ".error"


def plugin_manifest(python: str = sys.executable) -> str:
    """The ``plugin.yaml`` of Navarch's post-renderer (Helm 4 plugin API v1)."""
    manifest = {
        "apiVersion": "v1",
        "type": "postrenderer/v1",
        "name": PLUGIN_NAME,
        "version": PLUGIN_VERSION,
        "runtime": "subprocess",
        "runtimeConfig": {
            "platformCommand": [{"command": python, "args": ["-m", "navarch.engines.postrender"]}]
        },
    }
    return yaml.safe_dump(manifest, sort_keys=False)


def install_plugin(plugins_dir: Path, python: str = sys.executable) -> str:
    """Write the plugin under ``plugins_dir`` (the ``$HELM_PLUGINS`` Helm will search) if it is
    not there as it should be; return the name to pass to ``--post-renderer``."""
    directory = plugins_dir / PLUGIN_NAME
    manifest = plugin_manifest(python)
    path = directory / "plugin.yaml"
    if not path.is_file() or path.read_text() != manifest:
        directory.mkdir(parents=True, exist_ok=True)
        partial = directory / f".plugin.yaml.{id(manifest)}"
        partial.write_text(manifest)
        partial.replace(path)  # atomic: a concurrent helm never reads half a file
    return PLUGIN_NAME


def write_request(
    directory: Path,
    patches: Sequence[Patch],
    *,
    kubectl: Path,
    where: str,
    strategy: str | None = None,
) -> Path:
    """The request file for one Helm call, in ``directory`` (private to that call), mode 0600."""
    if strategy not in (None, "", *STRATEGIES):
        raise ManifestError(
            f"{where}: postRenderStrategy {strategy!r} is not one of {', '.join(STRATEGIES)}"
        )
    request = {
        "where": where,
        "kubectl": str(kubectl),
        "strategy": strategy or "combined",
        "patches": [
            {"text": p.text, "target": p.target and asdict(p.target), "origin": p.origin}
            for p in patches
        ],
    }
    path = directory / "post-render.json"
    path.touch(mode=0o600)
    path.write_text(json.dumps(request))
    return path


def flags(request: Path) -> list[str]:
    """The helm flags that run the plugin with ``request``."""
    return ["--post-renderer", PLUGIN_NAME, "--post-renderer-args", str(request)]


def error_of(request: Path) -> str | None:
    """What the plugin said when it failed for ``request`` (Helm does not pass it on)."""
    path = request.with_name(request.name + _ERROR_SUFFIX)
    try:
        return path.read_text().strip() or None
    except FileNotFoundError:
        return None


async def render(stream: str, request: Path) -> str:
    """The rendered chart ``stream`` with the request's patches applied."""
    spec = json.loads(request.read_text())
    patches = [
        Patch(p["text"], Target(**p["target"]) if p["target"] is not None else None, p["origin"])
        for p in spec["patches"]
    ]
    where = f"{spec['where']} (post-renderer)"
    texts = kyaml.split_documents(stream)
    objects: list[kyaml.KubeObject] = []
    positions: list[int] = []  # for each object sent to the patcher, its document
    for position, text in enumerate(texts):
        try:
            obj = kyaml.load(text)
        except yaml.YAMLError as exc:
            raise ManifestError(
                f"{where}: rendered document {position + 1} is not valid YAML "
                f"({kyaml.problem(exc)})"
            ) from None
        if not isinstance(obj, dict):
            continue
        annotations = (obj.get("metadata") or {}).get("annotations") or {}
        if spec["strategy"] == "nohooks" and HOOK_ANNOTATION in annotations:
            continue
        objects.append(obj)
        positions.append(position)
    patcher = Patcher(Path(spec["kubectl"]), workdir=request.parent)
    outcomes = {positions[o.index]: o for o in await patcher.outcomes(objects, patches, where)}
    sent = set(positions)
    out: list[str] = []
    for position, text in enumerate(texts):
        if position not in sent:
            out.append(text)  # not an object, or a hook left alone
        elif (outcome := outcomes.get(position)) is not None:  # else: deleted by a patch
            out.append(outcome.text or text)
    return "---\n".join(t if t.endswith("\n") else t + "\n" for t in out)


def main(argv: Sequence[str] | None = None) -> int:
    """The plugin: ``python -m navarch.engines.postrender REQUEST`` < rendered > patched."""
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1:
        print("usage: python -m navarch.engines.postrender REQUEST-FILE", file=sys.stderr)
        return 2
    request = Path(args[0]).resolve()
    try:
        result = asyncio.run(render(sys.stdin.read(), request))
    except (ManifestError, OSError, ValueError, KeyError, TypeError) as exc:
        message = str(exc) if isinstance(exc, ManifestError) else f"post-renderer failed: {exc!r}"
        print(message, file=sys.stderr)
        error = request.with_name(request.name + _ERROR_SUFFIX)
        with contextlib.suppress(OSError):
            error.touch(mode=0o600)
            error.write_text(message + "\n")
        return 1
    sys.stdout.write(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
