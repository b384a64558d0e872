"""The raw-manifest scenarios Sveltos documents, written as a user would apply them.

Each test applies plain YAML with kubectl (the manifests a Sveltos user already has: a
ConfigMap or Secret holding the add-on, and a ClusterProfile or Profile), unchanged, and checks
the managed clusters. The scenarios follow Sveltos's documentation (raw YAML, Profiles, tiers,
dependsOn, DryRun, LeavePolicies, force, Local deployment...); the manifests are our own.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest

from navarch.api import names
from navarch.kube import Client, NotFound
from navarch.toolchain import binary_path
from tests.cli import run_async
from tests.integration.conftest import TestFleet
from tests.integration.controllers.conftest import Manager, register_cluster
from tests.integration.helpers import eventually

pytestmark = pytest.mark.integration

CONFIG = names.CONFIG_API_VERSION


async def kubectl_apply(fleet: TestFleet, tmp_path: Path, text: str) -> None:
    manifest = tmp_path / f"{uuid.uuid4().hex[:6]}.yaml"
    manifest.write_text(text)
    result = await run_async(
        str(binary_path("kubectl")),
        "--kubeconfig",
        str(fleet.dir / "kubeconfig"),
        "--context",
        "mgmt",
        "apply",
        "--validate=strict",
        "-f",
        str(manifest),
    )
    assert result.code == 0, result.stderr


async def get(
    client: Client, api: str, kind: str, name: str, ns: str | None = None
) -> dict[str, Any] | None:
    try:
        return await client.get(api, kind, name, ns)
    except NotFound:
        return None


async def feature(mgmt: Client, ns: str, summary: str) -> dict[str, Any]:
    obj = await get(mgmt, CONFIG, "ClusterSummary", summary, ns)
    for f in ((obj or {}).get("status") or {}).get("featureSummaries") or []:
        return dict(f)
    return {}


@pytest.fixture
async def fleet_ns(fleet: TestFleet, manager: Manager) -> tuple[str, str]:
    """A namespace with clusters c1 (env=fv) and c2 (env=prod); and a unique suffix."""
    tag = uuid.uuid4().hex[:6]
    ns = f"ex-{tag}"
    await register_cluster(fleet, ns, "c1", "cluster-1", f"env=fv,ex={tag}")
    await register_cluster(fleet, ns, "c2", "cluster-2", f"env=prod,ex={tag}")
    return ns, tag


NGINX = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: nginx-{tag}
  namespace: default
data:
  namespace.yaml: |
    kind: Namespace
    apiVersion: v1
    metadata:
      name: nginx-{tag}
  deployment.yaml: |
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: nginx-deployment
      namespace: nginx-{tag}
    spec:
      replicas: 2
      selector:
        matchLabels:
          app: nginx
      template:
        metadata:
          labels:
            app: nginx
        spec:
          containers:
          - name: nginx
            image: nginx:1.27
            ports:
            - containerPort: 80
"""


async def test_a_deployment_from_a_configmap(
    fleet: TestFleet, fleet_ns: tuple[str, str], tmp_path: Path
) -> None:
    _ns, tag = fleet_ns
    await kubectl_apply(
        fleet,
        tmp_path,
        NGINX.format(tag=tag)
        + f"""---
apiVersion: config.projectsveltos.io/v1beta1
kind: ClusterProfile
metadata:
  name: deploy-nginx-{tag}
spec:
  clusterSelector:
    matchLabels:
      env: fv
      ex: "{tag}"
  policyRefs:
  - name: nginx-{tag}
    namespace: default
    kind: ConfigMap
""",
    )
    c1 = fleet.client("cluster-1")
    deployment = await eventually(
        lambda: get(c1, "apps/v1", "Deployment", "nginx-deployment", f"nginx-{tag}"),
        what="the Deployment in the fv cluster",
    )
    assert deployment["spec"]["replicas"] == 2
    assert deployment["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.27"
    assert await get(fleet.client("cluster-2"), "v1", "Namespace", f"nginx-{tag}") is None


async def test_configmap_and_secret_together(
    fleet: TestFleet, fleet_ns: tuple[str, str], tmp_path: Path
) -> None:
    _ns, tag = fleet_ns
    await kubectl_apply(
        fleet,
        tmp_path,
        NGINX.format(tag=tag)
        + f"""---
apiVersion: v1
kind: Secret
metadata:
  name: rbac-{tag}
  namespace: default
type: addons.projectsveltos.io/cluster-profile
stringData:
  role.yaml: |
    apiVersion: rbac.authorization.k8s.io/v1
    kind: ClusterRole
    metadata:
      name: reader-{tag}
    rules:
    - apiGroups: [""]
      resources: ["pods"]
      verbs: ["get", "list"]
---
apiVersion: config.projectsveltos.io/v1beta1
kind: ClusterProfile
metadata:
  name: deploy-resources-{tag}
spec:
  clusterSelector:
    matchLabels:
      ex: "{tag}"
  policyRefs:
  - name: nginx-{tag}
    namespace: default
    kind: ConfigMap
  - name: rbac-{tag}
    namespace: default
    kind: Secret
""",
    )
    for cluster in ("cluster-1", "cluster-2"):
        client = fleet.client(cluster)
        await eventually(
            lambda c=client: get(c, "rbac.authorization.k8s.io/v1", "ClusterRole", f"reader-{tag}"),
            what=f"ClusterRole in {cluster}",
        )
        assert await get(client, "apps/v1", "Deployment", "nginx-deployment", f"nginx-{tag}")


async def test_a_policy_ref_without_namespace_reads_the_clusters_namespace(
    fleet: TestFleet, fleet_ns: tuple[str, str], tmp_path: Path
) -> None:
    ns, tag = fleet_ns
    # the same ConfigMap name in the clusters' namespace; no namespace in the policyRef
    await kubectl_apply(
        fleet,
        tmp_path,
        f"""apiVersion: v1
kind: ConfigMap
metadata:
  name: per-cluster-ns
  namespace: {ns}
data:
  cm.yaml: |
    apiVersion: v1
    kind: ConfigMap
    metadata:
      name: from-cluster-namespace-{tag}
      namespace: default
---
apiVersion: config.projectsveltos.io/v1beta1
kind: ClusterProfile
metadata:
  name: ns-default-{tag}
spec:
  clusterSelector:
    matchLabels:
      env: prod
      ex: "{tag}"
  policyRefs:
  - name: per-cluster-ns
    kind: ConfigMap
""",
    )
    await eventually(
        lambda: get(
            fleet.client("cluster-2"), "v1", "ConfigMap", f"from-cluster-namespace-{tag}", "default"
        ),
        what="read from the cluster's namespace",
    )


async def test_skip_namespace_creation_needs_a_pre_provisioned_namespace(
    fleet: TestFleet, fleet_ns: tuple[str, str], tmp_path: Path
) -> None:
    ns, tag = fleet_ns
    await kubectl_apply(
        fleet,
        tmp_path,
        f"""apiVersion: v1
kind: ConfigMap
metadata:
  name: preprovisioned-{tag}
  namespace: default
data:
  sa.yaml: |
    apiVersion: v1
    kind: ServiceAccount
    metadata:
      name: app
      namespace: team-{tag}
---
apiVersion: config.projectsveltos.io/v1beta1
kind: ClusterProfile
metadata:
  name: deploy-to-preprovisioned-ns-{tag}
spec:
  clusterSelector:
    matchLabels:
      env: fv
      ex: "{tag}"
  policyRefs:
  - name: preprovisioned-{tag}
    namespace: default
    kind: ConfigMap
    skipNamespaceCreation: true
""",
    )
    mgmt, c1 = fleet.client("mgmt"), fleet.client("cluster-1")
    summary = f"deploy-to-preprovisioned-ns-{tag}-sveltos-c1"

    async def failing() -> str | None:
        f = await feature(mgmt, ns, summary)
        return f.get("failureMessage") if f.get("status") == "Failed" else None

    assert f'namespaces "team-{tag}" not found' in await eventually(failing, what="no namespace")
    await c1.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": f"team-{tag}"}})
    await eventually(
        lambda: get(c1, "v1", "ServiceAccount", "app", f"team-{tag}"),
        timeout=60,
        what="deployed once the namespace exists",
    )


async def test_a_profile_deploys_only_to_its_namespace(
    fleet: TestFleet, fleet_ns: tuple[str, str], tmp_path: Path
) -> None:
    ns, tag = fleet_ns
    await kubectl_apply(
        fleet,
        tmp_path,
        f"""apiVersion: v1
kind: ConfigMap
metadata:
  name: tenant-policies
  namespace: {ns}
data:
  quota.yaml: |
    apiVersion: v1
    kind: ResourceQuota
    metadata:
      name: quota-{tag}
      namespace: default
    spec:
      hard:
        pods: "10"
---
apiVersion: config.projectsveltos.io/v1beta1
kind: Profile
metadata:
  name: tenant-quota
  namespace: {ns}
spec:
  clusterSelector:
    matchLabels:
      ex: "{tag}"
  policyRefs:
  - name: tenant-policies
    kind: ConfigMap
""",
    )
    for cluster in ("cluster-1", "cluster-2"):
        quota = await eventually(
            lambda c=cluster: get(
                fleet.client(c), "v1", "ResourceQuota", f"quota-{tag}", "default"
            ),
            what=f"quota in {cluster}",
        )
        assert quota["spec"]["hard"] == {"pods": "10"}
    profile = await fleet.client("mgmt").get(CONFIG, "Profile", "tenant-quota", ns)
    assert len(profile["status"]["matchingClusters"]) == 2


async def test_tiers_decide_who_owns_a_shared_resource(
    fleet: TestFleet, fleet_ns: tuple[str, str], tmp_path: Path
) -> None:
    _ns, tag = fleet_ns
    base = f"""apiVersion: v1
kind: ConfigMap
metadata:
  name: {{name}}-{tag}
  namespace: default
data:
  settings.yaml: |
    apiVersion: v1
    kind: ConfigMap
    metadata:
      name: shared-settings-{tag}
      namespace: default
    data:
      owner: {{name}}
---
apiVersion: config.projectsveltos.io/v1beta1
kind: ClusterProfile
metadata:
  name: {{name}}-{tag}
spec:
  tier: {{tier}}
  clusterSelector:
    matchLabels:
      env: prod
      ex: "{tag}"
  policyRefs:
  - name: {{name}}-{tag}
    namespace: default
    kind: ConfigMap
"""
    c2 = fleet.client("cluster-2")
    await kubectl_apply(fleet, tmp_path, base.format(name="platform", tier=100))

    async def owner() -> str | None:
        obj = await get(c2, "v1", "ConfigMap", f"shared-settings-{tag}", "default")
        return (obj or {}).get("data", {}).get("owner")

    assert await eventually(owner, what="platform deploys") == "platform"
    await kubectl_apply(fleet, tmp_path, base.format(name="security", tier=50))
    await eventually(lambda: _is(owner, "security"), what="the lower tier takes over")


async def _is(get_value: Any, expected: str) -> bool:
    return bool(await get_value() == expected)


async def test_dry_run_then_deploy(
    fleet: TestFleet, fleet_ns: tuple[str, str], tmp_path: Path
) -> None:
    ns, tag = fleet_ns
    profile = (
        NGINX.format(tag=tag)
        + f"""---
apiVersion: config.projectsveltos.io/v1beta1
kind: ClusterProfile
metadata:
  name: dry-{tag}
spec:
  syncMode: {{mode}}
  clusterSelector:
    matchLabels:
      env: fv
      ex: "{tag}"
  policyRefs:
  - name: nginx-{tag}
    namespace: default
    kind: ConfigMap
"""
    )
    mgmt, c1 = fleet.client("mgmt"), fleet.client("cluster-1")
    await kubectl_apply(fleet, tmp_path, profile.format(mode="DryRun"))

    async def report() -> list[tuple[str, str]] | None:
        obj = await get(mgmt, CONFIG, "ClusterReport", f"dry-{tag}--sveltos--c1", ns)
        lines = ((obj or {}).get("status") or {}).get("resourceReports") or []
        return sorted((line["resource"]["kind"], line["action"]) for line in lines) or None

    assert await eventually(report, what="the report") == [
        ("Deployment", "Create"),
        ("Namespace", "Create"),
    ]
    assert await get(c1, "v1", "Namespace", f"nginx-{tag}") is None
    await kubectl_apply(fleet, tmp_path, profile.format(mode="Continuous"))
    await eventually(
        lambda: get(c1, "apps/v1", "Deployment", "nginx-deployment", f"nginx-{tag}"),
        what="deployed in Continuous mode",
    )


async def test_force_recreates_what_cannot_be_updated(
    fleet: TestFleet, fleet_ns: tuple[str, str], tmp_path: Path
) -> None:
    _ns, tag = fleet_ns
    template = f"""apiVersion: v1
kind: ConfigMap
metadata:
  name: frozen-src-{tag}
  namespace: default
data:
  frozen.yaml: |
    apiVersion: v1
    kind: ConfigMap
    metadata:
      name: frozen-{tag}
      namespace: default
    immutable: true
    data:
      version: "{{version}}"
---
apiVersion: config.projectsveltos.io/v1beta1
kind: ClusterProfile
metadata:
  name: force-{tag}
spec:
  clusterSelector:
    matchLabels:
      env: fv
      ex: "{tag}"
  policyRefs:
  - name: frozen-src-{tag}
    namespace: default
    kind: ConfigMap
    force: true
"""
    c1 = fleet.client("cluster-1")

    async def version() -> str | None:
        obj = await get(c1, "v1", "ConfigMap", f"frozen-{tag}", "default")
        return (obj or {}).get("data", {}).get("version")

    await kubectl_apply(fleet, tmp_path, template.format(version="1"))
    assert await eventually(version, what="first version") == "1"
    await kubectl_apply(fleet, tmp_path, template.format(version="2"))
    await eventually(lambda: _is(version, "2"), what="an immutable object recreated")


async def test_continue_on_error_deploys_the_rest(
    fleet: TestFleet, fleet_ns: tuple[str, str], tmp_path: Path
) -> None:
    ns, tag = fleet_ns
    await kubectl_apply(
        fleet,
        tmp_path,
        f"""apiVersion: v1
kind: ConfigMap
metadata:
  name: mixed-{tag}
  namespace: default
data:
  a-bad.yaml: |
    apiVersion: v1
    kind: ConfigMap
    metadata:
      name: Bad_Name
      namespace: default
  b-good.yaml: |
    apiVersion: v1
    kind: ConfigMap
    metadata:
      name: good-{tag}
      namespace: default
---
apiVersion: config.projectsveltos.io/v1beta1
kind: ClusterProfile
metadata:
  name: keep-going-{tag}
spec:
  continueOnError: true
  clusterSelector:
    matchLabels:
      env: fv
      ex: "{tag}"
  policyRefs:
  - name: mixed-{tag}
    namespace: default
    kind: ConfigMap
""",
    )
    await eventually(
        lambda: get(fleet.client("cluster-1"), "v1", "ConfigMap", f"good-{tag}", "default"),
        what="the good document deployed",
    )

    async def failed() -> str | None:
        f = await feature(fleet.client("mgmt"), ns, f"keep-going-{tag}-sveltos-c1")
        return f.get("failureMessage") if f.get("status") == "Failed" else None

    assert "Bad_Name" in await eventually(failed, what="the bad one reported")


async def test_local_deployment_and_extra_labels(
    fleet: TestFleet, fleet_ns: tuple[str, str], tmp_path: Path
) -> None:
    _ns, tag = fleet_ns
    await kubectl_apply(
        fleet,
        tmp_path,
        f"""apiVersion: v1
kind: ConfigMap
metadata:
  name: mgmt-side-{tag}
  namespace: default
data:
  record.yaml: |
    apiVersion: v1
    kind: ConfigMap
    metadata:
      name: record-{tag}
      namespace: default
---
apiVersion: config.projectsveltos.io/v1beta1
kind: ClusterProfile
metadata:
  name: local-{tag}
spec:
  clusterSelector:
    matchLabels:
      env: fv
      ex: "{tag}"
  extraLabels:
    managed-by: platform-team
  extraAnnotations:
    contact: platform@example.com
  policyRefs:
  - name: mgmt-side-{tag}
    namespace: default
    kind: ConfigMap
    deploymentType: Local
""",
    )
    record = await eventually(
        lambda: get(fleet.client("mgmt"), "v1", "ConfigMap", f"record-{tag}", "default"),
        what="deployed in the management cluster",
    )
    assert record["metadata"]["labels"]["managed-by"] == "platform-team"
    assert record["metadata"]["annotations"]["contact"] == "platform@example.com"
    assert (
        await get(fleet.client("cluster-1"), "v1", "ConfigMap", f"record-{tag}", "default") is None
    )


async def test_a_list_document_and_cluster_refs(
    fleet: TestFleet, fleet_ns: tuple[str, str], tmp_path: Path
) -> None:
    ns, tag = fleet_ns
    await kubectl_apply(
        fleet,
        tmp_path,
        f"""apiVersion: v1
kind: ConfigMap
metadata:
  name: listed-{tag}
  namespace: default
data:
  list.json: |
    {{"apiVersion": "v1", "kind": "List", "items": [
      {{"apiVersion": "v1", "kind": "ServiceAccount",
        "metadata": {{"name": "one-{tag}", "namespace": "default"}}}},
      {{"apiVersion": "v1", "kind": "ServiceAccount",
        "metadata": {{"name": "two-{tag}", "namespace": "default"}}}}]}}
---
apiVersion: config.projectsveltos.io/v1beta1
kind: ClusterProfile
metadata:
  name: by-ref-{tag}
spec:
  clusterRefs:
  - apiVersion: lib.projectsveltos.io/v1beta1
    kind: SveltosCluster
    namespace: {ns}
    name: c2
  policyRefs:
  - name: listed-{tag}
    namespace: default
    kind: ConfigMap
""",
    )
    c2 = fleet.client("cluster-2")
    for sa in (f"one-{tag}", f"two-{tag}"):
        await eventually(
            lambda s=sa: get(c2, "v1", "ServiceAccount", s, "default"), what=f"{sa} from a List"
        )
