"""A local fleet: one management cluster and N managed clusters, real control planes on loopback.

Layout of a state directory::

    fleet.json, fleet.lock        what runs (ports, PIDs) and the lock over it
    kubeconfig                    every context (mgmt, cluster-1, ...) in one file
    kubeconfigs/<name>.yaml       one admin kubeconfig per cluster
    clusters/<name>/pki/          the cluster's CA, certificates and service-account keys
    etcd/data/                    the shared etcd's data (each cluster under its own prefix)
    logs/<name>-apiserver.log     one log per process (also etcd.log, <name>-controller-manager.log)

Every operation is idempotent and converges: ``up`` starts only what is not running (a second
``up`` reuses everything, a larger N adds clusters, a cluster stopped with ``stop`` is started
again); ``down`` stops everything the state file names. If ``up`` fails half-way, the processes
*this* call started are stopped again, and whatever ran before is left as it was, so a failed
command never leaves a half-started fleet behind.

API servers start in parallel (startup is CPU-bound, ~5 s each on a warm machine) and are ready
when ``/readyz`` answers 200. Controller managers are started after their API server is ready.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import os
import shutil
import socket
import time
from collections.abc import Callable, Coroutine, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from navarch import log
from navarch.fleet import components, processes, state
from navarch.fleet.pki import ClusterPKI, ensure_pki
from navarch.fleet.processes import ProcessRecord
from navarch.fleet.state import ClusterState, FleetState
from navarch.kube import Client, ClusterConfig, KubeError, merge_kubeconfigs
from navarch.toolchain import MissingBinaryError, binary_path

MANAGEMENT = "mgmt"
PROFILING_ENV = "NAVARCH_FLEET_PROFILING"  # "1": API servers serve /debug/pprof (components)
READY_TIMEOUT = 90.0

_log = log.get_logger(__name__)

Report = Callable[[str], None]


class FleetError(Exception):
    """A fleet operation failed; the message is one line saying what and what to do."""


@dataclass(frozen=True)
class ClusterStatus:
    name: str
    endpoint: str
    version: str
    ready: bool
    apiserver_pid: int | None
    controller_manager_pid: int | None
    memory_bytes: int
    controller_manager: bool


@dataclass(frozen=True)
class FleetStatus:
    state_dir: Path
    kubeconfig: Path
    etcd_endpoint: str
    etcd_pid: int | None
    etcd_memory_bytes: int
    clusters: list[ClusterStatus]


def managed_names(count: int) -> list[str]:
    return [f"cluster-{i}" for i in range(1, count + 1)]


class Fleet:
    def __init__(
        self, state_dir: Path, *, report: Report | None = None, die_with_parent: bool = False
    ) -> None:
        self.dir = state_dir.expanduser().absolute()
        self.report: Report = report or (lambda _msg: None)
        self.die_with_parent = die_with_parent

    # -- paths ------------------------------------------------------------------------------

    @property
    def state_file(self) -> Path:
        return self.dir / "fleet.json"

    @property
    def kubeconfig(self) -> Path:
        return self.dir / "kubeconfig"

    def kubeconfig_of(self, cluster: str) -> Path:
        return self.dir / "kubeconfigs" / f"{cluster}.yaml"

    def log_of(self, process: str) -> Path:
        return self.dir / "logs" / f"{process}.log"

    def pki_of(self, cluster: str) -> ClusterPKI:
        return ClusterPKI(self.dir / "clusters" / cluster / "pki")

    def cluster_config(self, cluster: str) -> ClusterConfig:
        """Admin connection settings of ``cluster`` (its apiserver need not be running)."""
        current = state.load(self.state_file)
        if cluster not in current.clusters:
            raise FleetError(
                f'the fleet in {self.dir} has no cluster "{cluster}" '
                f"(clusters: {', '.join(current.clusters) or 'none'})"
            )
        return self._config(current.clusters[cluster])

    def _config(self, cluster: ClusterState) -> ClusterConfig:
        pki = self.pki_of(cluster.name)
        return ClusterConfig(
            name=cluster.name,
            server=f"https://127.0.0.1:{cluster.port}",
            ca_data=pki.ca_cert.read_bytes(),
            client_cert_data=pki.admin_cert.read_bytes(),
            client_key_data=pki.admin_key.read_bytes(),
        )

    def exists(self) -> bool:
        return self.state_file.exists()

    # -- up ---------------------------------------------------------------------------------

    async def up(
        self,
        clusters: int = 0,
        *,
        names: Iterable[str] = (),
        controller_manager: bool = True,
    ) -> FleetStatus:
        """Make mgmt, cluster-1..``clusters`` and ``names`` run; start only what does not."""
        if clusters < 0:
            raise FleetError("--clusters must be 0 or more")
        wanted = [MANAGEMENT, *managed_names(clusters), *names]
        self._prepare_dir()
        async with state.locked(self.dir / "fleet.lock"):
            current = state.load(self.state_file)
            for name in current.clusters:
                if name not in wanted:
                    wanted.append(name)
            # every binary is checked before the first process starts
            binaries = _binaries(
                controller_manager or any(c.controller_manager for c in current.clusters.values())
            )
            started: list[ProcessRecord] = []
            try:
                await self._ensure_etcd(current, binaries["etcd"], started)
                await self._ensure_apiservers(
                    current, wanted, controller_manager, binaries, started
                )
                self._write_kubeconfigs(current)
                await self._ensure_controller_managers(current, binaries, started)
            except BaseException:
                if started:
                    self.report(
                        f"start failed: stopping the {len(started)} process(es) "
                        "this command started"
                    )
                    await asyncio.gather(*(processes.stop(r) for r in started))
                    self._forget(current, started)
                state.save(self.state_file, current)
                raise
            state.save(self.state_file, current)
        return await self.status()

    def _prepare_dir(self) -> None:
        try:
            for sub in ("", "logs", "kubeconfigs", "clusters", "etcd"):
                (self.dir / sub).mkdir(parents=True, exist_ok=True)
            probe = self.dir / ".write-test"
            probe.write_text("")
            probe.unlink()
        except OSError as exc:
            reason = exc.strerror or str(exc)
            raise FleetError(
                f"cannot use {self.dir} as the fleet's state directory ({reason}); "
                "pass --state-dir with a writable directory"
            ) from None

    async def _ensure_etcd(
        self, current: FleetState, binary: Path, started: list[ProcessRecord]
    ) -> None:
        if processes.find(current.etcd) is not None:
            return
        if (
            not current.etcd_client_port
            or not _port_free(current.etcd_client_port)
            or not _port_free(current.etcd_peer_port)
        ):
            current.etcd_client_port, current.etcd_peer_port = _free_ports(2)
        self.report(f"starting etcd on 127.0.0.1:{current.etcd_client_port}")
        record = processes.spawn(
            components.etcd_args(
                binary,
                data_dir=self.dir / "etcd" / "data",
                client_port=current.etcd_client_port,
                peer_port=current.etcd_peer_port,
            ),
            log_file=self.log_of("etcd"),
            die_with_parent=self.die_with_parent,
        )
        current.etcd = record
        started.append(record)
        state.save(self.state_file, current)
        probe = Client(
            ClusterConfig(name="etcd", server=components.etcd_url(current.etcd_client_port))
        )
        try:
            await self._wait_ready(probe, "/health", record, "etcd", self.log_of("etcd"))
        finally:
            await probe.aclose()

    async def _ensure_apiservers(
        self,
        current: FleetState,
        wanted: list[str],
        controller_manager: bool,
        binaries: dict[str, Path],
        started: list[ProcessRecord],
    ) -> None:
        to_start: list[ClusterState] = []
        for name in wanted:
            cluster = current.clusters.get(name)
            if cluster is None:
                cluster = ClusterState(
                    name=name, port=_free_ports(1)[0], controller_manager=controller_manager
                )
                current.clusters[name] = cluster
            if processes.find(cluster.apiserver) is None:
                to_start.append(cluster)
        if not to_start:
            return
        await asyncio.to_thread(
            lambda: [ensure_pki(self.pki_of(c.name).dir, c.name) for c in to_start]
        )
        names = ", ".join(c.name for c in to_start)
        self.report(f"starting kube-apiserver for {names}")
        begun = time.monotonic()
        await _all_or_none(
            self._start_apiserver(current, c, binaries["kube-apiserver"], started) for c in to_start
        )
        self.report(f"API servers ready: {names} ({time.monotonic() - begun:.1f}s)")

    async def _start_apiserver(
        self, current: FleetState, cluster: ClusterState, binary: Path, started: list[ProcessRecord]
    ) -> None:
        if not _port_free(cluster.port):
            raise FleetError(
                f"port 127.0.0.1:{cluster.port} of {cluster.name}'s API server is taken by "
                "another process: free it, or run `navarch local down` and `up` again to get "
                "new ports"
            )
        log_file = self.log_of(f"{cluster.name}-apiserver")
        record = processes.spawn(
            components.apiserver_args(
                binary,
                pki=self.pki_of(cluster.name),
                port=cluster.port,
                etcd_port=current.etcd_client_port,
                cluster=cluster.name,
                profiling=os.environ.get(PROFILING_ENV) == "1",
            ),
            log_file=log_file,
            die_with_parent=self.die_with_parent,
        )
        cluster.apiserver = record
        started.append(record)
        state.save(self.state_file, current)
        client = Client(self._config(cluster))
        try:
            await self._wait_ready(
                client, "/readyz", record, f"{cluster.name}'s kube-apiserver", log_file
            )
        finally:
            await client.aclose()

    async def _ensure_controller_managers(
        self, current: FleetState, binaries: dict[str, Path], started: list[ProcessRecord]
    ) -> None:
        if "kube-controller-manager" not in binaries:
            return
        for cluster in current.clusters.values():
            if not cluster.controller_manager or processes.find(cluster.kcm) is not None:
                continue
            if processes.find(cluster.apiserver) is None:
                continue  # stopped on purpose (`local stop`); `start` brings both back
            record = processes.spawn(
                components.controller_manager_args(
                    binaries["kube-controller-manager"],
                    pki=self.pki_of(cluster.name),
                    kubeconfig=self.kubeconfig_of(cluster.name),
                ),
                log_file=self.log_of(f"{cluster.name}-controller-manager"),
                die_with_parent=self.die_with_parent,
            )
            cluster.kcm = record
            started.append(record)
            state.save(self.state_file, current)

    async def _wait_ready(
        self, client: Client, path: str, record: ProcessRecord, what: str, log_file: Path
    ) -> None:
        deadline = time.monotonic() + READY_TIMEOUT
        last = "no answer yet"
        while time.monotonic() < deadline:
            if processes.find(record) is None:
                raise FleetError(f"{what} exited while starting: {_log_hint(log_file)}")
            try:
                code, body = await client.probe(path, timeout=2.0)
                if code == 200:
                    return
                last = f"{path} answered {code}"
                _log.debug("not ready yet", process=what, answer=body[-200:])
            except KubeError as exc:
                last = exc.server_message
            await asyncio.sleep(0.1)
        raise FleetError(
            f"{what} was not ready after {READY_TIMEOUT:.0f}s ({last}): {_log_hint(log_file)}"
        )

    def _write_kubeconfigs(self, current: FleetState) -> None:
        configs = [self._config(c) for c in current.clusters.values()]
        for config in configs:
            _write_private(
                self.kubeconfig_of(config.name),
                yaml.safe_dump(config.to_kubeconfig(), sort_keys=False),
            )
        merged = merge_kubeconfigs(configs, current=MANAGEMENT)
        _write_private(self.kubeconfig, yaml.safe_dump(merged, sort_keys=False))

    @staticmethod
    def _forget(current: FleetState, records: list[ProcessRecord]) -> None:
        if current.etcd in records:
            current.etcd = None
        for cluster in current.clusters.values():
            if cluster.apiserver in records:
                cluster.apiserver = None
            if cluster.kcm in records:
                cluster.kcm = None

    # -- stop / start one cluster -------------------------------------------------------------

    async def stop_cluster(self, name: str) -> None:
        """Stop ``name``'s API server (and controller manager); its port and data are kept."""
        async with state.locked(self.dir / "fleet.lock"):
            current = state.load(self.state_file)
            cluster = self._cluster(current, name)
            await asyncio.gather(processes.stop(cluster.kcm), processes.stop(cluster.apiserver))
            cluster.kcm = cluster.apiserver = None
            state.save(self.state_file, current)

    async def start_cluster(self, name: str) -> None:
        """Start ``name`` again on the same port with the same data."""
        async with state.locked(self.dir / "fleet.lock"):
            current = state.load(self.state_file)
            cluster = self._cluster(current, name)
            binaries = _binaries(cluster.controller_manager)
            if processes.find(current.etcd) is None:
                raise FleetError(
                    f"the fleet's etcd is not running: run `navarch local up "
                    f"--state-dir {self.dir}` to start everything"
                )
            started: list[ProcessRecord] = []
            try:
                if processes.find(cluster.apiserver) is None:
                    await self._start_apiserver(
                        current, cluster, binaries["kube-apiserver"], started
                    )
                await self._ensure_controller_managers(current, binaries, started)
            except BaseException:
                await asyncio.gather(*(processes.stop(r) for r in started))
                self._forget(current, started)
                state.save(self.state_file, current)
                raise
            state.save(self.state_file, current)

    def _cluster(self, current: FleetState, name: str) -> ClusterState:
        if not current.clusters:
            raise FleetError(f"no fleet in {self.dir}: run `navarch local up` first")
        if name not in current.clusters:
            raise FleetError(
                f'the fleet has no cluster "{name}" (clusters: {", ".join(current.clusters)})'
            )
        return current.clusters[name]

    # -- extra processes ----------------------------------------------------------------------

    def extra_running(self, name: str) -> bool:
        """Whether the fleet's process ``name`` (see ``ensure_extra``) is alive."""
        if not self.state_file.exists():
            return False
        return processes.find(state.load(self.state_file).extras.get(name)) is not None

    async def ensure_extra(self, name: str, args: list[str], env: dict[str, str]) -> int:
        """Run ``args`` as the fleet's process ``name`` unless it runs; ``down`` stops it.

        The demo runs its manager this way, so that one ``navarch local down`` stops it too.
        Returns the process id. Its output goes to ``logs/<name>.log``.
        """
        async with state.locked(self.dir / "fleet.lock"):
            current = state.load(self.state_file)
            live = processes.find(current.extras.get(name))
            if live is not None:
                return live.pid
            record = processes.spawn(
                args, log_file=self.log_of(name), die_with_parent=self.die_with_parent, env=env
            )
            current.extras[name] = record
            state.save(self.state_file, current)
            return record.pid

    # -- down -------------------------------------------------------------------------------

    async def down(self, *, keep_files: bool = False) -> list[int]:
        """Stop every process of the fleet; return the PIDs stopped. Removes the state dir
        unless ``keep_files``."""
        if not self.dir.exists():
            return []
        async with state.locked(self.dir / "fleet.lock"):
            current = state.load(self.state_file)
            # Clients of the fleet first, then API servers and controller managers, then etcd.
            extras = [r for r in current.extras.values() if processes.find(r) is not None]
            await asyncio.gather(*(processes.stop(r) for r in extras))
            current.extras.clear()
            records = [r for c in current.clusters.values() for r in (c.kcm, c.apiserver) if r]
            live = [r for r in records if processes.find(r) is not None]
            await asyncio.gather(*(processes.stop(r) for r in live))
            live = extras + live
            if processes.find(current.etcd) is not None and current.etcd is not None:
                live.append(current.etcd)
                await processes.stop(current.etcd)
            for cluster in current.clusters.values():
                cluster.apiserver = cluster.kcm = None
            current.etcd = None
            state.save(self.state_file, current)
        if not keep_files:
            shutil.rmtree(self.dir, ignore_errors=True)
        return [r.pid for r in live]

    # -- status -----------------------------------------------------------------------------

    async def status(self) -> FleetStatus:
        current = state.load(self.state_file)
        clusters = await asyncio.gather(*(self._status_of(c) for c in current.clusters.values()))
        etcd_live = processes.find(current.etcd) is not None
        return FleetStatus(
            state_dir=self.dir,
            kubeconfig=self.kubeconfig,
            etcd_endpoint=components.etcd_url(current.etcd_client_port),
            etcd_pid=current.etcd.pid if etcd_live and current.etcd else None,
            etcd_memory_bytes=processes.rss_bytes(current.etcd),
            clusters=list(clusters),
        )

    async def _status_of(self, cluster: ClusterState) -> ClusterStatus:
        apiserver = processes.find(cluster.apiserver)
        kcm = processes.find(cluster.kcm)
        version, ready = "", False
        if apiserver is not None:
            client = Client(self._config(cluster), timeout=3.0)
            try:
                code, _ = await client.probe("/readyz", timeout=3.0)
                ready = code == 200
                version = str((await client.version()).get("gitVersion", ""))
            except KubeError:
                pass
            finally:
                await client.aclose()
        return ClusterStatus(
            name=cluster.name,
            endpoint=f"https://127.0.0.1:{cluster.port}",
            version=version,
            ready=ready,
            apiserver_pid=apiserver.pid if apiserver else None,
            controller_manager_pid=kcm.pid if kcm else None,
            memory_bytes=processes.rss_bytes(cluster.apiserver) + processes.rss_bytes(cluster.kcm),
            controller_manager=cluster.controller_manager,
        )


async def _all_or_none(coros: Iterable[Coroutine[Any, Any, None]]) -> None:
    """Run ``coros`` concurrently; on the first failure cancel the others and raise it."""
    try:
        async with asyncio.TaskGroup() as group:
            for coro in coros:
                group.create_task(coro)
    except BaseExceptionGroup as group_error:
        raise group_error.exceptions[0] from None


def _binaries(controller_manager: bool) -> dict[str, Path]:
    names = ["etcd", "kube-apiserver"] + (["kube-controller-manager"] if controller_manager else [])
    try:
        return {name: binary_path(name) for name in names}
    except MissingBinaryError as exc:
        raise FleetError(str(exc)) from None


_handed_out: set[int] = set()


def _free_ports(count: int) -> list[int]:
    """``count`` distinct loopback ports free right now (and not handed out before here)."""
    ports: list[int] = []
    while len(ports) < count:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind(("127.0.0.1", 0))
            port = int(sock.getsockname()[1])
        if port not in _handed_out:
            _handed_out.add(port)
            ports.append(port)
    return ports


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return False
            raise
    return True


def _log_hint(log_file: Path) -> str:
    last = ""
    with contextlib.suppress(OSError):
        lines = [ln for ln in log_file.read_text(errors="replace").splitlines() if ln.strip()]
        last = lines[-1][:300] if lines else ""
    return f"last log line: {last!r}; full log in {log_file}" if last else f"see {log_file}"


def _write_private(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(text)
    os.replace(tmp, path)
