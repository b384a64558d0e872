"""Register and deregister clusters: the SveltosCluster and its kubeconfig Secret.

The behaviour of ``sveltosctl register cluster``, made safe to run twice and to fail:

- **Validate before writing.** The names and labels are checked, the management cluster must
  answer and serve the SveltosCluster kind, the kubeconfig must parse, its context must exist
  and the cluster it points at must answer ``/version`` with those credentials.
- **Two ways to get a kubeconfig.** ``--kubeconfig FILE`` stores the file as given.
  ``--fleet-cluster-context CTX`` uses a context of the user's own kubeconfig to create, in the
  managed cluster, namespace/ServiceAccount/ClusterRole/ClusterRoleBinding ``projectsveltos``
  (full rights, as sveltosctl does), then stores a kubeconfig for that service account: with a
  TokenRequest token, and a SveltosCluster that asks the manager to renew it (every hour, tokens
  of five hours); or, with ``--service-account-token``, with the long-lived token of a
  ``kubernetes.io/service-account-token`` Secret and no renewal.
- **Writes are server-side applies** with field manager ``navarch-cli``. Re-registering with other
  labels therefore replaces the labels the CLI set before, and leaves labels others set (such as
  the manager's ``projectsveltos.io/k8s-version``) alone.
- **All or nothing.** Every object this run created is deleted again, and every object it
  changed is put back, if a later step fails.

Nothing here ever prints or logs a kubeconfig or token; errors name files, contexts and objects.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from navarch.api import names
from navarch.api.meta import dns_label_problem, dns_subdomain_problem
from navarch.kube import (
    Client,
    ClusterConfig,
    Kubeconfig,
    KubeconfigError,
    KubeError,
    KubeObject,
    NotFound,
    parse_kubeconfig,
    token_kubeconfig,
)

FIELD_MANAGER = "navarch-cli"
TOKEN_SECRET_WAIT = 30.0
# What sveltosctl asks the manager for when it stores a TokenRequest kubeconfig.
RENEW_INTERVAL = "1h0m0s"
TOKEN_DURATION = "5h0m0s"

Report = Callable[[str], None]


class RegistrationError(Exception):
    """Registration cannot go on; the message says what is wrong and what to do."""


@dataclass
class Rollback:
    """Undo steps for what a registration changed, run in reverse order on failure."""

    steps: list[tuple[str, Callable[[], Awaitable[Any]]]] = field(default_factory=list)

    def add(self, what: str, undo: Callable[[], Awaitable[Any]]) -> None:
        self.steps.append((what, undo))

    async def run(self, report: Report) -> None:
        for what, undo in reversed(self.steps):
            try:
                await undo()
                report(f"rolled back: {what}")
            except KubeError as exc:
                report(f"could not roll back {what}: {exc}")


def check_names(namespace: str, cluster: str) -> None:
    problem = dns_label_problem(namespace)
    if problem:
        raise RegistrationError(f"--namespace {namespace!r} {problem}")
    problem = dns_subdomain_problem(cluster) or dns_subdomain_problem(
        names.kubeconfig_secret_name(cluster)
    )
    if problem:
        raise RegistrationError(f"--cluster {cluster!r} {problem}")


async def probe(config: ClusterConfig, what: str) -> str:
    """The cluster's version, or a RegistrationError saying it does not answer."""
    async with Client(config, timeout=15.0) as client:
        try:
            info = await client.version()
        except KubeError as exc:
            raise RegistrationError(
                f"{what} does not answer at {config.server}: {exc.server_message}"
            ) from None
    return str(info.get("gitVersion", ""))


async def kubeconfig_from_file(path: Path) -> str:
    """The file's text, once it parses and its current context answers."""
    try:
        text = path.read_text()
    except OSError as exc:
        raise RegistrationError(f"cannot read --kubeconfig {path}: {exc.strerror}") from None
    try:
        config = parse_kubeconfig(text, source=str(path), base_dir=path.parent).cluster_config()
    except KubeconfigError as exc:
        raise RegistrationError(str(exc)) from None
    await probe(config, f"the cluster of --kubeconfig {path}")
    return text


async def kubeconfig_for_context(
    user_kubeconfig: Kubeconfig,
    context: str,
    *,
    long_lived: bool,
    rollback: Rollback,
    report: Report,
) -> str:
    """Create the projectsveltos service account in the context's cluster; its kubeconfig."""
    try:
        config = user_kubeconfig.cluster_config(context)
    except KubeconfigError as exc:
        raise RegistrationError(f"--fleet-cluster-context: {exc}") from None
    await probe(config, f"the cluster of context {context!r}")
    ns = names.PROJECTSVELTOS_NAMESPACE
    sa = names.REGISTRATION_SERVICE_ACCOUNT
    async with Client(config, timeout=20.0, field_manager=FIELD_MANAGER) as remote:
        for obj in _service_account_objects(ns, sa):
            await _ensure(remote, obj, rollback, f"{obj['kind']} {_ref(obj)} in {context}")
        if long_lived:
            secret = {
                "apiVersion": "v1",
                "kind": "Secret",
                "type": "kubernetes.io/service-account-token",
                "metadata": {
                    "name": sa,
                    "namespace": ns,
                    "annotations": {"kubernetes.io/service-account.name": sa},
                },
            }
            await _ensure(remote, secret, rollback, f"Secret {ns}/{sa} in {context}")
            token = await _wait_for_token(remote, ns, sa, context)
        else:
            answer = await remote.create_subresource(
                "v1",
                "ServiceAccount",
                sa,
                "token",
                {"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest", "spec": {}},
                namespace=ns,
            )
            token = str((answer.get("status") or {}).get("token") or "")
        report(f"service account {ns}/{sa} ready in {context}")
    text = service_account_kubeconfig(config, ns, sa, token)
    stored = parse_kubeconfig(text, source="generated kubeconfig").cluster_config()
    await probe(stored, f"the cluster of context {context!r}, with the new token,")
    return text


def service_account_kubeconfig(config: ClusterConfig, namespace: str, sa: str, token: str) -> str:
    return yaml.safe_dump(
        token_kubeconfig(config, namespace=namespace, user=sa, token=token), sort_keys=False
    )


def _service_account_objects(ns: str, sa: str) -> list[KubeObject]:
    role = names.REGISTRATION_CLUSTER_ROLE
    return [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}},
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": sa, "namespace": ns}},
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "ClusterRole",
            "metadata": {"name": role},
            "rules": [
                {"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]},
                {"nonResourceURLs": ["*"], "verbs": ["*"]},
            ],
        },
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "ClusterRoleBinding",
            "metadata": {"name": role},
            "roleRef": {
                "apiGroup": "rbac.authorization.k8s.io",
                "kind": "ClusterRole",
                "name": role,
            },
            "subjects": [{"kind": "ServiceAccount", "name": sa, "namespace": ns}],
        },
    ]


def _ref(obj: KubeObject) -> str:
    meta = obj["metadata"]
    return f"{meta['namespace']}/{meta['name']}" if meta.get("namespace") else meta["name"]


async def _ensure(client: Client, obj: KubeObject, rollback: Rollback, what: str) -> None:
    """Create ``obj`` unless it exists; remember to delete it again if this run created it."""
    meta = obj["metadata"]
    try:
        await client.get(obj["apiVersion"], obj["kind"], meta["name"], meta.get("namespace"))
        return
    except NotFound:
        pass
    await client.create(obj)
    rollback.add(
        f"created {what}",
        lambda: client.delete(obj["apiVersion"], obj["kind"], meta["name"], meta.get("namespace")),
    )


async def _wait_for_token(client: Client, ns: str, name: str, context: str) -> str:
    deadline = time.monotonic() + TOKEN_SECRET_WAIT
    while time.monotonic() < deadline:
        secret = await client.get("v1", "Secret", name, ns)
        token = (secret.get("data") or {}).get("token")
        if token:
            return base64.b64decode(token).decode()
        await asyncio.sleep(0.25)
    raise RegistrationError(
        f"nothing filled the token of Secret {ns}/{name} in {context} within "
        f"{TOKEN_SECRET_WAIT:.0f}s: the cluster's kube-controller-manager (token controller) "
        "is not running; start it, or register without --service-account-token"
    )


@dataclass
class Registration:
    namespace: str
    cluster: str
    labels: dict[str, str]
    kubeconfig: str
    renew_token: bool
    shard: str | None = None


async def register(mgmt: Client, reg: Registration, rollback: Rollback, report: Report) -> None:
    """Write the kubeconfig Secret and the SveltosCluster (both applied, both rolled back)."""
    secret_name = names.kubeconfig_secret_name(reg.cluster)
    await _ensure(
        mgmt,
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": reg.namespace}},
        rollback,
        f"namespace {reg.namespace}",
    )
    secret: KubeObject = {
        "apiVersion": "v1",
        "kind": "Secret",
        "type": "Opaque",
        "metadata": {"name": secret_name, "namespace": reg.namespace},
        "data": {names.KUBECONFIG_KEY: base64.b64encode(reg.kubeconfig.encode()).decode()},
    }
    await _apply_undoable(mgmt, secret, rollback, f"Secret {reg.namespace}/{secret_name}")
    spec: dict[str, Any] = {"kubeconfigKeyName": names.KUBECONFIG_KEY}
    if reg.renew_token:
        spec["tokenRequestRenewalOption"] = {
            "renewTokenRequestInterval": RENEW_INTERVAL,
            "tokenDuration": TOKEN_DURATION,
        }
    metadata: dict[str, Any] = {
        "name": reg.cluster,
        "namespace": reg.namespace,
        "labels": dict(reg.labels),
    }
    if reg.shard:
        metadata["annotations"] = {names.SHARD_ANNOTATION: reg.shard}
    cluster: KubeObject = {
        "apiVersion": names.LIB_API_VERSION,
        "kind": names.SVELTOS_CLUSTER_KIND,
        "metadata": metadata,
        "spec": spec,
    }
    await _apply_undoable(mgmt, cluster, rollback, f"SveltosCluster {reg.namespace}/{reg.cluster}")
    report(f"cluster {reg.namespace}/{reg.cluster} registered")


async def _apply_undoable(client: Client, obj: KubeObject, rollback: Rollback, what: str) -> None:
    meta = obj["metadata"]
    api_version, kind, name, ns = obj["apiVersion"], obj["kind"], meta["name"], meta["namespace"]
    before: KubeObject | None = None
    with contextlib.suppress(NotFound):
        before = await client.get(api_version, kind, name, ns)
    await client.apply(obj, field_manager=FIELD_MANAGER, force=True)
    if before is None:
        rollback.add(f"created {what}", lambda: client.delete(api_version, kind, name, ns))
    else:
        restore = {k: v for k, v in before.items() if k != "status"}
        # without resourceVersion: put the old content back whatever happened since
        restore["metadata"] = {
            k: v
            for k, v in before["metadata"].items()
            if k not in ("managedFields", "resourceVersion")
        }
        rollback.add(f"changed {what}", lambda: client.replace(restore))


async def deregister(mgmt: Client, namespace: str, cluster: str, report: Report) -> None:
    """Delete the SveltosCluster and its kubeconfig Secret."""
    try:
        current = await mgmt.get(
            names.LIB_API_VERSION, names.SVELTOS_CLUSTER_KIND, cluster, namespace
        )
    except NotFound:
        raise RegistrationError(
            f"no SveltosCluster {namespace}/{cluster}: see `navarch get clusters`"
        ) from None
    secret_name = (current.get("spec") or {}).get("kubeconfigName") or names.kubeconfig_secret_name(
        cluster
    )
    await mgmt.delete(names.LIB_API_VERSION, names.SVELTOS_CLUSTER_KIND, cluster, namespace)
    report(f"deleted SveltosCluster {namespace}/{cluster}")
    try:
        await mgmt.delete("v1", "Secret", secret_name, namespace)
        report(f"deleted Secret {namespace}/{secret_name}")
    except NotFound:
        report(f"Secret {namespace}/{secret_name} was already gone")
