"""Install or upgrade Navarch's CRDs in the management cluster.

Server-side apply with field manager ``navarch`` and force: the CRDs are Navarch's to own, so
re-running install after an upgrade takes over every field it states (and drops fields an older
Navarch stated and this one does not). It then waits until each CRD is Established, so a caller
can create objects of those kinds at once, and ensures the ``projectsveltos`` namespace.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from navarch.api.crds import ALL_CRDS
from navarch.api.names import PROJECTSVELTOS_NAMESPACE
from navarch.kube import Client, KubeObject, UnknownKind

CRD_API = "apiextensions.k8s.io/v1"

Report = Callable[[str], None]


class InstallError(Exception):
    """The CRDs could not be installed; the message says which and why."""


async def require_crds(client: Client, kinds: tuple[str, ...] | None = None) -> None:
    """Raise InstallError, saying to run `navarch install`, unless ``kinds`` are served."""
    for spec in ALL_CRDS:
        if kinds is not None and spec.kind not in kinds:
            continue
        try:
            await client.resource(spec.api_version, spec.kind)
        except UnknownKind:
            raise InstallError(
                f"the management cluster ({client.name}) does not serve {spec.kind}: "
                "run `navarch install` first"
            ) from None


def crd_manifests() -> list[KubeObject]:
    return [spec.manifest() for spec in ALL_CRDS]


async def install(client: Client, report: Report, *, timeout: float = 60.0) -> None:
    manifests = crd_manifests()
    await asyncio.gather(*(client.apply(m, force=True) for m in manifests))
    report(f"applied {len(manifests)} CRDs")
    await asyncio.gather(
        *(wait_established(client, m["metadata"]["name"], timeout) for m in manifests)
    )
    await client.apply(
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": PROJECTSVELTOS_NAMESPACE}}
    )
    report(f"CRDs established; namespace {PROJECTSVELTOS_NAMESPACE} ready")


async def wait_established(client: Client, name: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    reason = "no status yet"
    while time.monotonic() < deadline:
        crd = await client.get(CRD_API, "CustomResourceDefinition", name)
        for condition in (crd.get("status") or {}).get("conditions") or []:
            if condition.get("type") == "Established" and condition.get("status") == "True":
                return
            if condition.get("type") == "NamesAccepted" and condition.get("status") == "False":
                raise InstallError(f"CRD {name}: names not accepted: {condition.get('message')}")
            if condition.get("type") == "Established":
                reason = str(condition.get("message") or condition.get("reason") or reason)
        await asyncio.sleep(0.1)
    raise InstallError(f"CRD {name} was not Established within {timeout:.0f}s ({reason})")
