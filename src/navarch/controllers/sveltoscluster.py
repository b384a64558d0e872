"""The SveltosCluster controller: connect to each registered cluster, probe it, report health.

For each SveltosCluster the reconcile reads the kubeconfig from its Secret (``kubeconfigName``
or ``<name>-sveltos-kubeconfig``; key ``kubeconfigKeyName`` or the Secret's only key), keeps one
connection to the cluster in ``ClusterConnections``, asks it for ``/version`` and writes:

- ``status.ready``, ``status.version`` and the label ``projectsveltos.io/k8s-version=vX.Y.Z``;
- ``status.connectionStatus``: Healthy after a good probe; after ``consecutiveFailureThreshold``
  failed probes in a row (default 3), Down; ``status.connectionFailures`` counts them;
- ``status.failureMessage``: why the last probe failed and what to do, or what Navarch cannot
  evaluate yet (readiness/liveness Lua checks, pull mode, workload identity);
- with ``tokenRequestRenewalOption``: a fresh TokenRequest token before the old one runs out,
  written as a kubeconfig under another key of the Secret, ``spec.kubeconfigKeyName`` pointed
  at it, and ``status.lastReconciledTokenRequestAt``.

When: on every change of the SveltosCluster's spec, labels or annotations, or of its Secret, and
every ``probe_interval`` (60 s) otherwise. Status writes made here do not trigger a new probe
(they change neither generation nor labels), and nothing is written when nothing changed, so an
idle fleet costs one ``/version`` per cluster per interval and no writes.

The decisions (which Secret key, what the new status is, whether a token is due) are plain
functions below the reconciler, tested without a server. Messages never carry a credential.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import json
import re
import time
from dataclasses import dataclass
from typing import Any

import yaml

from navarch import log
from navarch.api import names
from navarch.api.duration import parse_duration
from navarch.api.sveltoscluster import SveltosClusterSpec, SveltosClusterStatus
from navarch.controllers import clusterconfiguration
from navarch.controllers.connections import ClusterConnections, ClusterKey, fingerprint
from navarch.kube import (
    Client,
    ClusterConfig,
    KubeconfigError,
    KubeError,
    KubeObject,
    parse_kubeconfig,
    token_kubeconfig,
)
from navarch.runtime import Controller, FuncHandler, Informer, Requeue

PROBE_TIMEOUT = 10.0
RENEW_MARGIN = 600.0  # renew this long before the interval ends (when the interval allows)
EXTRA_TOKEN_LIFETIME = 1800.0  # default token lifetime: the interval plus this
STATUS_FIELDS = (
    "version",
    "ready",
    "connectionStatus",
    "connectionFailures",
    "failureMessage",
    "lastReconciledTokenRequestAt",
)

_log = log.get_logger(__name__)
_VERSION_RE = re.compile(r"^v?(\d+)\.(\d+)\.(\d+)")


class ProbeFailure(Exception):
    """The cluster cannot be probed; the message says why and what to do."""


@dataclass
class ProbeOutcome:
    """What one probe found. ``failure`` counts toward Down; ``note`` does not."""

    version: str | None = None
    failure: str | None = None
    note: str | None = None
    ready: bool | None = None
    renewed_at: str | None = None


# -- decisions (pure) ------------------------------------------------------------------------


def secret_name_of(name: str, spec: SveltosClusterSpec) -> str:
    return spec.kubeconfig_name or names.kubeconfig_secret_name(name)


def kubeconfig_from_secret(
    namespace: str, name: str, spec: SveltosClusterSpec, secret: KubeObject | None
) -> tuple[str, str]:
    """(kubeconfig text, key it came from) of the cluster's Secret, or ProbeFailure."""
    secret_name = secret_name_of(name, spec)
    where = f"Secret {namespace}/{secret_name}"
    if secret is None:
        hint = (
            "create it or fix spec.kubeconfigName"
            if spec.kubeconfig_name
            else f"register the cluster again (`navarch register cluster --namespace {namespace} "
            f"--cluster {name} ...`)"
        )
        raise ProbeFailure(f"{where} with the kubeconfig does not exist: {hint}")
    data: dict[str, str] = secret.get("data") or {}
    if not data:
        raise ProbeFailure(f"{where} is empty: it must hold the kubeconfig under one key")
    key = spec.kubeconfig_key_name
    if key is None:
        if len(data) > 1:
            raise ProbeFailure(
                f"{where} has several keys ({', '.join(sorted(data))}): set "
                "spec.kubeconfigKeyName to the one with the kubeconfig"
            )
        key = next(iter(data))
    if key not in data:
        raise ProbeFailure(
            f"{where} has no key {key!r} (keys: {', '.join(sorted(data))}): fix "
            "spec.kubeconfigKeyName"
        )
    try:
        return base64.b64decode(data[key]).decode(), key
    except (binascii.Error, UnicodeDecodeError):
        raise ProbeFailure(f"{where} key {key!r} is not a text kubeconfig") from None


def version_label(git_version: str) -> str | None:
    """``v1.37.2`` for any ``v1.37.2[-anything]``; None if it is not a version."""
    match = _VERSION_RE.match(git_version.strip())
    return "v{}.{}.{}".format(*match.groups()) if match else None


def next_status(
    status: SveltosClusterStatus, spec: SveltosClusterSpec, outcome: ProbeOutcome
) -> SveltosClusterStatus:
    new = status.model_copy()
    if outcome.failure is not None:
        new.connection_failures = (status.connection_failures or 0) + 1
        threshold = max(1, spec.consecutive_failure_threshold)
        if new.connection_failures >= threshold:
            new.connection_status = "Down"
        new.failure_message = outcome.failure
    else:
        new.connection_status = "Healthy"
        new.connection_failures = 0
        new.failure_message = outcome.note
        if outcome.version:
            new.version = outcome.version
        if outcome.ready is not None:
            new.ready = outcome.ready
    if outcome.renewed_at:
        new.last_reconciled_token_request_at = outcome.renewed_at
    return new


def owned_status(status: SveltosClusterStatus) -> dict[str, Any]:
    """The status fields this controller owns, in wire form (what it applies)."""
    wire = status.dump()
    return {k: wire[k] for k in STATUS_FIELDS if k in wire}


def token_expiry(token: str) -> float | None:
    """The ``exp`` claim of a JWT (unverified: only to decide when to renew), or None."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        payload = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
        return float(payload["exp"])
    except (ValueError, KeyError, TypeError, binascii.Error):
        return None


def renewal_due(
    spec: SveltosClusterSpec,
    status: SveltosClusterStatus,
    created: float,
    now: float,
    expires: float | None,
) -> bool:
    """Whether to request a new token now (Sveltos's rule, plus: before the token expires)."""
    option = spec.token_request_renewal_option
    if option is None:
        return False
    interval = parse_duration(option.renew_token_request_interval)
    last = created
    if status.last_reconciled_token_request_at:
        last = _parse_time(status.last_reconciled_token_request_at) or created
    threshold = interval - RENEW_MARGIN if interval > RENEW_MARGIN else interval
    if now - last > threshold:
        return True
    return expires is not None and expires - now < min(RENEW_MARGIN, interval)


def _parse_time(text: str) -> float | None:
    try:
        return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def rfc3339(now: float) -> str:
    return datetime.datetime.fromtimestamp(now, datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def unsupported_note(spec: SveltosClusterSpec, ready_before: bool) -> tuple[str | None, bool]:
    """(message, ready) for what Navarch cannot evaluate yet.

    Readiness checks that cannot run keep the cluster not Ready: deploying add-ons to a cluster
    whose owner asked to wait for a condition would break that promise. Liveness checks and an
    active window that cannot run leave readiness as it is, with a message.
    """
    notes: list[str] = []
    ready = True
    if spec.readiness_checks and not ready_before:
        notes.append(
            "spec.readinessChecks are not evaluated yet (Navarch has no Lua engine yet), so the "
            "cluster is not marked Ready: remove spec.readinessChecks to manage it now"
        )
        ready = False
    if spec.liveness_checks:
        notes.append(
            "spec.livenessChecks are not evaluated yet (Navarch has no Lua engine yet); "
            "connectivity alone is checked"
        )
    if spec.active_window is not None:
        notes.append(
            "spec.activeWindow is not acted on yet: the cluster is not paused on a schedule; "
            "set spec.paused by hand meanwhile"
        )
    return ("; ".join(notes) or None), ready


# -- the reconciler ------------------------------------------------------------------------


def _key_of(obj: KubeObject) -> ClusterKey:
    meta = obj.get("metadata") or {}
    return str(meta.get("namespace", "")), str(meta.get("name", ""))


def _secret_index(obj: KubeObject) -> list[str]:
    namespace, name = _key_of(obj)
    spec = SveltosClusterSpec.parse(obj.get("spec"))
    return [f"{namespace}/{secret_name_of(name, spec)}"]


def _worth_a_probe(old: KubeObject, new: KubeObject) -> bool:
    """Spec, user labels, annotations or deletion changed (not our status or version label)."""
    o, n = old.get("metadata") or {}, new.get("metadata") or {}

    def user_labels(meta: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in (meta.get("labels") or {}).items() if k != names.K8S_VERSION_LABEL}

    return (
        o.get("generation") != n.get("generation")
        or user_labels(o) != user_labels(n)
        or o.get("annotations") != n.get("annotations")
        or o.get("deletionTimestamp") != n.get("deletionTimestamp")
    )


class SveltosClusterReconciler:
    def __init__(
        self,
        mgmt: Client,
        clusters: Informer,
        secrets: Informer,
        connections: ClusterConnections,
        *,
        probe_interval: float = 60.0,
        workers: int = 10,
        configurations: Informer | None = None,
    ) -> None:
        self.mgmt = mgmt
        self.clusters = clusters
        self.secrets = secrets
        self.configurations = configurations
        self.connections = connections
        self.probe_interval = probe_interval
        # what the probe of each cluster last parsed, by resourceVersion (see _parsed_of)
        self._parsed: dict[ClusterKey, tuple[str, SveltosClusterSpec, SveltosClusterStatus]] = {}
        self._kubeconfigs: dict[
            ClusterKey, tuple[tuple[str, str | None, str], tuple[str, str, str]]
        ] = {}
        self.controller: Controller[ClusterKey] = Controller(
            "sveltoscluster",
            self.reconcile,
            workers=workers,
            informers=[clusters, secrets, *([configurations] if configurations else [])],
        )
        clusters.store.add_indexer("secret", _secret_index)
        clusters.add_handler(
            FuncHandler(
                add=lambda o: self.controller.queue.add(_key_of(o)),
                update=lambda old, new: (
                    self.controller.queue.add(_key_of(new)) if _worth_a_probe(old, new) else None
                ),
                delete=lambda o: self.controller.queue.add(_key_of(o)),
            )
        )
        secrets.add_handler(
            FuncHandler(
                add=self._secret_changed,
                update=lambda _old, new: self._secret_changed(new),
                delete=self._secret_changed,
            )
        )

    def _secret_changed(self, secret: KubeObject) -> None:
        namespace, name = _key_of(secret)
        for cluster in self.clusters.store.by_index("secret", f"{namespace}/{name}"):
            self.controller.queue.add(_key_of(cluster))

    async def run(self) -> None:
        await self.controller.run()

    async def reconcile(self, key: ClusterKey) -> Requeue | None:
        namespace, name = key
        obj = self.clusters.store.get(f"{namespace}/{name}")
        if obj is None or (obj.get("metadata") or {}).get("deletionTimestamp"):
            self._forget(key)
            await self.connections.drop(key)
            if obj is None:
                await self._delete_configuration(key)
            return None
        spec, status = self._parsed_of(key, obj)
        if spec.paused:
            return Requeue(self.probe_interval)
        outcome = await self._probe(key, obj, spec, status)
        new_status = next_status(status, spec, outcome)
        if outcome.failure:
            _log.info(
                "probe failed",
                cluster=f"{namespace}/{name}",
                failures=new_status.connection_failures,
                connection=new_status.connection_status,
                reason=outcome.failure,
            )
        await self._write(obj, status, new_status, outcome)
        await self._ensure_configuration(key)
        return Requeue(self.probe_interval)

    def _configuration_of(self, key: ClusterKey) -> KubeObject | None:
        assert self.configurations is not None
        namespace, name = key
        return self.configurations.store.get(
            f"{namespace}/{names.cluster_configuration_name(name)}"
        )

    async def _ensure_configuration(self, key: ClusterKey) -> None:
        """The cluster's ClusterConfiguration, created when the informer does not show it, so
        that a first deploy only writes its status (see clusterconfiguration)."""
        if self.configurations is None or self._configuration_of(key) is not None:
            return
        try:
            await clusterconfiguration.create(self.mgmt, *key)
        except KubeError as exc:  # informational: the first deploy creates it then
            _log.warning(
                "cannot create the ClusterConfiguration",
                cluster="/".join(key),
                reason=exc.server_message,
            )

    async def _delete_configuration(self, key: ClusterKey) -> None:
        """A deleted cluster's ClusterConfiguration goes with it: nothing runs there any more."""
        if self.configurations is None or self._configuration_of(key) is None:
            return
        await clusterconfiguration.delete(self.mgmt, *key)

    def _parsed_of(
        self, key: ClusterKey, obj: KubeObject
    ) -> tuple[SveltosClusterSpec, SveltosClusterStatus]:
        """Spec and status, parsed once per resourceVersion: an idle cluster's probe every
        minute does not parse them again (neither is changed in place; see next_status)."""
        version = str((obj.get("metadata") or {}).get("resourceVersion", ""))
        found = self._parsed.get(key)
        if found is None or found[0] != version or not version:
            parsed = (
                SveltosClusterSpec.parse(obj.get("spec")),
                SveltosClusterStatus.parse(obj.get("status")),
            )
            self._parsed[key] = found = (version, *parsed)
        return found[1], found[2]

    def _kubeconfig_of(self, key: ClusterKey, spec: SveltosClusterSpec) -> tuple[str, str, str]:
        """(kubeconfig text, source for messages, its fingerprint) from the cluster's Secret,
        decoded and digested once per Secret resourceVersion; ProbeFailure if unusable."""
        namespace, name = key
        secret_name = secret_name_of(name, spec)
        secret = self.secrets.store.get(f"{namespace}/{secret_name}")
        version = str(((secret or {}).get("metadata") or {}).get("resourceVersion", ""))
        seen = (secret_name, spec.kubeconfig_key_name, version)
        found = self._kubeconfigs.get(key)
        if found is not None and found[0] == seen and version:
            return found[1]
        text, source_key = kubeconfig_from_secret(namespace, name, spec, secret)
        source = f"Secret {namespace}/{secret_name} key {source_key!r}"
        value = (text, source, fingerprint(text))
        self._kubeconfigs[key] = (seen, value)
        return value

    def _forget(self, key: ClusterKey) -> None:
        self._parsed.pop(key, None)
        self._kubeconfigs.pop(key, None)

    async def _probe(
        self,
        key: ClusterKey,
        obj: KubeObject,
        spec: SveltosClusterSpec,
        status: SveltosClusterStatus,
    ) -> ProbeOutcome:
        namespace, name = key
        if spec.pull_mode:
            return ProbeOutcome(
                failure="pull mode (spec.pullMode) is not supported by Navarch "
                "yet: register the cluster with a kubeconfig"
            )
        if spec.workload_identity is not None:
            return ProbeOutcome(
                failure="spec.workloadIdentity is not supported by Navarch yet: "
                "register the cluster with a kubeconfig"
            )
        try:
            text, source, digest = self._kubeconfig_of(key, spec)
            connection = self.connections.get(key)
            if connection is None or connection.fingerprint != digest:
                kubeconfig = parse_kubeconfig(text, source=source)
                config = kubeconfig.cluster_config(name=f"{namespace}/{name}")
                connection = await self.connections.connect(key, config, digest)
        except (ProbeFailure, KubeconfigError) as exc:
            await self.connections.drop(key)
            return ProbeOutcome(failure=str(exc))
        config = connection.config
        try:
            info = await connection.client.version()
        except KubeError as exc:
            return ProbeOutcome(failure=f"cannot reach the cluster: {exc.server_message}")
        note, ready = unsupported_note(spec, bool(status.ready))
        outcome = ProbeOutcome(version=str(info.get("gitVersion", "")), note=note, ready=ready)
        if spec.token_request_renewal_option is None:
            return outcome
        token = config.token or ""
        created = _parse_time(str((obj.get("metadata") or {}).get("creationTimestamp", "")))
        now = time.time()
        if renewal_due(spec, status, created or now, now, token_expiry(token)):
            try:
                kubeconfig = parse_kubeconfig(text, source=source)  # parsed again: rare
                await self._renew(
                    key,
                    spec,
                    kubeconfig.contexts.get(kubeconfig.current_context or "", {}),
                    connection.client,
                    config,
                )
                outcome.renewed_at = rfc3339(now)
            except (KubeError, ProbeFailure, KubeconfigError) as exc:
                outcome.note = f"token renewal failed: {exc}"
        return outcome

    async def _renew(
        self,
        key: ClusterKey,
        spec: SveltosClusterSpec,
        context: dict[str, Any],
        remote: Client,
        config: ClusterConfig,
    ) -> None:
        namespace, name = key
        option = spec.token_request_renewal_option
        assert option is not None
        sa_namespace = option.sa_namespace or str(context.get("namespace") or "")
        sa_name = option.sa_name or str(context.get("user") or "")
        if not sa_namespace or not sa_name:
            raise ProbeFailure(
                "cannot tell which service account to renew the token for: set "
                "spec.tokenRequestRenewalOption.saNamespace and saName"
            )
        lifetime = (
            parse_duration(option.token_duration)
            if option.token_duration
            else parse_duration(option.renew_token_request_interval) + EXTRA_TOKEN_LIFETIME
        )
        answer = await remote.create_subresource(
            "v1",
            "ServiceAccount",
            sa_name,
            "token",
            {
                "apiVersion": "authentication.k8s.io/v1",
                "kind": "TokenRequest",
                "spec": {"expirationSeconds": int(lifetime)},
            },
            namespace=sa_namespace,
        )
        token = str((answer.get("status") or {}).get("token") or "")
        text = yaml.safe_dump(
            token_kubeconfig(config, namespace=sa_namespace, user=sa_name, token=token),
            sort_keys=False,
        )
        target_key = option.kubeconfig_key_name or names.RENEWED_KUBECONFIG_KEY
        secret_name = secret_name_of(name, spec)
        # Merge patches, not applies: these are single fields next to what the user and the
        # CLI own, and an apply of one field would drop this manager's other fields.
        await self.mgmt.patch(
            "v1",
            "Secret",
            secret_name,
            {"data": {target_key: base64.b64encode(text.encode()).decode()}},
            namespace=namespace,
        )
        if spec.kubeconfig_key_name != target_key:
            await self.mgmt.patch(
                names.LIB_API_VERSION,
                names.SVELTOS_CLUSTER_KIND,
                name,
                {"spec": {"kubeconfigKeyName": target_key}},
                namespace=namespace,
            )
        _log.info(
            "token renewed",
            cluster=f"{namespace}/{name}",
            service_account=f"{sa_namespace}/{sa_name}",
            secret_key=target_key,
        )

    async def _write(
        self,
        obj: KubeObject,
        old: SveltosClusterStatus,
        new: SveltosClusterStatus,
        outcome: ProbeOutcome,
    ) -> None:
        namespace, name = _key_of(obj)
        ident = {"apiVersion": names.LIB_API_VERSION, "kind": names.SVELTOS_CLUSTER_KIND}
        label = version_label(outcome.version or "") if not outcome.failure else None
        current = ((obj.get("metadata") or {}).get("labels") or {}).get(names.K8S_VERSION_LABEL)
        if label and label != current:
            await self.mgmt.patch(
                names.LIB_API_VERSION,
                names.SVELTOS_CLUSTER_KIND,
                name,
                {"metadata": {"labels": {names.K8S_VERSION_LABEL: label}}},
                namespace=namespace,
            )
        # status last: whoever sees Ready also sees the version label
        if owned_status(new) != owned_status(old):
            await self.mgmt.apply_status(
                {
                    **ident,
                    "metadata": {"name": name, "namespace": namespace},
                    "status": owned_status(new),
                }
            )
