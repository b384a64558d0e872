"""The template examples Sveltos documents (resource manipulation functions), applied with kubectl
as a Sveltos user would: a management-cluster object named in templateResourceRefs, and a
ConfigMap annotated projectsveltos.io/template whose content copies or reshapes it for every
matching cluster. The manifests are our own; the scenarios are Sveltos's."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.integration.conftest import TestFleet
from tests.integration.controllers.conftest import Manager, register_cluster
from tests.integration.controllers.test_kustomize import get
from tests.integration.controllers.test_profiles import cleanup, uid
from tests.integration.controllers.test_sveltos_examples import kubectl_apply
from tests.integration.helpers import eventually

pytestmark = pytest.mark.integration

DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: nginx-{tag}
  namespace: default
  labels:
    app: nginx
spec:
  replicas: 3
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
        image: registry.invalid/nginx:1.0
        ports:
        - containerPort: 80
"""


def profile(tag: str, kind: str, api_version: str, name: str, identifier: str) -> str:
    return f"""apiVersion: config.projectsveltos.io/v1beta1
kind: ClusterProfile
metadata:
  name: tex-{tag}
spec:
  clusterSelector:
    matchLabels:
      example: "{tag}"
  templateResourceRefs:
  - resource:
      apiVersion: {api_version}
      kind: {kind}
      name: {name}
      namespace: default
    identifier: {identifier}
  policyRefs:
  - kind: ConfigMap
    name: info-{tag}
    namespace: default
"""


def template_configmap(tag: str, body: str) -> str:
    indented = "".join(f"    {line}\n" for line in body.splitlines())
    return f"""apiVersion: v1
kind: ConfigMap
metadata:
  name: info-{tag}
  namespace: default
  annotations:
    projectsveltos.io/template: ok
data:
  resource.yaml: |
{indented}"""


async def setup(fleet: TestFleet, cluster: str) -> str:
    tag = uid()
    await register_cluster(fleet, f"tex-{tag}", "x", cluster, f"example={tag}")
    return tag


async def deployed(fleet: TestFleet, cluster: str, tag: str) -> dict[str, Any] | None:
    return await get(fleet.client(cluster), "apps/v1", "Deployment", f"nginx-{tag}", "default")


async def test_copy_a_management_secret_to_the_clusters(
    fleet: TestFleet, manager: Manager, tmp_path: Path
) -> None:
    tag = await setup(fleet, "cluster-1")
    secret = f"""apiVersion: v1
kind: Secret
metadata:
  name: imported-{tag}
  namespace: default
type: kubernetes.io/dockerconfigjson
data:
  .dockerconfigjson: eyJhdXRocyI6IHt9fQ==
"""
    manifests = [
        secret,
        template_configmap(tag, '{{ copy "ExternalSecret" }}'),
        profile(tag, "Secret", "v1", f"imported-{tag}", "ExternalSecret"),
    ]
    await kubectl_apply(fleet, tmp_path, "---\n".join(manifests))
    copied = await eventually(
        lambda: get(fleet.client("cluster-1"), "v1", "Secret", f"imported-{tag}", "default"),
        timeout=60,
        what="the Secret copied",
    )
    assert copied["type"] == "kubernetes.io/dockerconfigjson"
    assert copied["data"] == {".dockerconfigjson": "eyJhdXRocyI6IHt9fQ=="}
    await cleanup(fleet.client("mgmt"), f"tex-{tag}")


async def test_set_field_changes_the_copy(
    fleet: TestFleet, manager: Manager, tmp_path: Path
) -> None:
    tag = await setup(fleet, "cluster-2")
    manifests = [
        DEPLOYMENT.format(tag=tag),
        template_configmap(tag, '{{ setField "NginxDeployment" "spec.replicas" (int64 5) }}'),
        profile(tag, "Deployment", "apps/v1", f"nginx-{tag}", "NginxDeployment"),
    ]
    await kubectl_apply(fleet, tmp_path, "---\n".join(manifests))
    found = await eventually(
        lambda: deployed(fleet, "cluster-2", tag), timeout=60, what="the Deployment"
    )
    assert found["spec"]["replicas"] == 5
    await cleanup(fleet.client("mgmt"), f"tex-{tag}")


async def test_chain_set_field_reshapes_the_copy(
    fleet: TestFleet, manager: Manager, tmp_path: Path
) -> None:
    tag = await setup(fleet, "cluster-3")
    body = """{{ $depl := (getResource "NginxDeployment") }}
{{ $depl := (chainSetField $depl "spec.replicas" (int64 1) ) }}
{{ $depl := (chainSetField $depl "metadata.namespace" .Cluster.metadata.namespace ) }}
{{ $depl := (chainSetField $depl "spec.template.spec.serviceAccountName" "default" ) }}
{{ $depl := (chainSetField $depl "spec.paused" true ) }}
{{ toYaml $depl }}"""
    manifests = [
        DEPLOYMENT.format(tag=tag),
        template_configmap(tag, body),
        profile(tag, "Deployment", "apps/v1", f"nginx-{tag}", "NginxDeployment"),
    ]
    await kubectl_apply(fleet, tmp_path, "---\n".join(manifests))
    found = await eventually(
        lambda: get(
            fleet.client("cluster-3"), "apps/v1", "Deployment", f"nginx-{tag}", f"tex-{tag}"
        ),
        timeout=60,
        what="the Deployment in the cluster's namespace",
    )
    assert found["spec"]["replicas"] == 1 and found["spec"]["paused"] is True
    assert found["spec"]["template"]["spec"]["serviceAccountName"] == "default"
    await cleanup(fleet.client("mgmt"), f"tex-{tag}")


async def test_all_in_one_changes_every_container_image(
    fleet: TestFleet, manager: Manager, tmp_path: Path
) -> None:
    tag = await setup(fleet, "cluster-1")
    body = "\n".join(  # Sveltos's "All-in-One" template, line for line
        [
            '{{ $currentContainers := (getField "NginxDeployment" '
            '"spec.template.spec.containers") }}',
            "{{ $modifiedContainers := list }}",
            "{{- range $element := $currentContainers }}",
            "  {{ $modifiedContainers = append $modifiedContainers "
            '(chainSetField $element "image" "nginx:1.13" ) }}',
            "{{- end }}",
            '{{ setField "NginxDeployment" "spec.template.spec.containers" $modifiedContainers }}',
        ]
    )
    manifests = [
        DEPLOYMENT.format(tag=tag),
        template_configmap(tag, body),
        profile(tag, "Deployment", "apps/v1", f"nginx-{tag}", "NginxDeployment"),
    ]
    await kubectl_apply(fleet, tmp_path, "---\n".join(manifests))
    found = await eventually(
        lambda: deployed(fleet, "cluster-1", tag), timeout=60, what="the Deployment"
    )
    assert [c["image"] for c in found["spec"]["template"]["spec"]["containers"]] == ["nginx:1.13"]
    await cleanup(fleet.client("mgmt"), f"tex-{tag}")
