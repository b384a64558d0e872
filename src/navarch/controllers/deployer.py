"""Apply a feature's objects to a cluster, and remove what a profile deployed and no longer wants.

The ClusterSummary controller decides *what* (the decorated objects of every policyRef, in
order); this module does the I/O against one cluster, object by object:

1. the kind must be served (else: the document and "is its CRD installed?");
2. namespaced objects without a namespace go to ``default``; a namespace the server reports
   missing is created and the object applied again, unless the policyRef says
   ``skipNamespaceCreation`` (``_Namespaces``: the first object of each namespace goes alone);
3. the object's current owner is checked (``engines.resources.may_deploy``): a conflict writes
   nothing and is reported, a lower-tier profile takes over;
4. server-side apply with field manager ``navarch``, forced (Sveltos forces too: the profile's
   content wins over fields others changed).

A conflict stops the feature unless ``continueOnConflict``; any other failure stops it unless
``continueOnError``. Removal lists every object of the kinds the feature ever deployed and
deletes those whose annotations say this profile deployed them for this cluster and that are
not wanted any more; objects of other owners are never touched.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import dataclasses
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from navarch import log
from navarch.engines.resources import (
    CLUSTER_SUMMARY,
    HASH,
    OWNER_KIND,
    OWNER_NAME,
    REASON_LABEL,
    Owner,
    Reference,
    may_deploy,
)
from navarch.kube import (
    AlreadyExists,
    Client,
    Invalid,
    KubeError,
    KubeObject,
    NotFound,
    ResourceType,
    UnknownKind,
    split_api_version,
)

_log = log.get_logger(__name__)

ObjectId = tuple[str, str, str]  # (Kind.version.group, namespace, name)
KeptPaths = Callable[[KubeObject], list[str]]


FORCE_RECREATE = "projectsveltos.io/forceRecreate"


@dataclass
class Item:
    """One object to deploy: decorated, with where it came from and how."""

    obj: KubeObject
    reference: Reference
    deployment_type: str = "Remote"
    skip_namespace_creation: bool = False
    force: bool = False  # the policyRef's `force`: recreate when an update is refused


@dataclass
class Deployed:
    """An object as it was applied: what ClusterConfiguration records."""

    group: str
    version: str
    kind: str
    namespace: str
    name: str
    deployment_type: str
    live: KubeObject | None = field(default=None, compare=False, repr=False)  # apply response

    @property
    def gvk(self) -> str:
        return f"{self.kind}.{self.version}.{self.group}"

    @property
    def id(self) -> ObjectId:
        return (self.gvk, self.namespace, self.name)


@dataclass
class Outcome:
    deployed: list[Deployed] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    takeovers: list[Owner] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.conflicts and not self.errors


def gvk_of(api_version: str, kind: str) -> str:
    group, version = split_api_version(api_version)
    return f"{kind}.{version}.{group}"


def parse_gvk(gvk: str) -> tuple[str, str]:
    """``Kind.version.group`` -> (apiVersion, kind)."""
    kind, _, rest = gvk.partition(".")
    version, _, group = rest.partition(".")
    return (f"{group}/{version}" if group else version), kind


def _label(item: Item) -> str:
    meta = item.obj.get("metadata") or {}
    where = (
        f"{meta.get('namespace')}/{meta.get('name')}" if meta.get("namespace") else meta.get("name")
    )
    return f"{item.reference}: {item.obj.get('kind')} {where}"


class InFlight:
    """How many requests one cluster's deploy (or cleanup) may have in flight at once.

    Each request in flight to a cluster beyond the first opens a connection of its own
    (HTTP/1.1): a TLS handshake on both sides, kept 5 s. While only a few clusters deploy at
    once the servers have room, and 8 per cluster make each deploy quicker (10 clusters x 20
    objects, `make bench` the same day: 1.23 s with 8 each, 1.43 s with 2 each). When more
    deploy at once (a profile reaching hundreds of clusters, the manager's 20 workers busy),
    the servers are busy already and every extra connection is pure cost: with 4 per cluster
    a deploy to 1,000 registrations opened about 4,000 connections, a third of the manager's
    CPU (py-spy) and about 8 % of the managed API servers'. So a deploy that starts while at
    most ``FEW`` run gets ``MOST``, and one that starts when more run gets one connection.
    """

    MOST = 8
    FEW = 10

    def __init__(self) -> None:
        self.active = 0

    @contextlib.contextmanager
    def share(self) -> Iterator[int]:
        """Count this deploy in while it runs; yields its width."""
        self.active += 1
        try:
            yield self.MOST if self.active <= self.FEW else 1
        finally:
            self.active -= 1


IN_FLIGHT = InFlight()


@dataclass
class _Resolved:
    item: Item
    client: Client
    rt: ResourceType
    namespace: str

    @property
    def name(self) -> str:
        return str(self.item.obj["metadata"]["name"])


async def deploy(
    clients: dict[str, Client],
    items: list[Item],
    owner: Owner,
    *,
    continue_on_conflict: bool,
    continue_on_error: bool,
    restrict_local_namespace: str | None = None,
    kept_paths: KeptPaths | None = None,
) -> Outcome:
    """Apply ``items``; see the module docstring for the rules.

    ``kept_paths(obj)`` names JSON pointers (driftExclusions) whose value in an object that
    already exists is kept as found: the applied object carries the live value there, so
    another writer's value (an autoscaler's replicas) is neither overwritten nor removed.

    Order is kept between groups (CRDs, then Namespaces, then the rest, as ``apply_order``
    sorted them); within a group a few applies run at once (``InFlight``). The current state
    of a group's objects is read with one LIST per kind and namespace, not one GET per object.
    A conflict or error stops the groups after it (unless continueOnConflict/continueOnError).
    """
    outcome = Outcome()
    namespaces = _Namespaces()
    groups: list[list[Item]] = []
    for item in items:
        rank = _rank(item.obj)
        if not groups or _rank(groups[-1][0].obj) != rank:
            groups.append([])
        groups[-1].append(item)
    for group in groups:
        resolved: list[_Resolved] = []
        for item in group:
            try:
                resolved.append(
                    await _resolve(clients[item.deployment_type], item, restrict_local_namespace)
                )
            except KubeError as exc:
                outcome.errors.append(f"{_label(item)}: {exc.server_message}")
        try:
            current = await _prefetch(resolved)
        except KubeError as exc:
            outcome.errors.append(f"cannot read the cluster: {exc.server_message}")
            return outcome
        results = await _apply_all(resolved, current, owner, kept_paths, namespaces)
        _collect_results(outcome, resolved, results)
        if (outcome.errors and not continue_on_error) or (
            outcome.conflicts and not continue_on_conflict
        ):
            break
    return outcome


def _collect_results(
    outcome: Outcome,
    resolved: list[_Resolved],
    results: list[tuple[Deployed, Owner | None] | str | BaseException],
) -> None:
    for r, result in zip(resolved, results, strict=True):
        if isinstance(result, KubeError):
            outcome.errors.append(f"{_label(r.item)}: {result.server_message}")
        elif isinstance(result, BaseException):
            raise result
        elif isinstance(result, str):
            outcome.conflicts.append(result)
        else:
            outcome.deployed.append(result[0])
            if result[1] is not None:
                outcome.takeovers.append(result[1])


async def _apply_all(
    resolved: list[_Resolved],
    current: dict[tuple[str, str, str, str], KubeObject],
    owner: Owner,
    kept_paths: KeptPaths | None,
    namespaces: _Namespaces,
) -> list[tuple[Deployed, Owner | None] | str | BaseException]:
    async def one(r: _Resolved) -> tuple[Deployed, Owner | None] | str:
        live = current.get(_current_key(r))
        if live is not None and kept_paths is not None:
            paths = kept_paths(live)
            if paths:
                r.item = dataclasses.replace(r.item, obj=keep_live_values(r.item.obj, live, paths))
        async with namespaces.turn(namespaces.key(r)), gate:
            return await _apply_one(r, live, owner, namespaces)

    with IN_FLIGHT.share() as width:
        gate = asyncio.Semaphore(width)
        return await asyncio.gather(*(one(r) for r in resolved), return_exceptions=True)


def keep_live_values(obj: KubeObject, live: KubeObject, paths: list[str]) -> KubeObject:
    """A copy of ``obj`` with the value of each JSON pointer in ``paths`` taken from ``live``."""
    result = copy.deepcopy(obj)
    for path in paths:
        parts = [p.replace("~1", "/").replace("~0", "~") for p in path.strip("/").split("/") if p]
        source: Any = live
        for part in parts:
            source = source.get(part) if isinstance(source, dict) else None
        if not parts or source is None:
            continue
        target = result
        for part in parts[:-1]:
            child = target.get(part)
            if not isinstance(child, dict):
                child = target[part] = {}
            target = child
        target[parts[-1]] = copy.deepcopy(source)
    return result


def _rank(obj: KubeObject) -> int:
    if obj.get("kind") == "CustomResourceDefinition":
        return 0
    if obj.get("kind") == "Namespace" and obj.get("apiVersion") == "v1":
        return 1
    return 2


def _current_key(r: _Resolved) -> tuple[str, str, str, str]:
    return (r.client.name, r.rt.api_version + "/" + r.rt.kind, r.namespace, r.name)


async def _resolve(client: Client, item: Item, restrict_local_namespace: str | None) -> _Resolved:
    obj = item.obj
    try:
        rt = await client.resource(str(obj["apiVersion"]), str(obj["kind"]))
    except UnknownKind:
        raise UnknownKind(
            f"the cluster serves no {obj['kind']} in {obj['apiVersion']} (is its CRD installed, "
            "or is the apiVersion misspelt?)",
            cluster=client.name,
        ) from None
    meta = obj["metadata"]
    if rt.namespaced:
        meta["namespace"] = meta.get("namespace") or "default"
    else:
        meta.pop("namespace", None)
    namespace = str(meta.get("namespace") or "")
    if (
        restrict_local_namespace is not None
        and item.deployment_type == "Local"
        and namespace != restrict_local_namespace
    ):
        raise KubeError(
            f"a Profile deploys to the management cluster only in its own namespace "
            f"({restrict_local_namespace}), not in {namespace or 'cluster scope'}"
        )
    return _Resolved(item=item, client=client, rt=rt, namespace=namespace)


class _Namespaces:
    """The namespaces one deploy writes into, found to exist by writing, not by asking first.

    A namespace a profile deploys into nearly always exists already (after the first deploy,
    always), so a GET before each deploy would be one more request per cluster for nothing. An
    apply into a missing namespace fails with NotFound naming the namespace; it is then created
    (once, however many applies hit it) and the apply repeated. So that a deploy of twenty
    objects into a new namespace does not send twenty applies that fail, the first object of
    each namespace not yet written in this deploy goes alone, the others after it (unless
    ``first_alone`` is False: a drift repair applies everything at once)."""

    def __init__(self, *, first_alone: bool = True) -> None:
        self._first_alone = first_alone
        self._first: dict[tuple[str, str], asyncio.Event] = {}
        self._creating: dict[tuple[str, str], asyncio.Task[None]] = {}

    @staticmethod
    def key(r: _Resolved) -> tuple[str, str] | None:
        if not r.namespace or r.item.skip_namespace_creation:
            return None
        return (r.client.name, r.namespace)

    @contextlib.asynccontextmanager
    async def turn(self, key: tuple[str, str] | None) -> AsyncIterator[None]:
        """Wait, unless this is the first apply into namespace ``key`` (cluster, namespace) or
        that first one is done; None: an object this deploy creates no namespace for."""
        if key is None or not self._first_alone:
            yield
            return
        first = self._first.get(key)
        if first is not None:
            await first.wait()
            yield
            return
        done = self._first[key] = asyncio.Event()
        try:
            yield
        finally:
            done.set()

    def missing(self, r: _Resolved, exc: NotFound) -> bool:
        """Whether ``exc`` says that ``r``'s namespace, which this deploy may create, is gone."""
        return (
            self.key(r) is not None
            and exc.details.get("kind") == "namespaces"
            and exc.details.get("name") == r.namespace
        )

    async def create(self, r: _Resolved) -> None:
        """Create ``r``'s namespace; concurrent callers share one request."""
        key = self.key(r)
        assert key is not None
        task = self._creating.get(key)
        if task is None or (task.done() and (task.cancelled() or task.exception() is not None)):
            task = self._creating[key] = asyncio.ensure_future(_create_namespace(r))
        await asyncio.shield(task)


async def _create_namespace(r: _Resolved) -> None:
    _log.info("creating namespace", cluster=r.client.name, namespace=r.namespace)
    with contextlib.suppress(AlreadyExists):
        await r.client.create(
            {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": r.namespace}}
        )


async def _prefetch(resolved: list[_Resolved]) -> dict[tuple[str, str, str, str], KubeObject]:
    """The current objects, by (cluster, type, namespace, name): one LIST per kind/namespace."""
    wanted: dict[tuple[str, str, str], _Resolved] = {}
    for r in resolved:
        wanted.setdefault((r.client.name, r.rt.api_version + "/" + r.rt.kind, r.namespace), r)
    current: dict[tuple[str, str, str, str], KubeObject] = {}
    for (cluster, type_, namespace), r in wanted.items():
        try:
            listed = await r.client.list(r.rt.api_version, r.rt.kind, namespace or None)
        except NotFound:
            continue  # the namespace does not exist (skipNamespaceCreation): nothing there
        for obj in listed.items:
            current[(cluster, type_, namespace, str(obj["metadata"]["name"]))] = obj
    return current


async def _apply_one(
    r: _Resolved, current: KubeObject | None, owner: Owner, namespaces: _Namespaces
) -> tuple[Deployed, Owner | None] | str:
    item, client, rt, namespace = r.item, r.client, r.rt, r.namespace
    meta = item.obj["metadata"]
    verdict = may_deploy(current, item.reference, owner)
    if not verdict.allowed:
        return verdict.message
    try:
        try:
            applied = await client.apply(item.obj, force=True)
        except NotFound as exc:
            if not namespaces.missing(r, exc):
                raise
            await namespaces.create(r)
            applied = await client.apply(item.obj, force=True)
    except Invalid as exc:
        if not (item.force or FORCE_RECREATE in (meta.get("annotations") or {})) or (
            rt.kind == "CustomResourceDefinition"
        ):
            raise
        # force: an update the server refuses (an immutable field) becomes delete + create
        _log.info(
            "recreating after a refused update",
            kind=rt.kind,
            name=meta["name"],
            reason=exc.server_message,
        )
        await client.delete(rt.api_version, rt.kind, meta["name"], namespace or None)
        applied = await client.apply(item.obj, force=True)
    takeover = None
    if verdict.takeover and current is not None:
        annotations = (current.get("metadata") or {}).get("annotations") or {}
        takeover = Owner(
            kind=annotations.get(OWNER_KIND, ""),
            name=annotations.get(OWNER_NAME, ""),
            tier=0,
            cluster=annotations.get(CLUSTER_SUMMARY, ""),
        )
    deployed = _deployed(rt, namespace, str(meta["name"]), item.deployment_type)
    deployed.live = applied
    return deployed, takeover


def _deployed(rt: ResourceType, namespace: str, name: str, deployment_type: str) -> Deployed:
    return Deployed(
        group=rt.group,
        version=rt.version,
        kind=rt.kind,
        namespace=namespace,
        name=name,
        deployment_type=deployment_type,
    )


async def live_objects(
    clients: dict[str, Client], items: list[Item]
) -> list[tuple[Item, KubeObject | None]]:
    """Each item with the object as it is in its cluster now (None: not there).

    One LIST per kind and namespace, as for a deploy. Raises KubeError when a cluster cannot
    be read: the caller must not take "could not read" for "gone".
    """
    resolved = [await _resolve(clients[i.deployment_type], i, None) for i in items]
    if len(resolved) <= FEW:  # a GET each, at once, is quicker than listing the namespace
        found = await asyncio.gather(*(_get_or_none(r) for r in resolved))
        return [(r.item, obj) for r, obj in zip(resolved, found, strict=True)]
    current = await _prefetch(resolved)
    return [(r.item, current.get(_current_key(r))) for r in resolved]


FEW = 4


async def _get_or_none(r: _Resolved) -> KubeObject | None:
    try:
        return await r.client.get(r.rt.api_version, r.rt.kind, r.name, r.namespace or None)
    except NotFound:
        return None


async def reapply(
    clients: dict[str, Client],
    found: list[tuple[Item, KubeObject | None]],
    owner: Owner,
    kept_paths: KeptPaths | None = None,
) -> Outcome:
    """Apply again items whose live state is known (a drift repair), all at once.

    Like ``deploy`` but without reading the cluster first: ``found`` carries each item's live
    object. A namespace gone with an object is created again when its apply finds it missing.
    """
    outcome = Outcome()
    resolved: list[_Resolved] = []
    current: dict[tuple[str, str, str, str], KubeObject] = {}
    for item, live in found:
        try:
            r = await _resolve(clients[item.deployment_type], item, None)
        except KubeError as exc:
            outcome.errors.append(f"{_label(item)}: {exc.server_message}")
            continue
        resolved.append(r)
        if live is not None:
            current[_current_key(r)] = live
    namespaces = _Namespaces(first_alone=False)  # a repair is about time: all at once
    results = await _apply_all(resolved, current, owner, kept_paths, namespaces)
    _collect_results(outcome, resolved, results)
    return outcome


def owned_by(obj: KubeObject, owner: Owner, feature: str) -> bool:
    meta = obj.get("metadata") or {}
    annotations = meta.get("annotations") or {}
    return (
        annotations.get(OWNER_KIND) == owner.kind
        and annotations.get(OWNER_NAME) == owner.name
        and annotations.get(CLUSTER_SUMMARY) == owner.cluster
        and (meta.get("labels") or {}).get(REASON_LABEL) == feature
    )


async def remove_stale(
    client: Client,
    gvks: list[str],
    owner: Owner,
    feature: str,
    keep: set[ObjectId],
    where: dict[str, set[str]] | None = None,
) -> tuple[list[ObjectId], list[str]]:
    """Delete what ``owner`` deployed for ``feature`` among ``gvks`` and not in ``keep``.

    Returns (removed, errors). Kinds are handled most-dependent first (the reverse of the apply
    order): namespaced objects, then cluster-scoped ones, Namespaces and CRDs last. The list is
    narrowed by the feature's reason label on the server (every object Navarch deploys carries
    it), so a cluster's other ConfigMaps or Secrets are never sent, decoded and skipped; and,
    with ``where`` (kind → the namespaces its objects can be in, "" for cluster scope, from
    what this process wrote), to those namespaces, and kinds it does not name are not listed
    at all: a cluster where other profiles deployed thousands of objects of the same kind is
    not listed whole at every withdrawal. Deletions run a few at a time.
    """
    removed: list[ObjectId] = []
    errors: list[str] = []

    def rank(gvk: str) -> int:
        kind = parse_gvk(gvk)[1]
        return {"CustomResourceDefinition": 2, "Namespace": 1}.get(kind, 0)

    async def delete(api_version: str, kind: str, ident: ObjectId) -> None:
        async with gate:
            try:
                await client.delete(api_version, kind, ident[2], ident[1] or None)
                removed.append(ident)
            except NotFound:
                removed.append(ident)
            except KubeError as exc:
                errors.append(f"cannot delete {kind} {ident[1]}/{ident[2]}: {exc.server_message}")

    with IN_FLIGHT.share() as width:
        gate = asyncio.Semaphore(width)
        for gvk in sorted(set(gvks), key=rank):
            if where is not None and gvk not in where:
                continue  # nothing of this kind was written here
            api_version, kind = parse_gvk(gvk)
            found: list[KubeObject] = []
            try:
                for namespace in sorted(where[gvk]) if where is not None else [""]:
                    listed = await client.list(
                        api_version,
                        kind,
                        namespace or None,
                        label_selector=f"{REASON_LABEL}={feature}",
                    )
                    found += listed.items
            except UnknownKind:
                continue  # the kind is gone (its CRD was removed), and so are its objects
            except KubeError as exc:
                errors.append(f"cannot list {kind} in {client.name}: {exc.server_message}")
                continue
            doomed = []
            for obj in found:
                meta = obj.get("metadata") or {}
                ident = (gvk, str(meta.get("namespace") or ""), str(meta.get("name", "")))
                if ident not in keep and owned_by(obj, owner, feature):
                    doomed.append(ident)
            await asyncio.gather(*(delete(api_version, kind, ident) for ident in doomed))
    return removed, errors


def written_where(
    written: Iterable[tuple[str, ObjectId]], deployment_type: str
) -> dict[str, set[str]]:
    """Kind → namespaces of the objects of ``deployment_type`` (Remote or Local) in ``written``
    (what remove_stale's ``where`` takes)."""
    where: dict[str, set[str]] = {}
    for kind_of, (gvk, namespace, _name) in written:
        if kind_of == deployment_type:
            where.setdefault(gvk, set()).add(namespace)
    return where


@dataclass
class PlannedAction:
    """One line of a DryRun report: what deploying would do to one object."""

    deployed: Deployed
    action: str  # Create | Update | No Action | Conflict | Delete | Error
    message: str = ""


NO_CHANGE = (
    "Object already deployed. And policy referenced by ClusterProfile has not changed since "
    "last deployment."
)


async def plan(
    clients: dict[str, Client],
    items: list[Item],
    owner: Owner,
    feature: str,
    gvks: list[str],
) -> list[PlannedAction]:
    """What ``deploy`` and then ``remove_stale`` would do, changing nothing (DryRun)."""
    actions: list[PlannedAction] = []
    wanted: set[ObjectId] = set()
    for item in items:
        client = clients[item.deployment_type]
        obj = item.obj
        try:
            rt = await client.resource(str(obj["apiVersion"]), str(obj["kind"]))
        except UnknownKind:
            group, version = split_api_version(str(obj["apiVersion"]))
            meta = obj["metadata"]
            actions.append(
                PlannedAction(
                    Deployed(
                        group,
                        version,
                        str(obj["kind"]),
                        str(meta.get("namespace") or ""),
                        str(meta["name"]),
                        item.deployment_type,
                    ),
                    "Error",
                    f"the cluster serves no {obj['kind']} in {obj['apiVersion']}",
                )
            )
            continue
        meta = obj["metadata"]
        namespace = (str(meta.get("namespace") or "default")) if rt.namespaced else ""
        deployed = _deployed(rt, namespace, str(meta["name"]), item.deployment_type)
        wanted.add(deployed.id)
        try:
            current = await client.get(rt.api_version, rt.kind, deployed.name, namespace or None)
        except NotFound:
            actions.append(PlannedAction(deployed, "Create"))
            continue
        except KubeError as exc:
            actions.append(PlannedAction(deployed, "Error", exc.server_message))
            continue
        verdict = may_deploy(current, item.reference, owner)
        if not verdict.allowed:
            actions.append(PlannedAction(deployed, "Conflict", verdict.message))
            continue
        current_hash = ((current.get("metadata") or {}).get("annotations") or {}).get(HASH)
        desired_hash = ((obj.get("metadata") or {}).get("annotations") or {}).get(HASH)
        if current_hash == desired_hash and owned_by(current, owner, feature):
            actions.append(PlannedAction(deployed, "No Action", NO_CHANGE))
        else:
            actions.append(PlannedAction(deployed, "Update", "the object would change"))
    for deployment_type, client in clients.items():
        for gvk in sorted(set(gvks)):
            api_version, kind = parse_gvk(gvk)
            try:
                listed = await client.list(api_version, kind)
            except KubeError:
                continue
            for obj in listed.items:
                meta = obj.get("metadata") or {}
                ident = (gvk, str(meta.get("namespace") or ""), str(meta.get("name", "")))
                if ident in wanted or not owned_by(obj, owner, feature):
                    continue
                group, version = split_api_version(api_version)
                actions.append(
                    PlannedAction(
                        Deployed(group, version, kind, ident[1], ident[2], deployment_type),
                        "Delete",
                    )
                )
    return actions
