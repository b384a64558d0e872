"""The ClusterSummary controller: deploy one profile's features to one cluster, and withdraw them.

A reconcile of a ClusterSummary (one profile x one cluster):

- **Deleting** (the cluster stopped matching, or the profile was deleted): unless the profile
  says ``LeavePolicies``, delete what this profile deployed in the cluster (``remove_stale`` with
  nothing kept), forget it in the ClusterConfiguration, then drop the finalizer. If the cluster
  cannot be reached, the finalizer stays and the status says why; nothing is assumed gone.
- **Otherwise**, for the Resources feature (policyRefs): read every referenced ConfigMap/Secret
  from the informer cache, build the decorated objects, and hash the feature's spec plus that
  content. An unchanged hash on a Provisioned feature means nothing to do (no request is sent).
  Else: record the kinds about to be deployed in ``deployedGVKs`` first (so a crash mid-apply
  leaves nothing nobody would clean up), apply in order, remove what this profile deployed before
  and no longer lists (only when everything applied), and write status and ClusterConfiguration.

In ContinuousWithDriftDetection mode a deploy ends by publishing the ResourceSummary the drift
agents watch, and a ResourceSummary whose ``resourcesChanged`` an agent set makes the reconcile
re-apply only the objects that drifted (``_repair``; see ``controllers/drift.py``).

Failures land in ``featureSummaries`` with the document and the cause; the key is retried with
backoff (conflicts every 60 s, as Sveltos). Helm and Kustomize join as features later; fields
this controller does not act on yet are named in ``status.failureMessage``.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime
import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from navarch import log
from navarch.api import names
from navarch.api.clustersummary import ClusterSummaryStatus, FeatureStatus, FeatureSummary
from navarch.api.profile import PolicyRef, Spec, TemplateResourceRef
from navarch.api.validatehealth import FeatureID
from navarch.controllers import clusterconfiguration, drift
from navarch.controllers import patches as profile_patches
from navarch.controllers.connections import ClusterConnections, ClusterKey, Connection
from navarch.controllers.deployer import (
    Deployed,
    Item,
    KeptPaths,
    ObjectId,
    PlannedAction,
    deploy,
    gvk_of,
    plan,
    reapply,
    remove_stale,
    written_where,
)
from navarch.controllers.helm import (
    HelmFeature,
    OtherOwner,
    Scope,
    credential_refs,
    find_release,
    unsupported_options,
)
from navarch.controllers.helm import (
    Outcome as HelmOutcome,
)
from navarch.controllers.kustomize import KUSTOMIZE
from navarch.controllers.kustomize import collect as collect_kustomize
from navarch.controllers.kustomize import feature_hash as kustomize_hash
from navarch.controllers.profile import provisioned
from navarch.controllers.resourcesummaries import Home, ResourceSummaryHomes
from navarch.controllers.templaterefs import TemplateRefWatches, cached_kind
from navarch.controllers.templates import (
    Renderer,
    ResolvedSources,
    TemplateFailure,
    is_template,
)
from navarch.engines.drift import (
    Baselines,
    ResourceRef,
    excluded_paths,
    exclusion_patches,
    hashes_of,
)
from navarch.engines.kustomize import Kustomize
from navarch.engines.lua import LuaError, LuaRunner
from navarch.engines.lua import instantiate as instantiate_lua
from navarch.engines.patches import Patch, Patcher, PatchError
from navarch.engines.resources import (
    LUA_ANNOTATION,
    TEMPLATE_ANNOTATION,
    ManifestError,
    Owner,
    Reference,
    apply_order,
    data_of,
    decorate,
    documents_of,
    parse_documents,
    text_data,
)
from navarch.kube import Client, Invalid, KubeError, KubeObject, NotFound
from navarch.runtime import Controller, FuncHandler, Informer, Requeue

_log = log.get_logger(__name__)


class LuaFailure(ManifestError):
    """A policyRef's Lua script failed (the message names the source, key and line)."""


RESOURCES: Final = "Resources"
HELM: Final = "Helm"
CONFLICT_RETRY = 60.0
DRY_RUN_REQUEUE = 60.0  # a DryRun report is computed again every minute (as Sveltos)
DRY_RUN_MESSAGE = "syncMode is DryRun: nothing is deployed; see `navarch show dryrun`"
WAIT_FOR_CLUSTER = 10.0
FINALIZER_RETRY = 0.2  # seconds: the finalizer patch raced a status write
MAX_RETRY = 300.0


def retry_after(failures: int) -> float:
    """Seconds before trying a failed feature again: 5 s, doubling, at most 5 minutes.

    The failure is already in status; a change of the profile or of a referenced object
    retries at once (it is a new event), so this only paces retries of the same content.
    """
    return float(min(5.0 * 2 ** max(failures - 1, 0), MAX_RETRY))


def retry(spec: Spec, failures: int) -> Requeue | None:
    """When to try a failed feature again, or never once ``maxConsecutiveFailures`` is reached.

    Giving up only stops the timed retries: a change of the profile, of a referenced object or
    of the cluster is a new event and is tried again.
    """
    limit = spec.max_consecutive_failures
    if limit is not None and failures >= limit:
        return None
    return Requeue(retry_after(failures))


SummaryKey = tuple[str, str]


@dataclass
class Context:
    """What one reconcile needs to know about its ClusterSummary."""

    summary: KubeObject
    spec: Spec
    profile_kind: str
    profile_name: str
    cluster_namespace: str
    cluster_name: str
    dependencies: str | None = None  # status.dependencies, when the spec has dependsOn
    mgmt_resources: dict[str, KubeObject] | None = None  # templateResourceRefs, by identifier

    @property
    def owner(self) -> Owner:
        return Owner(
            kind=self.profile_kind,
            name=self.profile_name,
            tier=self.spec.tier,
            cluster=names.cluster_annotation_value(self.cluster_namespace, self.cluster_name),
        )


def context_of(summary: KubeObject) -> Context | None:
    meta = summary.get("metadata") or {}
    labels = meta.get("labels") or {}
    spec = summary.get("spec") or {}
    if labels.get(names.PROFILE_LABEL):
        kind, name = names.PROFILE_KIND, labels[names.PROFILE_LABEL]
    elif labels.get(names.CLUSTER_PROFILE_LABEL):
        kind, name = names.CLUSTER_PROFILE_KIND, labels[names.CLUSTER_PROFILE_LABEL]
    else:
        return None
    return Context(
        summary=summary,
        spec=Spec.parse(spec.get("clusterProfileSpec")),
        profile_kind=kind,
        profile_name=str(name),
        cluster_namespace=str(spec.get("clusterNamespace", "")),
        cluster_name=str(spec.get("clusterName", "")),
    )


def source_of(ref: PolicyRef, ctx: Context) -> tuple[str, str, str]:
    """(kind, namespace, name) a policyRef names, with Sveltos's namespace defaulting."""
    if ctx.profile_kind == names.PROFILE_KIND:
        namespace = ctx.cluster_namespace  # forced to the Profile's own namespace
    else:
        namespace = ref.namespace or ctx.cluster_namespace
    return str(ref.kind), namespace, str(ref.name or "")


def unsupported(spec: Spec) -> list[str]:
    """Spec fields this controller does not act on yet (said in status, never ignored)."""
    helm_notes = [note for chart in spec.helm_charts or [] for note in unsupported_options(chart)]
    fields = {
        "preDeployChecks": spec.pre_deploy_checks,
        "validateHealths": spec.validate_healths,
        "preDeleteChecks": spec.pre_delete_checks,
        "postDeleteChecks": spec.post_delete_checks,
        "reloader": spec.reloader or None,
    }
    return [name for name, value in fields.items() if value] + helm_notes


def _exclusions(spec: Spec) -> list[dict[str, Any]]:
    return [e.dump() for e in spec.drift_exclusions or []]


def _kept_paths(spec: Spec) -> KeptPaths | None:
    """driftExclusions paths keep their live value when an existing object is applied."""
    patches = exclusion_patches(_exclusions(spec))
    return (lambda live: excluded_paths(patches, live)) if patches else None


def feature_hash(spec: Spec, sources: list[tuple[str, str, str, Any]]) -> bytes:
    """What, if it changes, means the Resources feature must be deployed again."""
    relevant = {
        "policyRefs": [r.dump() for r in spec.policy_refs or []],
        "tier": spec.tier,
        "syncMode": spec.sync_mode,
        "continueOnConflict": spec.continue_on_conflict,
        "continueOnError": spec.continue_on_error,
        "extraLabels": spec.extra_labels,
        "extraAnnotations": spec.extra_annotations,
        "driftExclusions": _exclusions(spec),
        "sources": sources,
    }
    return hashlib.sha256(json.dumps(relevant, sort_keys=True).encode()).digest()


def _carried(
    feature: FeatureID, current: FeatureSummary | None, status: FeatureStatus, **changes: Any
) -> FeatureSummary:
    """``feature`` in ``status``, keeping the hash last deployed and the failure count."""
    fields: dict[str, Any] = {
        "hash": current.hash if current else None,
        "consecutive_failures": current.consecutive_failures if current else None,
    }
    fields.update(changes)
    return FeatureSummary(feature_id=feature, status=status, **fields)


def _sooner(a: Requeue | None, b: Requeue | None) -> Requeue | None:
    if a is None or b is None:
        return a or b
    return a if a.after <= b.after else b


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _ready(cluster: KubeObject) -> bool:
    """Whether the SveltosCluster's status says Ready (its controller's last probe)."""
    return bool((cluster.get("status") or {}).get("ready"))


def _key(obj: KubeObject) -> SummaryKey:
    meta = obj.get("metadata") or {}
    return str(meta.get("namespace", "")), str(meta.get("name", ""))


def _source_index(summary: KubeObject) -> list[str]:
    ctx = context_of(summary)
    if ctx is None:
        return []
    found = ["/".join(source_of(ref, ctx)) for ref in ctx.spec.policy_refs or [] if ref.kind]
    for chart in ctx.spec.helm_charts or []:
        for ref in chart.values_from or []:
            found.append(f"{ref.kind}/{values_namespace(ref.namespace, ctx)}/{ref.name}")
        forced = ctx.profile_kind == names.PROFILE_KIND
        for namespace, name in credential_refs(chart, ctx.cluster_namespace, forced):
            found.append(f"Secret/{namespace}/{name}")
    for tref in ctx.spec.template_resource_refs or []:
        res = tref.resource
        if res.kind in ("ConfigMap", "Secret") and res.api_version in (None, "v1"):
            found.append(f"{res.kind}/{res.namespace or ctx.cluster_namespace}/{res.name}")
    for kref in ctx.spec.kustomization_refs or []:
        if kref.kind in ("ConfigMap", "Secret"):
            found.append(f"{kref.kind}/{values_namespace(kref.namespace, ctx)}/{kref.name}")
        for vref in kref.values_from or []:
            found.append(f"{vref.kind}/{values_namespace(vref.namespace, ctx)}/{vref.name}")
    for pref in ctx.spec.patches_from or []:  # templated names are read at each reconcile
        found.append(f"{pref.kind}/{values_namespace(pref.namespace, ctx)}/{pref.name}")
    return found


def _template_refs(summary: KubeObject) -> tuple[str, list[TemplateResourceRef]] | None:
    ctx = context_of(summary)
    if ctx is None:
        return None
    return ctx.cluster_namespace, list(ctx.spec.template_resource_refs or [])


def values_namespace(namespace: str | None, ctx: Context) -> str:
    """Where a valuesFrom reference points: a Profile only reads its own namespace."""
    if ctx.profile_kind == names.PROFILE_KIND:
        return ctx.cluster_namespace
    return namespace or ctx.cluster_namespace


def _depends_index(summary: KubeObject) -> list[str]:
    ctx = context_of(summary)
    if ctx is None:
        return []
    return [
        f"{ctx.cluster_namespace}/{ctx.cluster_name}/{ctx.profile_kind}/{dep}"
        for dep in ctx.spec.depends_on or []
    ]


def dependency_problem(ctx: Context, peers: dict[str, KubeObject]) -> str | None:
    """Why this summary must wait for its dependencies (or never: a cycle), or None.

    ``peers`` are the summaries of the same cluster by profile name (same kind).
    """
    for dep in ctx.spec.depends_on or []:
        summary = peers.get(dep)
        if summary is None:
            return f"waiting for {ctx.profile_kind} {dep} to be deployed on this cluster"
        if not provisioned(summary):
            return f"waiting for {ctx.profile_kind} {dep} to be provisioned on this cluster"
    seen: list[str] = [ctx.profile_name]
    frontier = list(ctx.spec.depends_on or [])
    while frontier:
        dep = frontier.pop()
        if dep == ctx.profile_name:
            return f"dependency cycle: {' -> '.join([*seen, dep])}; remove one dependsOn entry"
        if dep in seen:
            continue
        seen.append(dep)
        spec = ((peers.get(dep) or {}).get("spec") or {}).get("clusterProfileSpec") or {}
        frontier += spec.get("dependsOn") or []
    return None


def _cluster_index(summary: KubeObject) -> list[str]:
    spec = summary.get("spec") or {}
    return [f"{spec.get('clusterNamespace')}/{spec.get('clusterName')}"]


class ClusterSummaryReconciler:
    def __init__(
        self,
        mgmt: Client,
        *,
        summaries: Informer,
        clusters: Informer,
        configmaps: Informer,
        secrets: Informer,
        connections: ClusterConnections,
        workers: int = 10,
        homes: ResourceSummaryHomes | None = None,
        baselines: Baselines | None = None,
        helm: HelmFeature | None = None,
        kustomize: Kustomize | None = None,
        patcher: Patcher | None = None,
        lua: LuaRunner | None = None,
        lua_methods: str = "",
        configurations: Informer | None = None,
    ) -> None:
        self.mgmt = mgmt
        # ClusterConfigurations as last seen (None: each record reads its object first)
        self.configurations = configurations
        self.patcher = patcher  # None: a profile with patches fails with a clear message
        self.lua = lua  # None: a policyRef marked projectsveltos.io/lua fails likewise
        # --lua-methods: a ConfigMap of projectsveltos whose values go before every Lua script
        self.lua_methods = lua_methods
        self.helm = helm  # None: helmCharts are reported as not supported
        self.kustomize = kustomize  # None: kustomizationRefs are reported as not supported
        # drift detection: where the ResourceSummaries live (and their caches), and the
        # baselines shared with the agents running in this process (both None: drift detection
        # off)
        self.homes = homes
        self.baselines = baselines
        self.guard = drift.RepairGuard()
        # which baseline refs each feature owns (Resources and Kustomize share one ResourceSummary
        # and one set of baselines per ClusterSummary)
        self._feature_refs: dict[SummaryKey, dict[str, set[ResourceRef]]] = {}
        self._recheck: set[SummaryKey] = set()
        # per (summary, feature): every object that may exist from it, when this process knows
        # (it wrote them all since it started); a deploy writing a superset needs no stale scan
        self._written: dict[tuple[SummaryKey, str], frozenset[tuple[str, ObjectId]]] = {}
        self._helm_recheck: set[SummaryKey] = set()  # Helm objects could not be read: all again
        self._helm_unpublished: set[SummaryKey] = set()  # Helm ran; its objects not published
        self.recorder: drift.DriftRecorder | None = None
        if baselines is not None and homes is not None:
            self.recorder = drift.DriftRecorder(mgmt, self._located, baselines)
            baselines.on_report(self.controller_wakeup)
        self.summaries = summaries
        self.clusters = clusters
        self.configmaps = configmaps
        self.secrets = secrets
        self.connections = connections
        # summaries that must deploy again whatever their hash says (an object they owned was
        # taken over); the cleared hash in status says the same across restarts
        self._redeploy: set[SummaryKey] = set()
        # ClusterReports (namespace/name) that exist: listed once, then kept by this process,
        # their only writer, so leaving DryRun deletes one only where there is one
        self._reports: set[str] = set()
        self._reports_listed = False
        self._reports_listing = asyncio.Lock()
        # parsed documents of each referenced ConfigMap/Secret, by resourceVersion: a source
        # shared by many clusters is parsed once, not once per cluster
        self._documents: dict[tuple[str, str, str], tuple[str, list[KubeObject]]] = {}
        self._resolved = ResolvedSources()  # sources reached through templated names
        self.controller: Controller[SummaryKey] = Controller(
            "clustersummary",
            self.reconcile,
            workers=workers,
            informers=[
                summaries,
                clusters,
                configmaps,
                secrets,
                *([homes.resource_summaries] if homes is not None else []),
                *([configurations] if configurations is not None else []),
            ],
        )
        if homes is not None:
            homes.add_handler(
                FuncHandler(
                    add=self._resource_summary_changed,
                    update=lambda _o, n: self._resource_summary_changed(n),
                )
            )
        summaries.store.add_indexer("source", _source_index)
        self.template_refs = TemplateRefWatches(
            mgmt, summaries, _template_refs, lambda s: self.controller.queue.add(_key(s))
        )
        summaries.store.add_indexer("cluster", _cluster_index)
        summaries.store.add_indexer("depends", _depends_index)
        summaries.add_handler(
            FuncHandler(
                add=lambda o: self.controller.queue.add(_key(o)),
                update=self._summary_updated,
            )
        )
        configmaps.add_handler(self._source_handler("ConfigMap"))
        secrets.add_handler(self._source_handler("Secret"))
        connections.on_connect(self._connected)
        clusters.add_handler(
            FuncHandler(
                add=self._cluster_changed,
                update=self._cluster_updated,
                delete=self._cluster_changed,
            )
        )

    def _summary_updated(self, old: KubeObject, new: KubeObject) -> None:
        o, n = old.get("metadata") or {}, new.get("metadata") or {}
        retrigger = (o.get("annotations") or {}).get(names.RETRIGGER_ANNOTATION) != (
            n.get("annotations") or {}
        ).get(names.RETRIGGER_ANNOTATION)
        if retrigger:
            self._redeploy.add(_key(new))  # `navarch redeploy cluster`: deploy again
        if (
            retrigger
            or o.get("generation") != n.get("generation")
            or o.get("deletionTimestamp") != n.get("deletionTimestamp")
        ):
            self.controller.queue.add(_key(new))
        ctx = context_of(new)
        if ctx is not None:  # a dependency's progress may unblock its dependents
            for dependent in self.summaries.store.by_index(
                "depends",
                f"{ctx.cluster_namespace}/{ctx.cluster_name}/{ctx.profile_kind}/{ctx.profile_name}",
            ):
                self.controller.queue.add(_key(dependent))

    def _source_handler(self, kind: str) -> FuncHandler:
        return FuncHandler(
            add=lambda o: self._source_changed(kind, o),
            update=lambda _o, n: self._source_changed(kind, n),
            delete=lambda o: self._source_deleted(kind, o),
        )

    def _source_deleted(self, kind: str, obj: KubeObject) -> None:
        meta = obj.get("metadata") or {}
        self._documents.pop((kind, str(meta.get("namespace", "")), str(meta.get("name", ""))), None)
        self._source_changed(kind, obj)

    def _source_changed(self, kind: str, obj: KubeObject) -> None:
        meta = obj.get("metadata") or {}
        if (
            kind == "ConfigMap"
            and self.lua_methods
            and (meta.get("namespace"), meta.get("name"))
            == (names.PROJECTSVELTOS_NAMESPACE, self.lua_methods)
        ):  # the Lua methods: every summary looks again (those without Lua change nothing)
            for summary in self.summaries.store.list():
                self.controller.queue.add(_key(summary))
            return
        source = f"{kind}/{meta.get('namespace')}/{meta.get('name')}"
        for summary in self.summaries.store.by_index("source", source):
            self.controller.queue.add(_key(summary))
        for key in self._resolved.summaries_of(source):  # reached through a templated name
            self.controller.queue.add(key)

    def _cluster_changed(self, cluster: KubeObject) -> None:
        meta = cluster.get("metadata") or {}
        self._cluster_changed_key(f"{meta.get('namespace')}/{meta.get('name')}")

    def _cluster_changed_key(self, cluster: str) -> None:
        for summary in self.summaries.store.by_index("cluster", cluster):
            self.controller.queue.add(_key(summary))

    def _connected(self, key: ClusterKey) -> None:
        """A cluster connected by this process (at its start, or with a new kubeconfig): its
        summaries that waited for the connection go on. Until then a summary of a cluster whose
        status says Ready only waits: writing "waiting for the cluster" over a Provisioned
        status would make it deploy everything again once connected, which after a restart of
        the manager meant every summary of every cluster (a full redeploy of the fleet)."""
        self._cluster_changed_key(f"{key[0]}/{key[1]}")

    def _cluster_updated(self, old: KubeObject, new: KubeObject) -> None:
        def view(obj: KubeObject) -> tuple[Any, ...]:
            status = obj.get("status") or {}
            meta = obj.get("metadata") or {}
            return (
                status.get("ready"),
                status.get("connectionStatus"),
                obj.get("spec"),  # paused, and what templates read (.Cluster)
                meta.get("labels"),
                meta.get("annotations"),
            )

        if view(old) != view(new):
            self._cluster_changed(new)

    async def run(self) -> None:
        try:
            await self.controller.run()
        finally:
            await self.template_refs.close()

    # -- reconcile ------------------------------------------------------------------------

    async def reconcile(self, key: SummaryKey) -> Requeue | None:
        summary = self.summaries.store.get(f"{key[0]}/{key[1]}")
        if summary is None:
            return None
        ctx = context_of(summary)
        if ctx is None:
            return None
        meta = summary.get("metadata") or {}
        if meta.get("deletionTimestamp"):
            return await self._withdraw(ctx)
        cluster = self.clusters.store.get(f"{ctx.cluster_namespace}/{ctx.cluster_name}")
        if cluster is None:
            await self._feature_status(
                ctx,
                status="Failed",
                message=(
                    f"SveltosCluster {ctx.cluster_namespace}/{ctx.cluster_name} does not exist"
                ),
            )
            return Requeue(WAIT_FOR_CLUSTER)
        if (cluster.get("spec") or {}).get("paused"):
            return None  # a paused cluster takes no updates; unpausing triggers a reconcile
        connection = self.connections.get((ctx.cluster_namespace, ctx.cluster_name))
        if connection is None and _ready(cluster):
            return Requeue(WAIT_FOR_CLUSTER)  # not connected by this process yet: _connected
        if connection is None or not _ready(cluster):
            await self._feature_status(
                ctx,
                status="Provisioning",
                message=(
                    f"waiting for SveltosCluster {ctx.cluster_namespace}/{ctx.cluster_name} "
                    "to be ready"
                ),
            )
            return Requeue(WAIT_FOR_CLUSTER)
        if ctx.spec.depends_on:
            problem = dependency_problem(ctx, self._peers(ctx))
            ctx.dependencies = problem or "all dependencies are provisioned"
            if problem is not None:
                await self._feature_status(ctx, status="Provisioning", message=problem)
                return None  # a dependency's progress wakes this summary up
        if ctx.spec.template_resource_refs:
            try:
                ctx.mgmt_resources = await self._mgmt_resources(ctx)
            except KubeError as exc:  # transient: never deploy without what templates read
                await self._feature_status(
                    ctx,
                    status="Provisioning",
                    message=f"cannot read templateResourceRefs: {exc.server_message}; will retry",
                )
                return Requeue(WAIT_FOR_CLUSTER)
            except ManifestError as exc:
                status = ClusterSummaryStatus.parse(ctx.summary.get("status"))
                failures = await self._failed(
                    ctx, status, str(exc), reason="MissingResource", note=self._note(ctx)
                )
                return retry(ctx.spec, failures)
        if self._drift_detection(ctx):
            not_ready = await self._drift_ready(ctx, connection)
            if not_ready is not None:
                return not_ready
        key = _key(ctx.summary)
        forced = key in self._redeploy
        self._redeploy.discard(key)
        helm_suspects = self._take_helm_suspects(ctx)  # the rest are the other features'
        result = await self._deploy_resources(ctx, connection.client, forced)
        if (
            self.helm is not None
            and ctx.spec.sync_mode != "DryRun"
            and (
                ctx.spec.helm_charts
                or (ctx.summary.get("status") or {}).get("helmReleaseSummaries")
            )
        ):
            result = _sooner(result, await self._deploy_helm(ctx, connection, helm_suspects))
        if (
            self.kustomize is not None
            and ctx.spec.sync_mode != "DryRun"
            and (
                ctx.spec.kustomization_refs
                or _deployed_gvks(ClusterSummaryStatus.parse(ctx.summary.get("status")), KUSTOMIZE)
            )
        ):
            result = _sooner(result, await self._deploy_kustomize(ctx, connection.client, forced))
        return result

    def _peers(self, ctx: Context) -> dict[str, KubeObject]:
        """The other summaries of this cluster of the same profile kind, by profile name."""
        found: dict[str, KubeObject] = {}
        for summary in self.summaries.store.by_index(
            "cluster", f"{ctx.cluster_namespace}/{ctx.cluster_name}"
        ):
            other = context_of(summary)
            if other is not None and other.profile_kind == ctx.profile_kind:
                found[other.profile_name] = summary
        return found

    async def _deploy_resources(self, ctx: Context, remote: Client, forced: bool) -> Requeue | None:
        status = ClusterSummaryStatus.parse(ctx.summary.get("status"))
        current = _feature(status, RESOURCES)
        try:
            items, sources = await self._collect(ctx)
        except ManifestError as exc:
            return await self._input_failed(
                ctx, status, exc, "InvalidManifest", self._note(ctx), RESOURCES
            )
        key = _key(ctx.summary)
        digest = feature_hash(ctx.spec, sources)
        note = self._note(ctx)
        if ctx.spec.sync_mode == "DryRun":
            return await self._dry_run(ctx, status, items, remote, note)
        await self._drop_report(ctx)
        watched = self._drift_detection(ctx)
        summary_of_resources = self._resource_summary(ctx)
        if (
            current is not None
            and current.status == "Provisioned"
            and not forced
            and (
                ctx.spec.sync_mode == "OneTime"  # deployed once; later changes are not applied
                or (current.hash == digest and status.failure_message == note)
            )
        ):
            if not watched:
                if summary_of_resources is not None:  # drift detection was switched off
                    await self._unpublish(ctx)
                return None
            if summary_of_resources is not None:
                assert self.baselines is not None
                suspects: set[ResourceRef] | None = self.baselines.take_suspects(key)
                flagged = (summary_of_resources.get("status") or {}).get("resourcesChanged")
                if key in self._recheck or flagged:
                    self._recheck.discard(key)
                    suspects = None  # look at every object
                elif not suspects:
                    return None
                watched_items = items + await self._kustomize_items_for_repair(ctx)
                return await self._repair(
                    ctx, remote, watched_items, summary_of_resources, suspects
                )
            # drift detection without a ResourceSummary: deploy again to take the baselines
        if watched:
            assert self.baselines is not None
            self.baselines.take_suspects(key)  # everything is applied again anyway
            self._recheck.discard(key)
        return await self._apply(ctx, status, current, items, remote, digest, note, RESOURCES)

    async def _apply(
        self,
        ctx: Context,
        status: ClusterSummaryStatus,
        current: FeatureSummary | None,
        items: list[Item],
        remote: Client,
        digest: bytes,
        note: str | None,
        feature: FeatureID,
    ) -> Requeue | None:
        """``_write_objects``; under drift detection the agents do not judge this summary's
        objects while they are written, and the baselines settle on what was written."""
        args = (ctx, status, current, items, remote, digest, note, feature)
        if not self._drift_detection(ctx):
            return (await self._write_objects(*args))[0]
        assert self.baselines is not None
        key = _key(ctx.summary)
        baselines: dict[ResourceRef, str] | None = None
        self.baselines.begin(key)
        try:
            result, baselines = await self._write_objects(*args)
            return result
        finally:
            self.baselines.settle(key, baselines)

    async def _write_objects(
        self,
        ctx: Context,
        status: ClusterSummaryStatus,
        current: FeatureSummary | None,
        items: list[Item],
        remote: Client,
        digest: bytes,
        note: str | None,
        feature: FeatureID,
    ) -> tuple[Requeue | None, dict[ResourceRef, str] | None]:
        """Deploy every item of ``feature`` (Resources or Kustomize), remove what it no longer
        lists, record it all; returns what to requeue and, under drift detection once
        everything is written, the summary's new baselines."""
        previous_gvks = _deployed_gvks(status, feature)
        wanted_gvks = sorted({gvk_of(i.obj["apiVersion"], i.obj["kind"]) for i in items})
        if current is None or not set(wanted_gvks) <= set(previous_gvks):
            # write-ahead: record every kind about to be deployed before deploying it
            await self._write_status(
                ctx,
                status,
                feature,
                _carried(
                    feature,
                    current,
                    "Provisioning",
                ),
                gvks=sorted(set(previous_gvks) | set(wanted_gvks)),
                note=note,
            )
        clients = {"Remote": remote, "Local": self.mgmt}
        restrict = ctx.cluster_namespace if ctx.profile_kind == names.PROFILE_KIND else None
        written = (_key(ctx.summary), feature)
        known = self._written.pop(written, None)  # an exception below leaves nothing known
        outcome = await deploy(
            clients,
            items,
            ctx.owner,
            continue_on_conflict=ctx.spec.continue_on_conflict,
            continue_on_error=ctx.spec.continue_on_error,
            restrict_local_namespace=restrict,
            kept_paths=_kept_paths(ctx.spec) if self._drift_detection(ctx) else None,
        )
        applied = frozenset((d.deployment_type, d.id) for d in outcome.deployed)
        for old_owner in outcome.takeovers:
            await self._invalidate_old_owner(old_owner, ctx)
        problems = outcome.conflicts + outcome.errors
        if problems:
            if known is not None:  # what may exist now: what did, and what was just applied
                self._written[written] = known | applied
            reason = "Conflict" if outcome.conflicts and not outcome.errors else "DeployError"
            message = "; ".join(problems)
            failures = await self._failed(
                ctx,
                status,
                message,
                reason=reason,
                gvks=sorted(set(previous_gvks) | set(wanted_gvks)),
                note=note,
                feature=feature,
            )
            if not outcome.errors:
                return Requeue(CONFLICT_RETRY), None
            return retry(ctx.spec, failures), None
        keep = {d.id for d in outcome.deployed}
        stale_errors: list[str] = []
        # Only kinds recorded before this write can hold stale objects: every kind is recorded
        # (write-ahead, above) before anything of it is deployed. A first deploy lists nothing,
        # and neither does one that wrote a superset of what this process knows exists.
        # What this process wrote narrows the scan to the namespaces it wrote in.
        scan = previous_gvks and (known is None or not known <= applied)
        for deployment_type, client in clients.items() if scan else ():
            where = None if known is None else written_where(known - applied, deployment_type)
            _, errors = await remove_stale(client, previous_gvks, ctx.owner, feature, keep, where)
            stale_errors += errors
        if stale_errors:
            failures = await self._failed(
                ctx,
                status,
                "; ".join(stale_errors),
                reason="CleanupError",
                gvks=sorted(set(previous_gvks) | set(wanted_gvks)),
                note=note,
                feature=feature,
            )
            return retry(ctx.spec, failures), None
        self._written[written] = applied
        await self._record(ctx, feature, outcome.deployed)
        baselines: dict[ResourceRef, str] | None = None
        if self._drift_detection(ctx):
            key = _key(ctx.summary)
            summary_of_resources = self._resource_summary(ctx)
            hashes = await drift.publish(
                self._home(ctx),
                ctx.summary,
                (ctx.cluster_namespace, ctx.cluster_name),
                outcome.deployed,
                _exclusions(ctx.spec),
                feature,
            )
            baselines = self._merged_baselines(key, feature, hashes, summary_of_resources)
        elif feature == RESOURCES and self._resource_summary(ctx) is not None:
            await self._unpublish(ctx)
        await self._write_status(
            ctx,
            status,
            feature,
            FeatureSummary(
                feature_id=feature,
                status="Provisioned",
                hash=digest,
                consecutive_failures=0,
                last_applied_time=_now(),
            ),
            gvks=wanted_gvks,
            note=note,
        )
        _log.info(
            "deployed",
            summary=f"{ctx.cluster_namespace}/{ctx.summary['metadata']['name']}",
            feature=feature,
            objects=len(outcome.deployed),
        )
        return None, baselines

    async def _record(
        self,
        ctx: Context,
        feature: str,
        deployed: list[Deployed] | None,
        charts: list[dict[str, Any]] | None = None,
    ) -> None:
        """This profile's ``feature`` entry in the cluster's ClusterConfiguration (both None:
        forget it)."""
        await clusterconfiguration.record(
            self.mgmt,
            ctx.cluster_namespace,
            ctx.cluster_name,
            ctx.profile_kind,
            ctx.profile_name,
            feature,
            deployed,
            charts=charts,
            cached=self._cached_configuration,
        )

    def _cached_configuration(self, namespace: str, name: str) -> KubeObject | None:
        if self.configurations is None:
            return None
        return self.configurations.store.get(f"{namespace}/{name}")

    # -- drift ----------------------------------------------------------------------------

    def _drift_detection(self, ctx: Context) -> bool:
        return (
            ctx.spec.sync_mode == "ContinuousWithDriftDetection"
            and self.baselines is not None
            and self.homes is not None
        )

    def _resource_summary(self, ctx: Context) -> KubeObject | None:
        if self.homes is None:
            return None
        return self.homes.get(_key(ctx.summary), (ctx.cluster_namespace, ctx.cluster_name))

    async def _drift_ready(self, ctx: Context, connection: Connection) -> Requeue | None:
        """Where the cluster's ResourceSummaries live can be read and written (for an agent in
        the managed cluster: it is installed and its ResourceSummaries listed); one left in
        the management cluster from before the agent moved there is removed."""
        assert self.homes is not None
        cluster = (ctx.cluster_namespace, ctx.cluster_name)
        try:
            ready = await self.homes.ready(cluster, connection)
            left = self.homes.left_behind(_key(ctx.summary), cluster)
            if left is not None:
                await drift.unpublish(left)
        except KubeError as exc:
            await self._feature_status(
                ctx,
                status="Provisioning",
                message=(
                    f"cannot install the drift agent in SveltosCluster {cluster[0]}/{cluster[1]} "
                    f"({names.DRIFT_AGENT_ANNOTATION}: {self.homes.location(cluster)}): "
                    f"{exc.server_message}; will retry"
                ),
            )
            return Requeue(WAIT_FOR_CLUSTER)
        if not ready:
            await self._feature_status(
                ctx,
                status="Provisioning",
                message=(
                    f"waiting to list the ResourceSummaries in SveltosCluster "
                    f"{cluster[0]}/{cluster[1]} (its drift agent runs there)"
                ),
            )
            return Requeue(WAIT_FOR_CLUSTER)
        return None

    def _home(self, ctx: Context) -> Home:
        """Where this summary's ResourceSummary is written (``homes.ready`` was awaited)."""
        assert self.homes is not None
        home = self.homes.home(_key(ctx.summary), (ctx.cluster_namespace, ctx.cluster_name))
        if home is None:
            raise KubeError(
                f"the drift agent of {ctx.cluster_namespace}/{ctx.cluster_name} is not ready"
            )
        return home

    async def _unpublish(self, ctx: Context) -> None:
        assert self.homes is not None
        cluster = (ctx.cluster_namespace, ctx.cluster_name)
        home = self.homes.home(_key(ctx.summary), cluster)
        if home is not None:
            await drift.unpublish(home)

    def _located(self, key: SummaryKey) -> tuple[Home | None, KubeObject | None]:
        """The DriftRecorder's view: where ``key``'s ResourceSummary lives, and as last seen."""
        summary = self.summaries.store.get(f"{key[0]}/{key[1]}")
        ctx = context_of(summary) if summary is not None else None
        if ctx is None or self.homes is None:
            return None, None
        cluster = (ctx.cluster_namespace, ctx.cluster_name)
        return self.homes.home(key, cluster), self.homes.get(key, cluster)

    async def _repair(
        self,
        ctx: Context,
        remote: Client,
        items: list[Item],
        resource_summary: KubeObject,
        suspects: set[ResourceRef] | None,
    ) -> Requeue | None:
        """Re-apply only the objects that drifted from their deployed hashes.

        ``suspects``: what an in-process agent reported (only those are read); None when the
        ResourceSummary's flag or a recheck asks to look at every object.
        """
        assert self.baselines is not None and self.recorder is not None
        key = _key(ctx.summary)
        cluster = f"{ctx.cluster_namespace}/{ctx.cluster_name}"
        hashes = self.baselines.hashes(key)
        if hashes is None:
            hashes = hashes_of(resource_summary.get("status") or {})
        flagged = bool((resource_summary.get("status") or {}).get("resourcesChanged"))
        clients = {"Remote": remote, "Local": self.mgmt}
        settled: dict[ResourceRef, str] | None = None
        started = time.perf_counter()
        self.baselines.begin(key)
        try:
            try:
                drifted = await drift.find_drifted(
                    clients, items, hashes, _exclusions(ctx.spec), only=suspects
                )
            except KubeError as exc:  # cannot read the cluster: look again later
                _log.warning("cannot check drift", cluster=cluster, error=exc.server_message)
                self._recheck.add(key)
                return Requeue(WAIT_FOR_CLUSTER)
            allowed: list[drift.Drifted] = []
            refused: list[drift.Drifted] = []
            for d in drifted:
                (allowed if self.guard.allow(key, d.what) else refused).append(d)
            outcome = await reapply(
                clients, [(d.item, d.live) for d in allowed], ctx.owner, _kept_paths(ctx.spec)
            )
            problems = outcome.conflicts + outcome.errors
            if problems:  # the full deploy retries with backoff and reports per object
                status = ClusterSummaryStatus.parse(ctx.summary.get("status"))
                failures = await self._failed(
                    ctx, status, "; ".join(problems), reason="DriftRepairError"
                )
                return retry(ctx.spec, failures)
            settled = {**hashes, **drift.new_hashes(outcome.deployed, _exclusions(ctx.spec))}
        finally:
            self.baselines.settle(key, settled)
        if drifted or flagged:
            self.recorder.note(
                key,
                ctx.summary,
                cluster,
                [str(d) for d in allowed],
                [str(d) for d in refused],
                flagged=flagged,
            )
        if allowed:
            _log.info(
                "drift repaired",
                summary=f"{key[0]}/{key[1]}",
                objects=", ".join(str(d) for d in allowed),
                ms=round((time.perf_counter() - started) * 1000, 1),
            )
        if refused:
            self._recheck.add(key)  # after the window, look at everything again
            return Requeue(drift.RepairGuard.WINDOW)
        return None

    def _merged_baselines(
        self,
        key: SummaryKey,
        feature: str,
        hashes: dict[ResourceRef, str],
        resource_summary: KubeObject | None,
    ) -> dict[ResourceRef, str]:
        """The summary's baselines with ``feature``'s part replaced by ``hashes``."""
        assert self.baselines is not None
        current = self.baselines.hashes(key)
        if current is None:
            current = hashes_of((resource_summary or {}).get("status") or {})
        owned = self._feature_refs.setdefault(key, {})
        old = owned.get(feature)
        if old is None:
            old = drift.published_refs(resource_summary, feature)
        owned[feature] = set(hashes)
        return {**{r: h for r, h in current.items() if r not in old}, **hashes}

    def controller_wakeup(self, key: SummaryKey) -> None:
        """An in-process agent reported drift of ``key``: repaired before queued deploys."""
        self.controller.queue.add(key, urgent=True)

    def _resource_summary_changed(self, obj: KubeObject) -> None:
        status = obj.get("status") or {}
        if status.get("resourcesChanged") or status.get("helmResourcesChanged"):
            annotations = (obj.get("metadata") or {}).get("annotations") or {}
            name = annotations.get(names.CLUSTER_SUMMARY_NAME_ANNOTATION)
            namespace = annotations.get(names.CLUSTER_SUMMARY_NAMESPACE_ANNOTATION)
            if name and namespace:  # an agent in the cluster reported drift: as above
                self.controller.queue.add((str(namespace), str(name)), urgent=True)

    # -- helm -----------------------------------------------------------------------------

    def _note(self, ctx: Context) -> str | None:
        """status.failureMessage: the fields this manager does not act on."""
        notes = unsupported(ctx.spec)
        if ctx.spec.helm_charts and self.helm is None:
            notes.insert(0, "helmCharts (the manager has no helm binary: set NAVARCH_HELM)")
        if ctx.spec.kustomization_refs and self.kustomize is None:
            notes.insert(0, "kustomizationRefs (the manager has no kubectl: set NAVARCH_KUBECTL)")
        return f"not supported yet, so not acted on: {', '.join(notes)}" if notes else None

    def _read_source(self, kind: str, namespace: str, name: str) -> KubeObject | None:
        cache = self.configmaps if kind == "ConfigMap" else self.secrets
        return cache.store.get(f"{namespace}/{name}")

    def _helm_hash(self, ctx: Context, patches: list[Patch]) -> bytes:
        sources: list[Any] = [profile_patches.digest(patches)] if patches else []
        for chart in ctx.spec.helm_charts or []:
            for ref in chart.values_from or []:
                namespace = values_namespace(ref.namespace, ctx)
                source = self._read_source(ref.kind, namespace, ref.name)
                sources.append((ref.kind, namespace, ref.name, (source or {}).get("data")))
            forced = ctx.profile_kind == names.PROFILE_KIND
            for namespace, name in credential_refs(chart, ctx.cluster_namespace, forced):
                secret = self._read_source("Secret", namespace, name) or {}
                digest = hashlib.sha256(
                    json.dumps(secret.get("data"), sort_keys=True).encode()
                ).hexdigest()  # a changed password retries at once; the content never leaves
                sources.append(("Secret", namespace, name, digest))
        relevant = {
            "helmCharts": [c.dump() for c in ctx.spec.helm_charts or []],
            "tier": ctx.spec.tier,
            "sources": sources,
            "cluster": self._cluster_view(ctx),  # what templated values may read
            "mgmtResources": hashlib.sha256(
                json.dumps(ctx.mgmt_resources or {}, sort_keys=True, default=str).encode()
            ).hexdigest(),
            "continueOnError": ctx.spec.continue_on_error,
            "continueOnConflict": ctx.spec.continue_on_conflict,
        }
        return hashlib.sha256(json.dumps(relevant, sort_keys=True).encode()).digest()

    def _helm_scope(self, ctx: Context, failures: int, patches: list[Patch]) -> Scope:
        return Scope(
            read=self._read_source,
            default_namespace=ctx.cluster_namespace,
            tier=ctx.spec.tier,
            others=self._releases_of_others(ctx),
            render=self._renderer(ctx).render,
            failures=failures,
            forced_namespace=ctx.profile_kind == names.PROFILE_KIND,
            patches=patches,
            patches_digest=profile_patches.digest(patches) if patches else "",
        )

    def _releases_of_others(self, ctx: Context) -> dict[tuple[str, str], OtherOwner]:
        """Releases other profiles manage in this cluster, with the profile and its tier."""
        found: dict[tuple[str, str], OtherOwner] = {}
        own = ctx.summary["metadata"]["name"]
        for summary in self.summaries.store.by_index(
            "cluster", f"{ctx.cluster_namespace}/{ctx.cluster_name}"
        ):
            other = context_of(summary)
            if other is None or summary["metadata"]["name"] == own:
                continue
            for entry in (summary.get("status") or {}).get("helmReleaseSummaries") or []:
                if entry.get("status") == "Managing":
                    key = (str(entry["releaseNamespace"]), str(entry["releaseName"]))
                    found[key] = OtherOwner(
                        f"{other.profile_kind} {other.profile_name}", other.spec.tier, _key(summary)
                    )
        return found

    def _take_helm_suspects(self, ctx: Context) -> set[ResourceRef]:
        """The reported objects of this summary that belong to its Helm releases."""
        if self.baselines is None:
            return set()
        key = _key(ctx.summary)
        refs = self._feature_refs.get(key, {}).get(HELM)
        if refs is None:
            refs = drift.published_refs(self._resource_summary(ctx), HELM)
        return self.baselines.take_suspects(key, refs) if refs else set()

    async def _helm_drift(
        self, ctx: Context, remote: Client, suspects: set[ResourceRef]
    ) -> tuple[dict[tuple[str, str], list[str]], list[str]] | Requeue | None:
        """For a provisioned Helm feature under drift detection: the releases to run again
        (with what drifted in each) and what the fight guard refused; None when there is
        nothing to do; a Requeue when the cluster cannot be read now."""
        assert self.baselines is not None
        key = _key(ctx.summary)
        resource_summary = self._resource_summary(ctx) or {}
        status = resource_summary.get("status") or {}
        flagged = bool(status.get("helmResourcesChanged")) or key in self._helm_recheck
        if not suspects and not flagged:
            return None
        hashes = self.baselines.hashes(key)
        if hashes is None:
            hashes = hashes_of(status)
        try:
            drifted = await drift.find_drifted_releases(
                remote,
                resource_summary,
                hashes,
                _exclusions(ctx.spec),
                only=None if flagged else suspects,
            )
        except KubeError as exc:  # cannot read the cluster: look at everything later
            _log.warning(
                "cannot check helm drift",
                cluster=f"{ctx.cluster_namespace}/{ctx.cluster_name}",
                error=exc.server_message,
            )
            self._helm_recheck.add(key)
            return Requeue(WAIT_FOR_CLUSTER)
        self._helm_recheck.discard(key)
        allowed: dict[tuple[str, str], list[str]] = {}
        refused: list[str] = []
        for release, objects in drifted.items():
            if self.guard.allow(key, f"helm release {release[0]}/{release[1]}"):
                allowed[release] = objects
            else:
                refused += objects
        if not allowed and not flagged and not refused:
            return None
        return allowed, refused

    async def _helm_repairs(
        self,
        ctx: Context,
        remote: Client,
        previous: list[dict[str, Any]],
        suspects: set[ResourceRef],
    ) -> tuple[dict[tuple[str, str], list[str]], list[str]] | Requeue | None:
        """A provisioned, unchanged Helm feature under drift detection: the releases to run
        again, or (None or a Requeue) that Helm has nothing to run."""
        key = _key(ctx.summary)
        published = (self._resource_summary(ctx) or {}).get("spec") or {}
        if "chartResources" not in published or key in self._helm_unpublished:
            # drift detection was just switched on: take the baselines, run nothing
            return await self._publish_helm(ctx, remote, previous)
        found = await self._helm_drift(ctx, remote, suspects)
        if found is None or isinstance(found, Requeue):
            return found
        repair, refused = found
        if refused and not repair:  # another writer keeps changing it: say so, wait
            self._note_helm_repair(ctx, [], refused)
            self._helm_recheck.add(key)  # after the window, look at everything again
            return Requeue(drift.RepairGuard.WINDOW)
        if not repair:  # a stale flag: nothing drifted; publishing again clears it
            return await self._publish_helm(ctx, remote, previous)
        return repair, refused

    async def _deploy_helm(
        self, ctx: Context, connection: Connection, suspects: set[ResourceRef]
    ) -> Requeue | None:
        assert self.helm is not None
        status = ClusterSummaryStatus.parse(ctx.summary.get("status"))
        current = _feature(status, HELM)
        note = self._note(ctx)
        try:
            patches = self._patches(ctx)
        except ManifestError as exc:
            return await self._input_failed(ctx, status, exc, "InvalidPatch", note, HELM)
        digest = self._helm_hash(ctx, patches)
        previous = [h.dump() for h in status.helm_release_summaries or []]
        key = _key(ctx.summary)
        watched = self._drift_detection(ctx)
        repair: dict[tuple[str, str], list[str]] = {}
        refused: list[str] = []
        if (
            current is not None
            and current.status == "Provisioned"
            and (ctx.spec.sync_mode == "OneTime" or current.hash == digest)
        ):
            if not watched:
                return None
            found = await self._helm_repairs(ctx, connection.client, previous, suspects)
            if not isinstance(found, tuple):
                return found  # nothing for Helm to run
            repair, refused = found

        async def claim(summaries: list[dict[str, Any]]) -> None:
            keys = {(e["releaseNamespace"], e["releaseName"]) for e in summaries}
            kept = [p for p in previous if (p["releaseNamespace"], p["releaseName"]) not in keys]
            await self._write_status(
                ctx,
                ClusterSummaryStatus.parse(ctx.summary.get("status")),
                HELM,
                _carried(
                    HELM,
                    current,
                    "Provisioning",
                ),
                gvks=[],
                note=note,
                helm=[*kept, *summaries],
            )

        started = time.perf_counter()
        outcome = await self._run_helm(
            ctx,
            connection,
            previous,
            dataclasses.replace(
                self._helm_scope(
                    ctx, (current.consecutive_failures or 0) if current else 0, patches
                ),
                redeploy=frozenset(repair),
            ),
            claim,
        )
        for old_owner in outcome.takeovers:
            summary = self.summaries.store.get("/".join(old_owner.summary))
            if summary is not None:
                await self._invalidate(summary, (HELM,))
        fresh = ClusterSummaryStatus.parse(ctx.summary.get("status"))
        problems = outcome.conflicts + outcome.errors
        if problems:
            failures = await self._failed(
                ctx,
                fresh,
                "; ".join(problems)[:4000],
                reason="Conflict" if not outcome.errors else "HelmError",
                gvks=[],
                note=note,
                feature=HELM,
                helm=outcome.summaries,
            )
            if not outcome.errors:
                return Requeue(CONFLICT_RETRY)
            return retry(ctx.spec, failures)
        if refused:
            self._helm_recheck.add(key)  # after the window, look at everything again
        if repair or refused:
            repaired = [what for objects in repair.values() for what in objects]
            self._note_helm_repair(ctx, repaired, refused)
            _log.info(
                "drift repaired",
                summary=f"{key[0]}/{key[1]}",
                objects=", ".join(repaired),
                ms=round((time.perf_counter() - started) * 1000, 1),
            )
        await self._record(ctx, HELM, None, charts=outcome.charts or None)
        await self._write_status(
            ctx,
            fresh,
            HELM,
            FeatureSummary(
                feature_id=HELM,
                status="Provisioned",
                hash=digest,
                consecutive_failures=0,
                last_applied_time=_now(),
            ),
            gvks=[],
            note=note,
            helm=outcome.summaries,
        )
        _log.info(
            "helm charts deployed",
            summary=f"{ctx.cluster_namespace}/{ctx.summary['metadata']['name']}",
            releases=len(outcome.charts),
        )
        return Requeue(drift.RepairGuard.WINDOW) if refused else None

    async def _run_helm(
        self,
        ctx: Context,
        connection: Connection,
        previous: list[dict[str, Any]],
        scope: Scope,
        claim: Callable[[list[dict[str, Any]]], Any],
    ) -> HelmOutcome:
        """Run the Helm feature; under drift detection the agents do not judge this summary's
        objects meanwhile, and the releases' objects are published as they are afterwards."""
        assert self.helm is not None
        key = _key(ctx.summary)
        watched = self._drift_detection(ctx)
        if watched:
            assert self.baselines is not None
            self.baselines.begin(key)  # Helm's own writes are not drift
        baselines: dict[ResourceRef, str] | None = None
        try:
            outcome = await self.helm.deploy(
                connection.config.to_kubeconfig(),
                connection.client,
                list(ctx.spec.helm_charts or []),
                previous,
                scope,
                claim,
                continue_on_error=ctx.spec.continue_on_error,
                continue_on_conflict=ctx.spec.continue_on_conflict,
            )
            if watched and not (outcome.conflicts or outcome.errors):
                try:
                    baselines = await self._helm_baselines(
                        ctx, connection.client, outcome.summaries
                    )
                    self._helm_unpublished.discard(key)
                except (KubeError, ManifestError) as exc:  # published on the next reconcile
                    _log.warning(
                        "cannot publish helm objects for drift detection",
                        summary=f"{key[0]}/{key[1]}",
                        error=str(exc),
                    )
                    self._helm_unpublished.add(key)
        finally:
            if watched:
                assert self.baselines is not None
                self.baselines.settle(key, baselines)
        return outcome

    def _note_helm_repair(self, ctx: Context, repaired: list[str], refused: list[str]) -> None:
        assert self.recorder is not None
        self.recorder.note(
            _key(ctx.summary),
            ctx.summary,
            f"{ctx.cluster_namespace}/{ctx.cluster_name}",
            repaired,
            refused,
            flagged=False,
            persist=False,  # the Helm part of the ResourceSummary was published already
        )

    async def _helm_baselines(
        self, ctx: Context, remote: Client, summaries: list[dict[str, Any]]
    ) -> dict[ResourceRef, str]:
        """Publish the objects of every release this summary manages, as they are after Helm
        ran; returns the summary's baselines with the Helm part replaced."""
        releases: list[drift.ReleaseObjects] = []
        for entry in summaries:
            if entry.get("status") != "Managing":
                continue
            chart = {
                "chartName": str(entry.get("chartName") or ""),
                "releaseName": str(entry["releaseName"]),
                "releaseNamespace": str(entry["releaseNamespace"]),
            }
            release = await find_release(remote, chart["releaseName"], chart["releaseNamespace"])
            if release is not None:
                releases.append(await drift.release_objects(remote, chart, release.manifest))
        resource_summary = self._resource_summary(ctx)
        hashes = await drift.publish_helm(
            self._home(ctx),
            ctx.summary,
            (ctx.cluster_namespace, ctx.cluster_name),
            releases,
            _exclusions(ctx.spec),
        )
        return self._merged_baselines(_key(ctx.summary), HELM, hashes, resource_summary)

    async def _publish_helm(
        self, ctx: Context, remote: Client, summaries: list[dict[str, Any]]
    ) -> Requeue | None:
        """Only publish the Helm part of the ResourceSummary (no Helm run)."""
        assert self.baselines is not None
        key = _key(ctx.summary)
        baselines: dict[ResourceRef, str] | None = None
        self.baselines.begin(key)
        try:
            baselines = await self._helm_baselines(ctx, remote, summaries)
            self._helm_unpublished.discard(key)
        except (KubeError, ManifestError) as exc:
            _log.warning(
                "cannot publish helm objects for drift detection",
                summary=f"{key[0]}/{key[1]}",
                error=str(exc),
            )
            self._helm_unpublished.add(key)
            return Requeue(WAIT_FOR_CLUSTER)
        finally:
            self.baselines.settle(key, baselines)
        return None

    # -- kustomize ------------------------------------------------------------------------

    async def _kustomize_items(
        self, ctx: Context
    ) -> tuple[list[Item], list[tuple[str, str, str, Any]]]:
        assert self.kustomize is not None
        return await collect_kustomize(
            self.kustomize,
            list(ctx.spec.kustomization_refs or []),
            self._read_source,
            lambda namespace: values_namespace(namespace, ctx),
            ctx.owner,
            renderer=self._renderer(ctx),
            extra_labels=ctx.spec.extra_labels,
            extra_annotations=ctx.spec.extra_annotations,
            patches=self._patches(ctx),
            patch=self._patched,
        )

    async def _kustomize_items_for_repair(self, ctx: Context) -> list[Item]:
        """The kustomize objects, so a drifted one can be put back (none if they cannot be built
        now: the Kustomize feature reports why)."""
        if self.kustomize is None or not ctx.spec.kustomization_refs:
            return []
        try:
            return (await self._kustomize_items(ctx))[0]
        except ManifestError:
            return []

    async def _deploy_kustomize(self, ctx: Context, remote: Client, forced: bool) -> Requeue | None:
        """Build every kustomizationRef and deploy the output as the Kustomize feature."""
        status = ClusterSummaryStatus.parse(ctx.summary.get("status"))
        current = _feature(status, KUSTOMIZE)
        note = self._note(ctx)
        try:
            items, sources = await self._kustomize_items(ctx)
        except ManifestError as exc:
            return await self._input_failed(
                ctx, status, exc, "InvalidKustomization", note, KUSTOMIZE
            )
        digest = kustomize_hash(ctx.spec, sources)
        if (
            current is not None
            and current.status == "Provisioned"
            and not forced
            and (ctx.spec.sync_mode == "OneTime" or current.hash == digest)
        ):
            return None
        return await self._apply(ctx, status, current, items, remote, digest, note, KUSTOMIZE)

    async def _collect(self, ctx: Context) -> tuple[list[Item], list[tuple[str, str, str, Any]]]:
        """The decorated objects of every policyRef (rendered, run through Lua, patched), in
        order; and what they were read from."""
        resolved: set[str] = set()
        try:
            return await self._collect_resolving(ctx, resolved)
        finally:  # even when a resolved source is missing: its creation re-queues the summary
            self._resolved.record(_key(ctx.summary), resolved)

    async def _collect_resolving(
        self, ctx: Context, resolved: set[str]
    ) -> tuple[list[Item], list[tuple[str, str, str, Any]]]:
        items: list[Item] = []
        sources: list[tuple[str, str, str, Any]] = []
        patches = self._patches(ctx)
        if patches:
            sources.append(("Patches", "", "", profile_patches.digest(patches)))
        for index, ref in enumerate(ctx.spec.policy_refs or []):
            if ref.remote_url is not None or ref.kind not in ("ConfigMap", "Secret"):
                raise ManifestError(
                    f"policyRefs[{index}]: {ref.kind or 'remoteURL'} sources are not supported "
                    "by Navarch yet; use a ConfigMap or Secret"
                )
            kind, namespace, name = source_of(ref, ctx)
            if is_template(name) or is_template(namespace):
                renderer = self._renderer(ctx)
                name = renderer.render(name, f"policyRefs[{index}].name")
                namespace = renderer.render(namespace, f"policyRefs[{index}].namespace")
                resolved.add(f"{kind}/{namespace}/{name}")  # the source index cannot know it
            cache = self.configmaps if kind == "ConfigMap" else self.secrets
            source = cache.store.get(f"{namespace}/{name}")
            if source is None:
                if ref.optional:
                    sources.append((kind, namespace, name, None))
                    continue
                raise ManifestError(
                    f"policyRefs[{index}]: {kind} {namespace}/{name} does not exist: create it, "
                    "or mark the reference optional"
                )
            annotations = (source.get("metadata") or {}).get("annotations") or {}
            digest: Any = source.get("data")
            if LUA_ANNOTATION in annotations:
                documents, digest = await self._lua_documents(ctx, kind, source)
            elif TEMPLATE_ANNOTATION in annotations:
                documents, digest = self._rendered_documents(ctx, kind, source)
            else:
                documents = self._documents_of(kind, source)
            documents = await self._patched(patches, documents, f"{kind} {namespace}/{name}")
            reference = Reference(kind=kind, namespace=namespace, name=name, tier=ref.tier)
            source_items = [
                Item(
                    obj=decorate(
                        obj,
                        reference=reference,
                        owner=dataclasses.replace(ctx.owner, deployment_type=ref.deployment_type),
                        feature=RESOURCES,
                        extra_labels=ctx.spec.extra_labels,
                        extra_annotations=ctx.spec.extra_annotations,
                    ),
                    reference=reference,
                    deployment_type=ref.deployment_type,
                    skip_namespace_creation=ref.skip_namespace_creation,
                    force=ref.force,
                )
                for obj in documents
            ]
            items += source_items
            sources.append((kind, namespace, name, digest))
        ordered = apply_order([i.obj for i in items])
        by_id = {id(i.obj): i for i in items}
        return [by_id[id(obj)] for obj in ordered], sources

    def _cluster_view(self, ctx: Context) -> str:
        cluster = self.clusters.store.get(f"{ctx.cluster_namespace}/{ctx.cluster_name}") or {}
        meta = cluster.get("metadata") or {}
        view = [meta.get("labels"), meta.get("annotations"), cluster.get("spec")]
        return hashlib.sha256(json.dumps(view, sort_keys=True).encode()).hexdigest()

    def _renderer(self, ctx: Context) -> Renderer:
        cluster = self.clusters.store.get(f"{ctx.cluster_namespace}/{ctx.cluster_name}")
        return Renderer(cluster, ctx.summary["metadata"]["name"], ctx.mgmt_resources)

    def _patches(self, ctx: Context) -> list[Patch]:
        """The profile's patches for this cluster (PatchError, TemplateFailure: say so)."""
        if not ctx.spec.patches and not ctx.spec.patches_from:
            return []
        return profile_patches.gather(
            ctx.spec,
            self._read_source,
            lambda namespace: values_namespace(namespace, ctx),
            self._renderer(ctx),
        )

    async def _patched(
        self, patches: list[Patch], objects: list[KubeObject], where: str
    ) -> list[KubeObject]:
        if not patches or not objects:
            return objects
        if self.patcher is None:
            raise PatchError(
                f"{where}: the profile has patches, but kubectl (whose kustomize applies them) "
                "is not installed; run `navarch local install` or set NAVARCH_KUBECTL"
            )
        return await self.patcher.apply(objects, patches, where)

    async def _lua_documents(
        self, ctx: Context, kind: str, source: KubeObject
    ) -> tuple[list[KubeObject], Any]:
        """Run every data key of a ``projectsveltos.io/lua`` source (its own script each) with
        ``resources`` = the templateResourceRefs; the documents they return, and a digest."""
        meta = source.get("metadata") or {}
        where = f"{kind} {meta.get('namespace')}/{meta.get('name')}"
        if self.lua is None:
            raise ManifestError(f"{where} is marked {LUA_ANNOTATION}, but Lua cannot run here")
        documents: list[KubeObject] = []
        texts: list[str] = []
        prelude = self._lua_prelude()
        for key, script in sorted(text_data(source).items()):
            name = f"{where} key {key!r}"
            try:
                text = await instantiate_lua(
                    self.lua, script, ctx.mgmt_resources or {}, name=name, prelude=prelude
                )
            except LuaError as exc:
                raise LuaFailure(str(exc)) from None
            texts.append(text)
            documents += parse_documents(text, f"{name} (Lua output)")
        return documents, hashlib.sha256("\n---\n".join(texts).encode()).hexdigest()

    def _lua_prelude(self) -> str:
        """The ``--lua-methods`` ConfigMap's values (in key order), run before every script."""
        if not self.lua_methods:
            return ""
        namespace = names.PROJECTSVELTOS_NAMESPACE
        methods = self.configmaps.store.get(f"{namespace}/{self.lua_methods}")
        if methods is None:
            raise ManifestError(
                f"the Lua methods ConfigMap {namespace}/{self.lua_methods} (--lua-methods) does "
                "not exist: create it, or start the manager without --lua-methods"
            )
        return "\n".join(text for _, text in sorted(text_data(methods).items()))

    async def _mgmt_resources(self, ctx: Context) -> dict[str, KubeObject]:
        """The templateResourceRefs objects by identifier (names may be templates over
        .Cluster), from the caches: the manager's for ConfigMaps and Secrets, one watch per
        other kind (``TemplateRefWatches``); a change of any re-triggers the summary."""
        renderer = Renderer(
            self.clusters.store.get(f"{ctx.cluster_namespace}/{ctx.cluster_name}"),
            ctx.summary["metadata"]["name"],
        )
        found: dict[str, KubeObject] = {}
        for index, ref in enumerate(ctx.spec.template_resource_refs or []):
            res = ref.resource
            where = f"templateResourceRefs[{index}]"
            name = renderer.render(res.name or "", f"{where}.resource.name")
            namespace = renderer.render(res.namespace or "", f"{where}.resource.namespace")
            namespace = namespace or ctx.cluster_namespace
            api_version, kind = res.api_version or "v1", res.kind or ""
            obj: KubeObject | None
            if cached_kind(api_version, kind):
                obj = self._read_source(kind, namespace, name)
            else:
                try:
                    obj = self.template_refs.cached(api_version, kind, namespace, name)
                except LookupError:  # its watch has not listed yet: ask the server
                    try:
                        obj = await self.mgmt.get(api_version, kind, name, namespace or None)
                    except NotFound:
                        obj = None
            if obj is None:
                if ref.optional:
                    continue
                raise ManifestError(
                    f"{where}: {kind} {namespace}/{name} ({ref.identifier}) does not exist in the "
                    "management cluster: create it, or mark the reference optional"
                )
            found[ref.identifier] = obj
        return found

    def _rendered_documents(
        self, ctx: Context, kind: str, source: KubeObject
    ) -> tuple[list[KubeObject], str]:
        """A template source's objects for this cluster, and a digest of what was rendered
        (the hash must change when the cluster changes what the template renders)."""
        meta = source.get("metadata") or {}
        where = f"{kind} {meta.get('namespace')}/{meta.get('name')}"
        renderer = self._renderer(ctx)
        documents: list[KubeObject] = []
        rendered: list[str] = []
        for key, text in sorted(data_of(source).items()):
            out = renderer.render(text, f"{where} key {key!r}")
            rendered.append(out)
            documents += parse_documents(out, f"{where} key {key!r} (rendered)")
        return documents, hashlib.sha256("\0".join(rendered).encode()).hexdigest()

    def _documents_of(self, kind: str, source: KubeObject) -> list[KubeObject]:
        meta = source.get("metadata") or {}
        key = (kind, str(meta.get("namespace", "")), str(meta.get("name", "")))
        version = str(meta.get("resourceVersion", ""))
        cached = self._documents.get(key)
        if cached is None or cached[0] != version:
            cached = (version, documents_of(source))
            self._documents[key] = cached
        return cached[1]

    async def _dry_run(
        self,
        ctx: Context,
        status: ClusterSummaryStatus,
        items: list[Item],
        remote: Client,
        note: str | None,
    ) -> Requeue:
        """Write the ClusterReport of what a deployment would do; change nothing else."""
        clients = {"Remote": remote, "Local": self.mgmt}
        actions = await plan(
            clients, items, ctx.owner, RESOURCES, _deployed_gvks(status, RESOURCES)
        )
        report_status: dict[str, Any] = {"resourceReports": [_report_line(a) for a in actions]}
        previous_kustomize = _deployed_gvks(status, KUSTOMIZE)
        if self.kustomize is not None and (ctx.spec.kustomization_refs or previous_kustomize):
            try:
                kustomize_items, _ = await self._kustomize_items(ctx)
            except ManifestError as exc:
                await self._failed(
                    ctx,
                    status,
                    str(exc),
                    reason="InvalidKustomization",
                    note=note,
                    feature=KUSTOMIZE,
                )
                status = ClusterSummaryStatus.parse(ctx.summary.get("status"))
            else:
                kustomize_actions = await plan(
                    clients, kustomize_items, ctx.owner, KUSTOMIZE, previous_kustomize
                )
                report_status["kustomizeResourceReports"] = [
                    _report_line(a) for a in kustomize_actions
                ]
        connection = self.connections.get((ctx.cluster_namespace, ctx.cluster_name))
        previous = [h.dump() for h in status.helm_release_summaries or []]
        if self.helm is not None and connection is not None and (ctx.spec.helm_charts or previous):
            report_status["releaseReports"] = await self.helm.plan(
                connection.client,
                list(ctx.spec.helm_charts or []),
                previous,
                self._helm_scope(ctx, 0, self._patches(ctx)),  # valid: _collect read them
            )
        report = self._report_object(ctx)
        self._reports.add(f"{ctx.cluster_namespace}/{report['metadata']['name']}")
        await self.mgmt.apply(report, force=True)
        await self.mgmt.apply_status(
            {
                **{k: report[k] for k in ("apiVersion", "kind")},
                "metadata": {k: report["metadata"][k] for k in ("name", "namespace")},
                "status": report_status,
            }
        )
        await self._write_status(
            ctx,
            status,
            RESOURCES,
            FeatureSummary(
                feature_id=RESOURCES,
                status="Failed",
                failure_reason="DryRun",
                failure_message=DRY_RUN_MESSAGE,
            ),
            gvks=_deployed_gvks(status, RESOURCES),
            note=note,
        )
        return Requeue(DRY_RUN_REQUEUE)

    def _report_object(self, ctx: Context) -> KubeObject:
        label = (
            names.PROFILE_LABEL
            if ctx.profile_kind == names.PROFILE_KIND
            else (names.CLUSTER_PROFILE_LABEL)
        )
        meta = ctx.summary["metadata"]
        return {
            "apiVersion": names.CONFIG_API_VERSION,
            "kind": names.CLUSTER_REPORT_KIND,
            "metadata": {
                "name": names.cluster_report_name(
                    ctx.profile_kind, ctx.profile_name, ctx.cluster_name
                ),
                "namespace": ctx.cluster_namespace,
                "labels": {label: ctx.profile_name},
                "ownerReferences": [
                    {
                        "apiVersion": names.CONFIG_API_VERSION,
                        "kind": names.CLUSTER_SUMMARY_KIND,
                        "name": meta["name"],
                        "uid": meta.get("uid", ""),
                    }
                ],
            },
            "spec": {"clusterNamespace": ctx.cluster_namespace, "clusterName": ctx.cluster_name},
        }

    async def _drop_report(self, ctx: Context) -> None:
        """A profile out of DryRun has no report. Which reports exist is listed once, so a
        deploy does not cost a DELETE per cluster that finds nothing."""
        name = names.cluster_report_name(ctx.profile_kind, ctx.profile_name, ctx.cluster_name)
        key = f"{ctx.cluster_namespace}/{name}"
        async with self._reports_listing:  # one LIST, however many workers start at once
            if not self._reports_listed:
                listed = await self.mgmt.list(names.CONFIG_API_VERSION, names.CLUSTER_REPORT_KIND)
                self._reports |= {
                    f"{r['metadata']['namespace']}/{r['metadata']['name']}" for r in listed.items
                }
                self._reports_listed = True
        if key not in self._reports:
            return
        with contextlib.suppress(NotFound):
            await self.mgmt.delete(
                names.CONFIG_API_VERSION, names.CLUSTER_REPORT_KIND, name, ctx.cluster_namespace
            )
        self._reports.discard(key)

    async def _invalidate_old_owner(self, old: Owner, ctx: Context) -> None:
        """A lower tier took an object over: make the old owner deploy again (and so find
        and report the conflict), by clearing its recorded hash, as Sveltos does."""
        label = (
            names.PROFILE_LABEL if old.kind == names.PROFILE_KIND else (names.CLUSTER_PROFILE_LABEL)
        )
        for summary in self.summaries.store.by_index(
            "cluster", f"{ctx.cluster_namespace}/{ctx.cluster_name}"
        ):
            if ((summary.get("metadata") or {}).get("labels") or {}).get(label) == old.name:
                await self._invalidate(summary, (RESOURCES, KUSTOMIZE))

    async def _invalidate(self, summary: KubeObject, features: tuple[FeatureID, ...]) -> None:
        """Clear the recorded hash of ``features`` of ``summary`` and queue it: it deploys them
        again (and so finds and reports a conflict with whoever took something over)."""
        other = context_of(summary)
        if other is None:
            return
        for feature in features:
            status = ClusterSummaryStatus.parse(other.summary.get("status"))
            current = _feature(status, feature)
            if current is None:
                continue
            await self._write_status(
                other,
                status,
                feature,
                current.model_copy(update={"hash": None}),
                gvks=_deployed_gvks(status, feature),
                note=status.failure_message,
            )
        self._redeploy.add(_key(summary))
        self.controller.queue.add(_key(summary))

    async def _remove_deployed(
        self, ctx: Context, connection: Connection, gvks: dict[FeatureID, list[str]]
    ) -> list[str]:
        """Delete every object of ``gvks`` this summary deployed; the errors met."""
        errors: list[str] = []
        for feature, kinds in gvks.items():  # Resources, then Kustomize (Sveltos's order)
            known = self._written.get((_key(ctx.summary), feature))
            for deployment_type, client in (("Remote", connection.client), ("Local", self.mgmt)):
                # what this process wrote (if it deployed it) says where to look
                where = None if known is None else written_where(known, deployment_type)
                if kinds:
                    _, met = await remove_stale(client, kinds, ctx.owner, feature, set(), where)
                    errors += met
        return errors

    async def _withdraw(self, ctx: Context) -> Requeue | None:
        if self.baselines is not None:  # removing its objects is not drift
            self.baselines.retire(_key(ctx.summary))
        status = ClusterSummaryStatus.parse(ctx.summary.get("status"))
        leave = ctx.spec.stop_matching_behavior == "LeavePolicies"
        cluster = self.clusters.store.get(f"{ctx.cluster_namespace}/{ctx.cluster_name}")
        gvks: dict[FeatureID, list[str]] = {
            f: _deployed_gvks(status, f) for f in (RESOURCES, KUSTOMIZE)
        }
        key = (ctx.cluster_namespace, ctx.cluster_name)
        connection = self.connections.get(key)  # read again after each await: it may be replaced
        if connection is None and cluster is not None and _ready(cluster):
            # not connected by this process yet (it has just started): _connected wakes this;
            # going on would skip what needs the cluster (Helm, the drift agent's cache there)
            return Requeue(WAIT_FOR_CLUSTER)
        if not leave and any(gvks.values()) and cluster is not None:
            if connection is None:
                await self._feature_status(
                    ctx,
                    status="Removing",
                    message=(
                        f"cannot reach SveltosCluster {ctx.cluster_namespace}/{ctx.cluster_name} "
                        "to remove what was deployed; will retry"
                    ),
                )
                return Requeue(WAIT_FOR_CLUSTER)
            errors = await self._remove_deployed(ctx, connection, gvks)
            if errors:
                await self._feature_status(ctx, status="Removing", message="; ".join(errors))
                return Requeue(WAIT_FOR_CLUSTER)
        releases = [h.dump() for h in status.helm_release_summaries or []]
        if not leave and releases and cluster is not None and self.helm is not None:
            connection = self.connections.get(key)
            if connection is None:
                return Requeue(WAIT_FOR_CLUSTER)
            helm_errors = await self.helm.withdraw(connection.config.to_kubeconfig(), releases)
            if helm_errors:
                await self._feature_status(ctx, status="Removing", message="; ".join(helm_errors))
                return Requeue(WAIT_FOR_CLUSTER)
        for feature in (RESOURCES, KUSTOMIZE, HELM):
            await self._record(ctx, feature, None)
        if self._drift_detection(ctx) and cluster is not None:
            connection = self.connections.get(key)
            if connection is not None:  # an agent in the managed cluster: its cache, to remove
                with contextlib.suppress(KubeError):
                    await self._drift_ready(ctx, connection)
        if self._resource_summary(ctx) is not None:
            await self._unpublish(ctx)
        self.guard.forget(_key(ctx.summary))
        self._recheck.discard(_key(ctx.summary))
        self._helm_recheck.discard(_key(ctx.summary))
        self._helm_unpublished.discard(_key(ctx.summary))
        for feature in (RESOURCES, KUSTOMIZE):
            self._written.pop((_key(ctx.summary), feature), None)
        self._feature_refs.pop(_key(ctx.summary), None)
        self._resolved.forget(_key(ctx.summary))
        if self.recorder is not None:
            self.recorder.forget(_key(ctx.summary))
        meta = ctx.summary["metadata"]
        finalizers = [
            f for f in meta.get("finalizers") or [] if f != names.CLUSTER_SUMMARY_FINALIZER
        ]
        try:
            await self.mgmt.patch(
                names.CONFIG_API_VERSION,
                names.CLUSTER_SUMMARY_KIND,
                meta["name"],
                [
                    {
                        "op": "test",
                        "path": "/metadata/resourceVersion",
                        "value": meta["resourceVersion"],
                    },
                    {"op": "replace", "path": "/metadata/finalizers", "value": finalizers},
                ],
                namespace=meta["namespace"],
                patch_type="json",
            )
        except NotFound:
            pass
        except Invalid:  # the test failed: it changed since it was read (a status write)
            return Requeue(FINALIZER_RETRY)  # withdraw again from the fresh copy: idempotent
        _log.info(
            "withdrawn" if not leave else "left in place (LeavePolicies)",
            summary=f"{meta['namespace']}/{meta['name']}",
        )
        return None

    # -- status ---------------------------------------------------------------------------

    async def _input_failed(
        self,
        ctx: Context,
        status: ClusterSummaryStatus,
        exc: ManifestError,
        reason: str,
        note: str | None,
        feature: FeatureID,
    ) -> Requeue | None:
        """A feature's input cannot be read, rendered or patched. A template error is not
        retried (the profile, a source or the cluster must change); anything else is, with
        backoff."""
        if isinstance(exc, TemplateFailure):
            await self._failed(
                ctx, status, str(exc), reason="TemplateError", note=note, feature=feature
            )
            return None
        failures = await self._failed(
            ctx, status, str(exc), reason=reason, note=note, feature=feature
        )
        return retry(ctx.spec, failures)

    async def _failed(
        self,
        ctx: Context,
        status: ClusterSummaryStatus,
        message: str,
        *,
        reason: str,
        gvks: list[str] | None = None,
        note: str | None = None,
        feature: FeatureID = RESOURCES,
        helm: list[dict[str, Any]] | None = None,
    ) -> int:
        """Record a failure of ``feature``; returns how many in a row this makes."""
        current = _feature(status, feature)
        failures = (current.consecutive_failures or 0) + 1 if current else 1
        if retry(ctx.spec, failures) is None:
            message += (
                f" (failed {failures} times in a row and maxConsecutiveFailures is "
                f"{ctx.spec.max_consecutive_failures}: no more retries until the profile, "
                "a referenced object or the cluster changes)"
            )
        _log.warning(
            "feature failed",
            summary="/".join(_key(ctx.summary)),
            feature=feature,
            reason=reason,
            failures=failures,
            message=message[:500],
        )
        await self._write_status(
            ctx,
            status,
            feature,
            _carried(
                feature,
                current,
                "Failed",
                consecutive_failures=failures,
                failure_reason=reason,
                failure_message=message,
            ),
            gvks=gvks if gvks is not None else _deployed_gvks(status, feature),
            note=note,
            helm=helm,
        )
        return failures

    async def _feature_status(self, ctx: Context, *, status: FeatureStatus, message: str) -> None:
        parsed = ClusterSummaryStatus.parse(ctx.summary.get("status"))
        current = _feature(parsed, RESOURCES)
        await self._write_status(
            ctx,
            parsed,
            RESOURCES,
            _carried(
                RESOURCES,
                current,
                status,
                failure_message=message,
            ),
            gvks=_deployed_gvks(parsed, RESOURCES),
            note=parsed.failure_message,
        )

    async def _write_status(
        self,
        ctx: Context,
        status: ClusterSummaryStatus,
        feature: str,
        summary: FeatureSummary,
        *,
        gvks: list[str],
        note: str | None,
        helm: list[dict[str, Any]] | None = None,
    ) -> None:
        """Write ``feature``'s summary and kinds; every other feature's entries are kept, and
        ``helmReleaseSummaries`` too unless ``helm`` replaces them (the status is applied whole
        by one field manager, so whatever is left out would be removed)."""
        current = ctx.summary.get("status") or {}
        features = [f for f in status.feature_summaries or [] if f.feature_id != feature]
        features.append(summary)
        kinds = [i.dump() for i in status.deployed_gvks or [] if i.feature_id != feature]
        kinds.append({"featureID": feature, "deployedGroupVersionKind": gvks})
        wire: dict[str, Any] = {
            "featureSummaries": [f.dump() for f in features],
            "deployedGVKs": sorted(kinds, key=lambda k: str(k["featureID"])),
        }
        releases = helm if helm is not None else current.get("helmReleaseSummaries")
        if releases:
            wire["helmReleaseSummaries"] = releases
        if note:
            wire["failureMessage"] = note
        if ctx.dependencies:
            wire["dependencies"] = ctx.dependencies
        if all(current.get(k) == v for k, v in wire.items()) and all(
            k in wire or k not in current
            for k in ("failureMessage", "dependencies", "helmReleaseSummaries")
        ):
            return
        meta = ctx.summary["metadata"]
        updated = await self.mgmt.apply_status(
            {
                "apiVersion": names.CONFIG_API_VERSION,
                "kind": names.CLUSTER_SUMMARY_KIND,
                "metadata": {"name": meta["name"], "namespace": meta["namespace"]},
                "status": wire,
            }
        )
        ctx.summary = {**ctx.summary, "status": updated.get("status") or {}}


def _report_line(action: PlannedAction) -> dict[str, Any]:
    d = action.deployed
    resource: dict[str, Any] = {
        "name": d.name,
        "group": d.group,
        "kind": d.kind,
        "version": d.version,
    }
    if d.namespace:
        resource["namespace"] = d.namespace
    line: dict[str, Any] = {"resource": resource, "action": action.action}
    if action.message:
        line["message"] = action.message
    return line


def _feature(status: ClusterSummaryStatus, feature: str) -> FeatureSummary | None:
    return next((f for f in status.feature_summaries or [] if f.feature_id == feature), None)


def _deployed_gvks(status: ClusterSummaryStatus, feature: str) -> list[str]:
    for info in status.deployed_gvks or []:
        if info.feature_id == feature:
            return list(info.deployed_group_version_kind or [])
    return []
