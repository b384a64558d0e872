"""Shared lib.projectsveltos.io types that profiles embed: health checks, patches, drift rules.

These are not kinds of their own: ClusterProfile and Profile (and later other kinds) carry them
in their specs, so they live in one module. ``ValidateHealth`` is a check run in a managed
cluster (a Lua script, CEL rules, Prometheus queries or a Job); ``Patch`` and ``DriftExclusion``
name the resources they apply to with a ``PatchSelector``, as Kustomize does. Names, defaults
and rules are Sveltos's, so a Sveltos manifest using them applies unchanged.
"""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import Field

from navarch.api.base import APIModel
from navarch.api.common import CELRule, LabelFilter
from navarch.api.schema import CEL, Atomic, Desc, MinLength

FeatureID = Literal["Resources", "Helm", "Kustomize"]
"""The three ways a profile deploys: referenced resources, Helm charts, Kustomize."""


class SecretReference(APIModel):
    """A Secret by name and namespace (corev1.SecretReference)."""

    name: Annotated[str | None, Desc("Name of the Secret.")] = None
    namespace: Annotated[str | None, Desc("Namespace of the Secret.")] = None

    crd_markers: ClassVar = (Atomic,)


class MetricSource(APIModel):
    """A Prometheus-compatible endpoint that metric queries are sent to."""

    url: Annotated[str, Desc("Base URL of the endpoint."), MinLength(1)]
    path: Annotated[str | None, Desc("Query path; empty means /api/v1/query.")] = None
    secret_ref: Annotated[
        SecretReference | None, Desc("Secret in the managed cluster with a token or basic auth.")
    ] = None


class MetricQuery(APIModel):
    """A PromQL instant query whose scalar result the check script reads by name."""

    name: Annotated[str, Desc("Key of the result in the script's metrics table."), MinLength(1)]
    query: Annotated[str, Desc("The PromQL expression."), MinLength(1)]


class JobPolicyRef(APIModel):
    """A ConfigMap or Secret in the management cluster (libsveltos PolicyRef)."""

    namespace: Annotated[str, Desc("Namespace of the object; empty means the cluster's.")]
    name: Annotated[str, Desc("Name of the object."), MinLength(1)]
    kind: Annotated[Literal["Secret", "ConfigMap"], Desc("Secret or ConfigMap.")]


class JobHealthCheck(APIModel):
    """Run a Job in the managed cluster; it passes when the Job completes."""

    job_ref: Annotated[JobPolicyRef, Desc("The ConfigMap or Secret holding the Job manifest.")]
    timeout: Annotated[str | None, Desc("How long to wait for the Job to finish (default 5m).")] = (
        None
    )


class ValidateHealth(APIModel):
    """A check run in a managed cluster before or after a feature is deployed or removed."""

    name: Annotated[str, Desc("A name for the check, used in messages.")]
    feature_id: Annotated[
        FeatureID, Field(alias="featureID"), Desc("The feature after which the check runs.")
    ]
    group: Annotated[str | None, Desc("API group of the resources to check.")] = None
    version: Annotated[str | None, Desc("API version of the resources to check.")] = None
    kind: Annotated[
        str | None, Desc("Kind of the resources to check; empty for metric-only checks.")
    ] = None
    label_filters: Annotated[
        list[LabelFilter] | None, Desc("Filters on the resources' labels.")
    ] = None
    namespace: Annotated[
        str | None, Desc("Namespace of the resources; empty for cluster-scoped ones.")
    ] = None
    metric_source: Annotated[
        MetricSource | None, Desc("Endpoint the metric queries are sent to.")
    ] = None
    metric_queries: Annotated[
        list[MetricQuery] | None, Desc("PromQL queries whose results the script can read.")
    ] = None
    script: Annotated[
        str | None, Desc("A Lua script returning whether the resources are healthy.")
    ] = None
    evaluate_cel: Annotated[
        list[CELRule] | None,
        Field(alias="evaluateCEL"),
        Desc("CEL rules, tried in order; the first that holds decides."),
    ] = None
    job_check: Annotated[
        JobHealthCheck | None, Desc("A Job whose outcome is the check's result.")
    ] = None

    crd_markers: ClassVar = (
        CEL(
            "!has(self.jobCheck) || (!has(self.script) && !has(self.evaluateCEL))",
            "jobCheck cannot be set together with script or evaluateCEL",
        ),
    )


class PatchSelector(APIModel):
    """The resources a patch or drift exclusion applies to; every set field must match."""

    version: Annotated[str | None, Desc("API version of the resources.")] = None
    group: Annotated[str | None, Desc("API group of the resources.")] = None
    kind: Annotated[str | None, Desc("Kind of the resources.")] = None
    namespace: Annotated[str | None, Desc("Namespace of the resources.")] = None
    name: Annotated[str | None, Desc("Name of the resources.")] = None
    annotation_selector: Annotated[
        str | None, Desc("A label-selector expression matched against annotations.")
    ] = None
    label_selector: Annotated[
        str | None, Desc("A label-selector expression matched against labels.")
    ] = None


class Patch(APIModel):
    """A strategic-merge or JSON 6902 patch applied to deployed resources."""

    patch: Annotated[str, Desc("The patch document; may be a template.")]
    target: Annotated[
        PatchSelector | None, Desc("Resources to patch; unset means as the patch names.")
    ] = None


class DriftExclusion(APIModel):
    """JSON 6902 paths that drift detection ignores."""

    paths: Annotated[list[str], Desc("JSON 6902 paths to leave out of drift evaluation.")]
    target: Annotated[
        PatchSelector | None, Desc("Resources the paths apply to; unset means all.")
    ] = None
