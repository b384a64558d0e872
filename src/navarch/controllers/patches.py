"""A profile's ``patches`` and ``patchesFrom``, read and rendered for one cluster.

Sveltos applies one list of patches to everything a profile deploys: the objects of every
policyRef, the kustomize output and, through a post-renderer, Helm's output. The list is the
profile's own ``spec.patches`` followed by the patches held in the ``patchesFrom`` ConfigMaps and
Secrets (each data value one Patch object, keys in sorted order). Patch text is a template
rendered with the cluster's data (as Sveltos instantiates it), so a patch can say
``replicas: {{ .Cluster.metadata.labels.size }}``; so are the patchesFrom names and namespaces,
and the content of a source annotated ``projectsveltos.io/template``.

This module only gathers the list (pure, no I/O beyond the informer caches passed in); applying
it is ``engines.patches``. What it was read from goes into the features' hashes so a change of a
patchesFrom object redeploys, as a changed policyRef does.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import astuple
from typing import Any

from navarch.api.profile import Spec
from navarch.controllers.templates import Renderer
from navarch.engines.patches import Patch, PatchError, patch_from_spec, patches_from_data
from navarch.engines.resources import TEMPLATE_ANNOTATION, text_data

KubeObject = dict[str, Any]
ReadSource = Callable[[str, str, str], KubeObject | None]


def gather(
    spec: Spec,
    read: ReadSource,
    namespace_of: Callable[[str | None], str],
    renderer: Renderer,
) -> list[Patch]:
    """Every patch of the profile for this cluster, in the order they apply.

    Raises PatchError (a ManifestError) for a malformed patch or a missing, non-optional
    patchesFrom object, and TemplateFailure for a template that does not render."""
    patches: list[Patch] = []
    for index, entry in enumerate(spec.patches or []):
        origin = f"patches[{index}]"
        wire = entry.dump()
        text = wire.get("patch")
        if isinstance(text, str):  # render() returns text without an action as it is
            wire["patch"] = renderer.render(text, f"{origin}.patch")
        patches.append(patch_from_spec(wire, origin))
    for index, ref in enumerate(spec.patches_from or []):
        origin = f"patchesFrom[{index}]"
        name = renderer.render(ref.name, f"{origin}.name")
        namespace = namespace_of(renderer.render(ref.namespace or "", f"{origin}.namespace"))
        source = read(ref.kind, namespace, name)
        if source is None:
            if ref.optional:
                continue
            raise PatchError(
                f"{origin}: {ref.kind} {namespace}/{name} does not exist: create it, or mark "
                "the reference optional"
            )
        where = f"{origin} ({ref.kind} {namespace}/{name})"
        data = text_data(source)
        annotations = (source.get("metadata") or {}).get("annotations") or {}
        if TEMPLATE_ANNOTATION in annotations:
            data = {k: renderer.render(v, f"{where} key {k!r}") for k, v in data.items()}
        patches += patches_from_data(data, where)
    return patches


def digest(patches: list[Patch]) -> str:
    """What the features' hashes carry: the rendered patches, so any change redeploys."""
    doc = [[p.origin, p.text, None if p.target is None else astuple(p.target)] for p in patches]
    return hashlib.sha256(json.dumps(doc).encode()).hexdigest()
