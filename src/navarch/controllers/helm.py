"""The Helm feature of a ClusterSummary: a profile's ``helmCharts`` as real Helm releases.

The ClusterSummary controller calls ``HelmFeature.deploy`` after the Resources feature (Sveltos's
order) and ``withdraw`` after removing resources. Decisions, per chart and in list order:

- ``helmChartAction: Uninstall``: uninstall the release if this profile manages it;
- another profile of the same cluster manages the release: Conflict (status names it; nothing
  is run), unless this profile's ``tier`` is lower: then it takes the release over (upgrades it
  with its own chart and values) and the old owner is told to look again, finds the new owner
  and reports the Conflict itself (as raw manifests do);
- the release exists but this profile never managed it (installed by hand or by another tool):
  Conflict unless ``options.installOptions.takeOwnership``;
- this profile manages it, it is ``deployed``, at the chart version and with the same values
  hash: nothing is run (the helm revision stays);
- otherwise ``helm upgrade --install``. The release is claimed in status (Managing, no values
  hash yet) *before* Helm runs, so a crash mid-install leaves a claim, not an orphan.

Releases this profile managed that the spec no longer lists are uninstalled. Values: the chart's
``values`` (YAML), then each ``valuesFrom`` ConfigMap/Secret in order (every data key a YAML
document), deep-merged with later ones winning. A whole-feature hash (spec of the charts plus the
content of every valuesFrom) lets an unchanged profile skip Helm entirely.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import yaml

from navarch.api.duration import parse_duration
from navarch.api.profile import HelmChart
from navarch.engines.helm import (
    Helm,
    HelmError,
    InstallOptions,
    RegistryAuth,
    Release,
    chart_reference,
    merge_values,
    release_of_secret,
)
from navarch.engines.patches import Patch
from navarch.engines.resources import (
    TEMPLATE_ANNOTATION,
    ManifestError,
    parse_documents,
    text_data,
)
from navarch.kube import Client, KubeError, KubeObject

ReleaseKey = tuple[str, str]  # (namespace, name)
Render = Callable[[str, str], str]  # (template text, where) -> rendered text


@dataclass(frozen=True)
class OtherOwner:
    """Another profile managing a release in the same cluster."""

    profile: str  # "ClusterProfile name"
    tier: int
    summary: tuple[str, str]  # its ClusterSummary (namespace, name)

    def __str__(self) -> str:
        return f"{self.profile} (tier {self.tier})"


ReadSource = Callable[[str, str, str], KubeObject | None]  # (kind, namespace, name)


class ValuesError(Exception):
    """A chart's values cannot be built (bad YAML, a missing non-optional valuesFrom)."""


def release_key(chart: HelmChart) -> ReleaseKey:
    return chart.release_namespace, chart.release_name


def unsupported_options(chart: HelmChart) -> list[str]:
    """Options of ``chart`` Navarch does not act on yet (named in status, never ignored)."""
    notes: list[str] = []
    url = chart.repository_url
    if not url.startswith(("http://", "https://", "oci://")):
        notes.append(f"{chart.release_name}: repositoryURL {url.split(':', 1)[0]}://")
    if chart.signature_verification or chart.provenance_verification:
        notes.append(f"{chart.release_name}: signature/provenance verification")
    o = chart.options
    if o is not None:
        for name, value in (
            ("skipSchemaValidation", o.skip_schema_validation),
            ("disableOpenAPIValidation", o.disable_open_api_validation),
            ("dependencyUpdate", o.dependency_update),
            ("runTests", o.run_tests),
        ):
            if value:
                notes.append(f"{chart.release_name}: options.{name}")
    return notes


def namespace_for(namespace: str | None, default_namespace: str, forced: bool) -> str:
    """Where a reference points: its namespace, else the cluster's; a Profile's references are
    forced to its own namespace (``forced``), as Sveltos's limitReferencesToNamespace."""
    return default_namespace if forced or not namespace else namespace


def credential_refs(
    chart: HelmChart, default_namespace: str, forced: bool = False
) -> list[tuple[str, str]]:
    """The Secrets (namespace, name) a chart's registryCredentialsConfig reads."""
    config = chart.registry_credentials_config
    if config is None:
        return []
    return [
        (namespace_for(ref.namespace, default_namespace, forced), ref.name)
        for ref in (config.credentials, config.ca)
        if ref is not None and ref.name
    ]


def registry_auth(
    chart: HelmChart, read: ReadSource, default_namespace: str, forced: bool = False
) -> RegistryAuth | None:
    """registryCredentialsConfig as Helm needs it; ValuesError names what is missing.

    Credentials: a Secret with ``username`` and ``password`` keys, or a docker config JSON
    (``key``, else ``.dockerconfigjson``, ``config.json`` or the Secret's only key) whose
    ``auths`` entry for the registry's host (or its only entry) has username/password or
    ``auth`` (base64 of user:password). CA: key ``ca.crt`` of the ``ca`` Secret.
    """
    config = chart.registry_credentials_config
    if config is None:
        return None
    where = f"helmCharts {chart.release_namespace}/{chart.release_name}: registryCredentialsConfig"
    username = password = ca_pem = None
    if config.credentials is not None:
        namespace = namespace_for(config.credentials.namespace, default_namespace, forced)
        data = _secret_data(read, namespace, str(config.credentials.name), f"{where}.credentials")
        if "username" in data and "password" in data:
            username, password = data["username"], data["password"]
        else:
            username, password = _docker_config_login(
                data,
                config.key,
                _host(chart),
                f"{where}.credentials Secret {namespace}/{config.credentials.name}",
            )
    if config.ca is not None:
        namespace = namespace_for(config.ca.namespace, default_namespace, forced)
        data = _secret_data(read, namespace, str(config.ca.name), f"{where}.ca")
        ca_pem = data.get("ca.crt")
        if ca_pem is None:
            raise ValuesError(f"{where}.ca: Secret {namespace}/{config.ca.name} has no key ca.crt")
    return RegistryAuth(
        username=username,
        password=password,
        ca_pem=ca_pem,
        insecure_skip_tls_verify=bool(config.insecure_skip_tls_verify),
        plain_http=bool(config.plain_http),
    )


def _host(chart: HelmChart) -> str:
    url = str(chart.chart_name or "") if str(chart.chart_name or "").startswith("oci://") else ""
    url = url or chart.repository_url
    return url.split("://", 1)[-1].split("/", 1)[0]


def _secret_data(read: ReadSource, namespace: str, name: str, where: str) -> dict[str, str]:
    secret = read("Secret", namespace, name)
    if secret is None:
        raise ValuesError(f"{where}: Secret {namespace}/{name} does not exist")
    return text_data(secret)


def _docker_config_login(
    data: dict[str, str], key: str | None, host: str, where: str
) -> tuple[str, str]:
    if key is None:
        key = next((k for k in (".dockerconfigjson", "config.json") if k in data), None)
        if key is None and len(data) == 1:
            key = next(iter(data))
    if key is None or key not in data:
        raise ValuesError(
            f"{where} has no username/password keys and no docker config key "
            f"({key or '.dockerconfigjson'}); keys: {', '.join(sorted(data)) or 'none'}"
        )
    try:
        auths = json.loads(data[key]).get("auths") or {}
    except (ValueError, AttributeError):
        raise ValuesError(f"{where} key {key} is not a docker config JSON") from None
    entry = next(
        (v for k, v in auths.items() if k.split("://", 1)[-1].split("/", 1)[0] == host),
        next(iter(auths.values())) if len(auths) == 1 else None,
    )
    if not isinstance(entry, dict):
        raise ValuesError(f"{where} key {key} has no auths entry for {host}")
    if entry.get("username") and entry.get("password"):
        return str(entry["username"]), str(entry["password"])
    try:
        user, _, secret = base64.b64decode(str(entry.get("auth", ""))).decode().partition(":")
    except ValueError:
        user = secret = ""
    if not user or not secret:
        raise ValuesError(f"{where} key {key}: the auths entry for {host} has no credentials")
    return user, secret


def explain(message: str, chart: HelmChart, default_namespace: str, forced: bool = False) -> str:
    """Helm's error with what to do about the common registry failures."""
    config = chart.registry_credentials_config
    lowered = message.lower()
    if "401" in message or "unauthorized" in lowered or "credential not found" in lowered:
        if config is not None and config.credentials is not None:
            return (
                f"{message} (the repository refused the credentials of registryCredentialsConfig"
                f" Secret {namespace_for(config.credentials.namespace, default_namespace, forced)}/"
                f"{config.credentials.name}: check the username and password)"
            )
        return f"{message} (the repository needs credentials: set registryCredentialsConfig)"
    if "server gave http response to https client" in lowered:
        return (
            f"{message} (the registry speaks plain HTTP: set registryCredentialsConfig.plainHTTP)"
        )
    return message


def needs_recovery(existing: Release | None, ours: bool, failures: int, limit: int) -> bool:
    """installOptions.recoverAfterConsecutiveFailures: after ``limit`` failed deploys in a row,
    a release of ours that is not ``deployed`` is uninstalled before the next attempt."""
    return (
        existing is not None
        and ours
        and existing.status != "deployed"
        and limit > 0
        and failures >= limit
    )


def install_options(chart: HelmChart) -> InstallOptions:
    o = chart.options
    if o is None:
        return InstallOptions()
    install, upgrade = o.install_options, o.upgrade_options
    try:
        timeout = parse_duration(str(o.timeout)) if o.timeout else 300.0
    except ValueError as exc:
        raise ValuesError(f"helmCharts {chart.release_name}: options.timeout: {exc}") from None
    return InstallOptions(
        create_namespace=install.create_namespace if install else True,
        wait=o.wait,
        wait_for_jobs=o.wait_for_jobs,
        timeout_seconds=timeout,
        skip_crds=o.skip_crds,
        atomic=o.atomic,
        disable_hooks=o.disable_hooks
        or bool(install and install.disable_hooks)
        or bool(upgrade and upgrade.disable_hooks),
        take_ownership=bool(install and install.take_ownership)
        or bool(upgrade and upgrade.take_ownership),
        max_history=upgrade.max_history if upgrade else 2,
        reset_values=bool(upgrade and upgrade.reset_values),
        reuse_values=bool(upgrade and upgrade.reuse_values),
        force=bool(upgrade and upgrade.force),
        labels=dict(o.labels or {}),
        recover_after=install.recover_after_consecutive_failures if install else 5,
        upgrade_crds=bool(upgrade and upgrade.upgrade_crds),
    )


def chart_values(
    chart: HelmChart,
    read: ReadSource,
    default_namespace: str,
    render: Render | None = None,
    forced: bool = False,
) -> dict[str, Any]:
    """``values`` then every ``valuesFrom`` in order, deep-merged (later wins).

    With ``render`` (the cluster's templates), ``values`` is rendered as a template, and so is
    the content of a valuesFrom object annotated ``projectsveltos.io/template`` (Sveltos)."""
    where = f"helmCharts {chart.release_namespace}/{chart.release_name}"
    text = chart.values or ""
    if render is not None:
        text = render(text, f"{where}: values")
    values = _yaml_mapping(text, f"{where}: values")
    for ref in chart.values_from or []:
        namespace = namespace_for(ref.namespace, default_namespace, forced)
        source = read(ref.kind, namespace, ref.name)
        if source is None:
            if ref.optional:
                continue
            raise ValuesError(
                f"{where}: valuesFrom {ref.kind} {namespace}/{ref.name} does not exist "
                "(create it, or mark the reference optional)"
            )
        templated = TEMPLATE_ANNOTATION in ((source.get("metadata") or {}).get("annotations") or {})
        for key, content in sorted(text_data(source).items()):
            label = f"{where}: {ref.kind} {namespace}/{ref.name} key {key}"
            rendered = render(content, label) if templated and render is not None else content
            values = merge_values(values, _yaml_mapping(rendered, label))
    return values


def _yaml_mapping(text: str, where: str) -> dict[str, Any]:
    try:
        loaded = yaml.safe_load(text) if text.strip() else {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" (line {mark.line + 1})" if mark is not None else ""
        raise ValuesError(f"{where} is not valid YAML{at}") from None
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise ValuesError(f"{where} must be a YAML mapping, not a {type(loaded).__name__}")
    return loaded


def values_hash(chart: HelmChart, values: dict[str, Any], patches: str = "") -> bytes:
    """What decides whether a deployed release is current; ``patches`` is the digest of the
    profile's patches (empty without any, which keeps earlier hashes valid)."""
    data: dict[str, Any] = {"chart": chart.dump(), "values": values}
    if patches:
        data["patches"] = patches
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).digest()


@dataclass
class Outcome:
    """What the Helm feature did to one cluster."""

    summaries: list[dict[str, Any]] = field(default_factory=list)  # helmReleaseSummaries
    charts: list[dict[str, Any]] = field(default_factory=list)  # ClusterConfiguration Charts
    conflicts: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    takeovers: list[OtherOwner] = field(default_factory=list)  # releases taken by a lower tier


def summary_entry(chart: HelmChart, status: str, **extra: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "releaseName": chart.release_name,
        "releaseNamespace": chart.release_namespace,
        "status": status,
        "chartName": chart.chart_name,
        "repositoryName": chart.repository_name,
        "repoURL": chart.repository_url,
        "chartVersion": chart.chart_version,
    }
    entry.update(extra)
    return {k: v for k, v in entry.items() if v is not None}


async def find_release(remote: Client, name: str, namespace: str) -> Release | None:
    """The newest revision of release ``namespace/name``: one LIST of Helm's storage Secrets
    (cheaper than a ``helm list`` process: no Go start-up, no discovery)."""
    listed = await remote.list("v1", "Secret", namespace, label_selector=f"owner=helm,name={name}")
    releases = [r for r in map(release_of_secret, listed.items) if r is not None]
    return max(releases, key=lambda r: r.revision) if releases else None


def managed_releases(summaries: list[dict[str, Any]]) -> dict[ReleaseKey, dict[str, Any]]:
    """The helmReleaseSummaries entries this profile manages, by release."""
    return {
        (str(p["releaseNamespace"]), str(p["releaseName"])): p
        for p in summaries
        if p.get("status") == "Managing"
    }


def conflict_message(other: OtherOwner, tier: int) -> str:
    return (
        f"the release is managed by {other}; this profile has tier {tier}: give it a lower "
        "tier to take the release over, or stop deploying it here"
    )


@dataclass(frozen=True)
class Scope:
    """What every chart of one ClusterSummary's Helm feature shares."""

    read: ReadSource  # ConfigMaps/Secrets of the management cluster (values, credentials)
    default_namespace: str  # where references without a namespace point (the cluster's)
    tier: int  # the profile's tier (release takeover)
    others: dict[ReleaseKey, OtherOwner] = field(default_factory=dict)  # releases of others
    render: Render | None = None  # the cluster's templates (values)
    failures: int = 0  # consecutive failures of the feature (recoverAfterConsecutiveFailures)
    forced_namespace: bool = False  # a Profile: every reference reads its own namespace
    patches: list[Patch] = field(default_factory=list)  # the profile's, for the post-renderer
    patches_digest: str = ""  # their digest (part of each release's values hash)
    redeploy: frozenset[ReleaseKey] = frozenset()  # drifted: run Helm even if nothing changed


class HelmFeature:
    """Runs the decisions of the module docstring against one cluster."""

    def __init__(self, helm: Helm) -> None:
        self.helm = helm

    async def deploy(
        self,
        kubeconfig: dict[str, Any],
        remote: Client,
        charts: list[HelmChart],
        previous: list[dict[str, Any]],
        scope: Scope,
        claim: Callable[[list[dict[str, Any]]], Any],
        *,
        continue_on_error: bool,
        continue_on_conflict: bool,
    ) -> Outcome:
        """``previous``: this profile's helmReleaseSummaries; ``claim(summaries)`` writes the
        claim of a release before Helm runs."""
        outcome = Outcome()
        managed = managed_releases(previous)
        wanted = {release_key(c) for c in charts if c.helm_chart_action != "Uninstall"}
        for chart in charts:
            key = release_key(chart)
            label = f"helm release {key[0]}/{key[1]}"
            try:
                entry = await self._one(
                    kubeconfig, remote, chart, managed.get(key), scope, outcome, claim
                )
            except (HelmError, ValuesError, KubeError) as exc:
                outcome.errors.append(str(exc))
                if key in managed:
                    outcome.summaries.append({**managed[key], "failureMessage": str(exc)[:1000]})
                if not continue_on_error:
                    break
                continue
            if entry is None:
                continue
            outcome.summaries.append(entry)
            if entry["status"] == "Conflict":
                outcome.conflicts.append(f"{label}: {entry['conflictMessage']}")
                if not continue_on_conflict:
                    break
        stop = outcome.errors or (outcome.conflicts and not continue_on_conflict)
        for key, entry in managed.items():  # no longer listed: uninstall
            if key in wanted or stop:
                if key not in {
                    (s["releaseNamespace"], s["releaseName"]) for s in outcome.summaries
                }:
                    outcome.summaries.append(entry)  # kept until the feature goes through
                continue
            try:
                await self.helm.uninstall(kubeconfig, release=key[1], namespace=key[0])
            except HelmError as exc:
                outcome.errors.append(str(exc))
                outcome.summaries.append({**entry, "failureMessage": str(exc)[:1000]})
        return outcome

    async def _one(
        self,
        kubeconfig: dict[str, Any],
        remote: Client,
        chart: HelmChart,
        ours: dict[str, Any] | None,
        scope: Scope,
        outcome: Outcome,
        claim: Callable[[list[dict[str, Any]]], Any],
    ) -> dict[str, Any] | None:
        key = release_key(chart)
        other, tier = scope.others.get(key), scope.tier
        read, default_namespace = scope.read, scope.default_namespace
        if chart.helm_chart_action == "Uninstall":
            if ours is not None:
                u = chart.options.uninstall_options if chart.options else None
                await self.helm.uninstall(
                    kubeconfig,
                    release=key[1],
                    namespace=key[0],
                    keep_history=bool(u and u.keep_history),
                    cascade=(
                        u.deletion_propagation if u and u.deletion_propagation else "background"
                    ),
                    disable_hooks=bool(u and u.disable_hooks),
                )
            return None
        if other is not None and not tier < other.tier:
            return summary_entry(chart, "Conflict", conflictMessage=conflict_message(other, tier))
        options = install_options(chart)
        values = chart_values(chart, read, default_namespace, scope.render, scope.forced_namespace)
        digest = values_hash(chart, values, scope.patches_digest)
        existing = await find_release(remote, key[1], key[0])
        if other is not None:  # a lower tier takes the release over
            outcome.takeovers.append(other)
        elif existing is not None and ours is None and not options.take_ownership:
            return summary_entry(
                chart,
                "Conflict",
                conflictMessage=(
                    "a release of that name exists and no profile manages it (installed with "
                    "plain helm?); set options.installOptions.takeOwnership to take it over"
                ),
            )
        wire_hash = base64.b64encode(digest).decode()
        version = str(chart.chart_version or "")
        if (
            existing is not None
            and ours is not None
            and existing.status == "deployed"
            and existing.has_version(version)
            and ours.get("valuesHash") == wire_hash
            and key not in scope.redeploy
        ):
            outcome.charts.append(self._chart_record(chart, existing.app_version))
            return dict(ours)
        if needs_recovery(existing, ours is not None, scope.failures, options.recover_after):
            # the release is stuck (failed, or pending after a crash): start it over
            await self.helm.uninstall(kubeconfig, release=key[1], namespace=key[0])
        if ours is None:  # claim first: a crash mid-install leaves a claim, not an orphan
            await claim([*outcome.summaries, summary_entry(chart, "Managing")])
        reference = chart_reference(
            str(chart.chart_name or ""), chart.repository_name, chart.repository_url
        )
        auth = registry_auth(chart, read, default_namespace, scope.forced_namespace)
        try:
            if existing is not None and options.upgrade_crds:
                await self._upgrade_crds(remote, chart, reference, version, auth)
            release = await self.helm.upgrade_install(
                kubeconfig,
                release=key[1],
                namespace=key[0],
                chart=reference,
                repo_url=None if reference.startswith("oci://") else chart.repository_url,
                version=version,
                values=values,
                options=options,
                auth=auth,
                patches=scope.patches,
                post_render_strategy=chart.options.post_render_strategy if chart.options else None,
            )
        except HelmError as exc:
            raise HelmError(
                explain(str(exc), chart, default_namespace, scope.forced_namespace)
            ) from None
        outcome.charts.append(self._chart_record(chart, release.app_version))
        return summary_entry(chart, "Managing", valuesHash=wire_hash)

    async def _upgrade_crds(
        self,
        remote: Client,
        chart: HelmChart,
        reference: str,
        version: str,
        auth: RegistryAuth | None,
    ) -> None:
        """upgradeOptions.upgradeCRDs: apply the CRDs of the chart's ``crds/`` first (Helm
        itself only creates them on install, never updates them)."""
        texts = await self.helm.chart_crds(
            chart=reference,
            repo_url=None if reference.startswith("oci://") else chart.repository_url,
            version=version,
            auth=auth,
        )
        where = f"helmCharts {chart.release_namespace}/{chart.release_name}: crds/"
        for text in texts:
            try:
                crds = parse_documents(text, where)
            except ManifestError as exc:
                raise HelmError(str(exc)) from None
            for crd in crds:
                if crd.get("kind") == "CustomResourceDefinition":
                    await remote.apply(crd, force=True)

    @staticmethod
    def _chart_record(chart: HelmChart, app_version: str) -> dict[str, Any]:
        record = {
            "repoURL": chart.repository_url,
            "releaseName": chart.release_name,
            "namespace": chart.release_namespace,
            "chartVersion": str(chart.chart_version or ""),
        }
        if app_version:
            record["appVersion"] = app_version
        return record

    async def plan(
        self,
        remote: Client,
        charts: list[HelmChart],
        previous: list[dict[str, Any]],
        scope: Scope,
    ) -> list[dict[str, Any]]:
        """DryRun: what ``deploy`` would do to each release (ClusterReport ``releaseReports``),
        reading the cluster and running nothing."""
        managed = managed_releases(previous)
        reports: list[dict[str, Any]] = []
        listed: set[ReleaseKey] = set()
        for chart in charts:
            key = release_key(chart)
            listed.add(key)
            try:
                action, message = await self._planned(remote, chart, managed.get(key), scope)
            except (ValuesError, KubeError) as exc:
                action, message = "", str(exc)
            report = {
                "chartName": key[1],
                "releaseNamespace": key[0],
                "chartVersion": str(chart.chart_version or ""),
            }
            if action:
                report["action"] = action
            if message:
                report["message"] = message
            reports.append(report)
        for key, entry in managed.items():
            if key not in listed:
                reports.append(
                    {
                        "chartName": key[1],
                        "releaseNamespace": key[0],
                        "chartVersion": str(entry.get("chartVersion") or ""),
                        "action": "Delete",
                        "message": "no longer listed in the profile",
                    }
                )
        return reports

    async def _planned(
        self,
        remote: Client,
        chart: HelmChart,
        ours: dict[str, Any] | None,
        scope: Scope,
    ) -> tuple[str, str]:
        key = release_key(chart)
        other, tier = scope.others.get(key), scope.tier
        if chart.helm_chart_action == "Uninstall":
            return ("Delete", "") if ours is not None else ("No Action", "not installed by us")
        if other is not None and not tier < other.tier:
            return "Conflict", conflict_message(other, tier)
        values = chart_values(
            chart, scope.read, scope.default_namespace, scope.render, scope.forced_namespace
        )
        existing = await find_release(remote, key[1], key[0])
        if existing is None:
            return "Install", ""
        if other is not None:
            return "Upgrade", f"taken over from {other}"
        if ours is None and not install_options(chart).take_ownership:
            return "Conflict", "a release of that name exists and no profile manages it"
        version = str(chart.chart_version or "")
        if not existing.has_version(version):
            return "Upgrade", f"from {existing.chart} to version {version}"
        wire_hash = base64.b64encode(values_hash(chart, values, scope.patches_digest)).decode()
        if ours is None or ours.get("valuesHash") != wire_hash or existing.status != "deployed":
            return "Update Values", ""
        return "No Action", ""

    async def withdraw(
        self, kubeconfig: dict[str, Any], managed: list[dict[str, Any]]
    ) -> list[str]:
        """Uninstall every release in ``managed`` (Managing entries); returns the errors."""
        errors: list[str] = []
        for entry in managed:
            if entry.get("status") != "Managing":
                continue
            try:
                await self.helm.uninstall(
                    kubeconfig, release=entry["releaseName"], namespace=entry["releaseNamespace"]
                )
            except HelmError as exc:
                errors.append(str(exc))
        return errors
