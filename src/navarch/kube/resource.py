"""What a resource type is and how its URLs are built; pure, no I/O.

Building a request is kept apart from sending it (as lightkube does): this module turns
(resource type, namespace, name, subresource) into a path and options into query parameters, and
is unit-tested without a server. ``client.py`` sends what this module builds.

Objects themselves stay plain JSON dicts at this layer. Navarch applies whatever kinds a user's
manifests name, most of which it has no model for; typed models of our own CRDs live in
``navarch.api`` and convert to and from these dicts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

KubeObject = dict[str, Any]


@dataclass(frozen=True)
class ResourceType:
    """One served resource: the URL segment (plural) of a kind in a group/version."""

    group: str
    version: str
    kind: str
    plural: str
    namespaced: bool
    verbs: frozenset[str] = frozenset()
    subresources: frozenset[str] = frozenset()

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def gvk(self) -> str:
        """``Kind.version.group``, the form Sveltos uses in deployedGVKs."""
        return f"{self.kind}.{self.version}.{self.group}"

    def path(
        self,
        *,
        namespace: str | None = None,
        name: str | None = None,
        subresource: str | None = None,
    ) -> str:
        """The URL path for a collection (no name) or one object, optionally a subresource."""
        base = f"/apis/{self.group}/{self.version}" if self.group else f"/api/{self.version}"
        parts = [base]
        if self.namespaced and namespace:
            parts.append(f"namespaces/{_seg(namespace)}")
        elif self.namespaced and name is not None:
            raise ValueError(f"{self.kind} is namespaced: a namespace is required for {name!r}")
        parts.append(self.plural)
        if name is not None:
            if not name:
                raise ValueError(f"a {self.kind} needs a non-empty name")
            parts.append(_seg(name))
            if subresource:
                parts.append(subresource)
        return "/".join(parts)


def _seg(value: str) -> str:
    return quote(value, safe="")


def split_api_version(api_version: str) -> tuple[str, str]:
    """``apps/v1`` -> (``apps``, ``v1``); ``v1`` -> (``""``, ``v1``)."""
    if "/" in api_version:
        group, version = api_version.split("/", 1)
        return group, version
    return "", api_version


def object_key(obj: KubeObject) -> str:
    """``namespace/name`` or ``name`` for a cluster-scoped object, as client-go's cache keys."""
    meta = obj.get("metadata") or {}
    namespace = meta.get("namespace")
    name = meta.get("name", "")
    return f"{namespace}/{name}" if namespace else str(name)


def list_params(
    *,
    label_selector: str | None = None,
    field_selector: str | None = None,
    resource_version: str | None = None,
    limit: int | None = None,
    continue_token: str | None = None,
) -> dict[str, str]:
    params: dict[str, str] = {}
    if label_selector:
        params["labelSelector"] = label_selector
    if field_selector:
        params["fieldSelector"] = field_selector
    if resource_version:
        params["resourceVersion"] = resource_version
    if limit:
        params["limit"] = str(limit)
    if continue_token:
        params["continue"] = continue_token
    return params


def watch_params(
    *,
    resource_version: str | None,
    label_selector: str | None = None,
    field_selector: str | None = None,
    timeout_seconds: int | None = None,
    allow_bookmarks: bool = True,
) -> dict[str, str]:
    params = list_params(
        label_selector=label_selector,
        field_selector=field_selector,
        resource_version=resource_version,
    )
    params["watch"] = "true"
    if allow_bookmarks:
        params["allowWatchBookmarks"] = "true"
    if timeout_seconds:
        params["timeoutSeconds"] = str(timeout_seconds)
    return params


def write_params(
    *,
    field_manager: str | None = None,
    force: bool = False,
    dry_run: bool = False,
    field_validation: str | None = None,
) -> dict[str, str]:
    params: dict[str, str] = {}
    if field_manager:
        params["fieldManager"] = field_manager
    if force:
        params["force"] = "true"
    if dry_run:
        params["dryRun"] = "All"
    if field_validation:
        params["fieldValidation"] = field_validation
    return params


def delete_body(
    *,
    propagation_policy: str | None = None,
    grace_period_seconds: int | None = None,
    preconditions: dict[str, str] | None = None,
    dry_run: bool = False,
) -> KubeObject | None:
    """The DeleteOptions body, or None when every option is the server's default."""
    if propagation_policy not in (None, "Orphan", "Background", "Foreground"):
        raise ValueError(
            "propagation policy must be Orphan, Background or Foreground, "
            f"not {propagation_policy!r}"
        )
    body: KubeObject = {}
    if propagation_policy:
        body["propagationPolicy"] = propagation_policy
    if grace_period_seconds is not None:
        body["gracePeriodSeconds"] = grace_period_seconds
    if preconditions:
        body["preconditions"] = preconditions
    if dry_run:
        body["dryRun"] = ["All"]
    if not body:
        return None
    return {"apiVersion": "v1", "kind": "DeleteOptions", **body}
