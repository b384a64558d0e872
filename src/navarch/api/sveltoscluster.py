"""SveltosCluster (lib.projectsveltos.io/v1beta1): a cluster registered by its kubeconfig.

Field names, defaults and validation rules follow the Sveltos API, so a SveltosCluster written
for Sveltos applies unchanged. Descriptions are our own.
"""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import Field

from navarch.api.base import APIModel, WireBytes
from navarch.api.common import ResourceSelector
from navarch.api.names import DEFAULT_FAILURE_THRESHOLD, LIB_GROUP, VERSION
from navarch.api.schema import (
    AGE,
    CEL,
    CRDSpec,
    Default,
    Desc,
    Format,
    Immutable,
    MinLength,
    PrinterColumn,
)

ConnectionStatus = Literal["Healthy", "Down"]


class ActiveWindow(APIModel):
    """When the cluster takes updates: paused outside [from, to) (cron expressions)."""

    from_: Annotated[
        str,
        Field(alias="from"),
        Desc("Cron expression: when to unpause the cluster."),
        MinLength(1),
    ]
    to: Annotated[str, Desc("Cron expression: when to pause the cluster."), MinLength(1)]


class ClusterCheck(APIModel):
    """A Lua check over resources of the cluster (readiness or liveness)."""

    name: Annotated[str, Desc("A name for the check, used in messages.")]
    resource_selectors: Annotated[
        list[ResourceSelector], Desc("The resources the condition is evaluated on.")
    ]
    condition: Annotated[
        str, Desc("A Lua `evaluate` function over the selected resources; returns a bool.")
    ]


class TokenRequestRenewalOption(APIModel):
    """How the manager renews the kubeconfig's service-account token."""

    renew_token_request_interval: Annotated[
        str, Desc("How often to request a new token (Go duration, e.g. 1h).")
    ]
    token_duration: Annotated[
        str | None,
        Desc("Lifetime asked for each token; default: the interval plus 30 minutes."),
    ] = None
    sa_namespace: Annotated[
        str | None, Desc("Namespace of the service account; default: from the kubeconfig.")
    ] = None
    sa_name: Annotated[
        str | None, Desc("Name of the service account; default: from the kubeconfig.")
    ] = None
    kubeconfig_key_name: Annotated[
        str | None, Desc("Secret key for the renewed kubeconfig; default: re-kubeconfig.")
    ] = None


class LocalObjectReference(APIModel):
    name: Annotated[str | None, Desc("Name of the referent.")] = None


class AWSWorkloadIdentity(APIModel):
    cluster_name: Annotated[str, Desc("EKS cluster name."), MinLength(1)]
    role_arn: Annotated[str | None, Field(alias="roleARN"), Desc("IAM role to assume.")] = None
    region: Annotated[str | None, Desc("AWS region.")] = None


class GCPWorkloadIdentity(APIModel):
    project_id: Annotated[str, Field(alias="projectID"), Desc("GCP project."), MinLength(1)]
    cluster_name: Annotated[str, Desc("GKE cluster name."), MinLength(1)]
    location: Annotated[str, Desc("GKE cluster location."), MinLength(1)]


class AzureWorkloadIdentity(APIModel):
    tenant_id: Annotated[str, Field(alias="tenantID"), Desc("Entra tenant."), MinLength(1)]
    client_id: Annotated[
        str, Field(alias="clientID"), Desc("Client (application) id."), MinLength(1)
    ]
    subscription_id: Annotated[
        str | None, Field(alias="subscriptionID"), Desc("Azure subscription.")
    ] = None
    resource_group: Annotated[str | None, Desc("Resource group of the cluster.")] = None
    cluster_name: Annotated[str | None, Desc("AKS cluster name.")] = None


class WorkloadIdentityConfig(APIModel):
    """Reach the cluster with cloud workload identity instead of a stored kubeconfig."""

    provider: Annotated[Literal["AWS", "GCP", "Azure"], Desc("The cloud provider.")]
    endpoint: Annotated[str, Desc("The cluster's API server URL."), MinLength(1)]
    ca_secret_ref: Annotated[
        LocalObjectReference | None, Desc("Secret holding the API server's CA (key ca.crt).")
    ] = None
    aws: Annotated[AWSWorkloadIdentity | None, Desc("EKS settings.")] = None
    gcp: Annotated[GCPWorkloadIdentity | None, Desc("GKE settings.")] = None
    azure: Annotated[AzureWorkloadIdentity | None, Desc("AKS settings.")] = None

    crd_markers: ClassVar = (
        CEL(
            "(self.provider == 'AWS') == has(self.aws)",
            "aws must be set if and only if provider is AWS",
        ),
        CEL(
            "(self.provider == 'GCP') == has(self.gcp)",
            "gcp must be set if and only if provider is GCP",
        ),
        CEL(
            "(self.provider == 'Azure') == has(self.azure)",
            "azure must be set if and only if provider is Azure",
        ),
    )


class SveltosClusterSpec(APIModel):
    """How to reach the cluster and how the manager treats it."""

    kubeconfig_name: Annotated[
        str | None, Desc("Secret with the kubeconfig; default: <name>-sveltos-kubeconfig.")
    ] = None
    kubeconfig_key_name: Annotated[
        str | None, Desc("Key of that Secret holding the kubeconfig; default: its first key.")
    ] = None
    paused: Annotated[bool | None, Desc("Stop all processing of this cluster.")] = None
    token_request_renewal_option: Annotated[
        TokenRequestRenewalOption | None, Desc("Renew the kubeconfig's token periodically.")
    ] = None
    data: Annotated[dict[str, str] | None, Desc("Arbitrary data for templates.")] = None
    active_window: Annotated[
        ActiveWindow | None, Desc("Pause and unpause the cluster on a schedule.")
    ] = None
    consecutive_failure_threshold: Annotated[
        int,
        Desc("Failed probes in a row after which the connection is reported Down."),
        Default(DEFAULT_FAILURE_THRESHOLD),
    ] = DEFAULT_FAILURE_THRESHOLD
    readiness_checks: Annotated[
        list[ClusterCheck] | None, Desc("Checks that must pass before the cluster is Ready.")
    ] = None
    liveness_checks: Annotated[
        list[ClusterCheck] | None, Desc("Checks that must keep passing once it is Ready.")
    ] = None
    pull_mode: Annotated[
        bool,
        Desc("The cluster pulls its configuration (set at creation, immutable)."),
        Default(False),
        Immutable,
    ] = False
    workload_identity: Annotated[
        WorkloadIdentityConfig | None, Desc("Reach the cluster with cloud workload identity.")
    ] = None

    crd_markers: ClassVar = (
        CEL(
            "!has(self.workloadIdentity) || !has(self.kubeconfigName)",
            "workloadIdentity, kubeconfigName: conflict",
        ),
    )


class SveltosClusterStatus(APIModel):
    """What the manager last observed of the cluster."""

    version: Annotated[str | None, Desc("The cluster's Kubernetes version.")] = None
    ready: Annotated[bool | None, Desc("The cluster can be managed.")] = None
    connection_status: Annotated[
        ConnectionStatus | None, Desc("Healthy, or Down after repeated failed probes.")
    ] = None
    failure_message: Annotated[str | None, Desc("Why the last probe failed, and what to do.")] = (
        None
    )
    last_reconciled_token_request_at: Annotated[
        str | None, Desc("When the token was last renewed (RFC 3339).")
    ] = None
    agent_last_report_time: Annotated[
        str | None, Desc("Last heartbeat of a pull-mode agent."), Format("date-time")
    ] = None
    next_unpause: Annotated[
        str | None, Desc("When the active window next unpauses."), Format("date-time")
    ] = None
    next_pause: Annotated[
        str | None, Desc("When the active window next pauses."), Format("date-time")
    ] = None
    active_window_hash: Annotated[
        WireBytes | None, Desc("Hash of the active window the schedule was computed from.")
    ] = None
    connection_failures: Annotated[int | None, Desc("Failed probes in a row."), Default(0)] = None


SVELTOS_CLUSTER_CRD = CRDSpec(
    group=LIB_GROUP,
    version=VERSION,
    kind="SveltosCluster",
    plural="sveltosclusters",
    scope="Namespaced",
    spec=SveltosClusterSpec,
    status=SveltosClusterStatus,
    description="A Kubernetes cluster registered with its kubeconfig.",
    printer_columns=(
        PrinterColumn("Ready", "boolean", ".status.ready", "Whether the cluster can be managed"),
        PrinterColumn(
            "ConnectionStatus",
            "string",
            ".status.connectionStatus",
            "Whether the connection is healthy",
            priority=1,
        ),
        PrinterColumn("Version", "string", ".status.version", "Kubernetes version"),
        AGE,
        PrinterColumn(
            "Shard",
            "string",
            ".metadata.annotations['sharding\\.projectsveltos\\.io/key']",
            "Controller shard",
        ),
    ),
)
