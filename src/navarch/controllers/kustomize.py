"""The Kustomize feature: a profile's ``kustomizationRefs`` as items for the shared deployer.

Sveltos deploys a kustomize build the way it deploys raw manifests (same ownership labels,
tiers, conflicts, stale removal and withdrawal), under its own feature ID ``Kustomize``; so does
Navarch: this module turns each ref into decorated ``Item``s (``engines.kustomize`` does the
unpacking and the build) and the ClusterSummary controller runs them through the same apply path
as policyRefs. What is not supported yet (Flux sources, ``remoteURL``) fails the feature with a
message naming the ref and the field, never deploys half-instantiated output.

Templates (``controllers.templates``): ``path`` and ``components`` may be templates over
``.Cluster``; ``values`` are templates too, and so are the values of a ``valuesFrom`` object
annotated ``projectsveltos.io/template`` (others are taken as they are); when there are values,
every object of the kustomize output is rendered as a template with the values as its data
(``{{ .Region }}``), as Sveltos instantiates it.
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import json
from collections.abc import Awaitable, Callable
from typing import Any, Final

import yaml

from navarch.api.profile import KustomizationRef, Spec
from navarch.controllers import patches as profile_patches
from navarch.controllers.deployer import Item
from navarch.controllers.templates import Renderer, is_template, is_templated, render_with
from navarch.engines.kustomize import Kustomize, KustomizeError, archive_of
from navarch.engines.patches import Patch
from navarch.engines.resources import (
    Owner,
    Reference,
    apply_order,
    decorate,
    parse_documents,
    text_data,
)

KUSTOMIZE: Final = "Kustomize"

KubeObject = dict[str, Any]
ReadSource = Callable[[str, str, str], KubeObject | None]
Source = tuple[str, str, str, Any]
PatchObjects = Callable[[list[Patch], list[KubeObject], str], Awaitable[list[KubeObject]]]


def _digest(source: KubeObject) -> str:
    field = "binaryData" if source.get("kind") == "ConfigMap" else "data"
    content = json.dumps(source.get(field) or {}, sort_keys=True).encode()
    return hashlib.sha256(content).hexdigest()


def problem(index: int, ref: KustomizationRef) -> str | None:
    """Why this ref cannot be deployed by Navarch yet, or None."""
    where = f"kustomizationRefs[{index}]"
    if ref.remote_url is not None:
        return (
            f"{where}: remoteURL sources are not supported by Navarch yet; put the tree in a "
            "ConfigMap or Secret as kustomize.tar.gz"
        )
    if ref.kind not in ("ConfigMap", "Secret"):
        return (
            f"{where}: {ref.kind} is a Flux source, which Navarch does not read yet; put the "
            "tree in a ConfigMap or Secret as kustomize.tar.gz (`tar -czf kustomize.tar.gz -C "
            "<dir> .`)"
        )
    templated = [
        f for f, v in (("name", ref.name), ("namespace", ref.namespace)) if v and is_template(v)
    ]
    if templated:
        return f"{where}: templated {', '.join(templated)} are not supported by Navarch yet"
    return None


def feature_hash(spec: Spec, sources: list[Source]) -> bytes:
    """What, if it changes, means the Kustomize feature must be deployed again."""
    relevant = {
        "kustomizationRefs": [r.dump() for r in spec.kustomization_refs or []],
        "tier": spec.tier,
        "continueOnConflict": spec.continue_on_conflict,
        "continueOnError": spec.continue_on_error,
        "extraLabels": spec.extra_labels,
        "extraAnnotations": spec.extra_annotations,
        "sources": sources,
    }
    return hashlib.sha256(json.dumps(relevant, sort_keys=True).encode()).digest()


def substitute_values(
    index: int,
    ref: KustomizationRef,
    read: ReadSource,
    namespace_of: Callable[[str | None], str],
    renderer: Renderer,
) -> dict[str, str]:
    """``values`` (rendered), then each valuesFrom's data (rendered when annotated)."""
    where = f"kustomizationRefs[{index}]"
    values = renderer.render_values(dict(ref.values or {}), f"{where}.values")
    for source_ref in ref.values_from or []:
        namespace = namespace_of(source_ref.namespace)
        source = read(source_ref.kind, namespace, source_ref.name)
        label = f"{where}.valuesFrom {source_ref.kind} {namespace}/{source_ref.name}"
        if source is None:
            if source_ref.optional:
                continue
            raise KustomizeError(f"{label} does not exist (create it, or mark it optional)")
        data = text_data(source)
        values.update(renderer.render_values(data, label) if is_templated(source) else data)
    return values


def instantiate(
    objects: list[KubeObject], values: dict[str, str], name: str, where: str
) -> list[KubeObject]:
    """The kustomize output rendered with ``values`` as data (Sveltos's substitution)."""
    out: list[KubeObject] = []
    for obj in objects:
        text = yaml.safe_dump(obj, sort_keys=False, width=2**31 - 1)
        rendered = render_with(text, dict(values), f"{name}-substitutevalues", where)
        out += parse_documents(rendered, f"{where} (instantiated)")
    return out


async def collect(
    engine: Kustomize,
    refs: list[KustomizationRef],
    read: ReadSource,
    namespace_of: Callable[[str | None], str],
    owner: Owner,
    *,
    renderer: Renderer,
    extra_labels: dict[str, str] | None = None,
    extra_annotations: dict[str, str] | None = None,
    patches: list[Patch] | None = None,
    patch: PatchObjects | None = None,
) -> tuple[list[Item], list[Source]]:
    """The decorated objects of every ref, in apply order, and what they were built from.

    ``patch`` applies the profile's ``patches`` to each ref's output (after targetNamespace,
    before Navarch's labels and annotations, as for policyRefs).

    Raises KustomizeError (a ManifestError) naming the ref when one cannot be built.
    """
    items: list[Item] = []
    sources: list[Source] = []
    for index, ref in enumerate(refs):
        reason = problem(index, ref)
        if reason is not None:
            raise KustomizeError(reason)
        kind, namespace, name = str(ref.kind), namespace_of(ref.namespace), str(ref.name)
        source = read(kind, namespace, name)
        if source is None:
            if ref.optional:
                sources.append((kind, namespace, name, None))
                continue
            raise KustomizeError(
                f"kustomizationRefs[{index}]: {kind} {namespace}/{name} does not exist: create "
                "it, or mark the reference optional"
            )
        where = f"kustomizationRefs[{index}] ({kind} {namespace}/{name})"
        path = renderer.render(ref.path or "", f"kustomizationRefs[{index}].path") or None
        components = [
            renderer.render(c, f"kustomizationRefs[{index}].components")
            for c in ref.components or []
        ]
        objects = await engine.build(archive_of(source), path, components, where)
        values = substitute_values(index, ref, read, namespace_of, renderer)
        if values:
            objects = instantiate(objects, values, renderer.requestor, where)
        reference = Reference(kind=kind, namespace=namespace, name=name, tier=ref.tier)
        ref_owner = dataclasses.replace(owner, deployment_type=ref.deployment_type)
        if ref.target_namespace:  # cluster-scoped kinds drop it when deployed
            objects = [_in_namespace(obj, ref.target_namespace) for obj in objects]
        if patches and patch is not None:
            objects = await patch(patches, objects, where)
        for target in objects:
            items.append(
                Item(
                    obj=decorate(
                        target,
                        reference=reference,
                        owner=ref_owner,
                        feature=KUSTOMIZE,
                        extra_labels=extra_labels,
                        extra_annotations=extra_annotations,
                    ),
                    reference=reference,
                    deployment_type=ref.deployment_type,
                    skip_namespace_creation=ref.skip_namespace_creation,
                    force=ref.force,
                )
            )
        sources.append(
            (kind, namespace, name, [_digest(source), path, components, sorted(values.items())])
        )
    if patches:
        sources.append(("Patches", "", "", profile_patches.digest(patches)))
    ordered = apply_order([i.obj for i in items])
    by_id = {id(i.obj): i for i in items}
    return [by_id[id(obj)] for obj in ordered], sources


def _in_namespace(obj: KubeObject, namespace: str) -> KubeObject:
    target = {**obj, "metadata": copy.copy(obj.get("metadata") or {})}
    target["metadata"]["namespace"] = namespace
    return target
