"""One Helm chart to 10 clusters: Navarch against running ``helm upgrade --install`` directly.

Navarch: the real manager; a ClusterProfile with one ``helmCharts`` entry (a small chart from a
repository served on loopback, built with the real ``helm``); the clock starts when the profile
is applied and stops when the chart's ConfigMap is in every cluster (seen through watches).
Floor, in the same run: ``helm upgrade --install`` of the same chart and values under another
release name, on the 10 clusters in parallel, from this process; the clock stops when every helm
command has returned. Both pay Helm's own cost (chart download, render, server-side apply); the
ratio is what Navarch adds.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml
from tests.chartrepo import chart_repo

from bench.common import register_fleet, start_manager, stop_manager, summary, wait_ready
from bench.converge import arrivals
from navarch.admin import register as reg
from navarch.api import names
from navarch.engines.helm import Helm, InstallOptions
from navarch.fleet import Fleet, managed_names
from navarch.kube import Client
from navarch.toolchain import binary_path

CLUSTERS = 10
ROUNDS = 3
VALUES = {"greeting": "bench", "replicas": 2}


async def run(fleet: Fleet) -> dict[str, Any]:
    clusters = managed_names(CLUSTERS)
    remote = [Client(fleet.cluster_config(name), qps=1000, burst=1000) for name in clusters]
    mgmt = Client(fleet.cluster_config("mgmt"), field_manager=reg.FIELD_MANAGER)
    manager = None
    helm = Helm(binary_path("helm"))
    try:
        with (
            tempfile.TemporaryDirectory() as tmp,
            chart_repo(Path(tmp), [("greeter", "1.0.0")]) as repo,
        ):
            await register_fleet(mgmt, fleet, clusters, {"bench": "helm"})
            manager = await start_manager(fleet)
            await wait_ready(mgmt, CLUSTERS)
            navarch_times: list[float] = []
            floor_times: list[float] = []
            for round_ in range(ROUNDS):
                release = f"nav-{round_}"
                arrived = await arrivals(remote, "apps", f"{release}-config", 1)
                started = time.perf_counter()
                await mgmt.apply(_profile(release, repo.url))
                await arrived
                navarch_times.append(time.perf_counter() - started)

                configs = [fleet.cluster_config(name).to_kubeconfig() for name in clusters]
                started = time.perf_counter()
                await asyncio.gather(
                    *(
                        helm.upgrade_install(
                            config,
                            release=f"floor-{round_}",
                            namespace="apps",
                            chart="greeter",
                            repo_url=repo.url,
                            version="1.0.0",
                            values=VALUES,
                            options=InstallOptions(),
                        )
                        for config in configs
                    )
                )
                floor_times.append(time.perf_counter() - started)
        result = summary(navarch_times, floor_times)
        result.update(clusters=CLUSTERS, rounds=ROUNDS)
        return result
    finally:
        await stop_manager(manager)
        for client in [*remote, mgmt]:
            await client.aclose()


def _profile(release: str, url: str) -> dict[str, Any]:
    return {
        "apiVersion": names.CONFIG_API_VERSION,
        "kind": "ClusterProfile",
        "metadata": {"name": f"bench-{release}"},
        "spec": {
            "clusterSelector": {"matchLabels": {"bench": "helm"}},
            "helmCharts": [
                {
                    "repositoryURL": url,
                    "repositoryName": "local",
                    "chartName": "local/greeter",
                    "chartVersion": "1.0.0",
                    "releaseName": release,
                    "releaseNamespace": "apps",
                    "values": yaml.safe_dump(VALUES),
                }
            ],
        },
    }
