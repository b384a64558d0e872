"""Raw manifests: from a ConfigMap or Secret to the ordered, annotated objects to apply.

Pure functions, no cluster access; the ClusterSummary controller feeds them the referenced
ConfigMap/Secret and applies what comes out.

Reading (``documents_of``): every data key of the ConfigMap (or Secret, base64-decoded) may hold
one or many YAML or JSON documents separated by ``---``; a document may be a ``kind: List`` (its
items are the objects) or a YAML list of objects. Keys are read in sorted order (a ConfigMap's
data has no order of its own, and a stable order keeps hashes and apply order stable). A broken
document is a ``ManifestError`` naming the source, the key, the document's position and the
cause, so status can say exactly which document to fix.

Deciding the order (``apply_order``): CustomResourceDefinitions first, then Namespaces, then
everything else in the order written, so a manifest can define a CRD or a namespace and use it.

Marking ownership (``decorate``): the labels and annotations Sveltos puts on what it deploys
(``projectsveltos.io/reason``, ``reference-*``, ``owner-*``, ``hash``, ``clustersummary``,
``deploymenttype``), so ``kubectl get -o yaml`` on a managed cluster shows who deployed an
object and from where, and so another profile's claim on it is detected as a conflict.
"""

from __future__ import annotations

import base64
import binascii
import copy
import hashlib
import json
from dataclasses import dataclass
from typing import Any

import yaml

KubeObject = dict[str, Any]

# Labels and annotations on deployed objects (Sveltos's names).
REASON_LABEL = "projectsveltos.io/reason"
REFERENCE_KIND = "projectsveltos.io/reference-kind"
REFERENCE_NAME = "projectsveltos.io/reference-name"
REFERENCE_NAMESPACE = "projectsveltos.io/reference-namespace"
REFERENCE_TIER = "projectsveltos.io/reference-tier"
HASH = "projectsveltos.io/hash"
OWNER_KIND = "projectsveltos.io/owner-kind"
OWNER_NAME = "projectsveltos.io/owner-name"
OWNER_TIER = "projectsveltos.io/owner-tier"
CLUSTER_SUMMARY = "projectsveltos.io/clustersummary"
DEPLOYMENT_TYPE = "projectsveltos.io/deploymenttype"
DRIFT_IGNORE = "projectsveltos.io/driftDetectionIgnore"

# Marks on a referenced ConfigMap/Secret that change how its content is read.
TEMPLATE_ANNOTATION = "projectsveltos.io/template"
LUA_ANNOTATION = "projectsveltos.io/lua"

SECRET_TYPE = "addons.projectsveltos.io/cluster-profile"
DEFAULT_TIER = 100


# libyaml's loader when PyYAML was built with it (the wheels are): several times faster.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class ManifestError(Exception):
    """A referenced document cannot be used; the message names it and says why."""


@dataclass(frozen=True)
class Reference:
    """Where objects came from: the ConfigMap or Secret a policyRef names, and its tier."""

    kind: str
    namespace: str
    name: str
    tier: int = DEFAULT_TIER

    def __str__(self) -> str:
        return f"{self.kind} {self.namespace}/{self.name}"


@dataclass(frozen=True)
class Owner:
    """The profile deploying the objects, its tier, and the cluster they are deployed for."""

    kind: str
    name: str
    tier: int
    cluster: str  # the clustersummary annotation value: "sveltos-<namespace>-<name>"
    deployment_type: str = "Remote"


def data_of(source: KubeObject) -> dict[str, str]:
    """The text content of a ConfigMap, or of a Secret (decoded), by key."""
    kind = source.get("kind")
    meta = source.get("metadata") or {}
    where = f"{kind} {meta.get('namespace')}/{meta.get('name')}"
    if kind == "Secret":
        if source.get("type") != SECRET_TYPE:
            raise ManifestError(
                f"{where} has type {source.get('type') or 'Opaque'!r}: a Secret referenced by a "
                f"profile must have type {SECRET_TYPE}"
            )
        decoded: dict[str, str] = {}
        for key, value in (source.get("data") or {}).items():
            try:
                decoded[key] = base64.b64decode(value).decode()
            except (binascii.Error, UnicodeDecodeError):
                raise ManifestError(f"{where} key {key!r} is not UTF-8 text") from None
        return decoded
    return {str(k): str(v) for k, v in (source.get("data") or {}).items()}


def text_data(source: KubeObject) -> dict[str, str]:
    """The data of a ConfigMap, or of a Secret of any type (base64-decoded, undecodable bytes
    replaced): what valuesFrom and registry credentials read."""
    if source.get("kind") == "Secret":
        return {
            str(k): base64.b64decode(v).decode(errors="replace")
            for k, v in (source.get("data") or {}).items()
        }
    return {str(k): str(v) for k, v in (source.get("data") or {}).items()}


def documents_of(source: KubeObject) -> list[KubeObject]:
    """Every object in a referenced ConfigMap or Secret, in key then document order."""
    meta = source.get("metadata") or {}
    where = f"{source.get('kind')} {meta.get('namespace')}/{meta.get('name')}"
    objects: list[KubeObject] = []
    for key, text in sorted(data_of(source).items()):
        objects += parse_documents(text, f"{where} key {key!r}")
    return objects


def parse_documents(text: str, where: str) -> list[KubeObject]:
    """The objects in a YAML/JSON stream; ManifestError names the document that is wrong."""
    objects: list[KubeObject] = []
    try:
        docs = list(yaml.load_all(text, Loader=_LOADER))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = f" at line {mark.line + 1}" if mark else ""
        raise ManifestError(
            f"{where}: invalid YAML{line}: {exc.problem or exc.context or 'parse error'}"
        ) from None
    except yaml.YAMLError as exc:
        raise ManifestError(f"{where}: invalid YAML: {exc}") from None
    for index, doc in enumerate(docs, start=1):
        if doc is None:
            continue
        label = f"{where} document {index}"
        items = doc if isinstance(doc, list) else [doc]
        for item in items:
            if isinstance(item, dict) and item.get("kind") == "List" and "items" in item:
                for inner in item.get("items") or []:
                    objects.append(_checked(inner, label))
            else:
                objects.append(_checked(item, label))
    return objects


def _checked(obj: Any, label: str) -> KubeObject:
    if not isinstance(obj, dict):
        raise ManifestError(f"{label} is not an object (a mapping with apiVersion and kind)")
    missing = [f for f in ("apiVersion", "kind") if not obj.get(f)]
    name = (
        (obj.get("metadata") or {}).get("name") if isinstance(obj.get("metadata"), dict) else None
    )
    if not name:
        missing.append("metadata.name")
    if missing:
        raise ManifestError(f"{label} has no {', '.join(missing)}")
    return obj


def apply_order(objects: list[KubeObject]) -> list[KubeObject]:
    """CRDs, then Namespaces, then the rest, each group in its original order."""

    def rank(obj: KubeObject) -> int:
        kind = obj.get("kind")
        if kind == "CustomResourceDefinition":
            return 0
        if kind == "Namespace" and obj.get("apiVersion") == "v1":
            return 1
        return 2

    return sorted(objects, key=rank)  # sorted() is stable


def object_hash(obj: KubeObject) -> str:
    """``sha256:<hex>`` of the object with sorted keys, as Sveltos computes it."""
    without = copy.deepcopy(obj)
    annotations = (without.get("metadata") or {}).get("annotations")
    if isinstance(annotations, dict):
        annotations.pop(HASH, None)
    data = json.dumps(without, sort_keys=True, separators=(",", ":")).encode()
    return "sha256:" + hashlib.sha256(data).hexdigest()


def decorate(
    obj: KubeObject,
    *,
    reference: Reference,
    owner: Owner,
    feature: str,
    extra_labels: dict[str, str] | None = None,
    extra_annotations: dict[str, str] | None = None,
) -> KubeObject:
    """A copy of ``obj`` carrying Sveltos's ownership labels and annotations."""
    out = copy.deepcopy(obj)
    meta = out.setdefault("metadata", {})
    policy_hash = object_hash(out)
    labels = meta.setdefault("labels", {})
    labels.update(extra_labels or {})
    labels[REASON_LABEL] = feature
    annotations = meta.setdefault("annotations", {})
    annotations.update(extra_annotations or {})
    annotations.update(
        {
            REFERENCE_KIND: reference.kind,
            REFERENCE_NAME: reference.name,
            REFERENCE_NAMESPACE: reference.namespace,
            REFERENCE_TIER: str(reference.tier),
            HASH: policy_hash,
            OWNER_TIER: str(owner.tier),
            OWNER_NAME: owner.name,
            OWNER_KIND: owner.kind,
            CLUSTER_SUMMARY: owner.cluster,
            DEPLOYMENT_TYPE: owner.deployment_type,
        }
    )
    return out


@dataclass(frozen=True)
class Claim:
    """What an existing object says about who deployed it (empty strings when nobody did)."""

    owner_kind: str
    owner_name: str
    owner_tier: int
    reference: Reference | None

    @staticmethod
    def of(current: KubeObject) -> Claim:
        annotations = (current.get("metadata") or {}).get("annotations") or {}
        labels = (current.get("metadata") or {}).get("labels") or {}
        kind = annotations.get(REFERENCE_KIND) or labels.get(REFERENCE_KIND) or ""
        reference = None
        if kind:
            reference = Reference(
                kind=kind,
                namespace=annotations.get(REFERENCE_NAMESPACE)
                or labels.get(REFERENCE_NAMESPACE)
                or "",
                name=annotations.get(REFERENCE_NAME) or labels.get(REFERENCE_NAME) or "",
                tier=_tier(annotations.get(REFERENCE_TIER), DEFAULT_TIER),
            )
        return Claim(
            owner_kind=annotations.get(OWNER_KIND, ""),
            owner_name=annotations.get(OWNER_NAME, ""),
            owner_tier=_tier(annotations.get(OWNER_TIER), 2**31 - 1),
            reference=reference,
        )


def _tier(value: str | None, default: int) -> int:
    try:
        tier = int(value) if value else default
    except ValueError:
        return default
    return tier if tier > 0 else 2**31 - 1


@dataclass(frozen=True)
class Verdict:
    """May this owner apply over the existing object? ``takeover`` when it wins by tier."""

    allowed: bool
    takeover: bool = False
    message: str = ""


def may_deploy(current: KubeObject | None, reference: Reference, owner: Owner) -> Verdict:
    """Sveltos's ownership rules for deploying over an object that already exists.

    - Nothing there, or an object nobody deployed: go ahead (Sveltos adopts such objects).
    - Deployed by this profile from the same source: go ahead.
    - Deployed from another source of this profile: only a lower ``tier`` policyRef wins.
    - Deployed by another profile: only a profile with a lower ``tier`` takes it over;
      otherwise it is a conflict and nothing is written.
    """
    if current is None:
        return Verdict(True)
    claim = Claim.of(current)
    meta = current.get("metadata") or {}
    what = f"{current.get('kind')} {meta.get('namespace') or ''}/{meta.get('name')}".replace(
        " /", " "
    )
    same_owner = claim.owner_kind == owner.kind and claim.owner_name == owner.name
    if claim.owner_name and not same_owner:
        if owner.tier < claim.owner_tier:
            return Verdict(True, takeover=True)
        return Verdict(
            False,
            message=(
                f"conflict on {what}: it is deployed by {claim.owner_kind} {claim.owner_name} "
                f"(tier {claim.owner_tier}) from {claim.reference or 'an unknown source'}; "
                f"give this profile a lower tier to take it over, or stop deploying it here"
            ),
        )
    if (
        claim.reference is not None
        and claim.reference
        != Reference(reference.kind, reference.namespace, reference.name, claim.reference.tier)
        and reference.tier >= claim.reference.tier
    ):
        return Verdict(
            False,
            message=(
                f"conflict on {what}: {claim.reference} of the same profile deploys it too; "
                f"give {reference} a lower tier, or remove it from one of them"
            ),
        )
    return Verdict(True)
