"""Sveltos ``patches`` through the engine: the pinned ``kubectl kustomize`` applies them, and the
Helm 4 post-renderer plugin applies them to ``helm template`` output.

Runs the pinned kubectl and helm; no cluster is needed.
"""

from __future__ import annotations

import asyncio
import copy
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from navarch.engines import postrender
from navarch.engines.patches import Patch, Patcher, PatchError, Target
from navarch.engines.resources import parse_documents
from navarch.toolchain import binary_path

Obj = dict[str, Any]

MANIFESTS = """
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: apps
  creationTimestamp: null
  labels: {app: web, tier: front}
  annotations: {team: blue}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}, creationTimestamp: null}
    spec:
      containers:
      - name: main
        image: nginx:1.25
        env: [{name: A, value: "1"}]
      - name: side
        image: busybox:1.36
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web-2
  namespace: other
  labels: {app: web-2, tier: back}
spec:
  replicas: 2
  selector: {matchLabels: {app: web-2}}
  template:
    metadata: {labels: {app: web-2}}
    spec:
      containers: [{name: main, image: nginx:1.25}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: settings, namespace: apps}
data:
  script: |
    #!/bin/sh
      indented: "quoted"
    echo done
  no-newline: "a\\nb"
  looks-like-a-number: "0123"
  looks-like-a-bool: "yes"
  equals: "="
  exponent: "1e-05"
  empty: ""
---
apiVersion: v1
kind: Namespace
metadata: {name: apps}
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  names: {kind: Widget, plural: widgets}
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        x-kubernetes-preserve-unknown-fields: true
        properties:
          spec:
            type: object
            properties:
              size: {type: integer, default: 3, minimum: 1}
---
apiVersion: example.com/v1
kind: Widget
metadata: {name: w1, namespace: apps}
spec: {size: 2, ratio: 0.5, tiny: 0.00001, enabled: true, nothing: null, list: [1, "2", 3.0]}
"""


@pytest.fixture
def patcher(tmp_path: Path) -> Patcher:
    return Patcher(binary_path("kubectl"), tmp_path)


@pytest.fixture
def objects() -> list[Obj]:
    return parse_documents(MANIFESTS, "test manifests")


def _find(objects: list[Obj], kind: str, name: str) -> Obj:
    return next(o for o in objects if o["kind"] == kind and o["metadata"]["name"] == name)


def _json_patch(*ops: str) -> str:
    return "[" + ",".join(ops) + "]"


async def test_a_strategic_merge_patch_merges_containers_by_name(
    patcher: Patcher, objects: list[Obj]
) -> None:
    patch = Patch(
        """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: apps}
spec:
  replicas: 3
  template:
    spec:
      containers:
      - name: main
        env: [{name: B, value: "2"}]
""",
        None,
        "spec.patches[0]",
    )
    out = await patcher.apply(objects, [patch], "here")
    web = _find(out, "Deployment", "web")
    assert web["spec"]["replicas"] == 3
    main, side = web["spec"]["template"]["spec"]["containers"]
    assert main["image"] == "nginx:1.25"
    assert sorted(e["name"] for e in main["env"]) == ["A", "B"]
    assert side == {"name": "side", "image": "busybox:1.36"}
    # the untargeted patch names web only; every other object is the input object itself
    assert [o is i for o, i in zip(out, objects, strict=True)] == [False] + [True] * 5


async def test_json6902_add_replace_and_remove(patcher: Patcher, objects: list[Obj]) -> None:
    patch = Patch(
        _json_patch(
            '{"op": "add", "path": "/metadata/labels/env", "value": "prod"}',
            '{"op": "replace", "path": "/spec/replicas", "value": 5}',
            '{"op": "remove", "path": "/metadata/annotations/team"}',
        ),
        Target(kind="Deployment", name="web"),
        "spec.patches[0]",
    )
    out = await patcher.apply(objects, [patch], "here")
    web = _find(out, "Deployment", "web")
    assert web["metadata"]["labels"] == {"app": "web", "tier": "front", "env": "prod"}
    assert web["spec"]["replicas"] == 5
    assert "annotations" not in web["metadata"]  # kustomize drops the emptied map
    assert _find(out, "Deployment", "web-2") is _find(objects, "Deployment", "web-2")


async def test_a_remove_of_a_missing_path_is_dropped_for_objects_without_it(
    patcher: Patcher, objects: list[Obj]
) -> None:
    patch = Patch(
        _json_patch(
            '{"op": "remove", "path": "/metadata/annotations/team"}',
            '{"op": "add", "path": "/metadata/labels/seen", "value": "yes"}',
        ),
        Target(kind="Deployment"),
        "spec.patches[0]",
    )
    out = await patcher.apply(objects, [patch], "here")
    web, web2 = _find(out, "Deployment", "web"), _find(out, "Deployment", "web-2")
    assert "annotations" not in web["metadata"]
    assert web["metadata"]["labels"]["seen"] == web2["metadata"]["labels"]["seen"] == "yes"
    assert "annotations" not in web2["metadata"]


@pytest.mark.parametrize(
    ("target", "patched"),
    [
        (Target(kind="Deployment"), {"web", "web-2"}),
        (Target(kind="Deploy"), set()),  # regexes are matched whole
        (Target(name="web"), {"web"}),
        (Target(name="web-.*"), {"web-2"}),
        (Target(name="w.*", kind="Deployment|Widget"), {"web", "web-2", "w1"}),
        (Target(namespace="other"), {"web-2"}),
        (Target(label_selector="tier in (front,back)"), {"web", "web-2"}),
        (Target(label_selector="tier!=front,app"), {"web-2"}),
        (Target(annotation_selector="team=blue"), {"web"}),
        (Target(group="apps", version="v1"), {"web", "web-2"}),
        (Target(group="example.com", kind="Widget"), {"w1"}),
        (Target(group="", version="v1", kind="ConfigMap"), {"settings"}),
        (Target(), {"web", "web-2", "settings", "apps", "widgets.example.com", "w1"}),
    ],
)
async def test_targets_select_like_sveltos(
    patcher: Patcher, objects: list[Obj], target: Target, patched: set[str]
) -> None:
    patch = Patch(
        _json_patch('{"op": "add", "path": "/metadata/annotations", "value": {"hit": "1"}}'),
        target,
        "spec.patches[0]",
    )
    out = await patcher.apply(objects, [patch], "here")
    hit = {
        o["metadata"]["name"]
        for o in out
        if (o["metadata"].get("annotations") or {}) == {"hit": "1"}
    }
    assert hit == patched


async def test_patching_every_object_adds_the_patch_and_nothing_else(
    patcher: Patcher, objects: list[Obj]
) -> None:
    """kustomize must neither add nor drop anything, nor change a type, nor reorder."""
    patch = Patch(
        _json_patch('{"op": "add", "path": "/metadata/labels", "value": {"patched": "true"}}'),
        Target(),
        "spec.patches[0]",
    )
    out = await patcher.apply(objects, [patch], "here")
    expected = copy.deepcopy(objects)
    for obj in expected:
        obj["metadata"]["labels"] = {"patched": "true"}
    assert out == expected
    assert [o["kind"] for o in out] == [
        "Deployment",
        "Deployment",
        "ConfigMap",
        "Namespace",
        "CustomResourceDefinition",
        "Widget",
    ]
    widget = _find(out, "Widget", "w1")["spec"]
    assert widget["tiny"] == pytest.approx(1e-05) and isinstance(widget["tiny"], float)
    assert _find(out, "ConfigMap", "settings")["data"]["equals"] == "="
    assert _find(out, "ConfigMap", "settings")["data"]["exponent"] == "1e-05"


async def test_a_patch_matching_nothing_is_not_an_error(
    patcher: Patcher, objects: list[Obj]
) -> None:
    nothing = Patch(
        _json_patch('{"op": "replace", "path": "/spec/replicas", "value": 9}'),
        Target(kind="StatefulSet"),
        "spec.patches[0]",
    )
    absent = Patch(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: absent, namespace: apps}\n"
        "data: {x: y}\n",
        None,
        "spec.patches[1]",
    )
    out = await patcher.apply(objects, [nothing, absent], "here")
    assert out == objects and patcher.runs == 0  # nothing to do: kubectl is not even run
    by_label = Patch(
        _json_patch('{"op": "replace", "path": "/spec/replicas", "value": 9}'),
        Target(kind="Deployment", label_selector="tier=middle"),
        "spec.patches[2]",
    )
    out = await patcher.apply(objects, [by_label], "here")
    assert patcher.runs == 1  # label selectors are kustomize's to judge
    assert all(o is i for o, i in zip(out, objects, strict=True))


async def test_without_patches_the_input_comes_back_untouched(
    patcher: Patcher, objects: list[Obj]
) -> None:
    assert await patcher.apply(objects, [], "here") is objects
    assert patcher.runs == 0


async def test_a_malformed_patch_is_named_before_kubectl_runs(
    patcher: Patcher, objects: list[Obj]
) -> None:
    good = Patch(
        _json_patch('{"op": "replace", "path": "/spec/replicas", "value": 4}'),
        Target(kind="Deployment"),
        "spec.patches[0]",
    )
    bad = Patch("spec: [replicas: 3", Target(kind="Deployment"), "ConfigMap default/p key 'x'")
    with pytest.raises(PatchError) as err:
        await patcher.apply(objects, [good, bad], "ClusterSummary ns/c")
    message = str(err.value)
    assert message.startswith("ClusterSummary ns/c: patch 1 (ConfigMap default/p key 'x', ")
    assert "'spec: [replicas: 3'" in message
    assert "not valid YAML" in message and "JSON 6902" in message
    assert patcher.runs == 0


async def test_a_patch_kustomize_rejects_is_named_and_the_failure_is_cached(
    patcher: Patcher, objects: list[Obj]
) -> None:
    patches = [
        Patch(
            _json_patch('{"op": "replace", "path": "/spec/replicas", "value": 4}'),
            Target(kind="Deployment"),
            "spec.patches[0]",
        ),
        Patch(
            _json_patch('{"op": "add", "path": "/metadata/labels/x", "value": "y"}'),
            Target(kind="Namespace"),  # a Namespace without labels: no parent to add to
            "spec.patches[1]",
        ),
        Patch(
            _json_patch('{"op": "add", "path": "/data/k", "value": "v"}'),
            Target(kind="ConfigMap"),
            "spec.patches[2]",
        ),
    ]
    with pytest.raises(PatchError) as err:
        await patcher.apply(objects, patches, "here")
    message = str(err.value)
    assert message.startswith("here: patch 1 (spec.patches[1], ")
    assert "kustomize could not apply it:" in message and "/metadata/labels/x" in message
    assert "navarch-patches-" not in message  # no temporary paths
    runs = patcher.runs
    with pytest.raises(PatchError) as again:
        await patcher.apply(objects, patches, "elsewhere")
    assert str(again.value) == message.replace("here:", "elsewhere:", 1)
    assert patcher.runs == runs


async def test_a_json6902_patch_without_target_is_a_clear_error(
    patcher: Patcher, objects: list[Obj]
) -> None:
    patch = Patch("- op: replace\n  path: /spec/replicas\n  value: 2\n", None, "spec.patches[4]")
    with pytest.raises(PatchError, match=r"patch 0 \(spec.patches\[4\].*needs a target"):
        await patcher.apply(objects, [patch], "here")


async def test_the_second_identical_call_is_served_from_the_cache(
    patcher: Patcher, objects: list[Obj]
) -> None:
    patch = Patch(
        _json_patch('{"op": "replace", "path": "/spec/replicas", "value": 7}'),
        Target(kind="Deployment", name="web"),
        "spec.patches[0]",
    )
    first = await patcher.apply(objects, [patch], "cluster-1")
    assert patcher.runs == 1
    again = parse_documents(MANIFESTS, "another cluster's copy")
    second = await patcher.apply(again, [patch], "cluster-2")
    assert patcher.runs == 1
    assert second == first
    # untouched objects are the caller's own, not the first caller's
    assert _find(second, "Namespace", "apps") is _find(again, "Namespace", "apps")
    concurrent = await asyncio.gather(
        *(
            patcher.apply(objects, [Patch(patch.text, Target(kind="Deployment"))], f"c{i}")
            for i in range(5)
        )
    )
    assert patcher.runs == 2
    assert all(c == concurrent[0] for c in concurrent)


async def test_objects_with_one_id_are_patched_in_separate_runs(patcher: Patcher) -> None:
    twice = parse_documents(
        "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: sa}\n---\n"
        "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: sa, namespace: default,"
        " annotations: {helm.sh/hook: pre-install}}\n",
        "hook and template",
    )
    patch = Patch(
        _json_patch('{"op": "add", "path": "/automountServiceAccountToken", "value": false}'),
        Target(kind="ServiceAccount"),
        "spec.patches[0]",
    )
    out = await patcher.apply(twice, [patch], "here")
    assert [o["automountServiceAccountToken"] for o in out] == [False, False]
    assert out[1]["metadata"]["annotations"] == {"helm.sh/hook": "pre-install"}
    assert patcher.runs == 2


async def test_a_delete_directive_removes_the_object(patcher: Patcher, objects: list[Obj]) -> None:
    patch = Patch(
        "$patch: delete\napiVersion: v1\nkind: ConfigMap\n"
        "metadata: {name: settings, namespace: apps}\n",
        None,
        "spec.patches[0]",
    )
    out = await patcher.apply(objects, [patch], "here")
    assert [o["metadata"]["name"] for o in out] == [
        "web",
        "web-2",
        "apps",
        "widgets.example.com",
        "w1",
    ]


# --- Helm 4 post-renderer -----------------------------------------------------------------------


def _helm_env(home: Path) -> dict[str, str]:
    """What the Helm engine passes (``Helm._env``): private homes, no user HELM_* settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HELM_")}
    env.pop("KUBECONFIG", None)
    for part in ("cache", "config", "data"):
        (home / part).mkdir(parents=True, exist_ok=True)
        env[f"HELM_{part.upper()}_HOME"] = str(home / part)
    return env


CHART = {
    "Chart.yaml": "apiVersion: v2\nname: tiny\nversion: 0.1.0\n",
    "values.yaml": "replicas: 1\n",
    "templates/deployment.yaml": """apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}-tiny
  labels: {app: tiny}
spec:
  replicas: {{ .Values.replicas }}
  selector: {matchLabels: {app: tiny}}
  template:
    metadata: {labels: {app: tiny}}
    spec:
      containers: [{name: app, image: "nginx:1.25"}]
""",
    "templates/config.yaml": """apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-config
data:
  version: "1.10"
  flag: "on"
""",
    "templates/hook.yaml": """apiVersion: batch/v1
kind: Job
metadata:
  name: {{ .Release.Name }}-migrate
  labels: {app: tiny}
  annotations: {"helm.sh/hook": pre-install}
spec:
  template:
    spec:
      restartPolicy: Never
      containers: [{name: m, image: "busybox:1.36"}]
""",
}


def _template(home: Path, chart: Path, extra: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(binary_path("helm")), "template", "r1", str(chart), "--namespace", "apps", *extra],
        env=_helm_env(home),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def chart(tmp_path: Path) -> Path:
    root = tmp_path / "tiny"
    for name, text in CHART.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def _call_dir(home: Path) -> Path:
    directory = home / "call-1"
    directory.mkdir(mode=0o700, parents=True)
    return directory


async def test_helm_template_output_is_patched_by_the_post_renderer(
    tmp_path: Path, chart: Path
) -> None:
    home = tmp_path / "helm"
    name = postrender.install_plugin(home / "data" / "plugins")
    patches = [
        Patch(
            _json_patch(
                '{"op": "replace", "path": "/spec/replicas", "value": 3}',
                '{"op": "add", "path": "/metadata/labels/env", "value": "prod"}',
            ),
            Target(kind="Deployment|Job"),
            "spec.patches[0]",
        ),
    ]
    request = postrender.write_request(
        _call_dir(home), patches, kubectl=binary_path("kubectl"), where="Helm chart apps/r1"
    )
    assert request.stat().st_mode & 0o777 == 0o600
    done = _template(home, chart, postrender.flags(request))
    assert done.returncode == 0, done.stderr
    rendered = {(o["kind"], o["metadata"]["name"]): o for o in parse_documents(done.stdout, "out")}
    deployment = rendered[("Deployment", "r1-tiny")]
    assert deployment["spec"]["replicas"] == 3
    assert deployment["metadata"]["labels"] == {"app": "tiny", "env": "prod"}
    # the hook went through the post-renderer too (Helm 4 sends hooks; "combined")
    assert rendered[("Job", "r1-migrate")]["metadata"]["labels"]["env"] == "prod"
    # untouched objects are written back as they came: quoted strings stay strings
    assert rendered[("ConfigMap", "r1-config")]["data"] == {"version": "1.10", "flag": "on"}
    assert name == postrender.PLUGIN_NAME


async def test_nohooks_leaves_hooks_alone(tmp_path: Path, chart: Path) -> None:
    home = tmp_path / "helm"
    postrender.install_plugin(home / "data" / "plugins")
    patch = Patch(
        _json_patch('{"op": "add", "path": "/metadata/labels/env", "value": "prod"}'),
        Target(label_selector="app=tiny"),
        "spec.patches[0]",
    )
    request = postrender.write_request(
        _call_dir(home),
        [patch],
        kubectl=binary_path("kubectl"),
        where="Helm chart apps/r1",
        strategy="nohooks",
    )
    done = _template(home, chart, postrender.flags(request))
    assert done.returncode == 0, done.stderr
    rendered = {o["kind"]: o for o in parse_documents(done.stdout, "out")}
    assert rendered["Deployment"]["metadata"]["labels"]["env"] == "prod"
    assert "env" not in rendered["Job"]["metadata"]["labels"]


async def test_a_failing_patch_in_the_post_renderer_is_reported_through_error_of(
    tmp_path: Path, chart: Path
) -> None:
    home = tmp_path / "helm"
    postrender.install_plugin(home / "data" / "plugins")
    patch = Patch(
        _json_patch('{"op": "test", "path": "/data/flag", "value": "off"}'),
        Target(kind="ConfigMap"),  # the chart says "on"
        "spec.patches[3]",
    )
    request = postrender.write_request(
        _call_dir(home), [patch], kubectl=binary_path("kubectl"), where="Helm chart apps/r1"
    )
    done = _template(home, chart, postrender.flags(request))
    assert done.returncode != 0
    assert "navarch-patches" in done.stderr  # all Helm itself says
    message = postrender.error_of(request)
    assert message is not None
    assert message.startswith("Helm chart apps/r1 (post-renderer): patch 0 (spec.patches[3], ")
    assert "/data/flag" in message
