"""The drift agent of one managed cluster: watch what ResourceSummaries name, report changes.

Sveltos's drift-detection-manager re-hashes on a timer; this agent judges each watch event as it
arrives, so a drift is reported a few milliseconds after the API server accepted the edit.

What it watches: for every kind that a ResourceSummary of this cluster names, one informer in the
managed cluster restricted to objects carrying ``projectsveltos.io/reason`` (what Navarch and
Sveltos deploy carry it), not every object of every kind. An object that loses the label leaves
the watch as a deletion, which is drift too. A Helm release's objects (``chartResources``) carry
no such label: they are watched by one informer per kind and namespace without a selector
(``WatchKey.labelled`` False), and each informer judges only the objects it was started for.
A kind whose CRD does not exist yet is listed again with backoff by its informer until it
appears.

How it judges (``_judge``): an object named by a ResourceSummary whose drift hash differs from
its deployed hash, or that is gone, has drifted; objects annotated
``projectsveltos.io/driftDetectionIgnore`` and objects without a baseline yet are skipped.
While the manager writes a ClusterSummary's objects (``Baselines.writing``) none of its objects is
judged; when the write settles, all of them are judged again against the new hashes, so an edit
made meanwhile is still caught and the manager's own writes never are. An object missing from the
cache is confirmed with a GET before it counts as deleted.

How it reports: inside the manager's process (``baselines`` given), straight to the
ClusterSummary controller through ``Baselines.report``, which wakes it at once. Otherwise
``report(summary_key, drift)``, which sets the ResourceSummary's flags as Sveltos's agent does
(``resourcesChanged``; ``helmResourcesChanged`` and ``driftedHelmCharts`` for Helm objects; the
manager repairs and clears them); such reports are coalesced per ClusterSummary: one in flight
at a time, the next carries everything found meanwhile.

After a watch drops or the API server restarts, the informer resumes or relists; a relist
re-delivers every object (and deletions missed), and each is judged again.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from navarch import log
from navarch.api.names import (
    CLUSTER_SUMMARY_NAME_ANNOTATION,
    CLUSTER_SUMMARY_NAMESPACE_ANNOTATION,
    LIB_API_VERSION,
    RESOURCE_SUMMARY_KIND,
)
from navarch.engines.drift import (
    Baselines,
    ResourceRef,
    SummaryKey,
    drift_hash,
    excluded_paths,
    hashes_of,
    ignored,
    ref_of,
    ref_of_resource,
)
from navarch.engines.resources import REASON_LABEL
from navarch.kube import Client, KubeError, KubeObject, NotFound
from navarch.runtime import FuncHandler, Informer

_log = log.get_logger(__name__)


@dataclass(frozen=True, order=True)
class WatchKey:
    """One informer: a kind, with the reason label (what Navarch deployed from policyRefs and
    kustomize) or, for a Helm release's objects (which carry no such label), in one namespace
    ("" for cluster-scoped kinds) without it."""

    api_version: str
    kind: str
    namespace: str = ""
    labelled: bool = True


@dataclass
class Drift:
    """What an agent in its own process reports for one ClusterSummary."""

    objects: list[str]  # "Kind ns/name changed|deleted"
    resources: bool = False  # an object of policyRefs or kustomize drifted
    charts: list[dict[str, str]] = field(default_factory=list)  # releases with drifted objects


Report = Callable[[SummaryKey, Drift], Awaitable[None]]


@dataclass
class Tracked:
    """What one ResourceSummary asks to watch."""

    resources: dict[ResourceRef, WatchKey]
    hashes: dict[ResourceRef, str]
    patches: list[dict[str, Any]]
    charts: dict[ResourceRef, dict[str, str]] = field(default_factory=dict)  # Helm objects
    reported: bool = False  # a changed flag is already set: the manager knows


def summary_key_of(resource_summary: KubeObject) -> SummaryKey | None:
    annotations = (resource_summary.get("metadata") or {}).get("annotations") or {}
    name = annotations.get(CLUSTER_SUMMARY_NAME_ANNOTATION)
    namespace = annotations.get(CLUSTER_SUMMARY_NAMESPACE_ANNOTATION)
    return (str(namespace), str(name)) if name and namespace else None


def tracked_of(resource_summary: KubeObject) -> Tracked:
    spec = resource_summary.get("spec") or {}
    status = resource_summary.get("status") or {}
    resources: dict[ResourceRef, WatchKey] = {}
    charts: dict[ResourceRef, dict[str, str]] = {}

    def track(r: dict[str, Any], labelled: bool) -> ResourceRef | None:
        if r.get("ignoreForConfigurationDrift"):
            return None
        ref = ref_of_resource(r)
        version = str(r.get("version") or "v1")
        api_version = f"{ref.group}/{version}" if ref.group else version
        resources[ref] = (
            WatchKey(api_version, ref.kind)
            if labelled
            else WatchKey(api_version, ref.kind, ref.namespace, labelled=False)
        )
        return ref

    for r in [*(spec.get("resources") or []), *(spec.get("kustomizeResources") or [])]:
        track(r, labelled=True)
    for release in spec.get("chartResources") or []:
        chart = {
            k: str(release.get(k) or "") for k in ("chartName", "releaseName", "releaseNamespace")
        }
        for r in release.get("group") or []:
            ref = track(r, labelled=False)
            if ref is not None:
                charts[ref] = chart
    return Tracked(
        resources=resources,
        hashes=hashes_of(status),
        patches=list(spec.get("patches") or []),
        charts=charts,
        reported=bool(
            status.get("resourcesChanged")
            or status.get("kustomizeResourcesChanged")
            or status.get("helmResourcesChanged")
        ),
    )


@dataclass
class _Pending:
    drifted: dict[str, None] = field(default_factory=dict)  # ordered set of descriptions
    resources: bool = False
    charts: dict[tuple[str, str], dict[str, str]] = field(default_factory=dict)
    task: asyncio.Task[None] | None = None

    def take(self) -> Drift:
        drift = Drift(list(self.drifted), self.resources, list(self.charts.values()))
        self.drifted, self.resources, self.charts = {}, False, {}
        return drift

    def put_back(self, drift: Drift) -> None:
        for what in drift.objects:
            self.drifted.setdefault(what, None)
        self.resources = self.resources or drift.resources
        for chart in drift.charts:
            self.charts.setdefault((chart["releaseNamespace"], chart["releaseName"]), chart)


class DriftAgent:
    """Drift detection for one managed cluster (see the module docstring)."""

    def __init__(
        self,
        cluster: str,
        remote: Client,
        *,
        report: Report | None = None,
        baselines: Baselines | None = None,
    ) -> None:
        if (report is None) == (baselines is None):
            raise ValueError("a drift agent reports either to Baselines (in-process) or by report")
        self.cluster = cluster
        self.remote = remote
        self._report = report
        self._baselines = baselines
        self._tracked: dict[SummaryKey, Tracked] = {}
        self._by_ref: dict[ResourceRef, set[SummaryKey]] = {}
        self._informers: dict[WatchKey, Informer] = {}
        self._pending: dict[SummaryKey, _Pending] = {}
        self._background: set[asyncio.Task[None]] = set()  # referenced until done
        self.drifts_reported = 0
        if baselines is not None:
            baselines.subscribe(self._settled)

    # -- what to watch ------------------------------------------------------------------

    def set_summary(self, key: SummaryKey, resource_summary: KubeObject) -> None:
        """A ResourceSummary of this cluster was created or changed."""
        self._untrack(key)
        tracked = tracked_of(resource_summary)
        self._tracked[key] = tracked
        for ref, watch in tracked.resources.items():
            self._by_ref.setdefault(ref, set()).add(key)
            self._ensure_informer(watch)
        self._stop_unused_informers()
        self._judge_all(key)

    def drop_summary(self, key: SummaryKey) -> None:
        self._untrack(key)
        self._tracked.pop(key, None)
        pending = self._pending.pop(key, None)
        if pending is not None and pending.task is not None:
            pending.task.cancel()
        self._stop_unused_informers()

    @property
    def watched(self) -> list[WatchKey]:
        return sorted(self._informers)

    def _untrack(self, key: SummaryKey) -> None:
        old = self._tracked.get(key)
        if old is None:
            return
        for ref in old.resources:
            keys = self._by_ref.get(ref)
            if keys is not None:
                keys.discard(key)
                if not keys:
                    del self._by_ref[ref]

    def _ensure_informer(self, watch: WatchKey) -> None:
        if watch in self._informers:
            return
        informer = Informer(
            self.remote,
            watch.api_version,
            watch.kind,
            namespace=watch.namespace or None,
            label_selector=REASON_LABEL if watch.labelled else None,
            max_backoff=2.0,
        )
        informer.add_handler(
            FuncHandler(
                add=lambda obj: self._changed(watch, obj),
                update=lambda _old, new: self._changed(watch, new),
                delete=lambda obj: self._deleted(watch, obj),
            )
        )
        self._informers[watch] = informer
        informer.start()
        self._spawn(self._after_sync(watch, informer))

    async def _after_sync(self, watch: WatchKey, informer: Informer) -> None:
        """Once a kind is listed, what is tracked but absent was deleted while unwatched."""
        await informer.wait_synced()
        for key, tracked in list(self._tracked.items()):
            if watch in tracked.resources.values():
                self._judge_all(key)

    def _stop_unused_informers(self) -> None:
        used = {t for tracked in self._tracked.values() for t in tracked.resources.values()}
        for watch in [t for t in self._informers if t not in used]:
            informer = self._informers.pop(watch)
            informer.cancel()

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def close(self) -> None:
        if self._baselines is not None:
            self._baselines.unsubscribe(self._settled)
        for task in list(self._background):
            task.cancel()
        for pending in self._pending.values():
            if pending.task is not None:
                pending.task.cancel()
        for informer in self._informers.values():
            await informer.stop()
        self._informers.clear()

    # -- judging ------------------------------------------------------------------------

    def _settled(self, key: SummaryKey) -> None:
        if key in self._tracked:
            self._judge_all(key)

    def _changed(self, watch: WatchKey, obj: KubeObject) -> None:
        ref = ref_of(obj)
        for key in self._by_ref.get(ref, ()):
            if self._watched_by(key, ref) == watch:
                self._judge(key, ref, obj)

    def _deleted(self, watch: WatchKey, obj: KubeObject) -> None:
        ref = ref_of(obj)
        for key in self._by_ref.get(ref, ()):
            if self._watched_by(key, ref) == watch:
                self._judge(key, ref, None)

    def _watched_by(self, key: SummaryKey, ref: ResourceRef) -> WatchKey | None:
        tracked = self._tracked.get(key)
        return tracked.resources.get(ref) if tracked is not None else None

    def _judge_all(self, key: SummaryKey) -> None:
        tracked = self._tracked.get(key)
        if tracked is None:
            return
        for ref, watch in tracked.resources.items():
            informer = self._informers.get(watch)
            if informer is None or not informer.has_synced:
                continue  # judged once its kind is listed
            self._judge(key, ref, informer.store.get(_store_key(ref)), confirm=True)

    def _judge(
        self, key: SummaryKey, ref: ResourceRef, obj: KubeObject | None, *, confirm: bool = False
    ) -> None:
        if self._baselines is not None and self._baselines.writing(key):
            return  # judged again when the manager's write settles
        tracked = self._tracked.get(key)
        baseline = self._baseline(key, ref, tracked)
        if tracked is None or baseline is None:
            return
        if obj is None:
            if confirm:  # a cache miss may only be an event not seen yet: ask the server
                self._spawn(self._confirm_gone(key, ref))
                return
            self._drifted(key, ref, "deleted")
            return
        if ignored(obj):
            return
        if drift_hash(obj, excluded_paths(tracked.patches, obj)) != baseline:
            self._drifted(key, ref, "changed")

    def _baseline(self, key: SummaryKey, ref: ResourceRef, tracked: Tracked | None) -> str | None:
        if self._baselines is not None:
            hashes = self._baselines.hashes(key)
            if hashes is not None and ref in hashes:
                return hashes[ref]
        return tracked.hashes.get(ref) if tracked is not None else None

    async def _confirm_gone(self, key: SummaryKey, ref: ResourceRef) -> None:
        tracked = self._tracked.get(key)
        if tracked is None or ref not in tracked.resources:
            return
        watch = tracked.resources[ref]
        try:
            obj = await self.remote.get(
                watch.api_version, watch.kind, ref.name, ref.namespace or None
            )
        except NotFound:
            self._judge(key, ref, None)
            return
        except KubeError as exc:  # unreadable is not gone: the informer's relist will tell
            _log.debug("cannot confirm a deletion", cluster=self.cluster, ref=str(ref), error=exc)
            return
        self._judge(key, ref, obj)

    # -- reporting ----------------------------------------------------------------------

    def _drifted(self, key: SummaryKey, ref: ResourceRef, how: str) -> None:
        what = f"{ref} {how}"
        if self._baselines is not None:  # in the manager's process: straight to the controller
            self.drifts_reported += 1
            _log.info(
                "drift detected", cluster=self.cluster, summary=f"{key[0]}/{key[1]}", objects=what
            )
            self._baselines.report(key, [ref])
            return
        tracked = self._tracked.get(key)
        if tracked is not None and tracked.reported:
            return  # a repair is due; the ResourceSummary it writes makes us look again
        pending = self._pending.setdefault(key, _Pending())
        pending.drifted[what] = None
        chart = tracked.charts.get(ref) if tracked is not None else None
        if chart is not None:
            pending.charts.setdefault((chart["releaseNamespace"], chart["releaseName"]), chart)
        else:
            pending.resources = True
        if pending.task is None or pending.task.done():
            pending.task = asyncio.get_running_loop().create_task(self._send(key))

    async def _send(self, key: SummaryKey) -> None:
        pending = self._pending[key]
        backoff = 0.05
        while pending.drifted:
            drift = pending.take()
            assert self._report is not None
            try:
                await self._report(key, drift)
            except KubeError as exc:
                _log.warning(
                    "cannot report drift; retrying",
                    cluster=self.cluster,
                    summary=f"{key[0]}/{key[1]}",
                    error=str(exc),
                )
                pending.put_back(drift)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)
                continue
            self.drifts_reported += len(drift.objects)
            _log.info(
                "drift detected",
                cluster=self.cluster,
                summary=f"{key[0]}/{key[1]}",
                objects=", ".join(drift.objects),
            )


def _store_key(ref: ResourceRef) -> str:
    return f"{ref.namespace}/{ref.name}" if ref.namespace else ref.name


AGENT_FIELD_MANAGER = "navarch-agent"


def resource_summary_reporter(
    client: Client, locate: Callable[[SummaryKey], tuple[str, str]]
) -> Report:
    """A report that sets the changed flags on the ResourceSummary of a summary, as Sveltos's
    agent does: ``resourcesChanged`` for policyRef and kustomize objects, ``helmResourcesChanged``
    with ``driftedHelmCharts`` for a Helm release's objects.

    ``locate(key)`` is (namespace, name) of that ResourceSummary in ``client``'s cluster: the
    ClusterSummary's own key in the management cluster, or ``projectsveltos`` and
    ``<namespace>--<name>`` in the managed one.
    """

    async def report(key: SummaryKey, drift: Drift) -> None:
        status: dict[str, Any] = {}
        if drift.resources:
            status["resourcesChanged"] = True
        if drift.charts:
            status["helmResourcesChanged"] = True
            status["driftedHelmCharts"] = drift.charts
        namespace, name = locate(key)
        with contextlib.suppress(NotFound):  # the ResourceSummary is gone: nothing to repair
            await client.patch(
                LIB_API_VERSION,
                RESOURCE_SUMMARY_KIND,
                name,
                {"status": status},
                namespace=namespace,
                subresource="status",
                field_manager=AGENT_FIELD_MANAGER,
            )

    return report


def follow(agent: DriftAgent, resource_summaries: Informer) -> None:
    """Feed ``agent`` the ResourceSummaries an informer lists (an agent in its own process)."""

    def upsert(resource_summary: KubeObject) -> None:
        key = summary_key_of(resource_summary)
        if key is not None:
            agent.set_summary(key, resource_summary)

    def gone(resource_summary: KubeObject) -> None:
        key = summary_key_of(resource_summary)
        if key is not None:
            agent.drop_summary(key)

    resource_summaries.add_handler(
        FuncHandler(add=upsert, update=lambda _old, new: upsert(new), delete=gone)
    )
