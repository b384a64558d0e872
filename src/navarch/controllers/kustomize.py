"""The Kustomize feature: a profile's ``kustomizationRefs`` as items for the shared deployer.

Sveltos deploys a kustomize build the way it deploys raw manifests (same ownership labels,
tiers, conflicts, stale removal and withdrawal), under its own feature ID ``Kustomize``; so does
Navarch: this module turns each ref into decorated ``Item``s (``engines.kustomize`` does the
unpacking and the build) and the ClusterSummary controller runs them through the same apply path
as policyRefs. What is not supported yet (Flux sources, ``remoteURL``, template ``values``,
templated names and paths) fails the feature with a message naming the ref and the field, never
deploys half-instantiated output.
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import json
from collections.abc import Callable
from typing import Any, Final

from navarch.api.profile import KustomizationRef, Spec
from navarch.controllers.deployer import Item
from navarch.engines.kustomize import Kustomize, KustomizeError, archive_of
from navarch.engines.resources import Owner, Reference, apply_order, decorate

KUSTOMIZE: Final = "Kustomize"

KubeObject = dict[str, Any]
ReadSource = Callable[[str, str, str], KubeObject | None]
Source = tuple[str, str, str, Any]


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
    if ref.values or ref.values_from:
        return (
            f"{where}: values and valuesFrom instantiate the kustomize output as a template, "
            "and templates are not supported by Navarch yet; nothing was deployed from it"
        )
    templated = [
        f
        for f, v in (
            ("name", ref.name),
            ("namespace", ref.namespace),
            ("path", ref.path),
            *(("components", c) for c in ref.components or []),
        )
        if v and "{{" in v
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


async def collect(
    engine: Kustomize,
    refs: list[KustomizationRef],
    read: ReadSource,
    namespace_of: Callable[[str | None], str],
    owner: Owner,
    *,
    extra_labels: dict[str, str] | None = None,
    extra_annotations: dict[str, str] | None = None,
) -> tuple[list[Item], list[Source]]:
    """The decorated objects of every ref, in apply order, and what they were built from.

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
        objects = await engine.build(
            archive_of(source), ref.path, list(ref.components or []), where
        )
        reference = Reference(kind=kind, namespace=namespace, name=name, tier=ref.tier)
        ref_owner = dataclasses.replace(owner, deployment_type=ref.deployment_type)
        for obj in objects:
            target = obj
            if ref.target_namespace:  # cluster-scoped kinds drop it when deployed
                target = {**obj, "metadata": copy.copy(obj.get("metadata") or {})}
                target["metadata"]["namespace"] = ref.target_namespace
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
        sources.append((kind, namespace, name, _digest(source)))
    ordered = apply_order([i.obj for i in items])
    by_id = {id(i.obj): i for i in items}
    return [by_id[id(obj)] for obj in ordered], sources
