"""`navarch demo` (what `make demo` runs): the main job, end to end, as a new user sees it.

What it does: builds what is missing, starts a local fleet, installs the CRDs, starts the
manager in the background (a process of the fleet, so `navarch local down` stops it too),
registers the managed clusters with labels and waits until they are Ready; serves the example
chart (``examples/charts``) on http://127.0.0.1:8879 (another fleet process), applies the example
profiles (``examples/*.yaml``: raw manifests with drift detection for env=prod, a Helm chart and
a kustomize tree for every cluster; each ``examples/kustomize/<name>`` tree is first stored as
ConfigMap ``<name>``, as ``kubectl create configmap --from-file=kustomize.tar.gz`` would),
waits until every ClusterSummary is provisioned and prints the ``show addons`` table; then edits
and deletes a managed object in cluster-1 and prints how long each repair took; and prints how
to look around (or, with ``--exit``, tears everything down).
"""

from __future__ import annotations

import asyncio
import os
import socket
import sys
import time
from pathlib import Path

import yaml

from navarch import toolchain
from navarch.admin import install as crd_install
from navarch.admin import register as reg
from navarch.api import names
from navarch.cli import local
from navarch.cli.clusters import print_clusters
from navarch.cli.output import console, progress
from navarch.cli.show import print_addons
from navarch.controllers.profile import provisioned
from navarch.engines import kustomize
from navarch.fleet import Fleet, managed_names
from navarch.kube import Client, KubeObject, NotFound

NAMESPACE = "fleet"
READY_TIMEOUT = 120.0

_out = console()


def manager_command(probe_interval: float | None = None) -> list[str]:
    """`navarch manager` against the fleet's mgmt context, run by this Python."""
    command = [sys.executable, "-m", "navarch", "--context", "mgmt", "manager"]
    if probe_interval is not None:
        command += ["--probe-interval", str(probe_interval)]
    return command


def manager_env(fleet: Fleet) -> dict[str, str]:
    return {**os.environ, "KUBECONFIG": str(fleet.kubeconfig)}


def labels_for(index: int) -> dict[str, str]:
    """Two clusters in prod, the rest in staging, so selectors have something to choose."""
    return {"env": "prod" if index < 2 else "staging", "demo": "navarch"}


async def run_demo(clusters: int, exit_after: bool) -> None:
    progress("checking the pinned binaries (a first run builds them: about 20 minutes)")
    await toolchain.install(progress)
    fleet = local.fleet_at(None)
    progress(f"starting a local fleet: mgmt and {clusters} managed clusters in {fleet.dir}")
    status = await fleet.up(clusters)
    local.print_table(status)
    async with Client(fleet.cluster_config("mgmt"), field_manager=reg.FIELD_MANAGER) as mgmt:
        await crd_install.install(mgmt, progress)
        pid = await fleet.ensure_extra(
            "manager", manager_command(probe_interval=10), env=manager_env(fleet)
        )
        progress(f"manager running (pid {pid}); log: {fleet.log_of('manager')}")
        await register_all(fleet, mgmt, managed_names(clusters))
        items = await wait_ready(mgmt, clusters)
        _out.print()
        print_clusters(items)
        await serve_charts(fleet)
        await store_kustomize_trees(mgmt)
        await apply_examples(mgmt)
        configurations = await wait_deployed(mgmt, clusters)
        _out.print()
        print_addons(configurations)
        await show_greetings(fleet, managed_names(clusters))
        await show_drift_repair(fleet)
        if clusters >= 3:
            await show_label_move(mgmt, managed_names(clusters)[2])
    kubectl, navarch = local.kubectl_hint(), local.navarch_hint()
    if exit_after:
        _out.print("\n--exit: stopping the manager and the fleet")
    else:
        _out.print(
            "\nThe fleet and the manager are running. Look around:\n"
            f"  export KUBECONFIG={status.kubeconfig}\n"
            f"  {navarch} get clusters\n"
            f"  {navarch} show addons\n"
            f"  {kubectl} --context cluster-1 -n platform edit configmap platform-settings"
            "   # put back at once\n"
            f"  {kubectl} --context cluster-1 get namespaces\n"
            f"  {kubectl} --context mgmt get sveltosclusters -A\n"
            f"  {navarch} local stop cluster-1   # it goes Down in `get clusters` within 30 s\n"
            f"  {navarch} local down              # stop everything\n"
        )
    if exit_after:
        pids = await fleet.down()
        progress(f"stopped {len(pids)} process(es); fleet removed")


async def register_all(fleet: Fleet, mgmt: Client, clusters: list[str]) -> None:
    for index, name in enumerate(clusters):
        rollback = reg.Rollback()
        registration = reg.Registration(
            namespace=NAMESPACE,
            cluster=name,
            labels=labels_for(index),
            kubeconfig=fleet.kubeconfig_of(name).read_text(),
            renew_token=False,
        )
        try:
            await reg.register(mgmt, registration, rollback, progress)
        except BaseException:
            await rollback.run(progress)
            raise


async def wait_ready(mgmt: Client, expected: int) -> list[dict[str, object]]:
    deadline = time.monotonic() + READY_TIMEOUT
    while True:
        listed = await mgmt.list(names.LIB_API_VERSION, names.SVELTOS_CLUSTER_KIND, NAMESPACE)
        ready = [o for o in listed.items if (o.get("status") or {}).get("ready")]
        if len(ready) >= expected:
            return sorted(listed.items, key=lambda o: str(o["metadata"]["name"]))
        if time.monotonic() > deadline:
            raise reg.RegistrationError(
                f"only {len(ready)} of {expected} clusters became Ready within "
                f"{READY_TIMEOUT:.0f}s: see `navarch get clusters` and the manager's log"
            )
        await asyncio.sleep(0.5)


CHART_PORT = 8879
DEPLOY_TIMEOUT = 180.0


def examples_dir() -> Path:
    """The repository's ``examples/`` (Navarch is installed from its checkout)."""
    found = Path(__file__).resolve().parents[3] / "examples"
    if not (found / "charts").is_dir():
        raise reg.RegistrationError(
            f"the examples are not at {found}; run the demo from a checkout of the repository"
        )
    return found


async def _run(*args: str) -> None:
    proc = await asyncio.create_subprocess_exec(
        *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    _, err = await proc.communicate()
    if proc.returncode != 0:
        raise reg.RegistrationError(
            f"{Path(args[0]).name} {args[1]} failed: {err.decode().strip()}"
        )


async def serve_charts(fleet: Fleet) -> None:
    """Package the example charts, index them and serve them on loopback (a fleet process)."""
    helm = str(toolchain.binary_path("helm"))
    repo = fleet.dir / "charts"
    repo.mkdir(exist_ok=True)
    for chart in sorted((examples_dir() / "charts").iterdir()):
        await _run(helm, "package", str(chart), "--destination", str(repo))
    url = f"http://127.0.0.1:{CHART_PORT}"
    if not fleet.extra_running("chartrepo") and not _port_free(CHART_PORT):
        raise reg.RegistrationError(
            f"port 127.0.0.1:{CHART_PORT} is in use by another program, and the demo serves its "
            f"chart repository there (examples/greeter.yaml names it): stop that program "
            f"(`ss -ltnp 'sport = :{CHART_PORT}'` shows it) and run the demo again"
        )
    await _run(helm, "repo", "index", str(repo), "--url", url)
    pid = await fleet.ensure_extra(
        "chartrepo",
        [
            sys.executable,
            "-m",
            "http.server",
            str(CHART_PORT),
            "--bind",
            "127.0.0.1",
            "--directory",
            str(repo),
        ],
        env=dict(os.environ),
    )
    deadline = time.monotonic() + 10
    while True:
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", CHART_PORT)
            writer.close()
            break
        except OSError:
            if time.monotonic() > deadline:
                raise reg.RegistrationError(
                    f"the chart repository did not start on {url} (is the port in use?); "
                    f"see {fleet.log_of('chartrepo')}"
                ) from None
            await asyncio.sleep(0.2)
    progress(f"chart repository serving {url} (pid {pid})")


async def store_kustomize_trees(mgmt: Client) -> None:
    """Each ``examples/kustomize/<name>`` as ConfigMap default/<name> holding kustomize.tar.gz."""
    for tree in sorted(p for p in (examples_dir() / "kustomize").iterdir() if p.is_dir()):
        archive = kustomize.pack(tree)
        await mgmt.apply(
            kustomize.source_object("ConfigMap", tree.name, "default", archive), force=True
        )
        progress(f"stored examples/kustomize/{tree.name} as ConfigMap default/{tree.name}")


def _port_free(port: int) -> bool:
    """Whether nothing listens on ``port`` (connections of an earlier run in TIME_WAIT do not
    count: the chart repository's server reuses the address too)."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


async def apply_examples(mgmt: Client) -> None:
    for path in sorted(examples_dir().glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text()):
            if doc:
                await mgmt.apply(doc, force=True)
        progress(f"applied examples/{path.name}")


async def wait_deployed(mgmt: Client, clusters: int) -> list[KubeObject]:
    """Until every ClusterSummary is provisioned; returns the ClusterConfigurations."""
    # greeter and team-spaces everywhere, prod-baseline on env=prod
    expected = 2 * clusters + min(clusters, 2)
    deadline = time.monotonic() + DEPLOY_TIMEOUT
    while True:
        listed = await mgmt.list(names.CONFIG_API_VERSION, names.CLUSTER_SUMMARY_KIND, NAMESPACE)
        done = [s for s in listed.items if provisioned(s)]
        progress(f"add-ons provisioned: {len(done)} of {expected} (profile x cluster)")
        if len(done) >= expected:
            break
        if time.monotonic() > deadline:
            raise reg.RegistrationError(
                f"only {len(done)} of {expected} ClusterSummaries were provisioned within "
                f"{DEPLOY_TIMEOUT:.0f}s: see `kubectl get clustersummaries -A -o yaml` and the "
                "manager's log"
            )
        await asyncio.sleep(1.0)
    return (
        await mgmt.list(names.CONFIG_API_VERSION, names.CLUSTER_CONFIGURATION_KIND, NAMESPACE)
    ).items


async def show_greetings(fleet: Fleet, clusters: list[str]) -> None:
    """The greeter chart's values are a template: each cluster got its own message."""
    _out.print()
    for name in clusters:
        async with Client(fleet.cluster_config(name)) as remote:
            try:
                found = await remote.get("v1", "ConfigMap", "greeter", "greeter")
            except NotFound:
                continue
        message = (found.get("data") or {}).get("message", "")
        _out.print(f"greeter on {name}: {message!r} (values rendered from its SveltosCluster)")


async def show_drift_repair(fleet: Fleet) -> None:
    """Edit, then delete, a managed object in cluster-1; print how long each repair took."""
    async with Client(fleet.cluster_config("cluster-1")) as remote:
        await asyncio.sleep(1.0)  # the drift agent has listed what it watches
        for action in ("edited", "deleted"):
            if action == "edited":
                await remote.patch(
                    "v1",
                    "ConfigMap",
                    "platform-settings",
                    {"data": {"logLevel": "debug"}},
                    namespace="platform",
                )
            else:
                await remote.delete("v1", "ConfigMap", "platform-settings", "platform")
            started = time.perf_counter()
            while True:
                try:
                    obj = await remote.get("v1", "ConfigMap", "platform-settings", "platform")
                    if (obj.get("data") or {}).get("logLevel") == "info":
                        break
                except NotFound:
                    pass
                if time.perf_counter() - started > 30:
                    raise reg.RegistrationError(
                        "the drifted ConfigMap was not repaired within 30 s; see the manager's log"
                    )
                await asyncio.sleep(0.005)
            took = (time.perf_counter() - started) * 1000
            _out.print(
                f"drift: platform/platform-settings {action} in cluster-1, "
                f"repaired in {took:.0f} ms"
            )


async def show_label_move(mgmt: Client, cluster: str) -> None:
    """Relabel ``cluster`` env=staging -> env=prod: the env=prod add-ons follow it."""
    summary = f"prod-baseline-sveltos-{cluster}"
    await mgmt.patch(
        names.LIB_API_VERSION,
        names.SVELTOS_CLUSTER_KIND,
        cluster,
        {"metadata": {"labels": {"env": "prod"}}},
        namespace=NAMESPACE,
    )
    started = time.perf_counter()
    while True:
        try:
            found = await mgmt.get(
                names.CONFIG_API_VERSION, names.CLUSTER_SUMMARY_KIND, summary, NAMESPACE
            )
            if provisioned(found):
                break
        except NotFound:
            pass
        if time.perf_counter() - started > DEPLOY_TIMEOUT:
            raise reg.RegistrationError(
                f"prod-baseline did not reach {cluster} within {DEPLOY_TIMEOUT:.0f}s after its "
                "label changed; see the manager's log"
            )
        await asyncio.sleep(0.05)
    took = time.perf_counter() - started
    _out.print(
        f"label: {cluster} env=staging -> env=prod; prod-baseline deployed there in {took:.1f} s"
    )
