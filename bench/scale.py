"""N registered clusters on a few real API servers: Navarch against the floor, N = 10 ... 1,000.

A 2-core machine cannot run 1,000 control planes, so N SveltosClusters are registered against
``servers`` real API servers of the local fleet (registration i points at server i mod
servers: 1,000 registrations over 10 servers are 100 per server). Each registration is a cluster
to Navarch (own connection, own ClusterSummary, own status) and gets its own objects: the
profile's source is a template that puts its 20 ConfigMaps into the namespace named after the
registration (``{{ .Cluster.metadata.name }}``), created beforehand in the registration's server.
So the work per registration is real and distinct; what is shared is the API servers' CPU,
which the floor shares in the same way.

Phases, each timed for Navarch and then for the floor (the same writes done directly from this
process: one client per server, ``FLOOR_IN_FLIGHT`` requests in flight per server):

1. **deploy**: a new ClusterProfile (20 templated ConfigMaps) until every object is present in
   every registration's namespace (seen through one ConfigMap watch per server);
2. **label move**: 10% of the registrations change their ``group`` label from blue to green;
   the blue profile is withdrawn from them and a green profile (20 other ConfigMaps) reaches
   them;
3. **rollout**: the blue profile's spec changes with ``maxUpdate: 10%`` (an ``extraLabels``
   entry, so every object changes) until every blue registration's objects carry the new label;
   at most 10% of the clusters update at once. The floor has no waves, so the ratio of this
   phase includes what ``maxUpdate`` costs on purpose.

Each phase has a second floor that also writes, directly, the least the Sveltos API keeps on
the management cluster for that work (``floor_bookkeeping``): copies of the ClusterSummaries
and ClusterConfigurations Navarch wrote, under the floor's own names. Per registration: deploy,
a ClusterSummary, its status and the ClusterConfiguration's status; label move, the old
ClusterSummary deleted, the new one and its status, the ClusterConfiguration's status; rollout,
the ClusterSummary's new spec and its status. On one machine these writes share the cores with
the managed API servers, so this floor says how much of a ratio is the API's bookkeeping.

The manager's RSS and CPU are sampled during the run; then, after convergence, an idle window
measures its CPU and RSS and counts the requests it sends (each API server's
``apiserver_request_total`` before and after, minus these two scrapes and minus the servers' own
background traffic measured for ``BACKGROUND_WINDOW`` before the manager started).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import json
import os
import re
import time
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

import psutil

from bench.common import start_manager, stop_manager, temporary_fleet
from navarch.admin import register as reg
from navarch.admin.install import install
from navarch.api import names
from navarch.engines.resources import DEFAULT_TIER, TEMPLATE_ANNOTATION, Owner, Reference, decorate
from navarch.fleet import Fleet, managed_names
from navarch.kube import Client, KubeObject, RequestTimeout

SIZES = (10, 100, 300, 1000)
SERVERS = 10
OBJECTS = 20
MOVED = 0.10  # the share of registrations whose label changes
FLOOR_IN_FLIGHT = 32
BOOKED, BOOKED_MOVED = "kblue", "kgreen"  # the names of the floor-with-bookkeeping's objects
IDLE_SETTLE = 30.0  # after the rollout: its last status writes and connections wind down
IDLE_WINDOW = 30.0
BACKGROUND_WINDOW = 15.0  # the servers' own requests, measured before the manager starts
NAMESPACE = "scale"  # of the registrations in the management cluster
LABEL = "navarch-bench"
ROLLOUT = "navarch-bench/rollout"  # the label the rollout phase adds to every object
TIMEOUT = 1800.0


def registration_names(count: int) -> list[str]:
    return [f"r{i:04d}" for i in range(count)]


def moved(names_: list[str]) -> set[str]:
    """The registrations whose label changes: every tenth (at least one)."""
    step = max(1, round(1 / MOVED))
    return set(names_[::step])


def source_text(prefix: str) -> str:
    """The policyRef content: ``OBJECTS`` ConfigMaps in the registration's own namespace."""
    docs = [
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {
                "name": f"{prefix}-{i:02d}",
                "namespace": "{{ .Cluster.metadata.name }}",
                "labels": {LABEL: prefix},
            },
            "data": {"cluster": "{{ .Cluster.metadata.name }}"},
        }
        for i in range(OBJECTS)
    ]
    return "\n---\n".join(json.dumps(d) for d in docs)


def floor_objects(prefix: str, namespace: str, version: int) -> list[KubeObject]:
    """What Navarch applies for the ``prefix`` profile in ``namespace``, under the floor's own
    names: the same data, and the same ownership labels and annotations (Sveltos's, which a
    deployed object must carry; they more than double what each apply sets), so that the
    floor does the same work, not a lighter one."""
    labels = {LABEL: prefix} | ({ROLLOUT: str(version)} if version > 1 else {})
    reference = Reference(kind="ConfigMap", namespace="default", name=f"scale-{prefix}")
    owner = Owner(
        kind=names.CLUSTER_PROFILE_KIND,
        name=f"scale-{prefix}",
        tier=DEFAULT_TIER,
        cluster=names.cluster_annotation_value(NAMESPACE, namespace),
    )
    return [
        decorate(
            {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": {"name": f"{prefix}-{i:02d}", "namespace": namespace, "labels": labels},
                "data": {"cluster": namespace},
            },
            reference=reference,
            owner=owner,
            feature="Resources",
        )
        for i in range(OBJECTS)
    ]


# -- observing the servers -------------------------------------------------------------------


@dataclass
class Observed:
    """What the watches saw: (server, namespace, name) → version (the rollout label, else "1")
    of every bench ConfigMap, and a running tally by (name prefix, moved or not, version), so
    that checking for convergence costs nothing however many objects there are (a recount at
    every event made this process one of the busiest on the machine at N=1,000)."""

    moving: set[str]
    versions: dict[tuple[int, str, str], str] = field(default_factory=dict)
    tally: collections.Counter[tuple[str, bool, str]] = field(default_factory=collections.Counter)
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    def seen(self, key: tuple[int, str, str], version: str | None) -> None:
        """``key`` is now at ``version`` (None: deleted)."""
        _server, namespace, name = key
        group = (name.partition("-")[0], namespace in self.moving)
        old = self.versions.pop(key, None)
        if old is not None:
            self.tally[(*group, old)] -= 1
        if version is not None:
            self.versions[key] = version
            self.tally[(*group, version)] += 1
        self.changed.set()

    def count(self, prefix: str, version: int, moved: bool | None = None) -> int:
        """Objects of ``prefix`` at ``version`` in the moved namespaces, the others, or all."""
        groups = (True, False) if moved is None else (moved,)
        return sum(self.tally[(prefix, g, str(version))] for g in groups)

    def present(self, prefix: str, moved: bool) -> int:
        return sum(n for (p, g, _v), n in self.tally.items() if p == prefix and g == moved)

    async def until(self, done: Callable[[], bool], what: str) -> None:
        deadline = time.monotonic() + TIMEOUT
        while not done():
            self.changed.clear()
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"scale: {what} did not happen within {TIMEOUT:.0f}s")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.changed.wait(), min(left, 5.0))


async def observe(servers: list[Client], observed: Observed) -> list[asyncio.Task[None]]:
    """One ConfigMap watch per server (all namespaces, bench objects only), from a fresh list."""

    async def one(index: int, client: Client, rv: str) -> None:
        async for event in client.watch(
            "v1", "ConfigMap", label_selector=LABEL, resource_version=rv
        ):
            meta = event.object.get("metadata") or {}
            key = (index, str(meta.get("namespace")), str(meta.get("name")))
            if event.type == "DELETED":
                observed.seen(key, None)
            elif event.type in ("ADDED", "MODIFIED"):
                observed.seen(key, _version(event.object))

    tasks = []
    for index, client in enumerate(servers):
        listed = await client.list("v1", "ConfigMap", label_selector=LABEL)
        for obj in listed.items:
            meta = obj["metadata"]
            key = (index, meta["namespace"], meta["name"])
            observed.seen(key, _version(obj))
        tasks.append(asyncio.create_task(one(index, client, listed.resource_version)))
    return tasks


def _version(obj: KubeObject) -> str:
    return str(((obj.get("metadata") or {}).get("labels") or {}).get(ROLLOUT, "1"))


# -- the manager's resources -----------------------------------------------------------------


class Sampler:
    """Peak RSS and CPU seconds of one process, sampled every half second."""

    def __init__(self, pid: int) -> None:
        self.proc = psutil.Process(pid)
        self.peak_rss = 0
        self._task = asyncio.create_task(self._run())

    def cpu_seconds(self) -> float:
        times = self.proc.cpu_times()
        return float(times.user + times.system)

    def rss(self) -> int:
        return int(self.proc.memory_info().rss)

    async def _run(self) -> None:
        with contextlib.suppress(psutil.Error):
            while True:
                self.peak_rss = max(self.peak_rss, self.rss())
                await asyncio.sleep(0.5)

    async def stop(self) -> None:
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task


def machine_busy() -> float:
    """CPU-seconds the whole machine (every core, every process) has been busy so far: the API
    servers, etcd, the manager and this process. A phase's share of it says how much work it
    made the machine do, beside how long it took."""
    t = psutil.cpu_times()
    return float(t.user + t.nice + t.system + getattr(t, "irq", 0.0) + getattr(t, "softirq", 0.0))


def roles(fleet: Fleet, manager: int | None) -> dict[int, str]:
    """The processes whose CPU is split out per phase: the management API server, the managed
    ones, etcd, the manager and this harness (the floor's client)."""
    found = {os.getpid(): "harness"} | ({manager: "manager"} if manager else {})
    where = str(fleet.dir)
    for proc in psutil.process_iter(["name", "cmdline"]):
        cmdline = " ".join(proc.info["cmdline"] or [])
        if where not in cmdline:
            continue
        if proc.info["name"] == "etcd":
            found[proc.pid] = "etcd"
        elif proc.info["name"] == "kube-apiserver":
            mgmt = "--etcd-prefix=/navarch/mgmt" in cmdline
            found[proc.pid] = "mgmt apiserver" if mgmt else "managed apiservers"
    return found


def usage(by_pid: dict[int, str]) -> dict[str, float]:
    """CPU-seconds so far of the machine and of each role's processes."""
    spent = {"machine": machine_busy()}
    for pid, role in by_pid.items():
        with contextlib.suppress(psutil.Error):
            times = psutil.Process(pid).cpu_times()
            spent[role] = spent.get(role, 0.0) + times.user + times.system
    return spent


def since(before: dict[str, float], by_pid: dict[int, str]) -> dict[str, float]:
    now = usage(by_pid)
    return {k: round(v - before.get(k, 0.0), 1) for k, v in now.items()}


_REQUEST_LINE = re.compile(r"^apiserver_request_total\{([^}]*)\} ([0-9.e+]+)$", re.M)
_LABEL = re.compile(r'(\w+)="([^"]*)"')
_WRITE_VERBS = {"POST", "PUT", "PATCH", "DELETE", "APPLY", "DELETECOLLECTION"}


async def requests_served(client: Client) -> dict[str, float]:
    """Requests one API server has served so far, by "VERB resource[/subresource]"."""
    _code, text = await client.probe("/metrics", timeout=30.0)
    served: dict[str, float] = {}
    for labels, value in _REQUEST_LINE.findall(text):
        found = dict(_LABEL.findall(labels))
        key = f"{found.get('verb', '')} {found.get('resource', '')}"
        if found.get("subresource"):
            key += "/" + found["subresource"]
        served[key] = served.get(key, 0.0) + float(value)
    return served


def _is_lease(key: str) -> bool:
    return key.split(" ", 1)[1].startswith("leases")


def _total(served: dict[str, float]) -> float:
    """Every request but Lease renewals (each API server renews its own identity Lease every
    10 s; the manager's leader-election Lease is reported under the writes)."""
    return sum(v for k, v in served.items() if not _is_lease(k))


def is_write(key: str) -> bool:
    return key.split(" ", 1)[0] in _WRITE_VERBS


def served_delta(before: list[dict[str, float]], after: list[dict[str, float]]) -> dict[str, float]:
    """What a set of servers served between two reads, summed over the servers."""
    delta: dict[str, float] = {}
    for b, a in zip(before, after, strict=True):
        for key, value in a.items():
            if value - b.get(key, 0.0) > 0:
                delta[key] = delta.get(key, 0.0) + value - b.get(key, 0.0)
    return delta


async def read_served(clients: list[Client]) -> list[dict[str, float]]:
    return list(await asyncio.gather(*(requests_served(c) for c in clients)))


def phase_requests(
    mgmt: tuple[list[dict[str, float]], list[dict[str, float]]],
    managed: tuple[list[dict[str, float]], list[dict[str, float]]],
) -> dict[str, dict[str, float]]:
    """A phase's requests by server kind and "VERB resource" (non-resource paths such as
    /version and discovery under "GET "), without Lease renewals, without the metrics scrape
    of each server between the two reads, and without WATCH (the servers' own informers
    renewing their watches over loopback, a few a minute whoever is running)."""
    out: dict[str, dict[str, float]] = {}
    for kind, (before, after) in (("mgmt", mgmt), ("managed", managed)):
        delta = served_delta(before, after)
        if "GET " in delta:
            delta["GET "] -= len(before)
        out[kind] = {
            k: v
            for k, v in sorted(delta.items())
            if v > 0 and not _is_lease(k) and not k.startswith("WATCH ")
        }
    return out


# -- one size ----------------------------------------------------------------------------------


def profile(
    name: str, group: str, source: str, max_update: str | None = None, version: int = 1
) -> KubeObject:
    spec: dict[str, Any] = {
        "clusterSelector": {"matchLabels": {"group": group}},
        "policyRefs": [{"kind": "ConfigMap", "namespace": "default", "name": source}],
    }
    if max_update is not None:
        spec["maxUpdate"] = max_update
    if version > 1:
        spec["extraLabels"] = {ROLLOUT: str(version)}
    return {
        "apiVersion": names.CONFIG_API_VERSION,
        "kind": "ClusterProfile",
        "metadata": {"name": name},
        "spec": spec,
    }


def source(name: str, prefix: str) -> KubeObject:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {
            "name": name,
            "namespace": "default",
            "annotations": {TEMPLATE_ANNOTATION: "ok"},
        },
        "data": {"objects.yaml": source_text(prefix)},
    }


async def _gather_limited(coros: list[Any], limit: int) -> None:
    gate = asyncio.Semaphore(limit)

    async def one(coro: Any) -> None:
        async with gate:
            await coro

    await asyncio.gather(*(one(c) for c in coros))


@dataclass
class Books:
    """What Navarch wrote on the management cluster for one registration's deploy (its
    ClusterSummary and ClusterConfiguration), for the floor to write the like of."""

    summary: KubeObject
    configuration: KubeObject

    def written(self, prefix: str) -> tuple[KubeObject, KubeObject, KubeObject]:
        """A ClusterSummary of a profile named after ``prefix`` (spec and labels as Navarch's),
        its status, and the registration's ClusterConfiguration status with that profile's
        entry added: the floor's own objects beside Navarch's, as its ConfigMaps are."""
        meta = self.summary["metadata"]
        head = {"apiVersion": self.summary["apiVersion"], "kind": self.summary["kind"]}
        named = {"name": f"{prefix}-{meta['name']}", "namespace": meta["namespace"]}
        summary = {**head, "metadata": {**named, "labels": meta.get("labels") or {}}}
        summary["spec"] = self.summary["spec"]
        status = {**head, "metadata": named, "status": self.summary.get("status") or {}}
        entries = (self.configuration.get("status") or {}).get("clusterProfileResources") or []
        ours = [
            {**entry, "clusterProfileName": f"{prefix}-{entry['clusterProfileName']}"}
            for entry in entries
        ]
        configuration = {
            "apiVersion": self.configuration["apiVersion"],
            "kind": self.configuration["kind"],
            "metadata": {
                "name": self.configuration["metadata"]["name"],
                "namespace": self.configuration["metadata"]["namespace"],
            },
            "status": {"clusterProfileResources": [*entries, *ours]},
        }
        return summary, status, configuration


def _status(mgmt: Client, obj: KubeObject) -> Awaitable[KubeObject]:
    return mgmt.apply(obj, force=True, subresource="status")


class Floor:
    """The same writes, done directly: one client per server, a bounded number in flight."""

    def __init__(self, servers: list[Client]) -> None:
        self.servers = servers
        self.gates = [asyncio.Semaphore(FLOOR_IN_FLIGHT) for _ in servers]
        self.timeouts = 0  # applies repeated after a 30 s timeout (the time stays counted)

    async def _apply(self, server: int, obj: KubeObject) -> None:
        async with self.gates[server]:
            for attempt in range(3):  # an overloaded shared server may time out: apply again
                try:
                    await self.servers[server].apply(obj, force=True)
                    return
                except RequestTimeout:
                    self.timeouts += 1
                    if attempt == 2:
                        raise

    async def _delete(self, server: int, name: str, namespace: str) -> None:
        async with self.gates[server]:
            await self.servers[server].delete("v1", "ConfigMap", name, namespace)

    async def apply(self, where: list[tuple[int, str]], prefix: str, version: int) -> None:
        await asyncio.gather(
            *(
                self._apply(server, obj)
                for server, ns in where
                for obj in floor_objects(prefix, ns, version)
            )
        )

    async def _with_books(
        self,
        where: list[tuple[int, str]],
        plan: Callable[[int, str], tuple[list[Awaitable[Any]], ...]],
    ) -> None:
        """Per registration, ``plan``'s management writes before, its objects, and its
        management writes after (those 32 at a time, the objects under the servers' gates)."""
        gate = asyncio.Semaphore(FLOOR_IN_FLIGHT)

        async def one(server: int, namespace: str) -> None:
            before, objects, after = plan(server, namespace)
            async with gate:
                await asyncio.gather(*before)
            await asyncio.gather(*objects)
            async with gate:
                await asyncio.gather(*after)

        await asyncio.gather(*(one(server, ns) for server, ns in where))

    async def apply_with_bookkeeping(
        self, mgmt: Client, where: list[tuple[int, str]], books: dict[str, Books]
    ) -> None:
        """``apply``, plus the least the Sveltos API asks of a deploy on the management cluster:
        per registration a ClusterSummary (applied), its status (Provisioned) and the
        ClusterConfiguration's status (what was deployed), copied from what Navarch wrote."""

        def plan(server: int, ns: str) -> tuple[list[Awaitable[Any]], ...]:
            summary, status, configuration = books[ns].written(BOOKED)
            return (
                [mgmt.apply(summary, force=True)],
                [self._apply(server, obj) for obj in floor_objects(BOOKED, ns, 1)],
                [_status(mgmt, status), _status(mgmt, configuration)],
            )

        await self._with_books(where, plan)

    async def move_with_bookkeeping(
        self,
        mgmt: Client,
        where: list[tuple[int, str]],
        before: dict[str, Books],
        after: dict[str, Books],
    ) -> None:
        """``move``, plus the management writes of a move per registration: the old profile's
        ClusterSummary deleted, the new one's applied with its status, and one write of the
        ClusterConfiguration's status (the old entry out, the new one in)."""

        def plan(server: int, ns: str) -> tuple[list[Awaitable[Any]], ...]:
            old = before[ns].written(BOOKED)[0]["metadata"]
            summary, status, configuration = after[ns].written(BOOKED_MOVED)
            kind = (names.CONFIG_API_VERSION, names.CLUSTER_SUMMARY_KIND)
            return (
                [
                    mgmt.delete(*kind, old["name"], old["namespace"]),
                    mgmt.apply(summary, force=True),
                ],
                [
                    *(
                        self._delete(server, o["metadata"]["name"], ns)
                        for o in floor_objects(BOOKED, ns, 1)
                    ),
                    *(self._apply(server, o) for o in floor_objects(BOOKED_MOVED, ns, 1)),
                ],
                [_status(mgmt, status), _status(mgmt, configuration)],
            )

        await self._with_books(where, plan)

    async def rollout_with_bookkeeping(
        self, mgmt: Client, where: list[tuple[int, str]], after: dict[str, Books]
    ) -> None:
        """``apply`` of the new version, plus per registration the ClusterSummary's new spec
        and its status (the ClusterConfiguration lists the same objects: unchanged)."""

        def plan(server: int, ns: str) -> tuple[list[Awaitable[Any]], ...]:
            summary, status, _ = after[ns].written(BOOKED)
            return (
                [mgmt.apply(summary, force=True)],
                [self._apply(server, obj) for obj in floor_objects(BOOKED, ns, 2)],
                [_status(mgmt, status)],
            )

        await self._with_books(where, plan)

    async def move(self, where: list[tuple[int, str]], old: str, new: str) -> None:
        await asyncio.gather(
            *(
                self._delete(server, o["metadata"]["name"], ns)
                for server, ns in where
                for o in floor_objects(old, ns, 1)
            ),
            *(self._apply(server, o) for server, ns in where for o in floor_objects(new, ns, 1)),
        )


class SizeRun:
    """One size: registrations, the manager, the three phases, the idle window, the floor.

    The watches that observe the servers run from before the first phase to after the floor's
    last, so Navarch and the floor are timed under the same load from this process."""

    def __init__(
        self, fleet: Fleet, count: int, servers: int, manager_args: tuple[str, ...] = ()
    ) -> None:
        self.fleet = fleet
        self.manager_args = manager_args
        self.server_names = managed_names(servers)
        self.servers = [
            Client(fleet.cluster_config(n), qps=5000, burst=5000) for n in self.server_names
        ]
        self.mgmt = Client(
            fleet.cluster_config("mgmt"), field_manager=reg.FIELD_MANAGER, qps=5000, burst=5000
        )
        self.regs = registration_names(count)
        self.server_of = {name: i % servers for i, name in enumerate(self.regs)}
        self.moving = moved(self.regs)
        self.observed = Observed(self.moving)
        self.watches: list[asyncio.Task[None]] = []
        self.manager: asyncio.subprocess.Process | None = None
        self.sampler: Sampler | None = None
        self.roles: dict[int, str] = {}
        self.background = 0.0
        # what Navarch wrote on the management cluster, by phase then registration
        self.books: dict[str, dict[str, Books]] = {}
        self.result: dict[str, Any] = {
            "registrations": count,
            "servers": servers,
            "objects": OBJECTS,
        }

    async def run(self, idle_window: float) -> dict[str, Any]:
        try:
            await self.setup()
            phases = await self.navarch_phases()
            self.result["idle"] = await self.idle(idle_window)
            await stop_manager(self.manager)
            self.manager = None
            await self.floor(phases)
            for phase in phases.values():
                phase["ratio"] = round(phase["navarch_seconds"] / phase["floor_seconds"], 2)
                phase["ratio_bookkeeping"] = round(
                    phase["navarch_seconds"] / phase["floor_bookkeeping_seconds"], 2
                )
            self.result["phases"] = phases
            return self.result
        finally:
            await self.stop_watches()
            if self.sampler is not None:
                await self.sampler.stop()
            await stop_manager(self.manager)
            for client in [*self.servers, self.mgmt]:
                await client.aclose()

    async def setup(self) -> None:
        """Namespaces in the servers, registrations, the manager; until all are Ready."""
        mgmt = self.mgmt
        await install(mgmt, lambda _m: None)
        await mgmt.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NAMESPACE}})
        started = time.perf_counter()
        await _gather_limited(
            [
                self.servers[self.server_of[r]].apply(
                    {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": r}}
                )
                for r in self.regs
            ],
            64,
        )
        await _gather_limited(
            [
                _register(mgmt, self.fleet, self.server_names[self.server_of[r]], r)
                for r in self.regs
            ],
            32,
        )
        self.result["register_seconds"] = round(time.perf_counter() - started, 2)
        self.background = await self.background_requests()
        self.watches = await observe(self.servers, self.observed)
        self.manager = await start_manager(self.fleet, *self.manager_args)
        self.sampler = Sampler(self.manager.pid)
        self.roles = roles(self.fleet, self.manager.pid)
        started = time.perf_counter()
        await _wait_ready(mgmt, len(self.regs))
        self.result["ready_seconds"] = round(time.perf_counter() - started, 2)

    async def background_requests(self) -> float:
        """Requests per minute the managed servers serve with no manager running (their own
        controllers' traffic), subtracted from what is counted at idle."""
        before = await read_served(self.servers)
        t0 = time.monotonic()
        await asyncio.sleep(BACKGROUND_WINDOW)
        after = await read_served(self.servers)
        total = _total(served_delta(before, after)) - len(self.servers)
        return max(0.0, total) / ((time.monotonic() - t0) / 60)

    async def navarch_phases(self) -> dict[str, dict[str, Any]]:
        mgmt, observed, moving = self.mgmt, self.observed, self.moving
        assert self.sampler is not None
        cpu0 = self.sampler.cpu_seconds()
        count = len(self.regs)
        phases: dict[str, dict[str, Any]] = {}

        await mgmt.apply(source("scale-blue", "blue"))
        await mgmt.apply(source("scale-green", "green"))

        async def deploy() -> None:
            await mgmt.apply(profile("scale-blue", "blue", "scale-blue"))
            await observed.until(lambda: observed.count("blue", 1) >= count * OBJECTS, "deploy")

        phases["deploy"] = await self.measured("navarch", self.roles, deploy())
        self.result["floor_objects_match"] = await self.floor_objects_match()
        self.books["deploy"] = await self.read_books("scale-blue")

        # the green profile exists before the labels change, matching nothing yet
        await mgmt.apply(profile("scale-green", "green", "scale-green"))
        await asyncio.sleep(2)

        async def label_move() -> None:
            await _gather_limited([_label(mgmt, r, "green") for r in sorted(moving)], 32)
            await observed.until(
                lambda: (
                    observed.present("blue", moved=True) == 0
                    and observed.count("green", 1, moved=True) >= len(moving) * OBJECTS
                ),
                "label move",
            )

        phases["label_move"] = await self.measured("navarch", self.roles, label_move())
        phases["label_move"]["registrations_moved"] = len(moving)
        self.books["label_move"] = await self.read_books("scale-green")

        staying = count - len(moving)

        async def rollout() -> None:
            await mgmt.apply(
                profile("scale-blue", "blue", "scale-blue", max_update="10%", version=2)
            )
            await observed.until(
                lambda: observed.count("blue", 2, moved=False) >= staying * OBJECTS,
                "rollout",
            )

        phases["rollout_max_update_10pct"] = await self.measured("navarch", self.roles, rollout())
        self.books["rollout"] = await self.read_books("scale-blue")
        self.result["manager_busy"] = {
            "cpu_seconds": round(self.sampler.cpu_seconds() - cpu0, 1),
            "peak_rss_mib": round(self.sampler.peak_rss / 2**20, 1),
        }
        return phases

    async def read_books(self, profile_name: str) -> dict[str, Books]:
        """Navarch's ClusterSummary of ``profile_name`` and ClusterConfiguration, as they are
        now, of each registration the profile is deployed to: once all say Provisioned (their
        last write may come after the objects the phase waits for), or after a minute."""
        deadline = time.monotonic() + 60.0
        while True:
            summaries = await self.mgmt.list(
                names.CONFIG_API_VERSION,
                names.CLUSTER_SUMMARY_KIND,
                NAMESPACE,
                label_selector=f"{names.CLUSTER_PROFILE_LABEL}={profile_name}",
            )
            if all(map(_provisioned, summaries.items)) or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.5)
        configurations = await self.mgmt.list(
            names.CONFIG_API_VERSION, names.CLUSTER_CONFIGURATION_KIND, NAMESPACE
        )
        by_name = {c["metadata"]["name"]: c for c in configurations.items}
        return {
            s["spec"]["clusterName"]: Books(
                summary=s,
                configuration=by_name[names.cluster_configuration_name(s["spec"]["clusterName"])],
            )
            for s in summaries.items
        }

    async def floor_objects_match(self) -> bool:
        """Whether the floor's objects are Navarch's (labels, annotations, data): one deployed
        object compared with what ``floor_objects`` makes under the same name."""
        first = self.regs[0]
        live = await self.servers[self.server_of[first]].get(
            "v1", "ConfigMap", f"blue-{0:02d}", first
        )
        ours = floor_objects("blue", first, 1)[0]

        def shape(obj: KubeObject) -> tuple[Any, ...]:
            meta = obj.get("metadata") or {}
            return (meta.get("labels"), meta.get("annotations"), obj.get("data"))

        return shape(live) == shape(ours)

    async def stop_watches(self) -> None:
        for task in self.watches:
            task.cancel()
        await asyncio.gather(*self.watches, return_exceptions=True)
        self.watches = []

    async def idle(self, window: float) -> dict[str, Any]:
        """The converged manager: CPU, RSS and the requests it sends over ``window`` seconds."""
        assert self.sampler is not None
        await asyncio.sleep(IDLE_SETTLE)
        before = await read_served([self.mgmt, *self.servers])
        cpu_start, t0, busy = self.sampler.cpu_seconds(), time.monotonic(), usage(self.roles)
        await asyncio.sleep(window)
        elapsed = time.monotonic() - t0
        cpu = self.sampler.cpu_seconds() - cpu_start
        spent = since(busy, self.roles)
        after = await read_served([self.mgmt, *self.servers])
        minutes = elapsed / 60
        # one scrape of ours is counted between the two reads on each server
        managed = served_delta(before[1:], after[1:])
        mgmt = served_delta(before[:1], after[:1])
        managed_writes = {k: v for k, v in managed.items() if is_write(k)}
        mgmt_writes = {k: v for k, v in mgmt.items() if is_write(k)}
        managed_total = _total(managed) - len(self.servers)
        return {
            "window_seconds": round(elapsed, 1),
            "cpu_percent_of_core": round(100 * cpu / elapsed, 2),
            "rss_mib": round(self.sampler.rss() / 2**20, 1),
            # what everything costs when nothing happens: the API servers' own background work
            # is a tax on every phase, in proportion to how long it takes
            "cpu_percent_of_core_by_role": {
                k: round(100 * v / elapsed, 2) for k, v in spent.items()
            },
            "managed_requests_per_registration_per_minute": round(
                max(0.0, managed_total / minutes - self.background) / len(self.regs), 3
            ),
            "managed_background_requests_per_minute": round(self.background, 1),
            "managed_writes_per_minute": round(sum(managed_writes.values()) / minutes, 2),
            "mgmt_requests_per_minute": round((_total(mgmt) - 1) / minutes, 1),
            "mgmt_writes_per_minute": round(sum(mgmt_writes.values()) / minutes, 1),
            "writes": {
                "managed": {k: round(v / minutes, 2) for k, v in sorted(managed_writes.items())},
                "mgmt": {k: round(v / minutes, 2) for k, v in sorted(mgmt_writes.items())},
            },
        }

    async def floor(self, phases: dict[str, dict[str, Any]]) -> None:
        """The same writes, directly, on the same servers and into the same namespaces."""
        floor = Floor(self.servers)
        everywhere = [(self.server_of[r], r) for r in self.regs]
        moved_where = [(self.server_of[r], r) for r in sorted(self.moving)]
        staying = [(self.server_of[r], r) for r in self.regs if r not in self.moving]

        by_pid = roles(self.fleet, None)

        phases["deploy"].update(
            await self.measured("floor", by_pid, floor.apply(everywhere, "fblue", 1))
        )
        books = self.books
        with_books = floor.apply_with_bookkeeping(self.mgmt, everywhere, books["deploy"])
        phases["deploy"].update(await self.measured("floor_bookkeeping", by_pid, with_books))
        phases["label_move"].update(
            await self.measured("floor", by_pid, floor.move(moved_where, "fblue", "fgreen"))
        )
        with_books = floor.move_with_bookkeeping(
            self.mgmt, moved_where, books["deploy"], books["label_move"]
        )
        phases["label_move"].update(await self.measured("floor_bookkeeping", by_pid, with_books))
        phases["rollout_max_update_10pct"].update(
            await self.measured("floor", by_pid, floor.apply(staying, "fblue", 2))
        )
        with_books = floor.rollout_with_bookkeeping(self.mgmt, staying, books["rollout"])
        phases["rollout_max_update_10pct"].update(
            await self.measured("floor_bookkeeping", by_pid, with_books)
        )

    async def measured(
        self, who: str, by_pid: dict[int, str], work: Coroutine[Any, Any, None]
    ) -> dict[str, Any]:
        """``work``'s wall-clock time, the CPU it made each process spend, and the requests
        the servers served meanwhile (read outside the timed window)."""
        mgmt0, managed0 = await read_served([self.mgmt]), await read_served(self.servers)
        started, busy = time.perf_counter(), usage(by_pid)
        await work
        seconds = round(time.perf_counter() - started, 2)
        spent = since(busy, by_pid)
        mgmt1, managed1 = await read_served([self.mgmt]), await read_served(self.servers)
        return {
            f"{who}_seconds": seconds,
            **_cpu(who, spent),
            f"{who}_requests": phase_requests((mgmt0, mgmt1), (managed0, managed1)),
        }


def _provisioned(summary: KubeObject) -> bool:
    features = (summary.get("status") or {}).get("featureSummaries") or []
    return bool(features) and all(f.get("status") == "Provisioned" for f in features)


def _cpu(who: str, spent: dict[str, float]) -> dict[str, Any]:
    """A phase's CPU: the machine's, and by role (see ``roles``)."""
    machine = spent.pop("machine")
    return {f"{who}_machine_cpu_seconds": machine, f"{who}_cpu_seconds_by_role": spent}


async def _register(mgmt: Client, fleet: Fleet, server: str, name: str) -> None:
    await reg.register(
        mgmt,
        reg.Registration(
            namespace=NAMESPACE,
            cluster=name,
            labels={"group": "blue"},
            kubeconfig=fleet.kubeconfig_of(server).read_text(),
            renew_token=False,
        ),
        reg.Rollback(),
        lambda _m: None,
    )


async def _label(mgmt: Client, name: str, group: str) -> None:
    await mgmt.patch(
        names.LIB_API_VERSION,
        names.SVELTOS_CLUSTER_KIND,
        name,
        {"metadata": {"labels": {"group": group}}},
        namespace=NAMESPACE,
    )


async def _wait_ready(mgmt: Client, count: int) -> None:
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        listed = await mgmt.list(names.LIB_API_VERSION, names.SVELTOS_CLUSTER_KIND, NAMESPACE)
        if sum(bool((o.get("status") or {}).get("ready")) for o in listed.items) >= count:
            return
        await asyncio.sleep(0.5)
    raise TimeoutError(f"scale: the {count} registrations did not all become Ready")


async def run(
    sizes: tuple[int, ...] = SIZES,
    servers: int = SERVERS,
    idle_window: float = IDLE_WINDOW,
    manager_args: tuple[str, ...] = (),
) -> dict[str, Any]:
    """Every size on a fresh fleet of ``min(size, servers)`` API servers (no controller manager:
    nothing here needs one, and it would only add load)."""
    results: dict[str, Any] = {"sizes": {}}
    for count in sizes:
        servers_n = min(count, servers)
        began = time.monotonic()
        async with temporary_fleet(clusters=servers_n, controller_manager=False) as fleet:
            one = await SizeRun(fleet, count, servers_n, manager_args).run(idle_window)
        one["wall_seconds"] = round(time.monotonic() - began, 1)  # the whole size, fleet included
        results["sizes"][str(count)] = one
        print(describe(one), flush=True)
    return results


def describe(one: dict[str, Any]) -> str:
    lines = [
        f"scale N={one['registrations']} on {one['servers']} API servers "
        f"(register {one['register_seconds']}s, all Ready {one['ready_seconds']}s):"
    ]
    for name, phase in one["phases"].items():
        lines.append(
            f"  {name}: navarch {phase['navarch_seconds']}s  floor {phase['floor_seconds']}s  "
            f"ratio {phase['ratio']}; machine CPU-s navarch "
            f"{phase.get('navarch_machine_cpu_seconds')} floor "
            f"{phase.get('floor_machine_cpu_seconds')}"
        )
        if "floor_bookkeeping_seconds" in phase:
            lines.append(
                f"    floor with the Sveltos bookkeeping {phase['floor_bookkeeping_seconds']}s "
                f"(ratio {phase['ratio_bookkeeping']}); machine CPU-s "
                f"{phase.get('floor_bookkeeping_machine_cpu_seconds')}"
            )
        lines.append(
            f"    CPU-s by role: navarch {phase.get('navarch_cpu_seconds_by_role')}; floor "
            f"{phase.get('floor_cpu_seconds_by_role')}"
        )
        for who in ("navarch", "floor", "floor_bookkeeping"):
            for kind, served in (phase.get(f"{who}_requests") or {}).items():
                shown = ", ".join(f"{k} {v:g}" for k, v in served.items())
                lines.append(f"    {who} requests, {kind}: {shown or 'none'}")
    busy, idle = one["manager_busy"], one["idle"]
    lines.append(
        f"  manager busy: {busy['cpu_seconds']} CPU-s, peak RSS {busy['peak_rss_mib']} MiB; idle: "
        f"{idle['cpu_percent_of_core']}% of a core, RSS {idle['rss_mib']} MiB, "
        f"{idle['managed_requests_per_registration_per_minute']} requests/registration/min, "
        f"managed writes/min {idle['managed_writes_per_minute']}, mgmt requests/min "
        f"{idle['mgmt_requests_per_minute']} (writes {idle['mgmt_writes_per_minute']})"
    )
    lines.append(f"  idle % of a core by role: {idle.get('cpu_percent_of_core_by_role')}")
    return "\n".join(lines)
