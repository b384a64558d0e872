"""`navarch show addons|usage|dryrun` and `navarch redeploy cluster`, as sveltosctl has them.

The tables keep sveltosctl's columns (reference §6) so scripts and habits carry over; rows are
sorted (sveltosctl's follow Go map order, which is random). `-o json|yaml` prints the rows as
objects with the same fields.
"""

from __future__ import annotations

import asyncio
import datetime
import json
from dataclasses import asdict, dataclass
from typing import Annotated, Any

import typer
import yaml
from rich.table import Table

from navarch.api import names
from navarch.cli.context import management_client
from navarch.cli.output import OutputFormat, console, progress
from navarch.kube import Client, KubeObject

show_app = typer.Typer(help="Show what Navarch deployed where.", no_args_is_help=True)
redeploy_app = typer.Typer(
    help="Deploy again what profiles put on a cluster.", no_args_is_help=True
)

_out = console()

ClusterNs = Annotated[str | None, typer.Option("--namespace", help="Namespace of the clusters.")]
ClusterName = Annotated[str | None, typer.Option("--cluster", help="Name of one cluster.")]
ProfileFilter = Annotated[
    str | None, typer.Option("--profile", help="ClusterProfile/NAME or Profile/NAME.")
]
Output = Annotated[OutputFormat, typer.Option("-o", "--output")]


@dataclass(frozen=True)
class AddonRow:
    cluster: str
    resource_type: str
    namespace: str
    name: str
    version: str
    time: str
    deployment_type: str
    profiles: str


def go_time(stamp: str) -> str:
    """RFC 3339 as Go's metav1.Time.String() prints it: ``2026-11-25 16:11:00 +0000 UTC``."""
    if not stamp:
        return ""
    when = datetime.datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    return when.astimezone(datetime.UTC).strftime("%Y-%m-%d %H:%M:%S +0000 UTC")


def addon_rows(
    configurations: list[KubeObject],
    *,
    cluster: str | None = None,
    profile: str | None = None,
    resources: bool = True,
    charts: bool = True,
) -> list[AddonRow]:
    """One row per deployed resource or Helm chart, from ClusterConfiguration statuses."""
    merged: dict[tuple[str, ...], tuple[AddonRow, list[str]]] = {}
    for config in configurations:
        meta = config.get("metadata") or {}
        cluster_name = str(meta.get("name", "")).removeprefix("sveltos--")
        if cluster is not None and cluster_name != cluster:
            continue
        where = f"{meta.get('namespace')}/{cluster_name}"
        status = config.get("status") or {}
        for list_key, name_key, kind in (
            ("clusterProfileResources", "clusterProfileName", names.CLUSTER_PROFILE_KIND),
            ("profileResources", "profileName", names.PROFILE_KIND),
        ):
            for entry in status.get(list_key) or []:
                owner = f"{kind}/{entry.get(name_key)}"
                if profile is not None and owner != profile:
                    continue
                for feature in entry.get("Features") or []:
                    for res in feature.get("resources") or [] if resources else []:
                        row = AddonRow(
                            cluster=where,
                            resource_type=f"{res.get('group', '')}:{res.get('kind', '')}",
                            namespace=str(res.get("namespace") or ""),
                            name=str(res.get("name", "")),
                            version="N/A",
                            time=go_time(str(res.get("lastAppliedTime") or "")),
                            deployment_type=(
                                "Management cluster"
                                if res.get("deploymentType") == "Local"
                                else "Managed cluster"
                            ),
                            profiles="",
                        )
                        _merge(merged, row, owner)
                    for chart in feature.get("charts") or [] if charts else []:
                        row = AddonRow(
                            cluster=where,
                            resource_type="helm chart",
                            namespace=str(chart.get("namespace") or ""),
                            name=str(chart.get("releaseName", "")),
                            version=str(chart.get("chartVersion") or ""),
                            time=go_time(str(chart.get("lastAppliedTime") or "")),
                            deployment_type="Managed cluster",
                            profiles="",
                        )
                        _merge(merged, row, owner)
    rows = [
        AddonRow(**{**asdict(row), "profiles": ";".join(sorted(owners))})
        for row, owners in merged.values()
    ]
    return sorted(rows, key=lambda r: (r.cluster, r.resource_type, r.namespace, r.name))


def _merge(
    merged: dict[tuple[str, ...], tuple[AddonRow, list[str]]], row: AddonRow, owner: str
) -> None:
    key = (row.cluster, row.resource_type, row.namespace, row.name, row.deployment_type)
    if key in merged:
        merged[key][1].append(owner)
    else:
        merged[key] = (row, [owner])


def _print(rows: list[Any], headers: tuple[str, ...], output: OutputFormat) -> None:
    if output is OutputFormat.table:
        table = Table(box=None, pad_edge=False)
        for header in headers:
            table.add_column(header, no_wrap=True)
        for row in rows:
            table.add_row(*(str(v) for v in asdict(row).values()))
        _out.print(table)
        return
    docs = [_camel_keys(asdict(row)) for row in rows]
    if output is OutputFormat.json:
        _out.print(json.dumps(docs, indent=2))
    else:
        _out.print(yaml.safe_dump(docs, sort_keys=False), end="")


def _camel_keys(doc: dict[str, Any]) -> dict[str, Any]:
    def camel(name: str) -> str:
        head, *rest = name.split("_")
        return head + "".join(p.capitalize() for p in rest)

    return {camel(k): v for k, v in doc.items()}


@show_app.command("addons")
def show_addons(
    namespace: ClusterNs = None,
    cluster: ClusterName = None,
    profile: ProfileFilter = None,
    helm_charts: Annotated[bool, typer.Option("--helm-charts", help="Only Helm charts.")] = False,
    only_resources: Annotated[bool, typer.Option("--resources", help="Only resources.")] = False,
    output: Output = OutputFormat.table,
) -> None:
    """What each profile deployed, cluster by cluster."""

    async def run() -> list[KubeObject]:
        async with management_client() as mgmt:
            return (
                await mgmt.list(
                    names.CONFIG_API_VERSION, names.CLUSTER_CONFIGURATION_KIND, namespace
                )
            ).items

    print_addons(
        asyncio.run(run()),
        cluster=cluster,
        profile=profile,
        resources=not helm_charts,
        charts=not only_resources,
        output=output,
    )


ADDON_COLUMNS = (
    "CLUSTER",
    "RESOURCE TYPE",
    "NAMESPACE",
    "NAME",
    "VERSION",
    "TIME",
    "DEPLOYMENT TYPE",
    "PROFILES",
)


def print_addons(
    configurations: list[KubeObject],
    *,
    cluster: str | None = None,
    profile: str | None = None,
    resources: bool = True,
    charts: bool = True,
    output: OutputFormat = OutputFormat.table,
) -> None:
    """The `show addons` table (sveltosctl's columns) of these ClusterConfigurations."""
    rows = addon_rows(
        configurations, cluster=cluster, profile=profile, resources=resources, charts=charts
    )
    _print(rows, ADDON_COLUMNS, output)


@dataclass(frozen=True)
class UsageRow:
    resource_kind: str
    resource_namespace: str
    resource_name: str
    clusters: str


def usage_rows(summaries: list[KubeObject]) -> list[UsageRow]:
    """Which profiles and referenced ConfigMaps/Secrets reach which clusters."""
    usage: dict[tuple[str, str, str], set[str]] = {}
    for summary in summaries:
        meta = summary.get("metadata") or {}
        labels = meta.get("labels") or {}
        spec = summary.get("spec") or {}
        cluster = f"{spec.get('clusterNamespace')}/{spec.get('clusterName')}"
        if labels.get(names.PROFILE_LABEL):
            owner = (
                names.PROFILE_KIND,
                str(meta.get("namespace", "")),
                labels[names.PROFILE_LABEL],
            )
        else:
            owner = (names.CLUSTER_PROFILE_KIND, "", str(labels.get(names.CLUSTER_PROFILE_LABEL)))
        usage.setdefault(owner, set()).add(cluster)
        profile_spec = spec.get("clusterProfileSpec") or {}
        for ref in profile_spec.get("policyRefs") or []:
            if ref.get("kind") not in ("ConfigMap", "Secret"):
                continue
            ref_ns = (
                str(meta.get("namespace", ""))
                if owner[0] == names.PROFILE_KIND
                else str(ref.get("namespace") or spec.get("clusterNamespace"))
            )
            usage.setdefault((str(ref["kind"]), ref_ns, str(ref.get("name"))), set()).add(cluster)
    return [
        UsageRow(kind, ns, name, ", ".join(sorted(clusters)))
        for (kind, ns, name), clusters in sorted(usage.items())
    ]


@show_app.command("usage")
def show_usage(
    kind: Annotated[str | None, typer.Option("--kind", help="Only this kind.")] = None,
    namespace: Annotated[str | None, typer.Option("--namespace")] = None,
    name: Annotated[str | None, typer.Option("--name")] = None,
    output: Output = OutputFormat.table,
) -> None:
    """Which clusters each profile and each referenced ConfigMap or Secret reaches."""

    async def run() -> list[KubeObject]:
        async with management_client() as mgmt:
            return (await mgmt.list(names.CONFIG_API_VERSION, names.CLUSTER_SUMMARY_KIND)).items

    rows = [
        r
        for r in usage_rows(asyncio.run(run()))
        if (kind is None or r.resource_kind == kind)
        and (namespace is None or r.resource_namespace == namespace)
        and (name is None or r.resource_name == name)
    ]
    _print(rows, ("RESOURCE KIND", "RESOURCE NAMESPACE", "RESOURCE NAME", "CLUSTERS"), output)


@dataclass(frozen=True)
class DryRunRow:
    cluster: str
    resource_type: str
    namespace: str
    name: str
    action: str
    message: str
    profile: str


def dryrun_rows(
    reports: list[KubeObject], *, cluster: str | None = None, profile: str | None = None
) -> list[DryRunRow]:
    """One row per resource a DryRun profile would create, update, delete or conflict on."""
    rows: list[DryRunRow] = []
    for report in reports:
        meta = report.get("metadata") or {}
        spec = report.get("spec") or {}
        if cluster is not None and spec.get("clusterName") != cluster:
            continue
        labels = meta.get("labels") or {}
        owner = (
            f"{names.PROFILE_KIND}/{labels[names.PROFILE_LABEL]}"
            if labels.get(names.PROFILE_LABEL)
            else f"{names.CLUSTER_PROFILE_KIND}/{labels.get(names.CLUSTER_PROFILE_LABEL)}"
        )
        if profile is not None and owner != profile:
            continue
        status = report.get("status") or {}
        for line in (status.get("resourceReports") or []) + (
            status.get("kustomizeResourceReports") or []
        ):
            res = line.get("resource") or {}
            rows.append(
                DryRunRow(
                    cluster=f"{spec.get('clusterNamespace')}/{spec.get('clusterName')}",
                    resource_type=f"{res.get('group', '')}:{res.get('kind', '')}",
                    namespace=str(res.get("namespace") or ""),
                    name=str(res.get("name", "")),
                    action=str(line.get("action") or ""),
                    message=str(line.get("message") or ""),
                    profile=owner,
                )
            )
        for release in status.get("releaseReports") or []:
            rows.append(
                DryRunRow(
                    cluster=f"{spec.get('clusterNamespace')}/{spec.get('clusterName')}",
                    resource_type="helm release",
                    namespace=str(release.get("releaseNamespace") or ""),
                    name=str(release.get("chartName") or ""),
                    action=str(release.get("action") or ""),
                    message=str(release.get("message") or ""),
                    profile=owner,
                )
            )
    return sorted(rows, key=lambda r: (r.cluster, r.profile, r.resource_type, r.namespace, r.name))


@show_app.command("dryrun")
def show_dryrun(
    namespace: ClusterNs = None,
    cluster: ClusterName = None,
    profile: ProfileFilter = None,
    output: Output = OutputFormat.table,
) -> None:
    """What profiles in syncMode DryRun would change, cluster by cluster."""

    async def run() -> list[KubeObject]:
        async with management_client() as mgmt:
            return (
                await mgmt.list(names.CONFIG_API_VERSION, names.CLUSTER_REPORT_KIND, namespace)
            ).items

    rows = dryrun_rows(asyncio.run(run()), cluster=cluster, profile=profile)
    _print(
        rows,
        ("CLUSTER", "RESOURCE TYPE", "NAMESPACE", "NAME", "ACTION", "MESSAGE", "PROFILE"),
        output,
    )


async def redeploy(mgmt: Client, namespace: str, cluster: str) -> int:
    """Make every ClusterSummary of the cluster deploy again; returns how many."""
    listed = await mgmt.list(
        names.CONFIG_API_VERSION,
        names.CLUSTER_SUMMARY_KIND,
        namespace,
        label_selector=f"{names.CLUSTER_NAME_LABEL}={cluster}",
    )
    stamp = datetime.datetime.now(datetime.UTC).isoformat()
    for summary in listed.items:
        name = summary["metadata"]["name"]
        await mgmt.patch(
            names.CONFIG_API_VERSION,
            names.CLUSTER_SUMMARY_KIND,
            name,
            {"metadata": {"annotations": {names.RETRIGGER_ANNOTATION: stamp}}},
            namespace=namespace,
        )
        progress(f"redeploying ClusterSummary {namespace}/{name}")
    return len(listed.items)


@redeploy_app.command("cluster")
def redeploy_cluster(
    namespace: Annotated[str, typer.Option("--namespace", help="Namespace of the cluster.")],
    cluster: Annotated[str, typer.Option("--cluster", help="Name of the cluster.")],
) -> None:
    """Deploy every profile's features to the cluster again, as if they had changed."""

    async def run() -> int:
        async with management_client() as mgmt:
            return await redeploy(mgmt, namespace, cluster)

    count = asyncio.run(run())
    _out.print(f"{count} ClusterSummary(ies) of {namespace}/{cluster} will deploy again")
