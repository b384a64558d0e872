"""Sveltos ``patches``: strategic merge and JSON 6902 patches applied to rendered objects.

Sveltos applies a profile's ``patches`` (and ``patchesFrom``) to every object it deploys: raw
manifests, kustomize output and, through a post-renderer, Helm output. It uses kustomize's patch
transformer, so merge keys, ``$patch`` directives and list semantics are kustomize's. Navarch
does not write a strategic merge of its own either: ``Patcher`` hands the objects and patches to
the pinned kustomize inside ``kubectl kustomize`` and keeps in Python only what kustomize cannot
do for us (the pure part is ``patchplan``):

1. every patch is checked first, so a malformed one is a ``PatchError`` naming it (index,
   origin, the head of its text) and saying what to write instead; a patch that can select no
   object is dropped, which is not an error (as in Sveltos);
2. only the objects some patch may touch go to kubectl, as JSON (unambiguous types), with a
   kustomization that keeps their order (``sortOptions: fifo``); objects that share a kustomize
   id go in separate runs, so they never collide;
3. the output is read with a YAML 1.2 loader (``kyaml``), and an object kustomize returns equal
   to what went in is given back as the very input object: a round trip through YAML never
   alters what no patch touched. When kustomize fails, the shortest failing prefix of the
   patches names the culprit (a few more runs, only on failure).

On purpose different from Sveltos: a strategic merge patch without a target whose object is not
among the objects is skipped. Sveltos hands it to kustomize, which fails ("no resource
matches"); since one profile's patches go to all of its features, that would make untargeted
patches unusable.

One fleet often renders the same objects with the same patches for hundreds of clusters, so
outcomes (failures too: they are deterministic) are cached by digest in a small LRU, and
concurrent identical calls share one run.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import astuple, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from navarch.engines import kyaml
from navarch.engines.kustomize import BUILD_TIMEOUT, run_kustomize
from navarch.engines.patchplan import (
    Entry,
    Item,
    KubeObject,
    Patch,
    PatchError,
    Target,
    align,
    batches,
    item_of,
    json_default,
    plan,
    problem,
    to_json,
)
from navarch.engines.singleflight import SingleFlight

if TYPE_CHECKING:
    from navarch.api.validatehealth import Patch as PatchSpec

__all__ = [
    "Outcome",
    "Patch",
    "PatchError",
    "Patcher",
    "Target",
    "patch_from_spec",
    "patches_from_data",
]

_CACHE_SIZE = 128
_MESSAGE_LIMIT = 600


def patch_from_spec(entry: Mapping[str, Any] | PatchSpec, origin: str) -> Patch:
    """A ``spec.patches`` entry (the API model, or its wire form with camelCase keys)."""
    wire: Mapping[str, Any] = entry if isinstance(entry, Mapping) else entry.dump()
    text = wire.get("patch")
    if not isinstance(text, str) or not text.strip():
        raise PatchError(f"{origin}: patch is empty; write a strategic merge or JSON 6902 patch")
    raw = wire.get("target")
    if raw is None:
        return Patch(text, None, origin)
    if not isinstance(raw, Mapping):
        raise PatchError(f"{origin}: target is not a mapping (group, version, kind, name, ...)")

    def field(key: str) -> str:
        value = raw.get(key)
        return "" if value is None else str(value)

    target = Target(
        group=field("group"),
        version=field("version"),
        kind=field("kind"),
        namespace=field("namespace"),
        name=field("name"),
        label_selector=field("labelSelector"),
        annotation_selector=field("annotationSelector"),
    )
    return Patch(text, target, origin)


def patches_from_data(data: Mapping[str, str], where: str) -> list[Patch]:
    """The patches in a ``patchesFrom`` ConfigMap/Secret's (decoded) data: every value is one
    Patch object (``patch:`` and optional ``target:``), read in sorted key order as Sveltos does."""
    patches: list[Patch] = []
    for key in sorted(data):
        origin = f"{where} key {key!r}"
        try:
            entry = kyaml.load(data[key])
        except yaml.YAMLError as exc:
            raise PatchError(f"{origin}: not valid YAML ({kyaml.problem(exc)})") from None
        if not isinstance(entry, Mapping) or "patch" not in entry:
            raise PatchError(
                f"{origin}: expected a patch object with `patch:` (the patch text) and an "
                "optional `target:`"
            )
        patches.append(patch_from_spec(entry, origin))
    return patches


@dataclass(frozen=True)
class Outcome:
    """One object after patching: ``index`` of the input it came from; ``text`` is kustomize's
    text of it when a patch changed it, None when ``object`` is the untouched input object."""

    index: int
    object: KubeObject
    text: str | None = None


class Patcher:
    """Applies patches with ``kubectl kustomize``; caches outcomes by digest of the input."""

    def __init__(self, kubectl: Path, workdir: Path | None = None) -> None:
        self.kubectl = kubectl
        self.workdir = workdir
        self.runs = 0  # kubectl processes started (for tests and benchmarks)
        self._cache: SingleFlight[str, list[Outcome] | str] = SingleFlight(_CACHE_SIZE)

    async def apply(
        self, objects: list[KubeObject], patches: Sequence[Patch], where: str
    ) -> list[KubeObject]:
        """``objects`` with ``patches`` applied, in input order (an object a ``$patch: delete``
        removes is left out). With no patches, ``objects`` itself. The returned objects are
        shared with the cache and with the input: do not change them."""
        if not patches:
            return objects
        return [o.object for o in await self.outcomes(objects, patches, where)]

    async def outcomes(
        self, objects: list[KubeObject], patches: Sequence[Patch], where: str
    ) -> list[Outcome]:
        """As ``apply``, saying for each object where it came from and whether it changed."""
        if not patches:
            return [Outcome(i, o) for i, o in enumerate(objects)]
        try:
            described = [(p.text, p.target and astuple(p.target), p.origin) for p in patches]
            text = json.dumps([objects, described], default=json_default)
            key = hashlib.sha256(text.encode()).hexdigest()
        except (TypeError, ValueError) as exc:
            raise PatchError(f"{where}: an object cannot be written as JSON ({exc})") from None
        result = await self._cache.get(key, lambda: self._compute_or_error(objects, patches))
        if isinstance(result, str):
            raise PatchError(f"{where}: {result}")
        # the cached outcomes refer to the objects of the first call; equal, but not these
        return [Outcome(o.index, objects[o.index]) if o.text is None else o for o in result]

    async def _compute_or_error(
        self, objects: list[KubeObject], patches: Sequence[Patch]
    ) -> list[Outcome] | str:
        try:
            return await self._compute(objects, patches)
        except PatchError as exc:
            return str(exc)  # deterministic: cached like a success

    async def _compute(self, objects: list[KubeObject], patches: Sequence[Patch]) -> list[Outcome]:
        items = [i for i in (item_of(n, o) for n, o in enumerate(objects)) if i is not None]
        entries = plan(items, patches)
        sent = set().union(*(e.objects for e in entries))
        changed: dict[int, Outcome | None] = {}  # None: deleted
        for batch in batches([i for i in items if i.index in sent]):
            indices = {i.index for i in batch}
            used = [e for e in entries if e.objects & indices]
            changed.update(await self._batch(batch, used, patches))
        out: list[Outcome] = []
        for index, obj in enumerate(objects):
            if index not in changed:
                out.append(Outcome(index, obj))
            elif (outcome := changed[index]) is not None:
                out.append(outcome)
        return out

    async def _batch(
        self, batch: list[Item], entries: list[Entry], patches: Sequence[Patch]
    ) -> dict[int, Outcome | None]:
        root = Path(tempfile.mkdtemp(prefix="navarch-patches-", dir=self.workdir)).resolve()
        try:
            root.chmod(0o700)
            resources = "\n---\n".join(to_json(i.object) for i in batch) + "\n"
            await asyncio.to_thread((root / "resources.yaml").write_text, resources)
            ok, text = await self._run(root, entries)
            if not ok:
                raise await self._culprit(root, entries, patches, text)
        finally:
            await asyncio.to_thread(shutil.rmtree, root, True)
        documents = kyaml.parse_objects(text, "kustomize output")
        positions = align(batch, [obj for _, obj in documents])
        may_delete = any("$patch" in e.text for e in entries)
        result: dict[int, Outcome | None] = {}
        for item, position in zip(batch, positions, strict=True):
            if position is None:
                if may_delete:
                    result[item.index] = None
                continue
            doc, obj = documents[position]
            if obj != json.loads(to_json(item.object)):
                result[item.index] = Outcome(item.index, obj, doc)
        return result

    async def _culprit(
        self, root: Path, entries: list[Entry], patches: Sequence[Patch], message: str
    ) -> PatchError:
        """The first patch whose entry makes kustomize fail (the shortest failing prefix), or
        the objects themselves when kustomize fails with no patch at all."""
        ok, text = await self._run(root, [])
        if not ok:
            return PatchError(
                f"kustomize cannot read the objects to patch: {text}; Navarch patches only "
                "objects kustomize accepts"
            )
        low, high = 1, len(entries)
        failures = {high: message}
        while low < high:
            middle = (low + high) // 2
            ok, text = await self._run(root, entries[:middle])
            if ok:
                low = middle + 1
            else:
                high, failures[middle] = middle, text
        index = entries[low - 1].patch
        return problem(
            index, patches[index], f"kustomize could not apply it: {_hint(failures[low])}"
        )

    async def _run(self, root: Path, entries: Sequence[Entry]) -> tuple[bool, str]:
        kustomization = {
            "apiVersion": "kustomize.config.k8s.io/v1beta1",
            "kind": "Kustomization",
            "resources": ["resources.yaml"],
            "sortOptions": {"order": "fifo"},
            "patches": [e.kustomize() for e in entries],
        }
        (root / "kustomization.yaml").write_text(json.dumps(kustomization))
        self.runs += 1
        try:
            code, out, err = await run_kustomize(self.kubectl, root)
        except TimeoutError:
            raise PatchError(
                f"kubectl kustomize did not finish within {BUILD_TIMEOUT:.0f}s"
            ) from None
        if code != 0:
            return False, _explain(err.decode(errors="replace"), root)
        return True, out.decode(errors="replace")


def _hint(message: str) -> str:
    if "error parsing regexp" in message:
        return (
            f"{message}; a target's group, version, kind, name and namespace are regular "
            "expressions (Go syntax), matched whole"
        )
    if "unable to parse requirement" in message:
        return (
            f"{message}; labelSelector and annotationSelector take label-selector syntax, "
            "e.g. `app=web,tier in (front,back),!canary`"
        )
    return f"{message}; fix the patch or narrow its target to the objects it fits"


def _explain(stderr: str, root: Path) -> str:
    """kustomize's message without the temporary directory and the echo of its configuration."""
    message = stderr.strip().removeprefix("Error: ").removeprefix("error: ")
    message = message.replace(f"{root}/", "").replace(str(root), ".")
    message = re.sub(
        r"trouble configuring builtin PatchTransformer with config: `.*?`: ",
        "",
        message,
        flags=re.DOTALL,
    )
    if len(message) > _MESSAGE_LIMIT:
        message = message[: _MESSAGE_LIMIT - 3] + "..."
    return message
