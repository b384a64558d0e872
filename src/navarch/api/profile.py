"""ClusterProfile (cluster-scoped) and Profile (namespaced): what to deploy, and where.

Both kinds share one ``Spec`` and one ``Status``, as in Sveltos. The spec selects clusters
(``clusterSelector``, ``clusterRefs``, ``setRefs``) and lists three kinds of features: resources
from ConfigMaps, Secrets, Flux sources or URLs (``policyRefs``), Helm charts (``helmCharts``)
and Kustomize directories (``kustomizationRefs``), plus checks, patches and drift rules around
them. Every field name, default, enum and validation rule is Sveltos's, so a ClusterProfile
written for Sveltos applies unchanged; the descriptions are our own.
"""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import Field

from navarch.api.base import APIModel, WireBytes
from navarch.api.meta import LabelSelector, ObjectReference
from navarch.api.names import CONFIG_GROUP, VERSION
from navarch.api.schema import (
    CEL,
    Atomic,
    CRDSpec,
    Default,
    Desc,
    Format,
    ListMap,
    MaxLength,
    Minimum,
    MinLength,
    Pattern,
)
from navarch.api.validatehealth import DriftExclusion, Patch, SecretReference, ValidateHealth

SyncMode = Literal["OneTime", "Continuous", "ContinuousWithDriftDetection", "DryRun"]
DeploymentType = Literal["Local", "Remote"]
HelmChartAction = Literal["Install", "Uninstall"]
PostRenderStrategy = Literal["combined", "separate", "nohooks"]
StopMatchingBehavior = Literal["WithdrawPolicies", "LeavePolicies"]
SourceKind = Literal["GitRepository", "OCIRepository", "Bucket", "ConfigMap", "Secret"]
"""What a policyRef or kustomizationRef may name: a Flux source, a ConfigMap or a Secret."""

DEFAULT_TIER = 100


class ValueFrom(APIModel):
    """A ConfigMap or Secret whose data is read (values, patches); may be templated."""

    namespace: Annotated[
        str | None, Desc("Namespace of the object; empty means the cluster's (or Profile's).")
    ] = None
    name: Annotated[str, Desc("Name of the object; may be a template."), MinLength(1)]
    kind: Annotated[Literal["ConfigMap", "Secret"], Desc("ConfigMap or Secret.")]
    optional: Annotated[
        bool, Desc("A missing object is skipped instead of failing."), Default(False)
    ] = False


class RegistryCredentialsConfig(APIModel):
    """How to authenticate to a private chart registry."""

    credentials: Annotated[
        SecretReference | None, Desc("Secret with the registry credentials.")
    ] = None
    key: Annotated[str | None, Desc("Key of that Secret to read; default: its only key.")] = None
    ca: Annotated[SecretReference | None, Desc("Secret with the registry's CA (key ca.crt).")] = (
        None
    )
    insecure_skip_tls_verify: Annotated[
        bool | None,
        Field(alias="insecureSkipTLSVerify"),
        Desc("Do not verify the registry's certificate."),
    ] = None
    plain_http: Annotated[
        bool | None, Field(alias="plainHTTP"), Desc("Download the chart over plain HTTP.")
    ] = None


class HelmInstallOptions(APIModel):
    """Flags for helm install."""

    create_namespace: Annotated[
        bool, Desc("Create the release namespace if missing."), Default(True)
    ] = True
    replace: Annotated[
        bool, Desc("Reuse the name of a deleted or failed release."), Default(True)
    ] = True
    disable_hooks: Annotated[
        bool, Desc("Skip hooks on install (overrides options.disableHooks)."), Default(False)
    ] = False
    take_ownership: Annotated[
        bool, Desc("Adopt existing resources without Helm annotations."), Default(False)
    ] = False
    recover_after_consecutive_failures: Annotated[
        int,
        Desc("Failed installs in a row after which a stale release is uninstalled first."),
        Default(5),
    ] = 5


class HelmUpgradeOptions(APIModel):
    """Flags for helm upgrade."""

    force: Annotated[bool, Desc("Force resource updates."), Default(False)] = False
    reset_values: Annotated[bool, Desc("Reset values to the chart's defaults."), Default(False)] = (
        False
    )
    reuse_values: Annotated[
        bool, Desc("Reuse the last release's values when none are given."), Default(False)
    ] = False
    reset_then_reuse_values: Annotated[
        bool, Desc("Reset to the chart's defaults, then merge the last values."), Default(False)
    ] = False
    recreate: Annotated[bool, Desc("Deprecated and ignored: recreate pods."), Default(False)] = (
        False
    )
    max_history: Annotated[int, Desc("Revisions kept per release."), Default(2)] = 2
    cleanup_on_fail: Annotated[
        bool, Desc("Delete resources created by a failed upgrade."), Default(False)
    ] = False
    sub_notes: Annotated[bool, Desc("Render subchart notes."), Default(False)] = False
    upgrade_crds: Annotated[
        bool,
        Field(alias="upgradeCRDs"),
        Desc("Apply the chart's crds directory on upgrade."),
        Default(False),
    ] = False
    disable_hooks: Annotated[
        bool, Desc("Skip hooks on upgrade (overrides options.disableHooks)."), Default(False)
    ] = False
    take_ownership: Annotated[
        bool, Desc("Adopt existing resources without Helm annotations."), Default(False)
    ] = False


class HelmUninstallOptions(APIModel):
    """Flags for helm uninstall."""

    keep_history: Annotated[bool | None, Desc("Keep the release history.")] = None
    deletion_propagation: Annotated[
        Literal["orphan", "foreground", "background"] | None,
        Desc("How dependents of deleted resources are removed."),
    ] = None
    disable_hooks: Annotated[
        bool, Desc("Skip hooks on uninstall (overrides options.disableHooks)."), Default(False)
    ] = False


class HelmOptions(APIModel):
    """Flags for the Helm operations on one chart."""

    skip_crds: Annotated[
        bool, Field(alias="skipCRDs"), Desc("Do not install the chart's CRDs."), Default(False)
    ] = False
    skip_schema_validation: Annotated[
        bool, Desc("Do not validate values against the chart's schema."), Default(False)
    ] = False
    wait: Annotated[bool, Desc("Wait until the release's workloads are ready."), Default(False)] = (
        False
    )
    wait_for_jobs: Annotated[
        bool, Desc("With wait, also wait for Jobs to complete."), Default(False)
    ] = False
    timeout: Annotated[
        str | None, Desc("Timeout of each Kubernetes operation (Go duration, default 5m).")
    ] = None
    disable_hooks: Annotated[bool, Desc("Skip the chart's hooks."), Default(False)] = False
    disable_open_api_validation: Annotated[
        bool,
        Field(alias="disableOpenAPIValidation"),
        Desc("Do not validate rendered manifests against the OpenAPI schema."),
        Default(False),
    ] = False
    atomic: Annotated[bool, Desc("Roll back a failed install or upgrade."), Default(False)] = False
    dependency_update: Annotated[
        bool, Desc("Update missing chart dependencies first."), Default(False)
    ] = False
    labels: Annotated[dict[str, str] | None, Desc("Labels added to the release metadata.")] = None
    enable_client_cache: Annotated[bool, Desc("Use Helm's client cache."), Default(False)] = False
    description: Annotated[str | None, Desc("Description of the Helm operation.")] = None
    pass_credentials_all: Annotated[
        bool | None, Desc("Pass repository credentials to every domain.")
    ] = None
    run_tests: Annotated[
        bool, Desc("Run the chart's test hooks after install or upgrade."), Default(False)
    ] = False
    post_render_strategy: Annotated[
        PostRenderStrategy | None, Desc("How hooks are fed to the patch post-renderer.")
    ] = None
    install_options: Annotated[HelmInstallOptions | None, Desc("Flags for install only.")] = None
    upgrade_options: Annotated[HelmUpgradeOptions | None, Desc("Flags for upgrade only.")] = None
    uninstall_options: Annotated[HelmUninstallOptions | None, Desc("Flags for uninstall only.")] = (
        None
    )


class OIDCIdentityMatcher(APIModel):
    """An accepted OIDC issuer and subject for keyless signature verification."""

    issuer: Annotated[str, Desc("OIDC issuer URL or regex."), MinLength(1)]
    subject: Annotated[str, Desc("OIDC subject or regex."), MinLength(1)]


class CosignVerification(APIModel):
    """Verify an OCI chart's Cosign signature before installing it."""

    provider: Annotated[
        Literal["PublicKey", "Keyless"], Desc("A public key, or keyless (Sigstore).")
    ]
    secret_ref: Annotated[
        SecretReference | None, Desc("Secret with the public key (key cosign.pub).")
    ] = None
    match_oidc_identity: Annotated[
        list[OIDCIdentityMatcher] | None,
        Field(alias="matchOIDCIdentity"),
        Desc("Accepted signer identities for keyless verification; one must match."),
    ] = None


class ProvenanceVerification(APIModel):
    """Verify an HTTP chart's .prov file with a GPG keyring."""

    keyring_secret_ref: Annotated[
        SecretReference, Desc("Secret with the keyring (key keyring.gpg).")
    ]


class HelmChart(APIModel):
    """A Helm release to install in (or remove from) each matching cluster."""

    repository_url: Annotated[
        str,
        Field(alias="repositoryURL"),
        Desc("Chart repository: http(s)://, oci://, or a Flux source kind://ns/name/path."),
        MinLength(1),
    ]
    repository_name: Annotated[
        str | None, Desc("Repository name; needed for http and oci repositories.")
    ] = None
    chart_name: Annotated[str | None, Desc("Chart name; needed for http and oci.")] = None
    chart_version: Annotated[str | None, Desc("Chart version; needed for http and oci.")] = None
    release_name: Annotated[str, Desc("Release name."), MinLength(1)]
    release_namespace: Annotated[str, Desc("Release namespace."), MinLength(1)]
    values: Annotated[str | None, Desc("Values (YAML); may be a template.")] = None
    values_from: Annotated[
        list[ValueFrom] | None, Desc("ConfigMaps and Secrets holding more values.")
    ] = None
    helm_chart_action: Annotated[
        HelmChartAction, Desc("Install or Uninstall the release."), Default("Install")
    ] = "Install"
    options: Annotated[HelmOptions | None, Desc("Flags for the Helm operations.")] = None
    registry_credentials_config: Annotated[
        RegistryCredentialsConfig | None, Desc("Credentials for a private registry.")
    ] = None
    signature_verification: Annotated[
        CosignVerification | None, Desc("Cosign verification for oci charts.")
    ] = None
    provenance_verification: Annotated[
        ProvenanceVerification | None, Desc("GPG provenance verification for http charts.")
    ] = None

    crd_markers: ClassVar = tuple(
        CEL(
            f"self.repositoryURL.startsWith('{scheme}') ? size(self.{field}) >= 1 : true",
            f"{message} must be defined",
        )
        for field, message in (
            ("chartName", "ChartName"),
            ("chartVersion", "ChartVersion"),
            ("repositoryName", "RepositoryName"),
        )
        for scheme in ("http", "oci")
    )


class RemoteKustomizeURL(APIModel):
    """A Kustomize directory fetched as a tarball over HTTP(S) or from an OCI registry."""

    url: Annotated[str, Desc("http(s):// or oci:// source."), Pattern("^(https?|oci)://")]
    interval: Annotated[str | None, Desc("How often to re-fetch (default 5m).")] = None
    secret_ref: Annotated[
        SecretReference | None, Desc("Secret with a token, basic auth or caFile.")
    ] = None
    insecure_skip_tls_verify: Annotated[
        bool,
        Field(alias="insecureSkipTLSVerify"),
        Desc("Do not verify the server's certificate."),
        Default(False),
    ] = False
    plain_http: Annotated[
        bool, Field(alias="plainHTTP"), Desc("Use plain HTTP for oci:// URLs."), Default(False)
    ] = False


class KustomizationRef(APIModel):
    """A Kustomize directory to build and deploy, from a source object or a URL."""

    namespace: Annotated[
        str | None, Desc("Namespace of the source; empty means the cluster's.")
    ] = None
    name: Annotated[str | None, Desc("Name of the source; needed unless remoteURL is set.")] = None
    kind: Annotated[SourceKind | None, Desc("Kind of the source; unset with remoteURL.")] = None
    path: Annotated[str | None, Desc("Directory within the source holding kustomization.yaml.")] = (
        None
    )
    components: Annotated[
        list[str] | None, Desc("Kustomize component paths, relative to path.")
    ] = None
    optional: Annotated[
        bool, Desc("A missing source is skipped instead of failing."), Default(False)
    ] = False
    target_namespace: Annotated[
        str | None,
        Desc("Namespace set on every resource of the output."),
        MinLength(1),
        MaxLength(63),
    ] = None
    deployment_type: Annotated[
        DeploymentType,
        Desc("Deploy to the managed cluster (Remote) or the management cluster (Local)."),
        Default("Remote"),
    ] = "Remote"
    values: Annotated[
        dict[str, str] | None, Desc("Template values substituted into the output.")
    ] = None
    values_from: Annotated[
        list[ValueFrom] | None, Desc("ConfigMaps and Secrets holding more values.")
    ] = None
    tier: Annotated[
        int,
        Desc("Priority among this profile's kustomizationRefs; lower wins."),
        Format("int32"),
        Minimum(1),
        Default(DEFAULT_TIER),
    ] = DEFAULT_TIER
    skip_namespace_creation: Annotated[
        bool, Desc("Do not create missing namespaces."), Default(False)
    ] = False
    force: Annotated[bool, Desc("Recreate resources whose update is rejected."), Default(False)] = (
        False
    )
    remote_url: Annotated[
        RemoteKustomizeURL | None,
        Field(alias="remoteURL"),
        Desc("Fetch the directory from a URL instead of a source object."),
    ] = None

    crd_markers: ClassVar = (
        CEL(
            "has(self.remoteURL) != has(self.kind)",
            "either remoteURL or kind must be set, but not both",
        ),
    )


class TemplateResourceRef(APIModel):
    """A management-cluster object made available to templates under an identifier."""

    resource: Annotated[ObjectReference, Desc("The object; name and namespace may be templates.")]
    identifier: Annotated[str, Desc("The name templates refer to the object by.")]
    optional: Annotated[
        bool, Desc("A missing object is skipped instead of failing."), Default(False)
    ] = False
    ignore_status_changes: Annotated[
        bool, Desc("Only spec and metadata changes trigger a redeploy."), Default(False)
    ] = False
    watch_fields: Annotated[
        list[str] | None, Desc("Only changes to these dotted field paths trigger a redeploy.")
    ] = None


class RemoteURL(APIModel):
    """Resources (YAML or JSON) fetched over HTTP(S) or from an OCI registry."""

    url: Annotated[str, Desc("http(s):// or oci:// source."), Pattern("^(https?|oci)://")]
    interval: Annotated[str | None, Desc("How often to re-fetch (default 5m).")] = None
    secret_ref: Annotated[
        SecretReference | None, Desc("Secret with a token, basic auth or caFile.")
    ] = None
    template: Annotated[
        bool | None, Desc("The content is a template, instantiated per cluster.")
    ] = None
    insecure_skip_tls_verify: Annotated[
        bool,
        Field(alias="insecureSkipTLSVerify"),
        Desc("Do not verify the server's certificate."),
        Default(False),
    ] = False
    plain_http: Annotated[
        bool, Field(alias="plainHTTP"), Desc("Use plain HTTP for oci:// URLs."), Default(False)
    ] = False


class PolicyRef(APIModel):
    """Resources to deploy, held in a ConfigMap, Secret or Flux source, or at a URL."""

    namespace: Annotated[
        str | None, Desc("Namespace of the source; empty means the cluster's.")
    ] = None
    name: Annotated[str | None, Desc("Name of the source; needed unless remoteURL is set.")] = None
    kind: Annotated[SourceKind | None, Desc("Kind of the source; unset with remoteURL.")] = None
    path: Annotated[str | None, Desc("Directory within a Flux source holding the YAML files.")] = (
        None
    )
    deployment_type: Annotated[
        DeploymentType,
        Desc("Deploy to the managed cluster (Remote) or the management cluster (Local)."),
        Default("Remote"),
    ] = "Remote"
    optional: Annotated[
        bool, Desc("A missing source is skipped instead of failing."), Default(False)
    ] = False
    tier: Annotated[
        int,
        Desc("Priority among this profile's policyRefs; lower wins."),
        Format("int32"),
        Minimum(1),
        Default(DEFAULT_TIER),
    ] = DEFAULT_TIER
    skip_namespace_creation: Annotated[
        bool, Desc("Do not create missing namespaces."), Default(False)
    ] = False
    force: Annotated[bool, Desc("Recreate resources whose update is rejected."), Default(False)] = (
        False
    )
    remote_url: Annotated[
        RemoteURL | None,
        Field(alias="remoteURL"),
        Desc("Fetch the resources from a URL instead of a source object."),
    ] = None

    crd_markers: ClassVar = (
        CEL(
            "has(self.remoteURL) != has(self.kind)",
            "either remoteURL or kind must be set, but not both",
        ),
    )


class Spec(APIModel):
    """Which clusters to configure, what to deploy there, and how."""

    cluster_selector: Annotated[
        LabelSelector | None, Desc("Clusters whose labels match are configured.")
    ] = None
    cluster_refs: Annotated[list[ObjectReference] | None, Desc("Clusters configured by name.")] = (
        None
    )
    set_refs: Annotated[
        list[str] | None, Desc("ClusterSets (for a ClusterProfile) or Sets (for a Profile).")
    ] = None
    sync_mode: Annotated[
        SyncMode,
        Desc("When changes reach the clusters, and whether drift is repaired."),
        Default("Continuous"),
    ] = "Continuous"
    tier: Annotated[
        int,
        Desc("Priority when profiles deploy the same resource; lower wins."),
        Format("int32"),
        Minimum(1),
        Default(DEFAULT_TIER),
    ] = DEFAULT_TIER
    continue_on_conflict: Annotated[
        bool, Desc("Keep deploying after a conflict with another profile."), Default(False)
    ] = False
    continue_on_error: Annotated[bool, Desc("Keep deploying after an error."), Default(False)] = (
        False
    )
    max_update: Annotated[
        int | str | None,
        Desc("Clusters updated at once: a number or a percentage (default 100%)."),
        Pattern("^((100|[0-9]{1,2})%|[0-9]+)$"),
    ] = None
    stop_matching_behavior: Annotated[
        StopMatchingBehavior,
        Desc("What happens to deployed features when a cluster stops matching."),
        Default("WithdrawPolicies"),
    ] = "WithdrawPolicies"
    reloader: Annotated[
        bool, Desc("Roll workloads whose mounted ConfigMaps or Secrets change."), Default(False)
    ] = False
    template_resource_refs: Annotated[
        list[TemplateResourceRef] | None,
        Desc("Management-cluster objects that templates can read."),
        ListMap(("identifier",)),
    ] = None
    depends_on: Annotated[
        list[str] | None, Desc("Profiles of the same kind that must be deployed first.")
    ] = None
    policy_refs: Annotated[list[PolicyRef] | None, Desc("Resources to deploy."), Atomic] = None
    helm_charts: Annotated[list[HelmChart] | None, Desc("Helm charts to deploy."), Atomic] = None
    kustomization_refs: Annotated[
        list[KustomizationRef] | None, Desc("Kustomize directories to deploy."), Atomic
    ] = None
    pre_deploy_checks: Annotated[
        list[ValidateHealth] | None, Desc("Checks that must pass before deploying."), Atomic
    ] = None
    validate_healths: Annotated[
        list[ValidateHealth] | None, Desc("Checks that must pass after deploying."), Atomic
    ] = None
    patches: Annotated[
        list[Patch] | None, Desc("Patches applied to every deployed resource."), Atomic
    ] = None
    patches_from: Annotated[
        list[ValueFrom] | None, Desc("ConfigMaps and Secrets holding more patches."), Atomic
    ] = None
    drift_exclusions: Annotated[
        list[DriftExclusion] | None, Desc("Paths drift detection ignores."), Atomic
    ] = None
    max_consecutive_failures: Annotated[
        int | None, Desc("Failed deployments in a row after which retrying stops.")
    ] = None
    pre_delete_checks: Annotated[
        list[ValidateHealth] | None, Desc("Checks that must pass before removing."), Atomic
    ] = None
    post_delete_checks: Annotated[
        list[ValidateHealth] | None, Desc("Checks that must pass after removing."), Atomic
    ] = None
    extra_labels: Annotated[
        dict[str, str] | None, Desc("Labels added to every deployed resource (deprecated).")
    ] = None
    extra_annotations: Annotated[
        dict[str, str] | None, Desc("Annotations added to every deployed resource (deprecated).")
    ] = None


class Clusters(APIModel):
    """Clusters at one version of the spec."""

    hash: Annotated[WireBytes | None, Desc("Hash of the spec these clusters are moving to.")] = None
    clusters: Annotated[list[ObjectReference] | None, Desc("The clusters.")] = None


class FailedCluster(APIModel):
    """A matching cluster whose ClusterSummary could not be created or updated."""

    cluster_ref: Annotated[ObjectReference, Desc("The cluster.")]
    failure_message: Annotated[str, Desc("What went wrong.")]
    last_failure_time: Annotated[
        str | None, Desc("When it last went wrong."), Format("date-time")
    ] = None


class Status(APIModel):
    """The clusters the profile matches and how far its rollout is."""

    matching_clusters: Annotated[
        list[ObjectReference] | None, Desc("Clusters the profile currently matches.")
    ] = None
    updating_clusters: Annotated[
        Clusters | None, Desc("Matching clusters being updated to the current spec.")
    ] = None
    updated_clusters: Annotated[
        Clusters | None, Desc("Matching clusters already at the current spec.")
    ] = None
    failed_clusters: Annotated[
        list[FailedCluster] | None, Desc("Clusters whose ClusterSummary could not be written.")
    ] = None
    dependencies_hash: Annotated[
        WireBytes | None, Desc("Hash of the clusters this profile's dependencies put it on.")
    ] = None
    reconciliation_suspended: Annotated[
        bool | None, Desc("Reconciliation is paused (e.g. by the paused annotation).")
    ] = None
    suspension_reason: Annotated[str | None, Desc("Why reconciliation is paused.")] = None


CLUSTER_PROFILE_CRD = CRDSpec(
    group=CONFIG_GROUP,
    version=VERSION,
    kind="ClusterProfile",
    plural="clusterprofiles",
    scope="Cluster",
    spec=Spec,
    status=Status,
    description="Add-ons and applications to deploy on clusters of any namespace.",
)

PROFILE_CRD = CRDSpec(
    group=CONFIG_GROUP,
    version=VERSION,
    kind="Profile",
    plural="profiles",
    scope="Namespaced",
    spec=Spec,
    status=Status,
    description="Add-ons and applications to deploy on clusters of the Profile's namespace.",
)
