"""Kustomize trees for the tests, packed the way Sveltos users pack them.

``hello_tree`` writes a tree shaped like the one Sveltos's Kustomize example uses (a base with
a Deployment, a Service and a ConfigMap; ``overlays/production`` adding a name prefix and a
replica count; ``overlays/staging`` adding a ConfigMap; a ``components/monitoring`` component
adding a label), with our own content. ``packed`` makes the ``kustomize.tar.gz`` that
``tar -czf kustomize.tar.gz -C <dir> .`` would make, and ``source`` wraps it in the ConfigMap
(``binaryData``) or Secret (``data``) a kustomizationRef names.
"""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

from navarch.engines.kustomize import pack, source_object

FILES = {
    "base/kustomization.yaml": "resources:\n- deployment.yaml\n- service.yaml\n- map.yaml\n",
    "base/deployment.yaml": """apiVersion: apps/v1
kind: Deployment
metadata:
  name: the-deployment
spec:
  replicas: 1
  selector:
    matchLabels: {app: hello}
  template:
    metadata:
      labels: {app: hello}
    spec:
      containers:
      - name: hello
        image: registry.invalid/hello:1.0
""",
    "base/service.yaml": """apiVersion: v1
kind: Service
metadata:
  name: the-service
spec:
  selector: {app: hello}
  ports:
  - port: 80
    targetPort: 8080
""",
    "base/map.yaml": """apiVersion: v1
kind: ConfigMap
metadata:
  name: the-map
data:
  greeting: hello
""",
    "overlays/production/kustomization.yaml": (
        "namePrefix: production-\nresources:\n- ../../base\npatches:\n- path: replicas.yaml\n"
    ),
    "overlays/production/replicas.yaml": (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: the-deployment\n"
        "spec:\n  replicas: 3\n"
    ),
    "overlays/staging/kustomization.yaml": (
        "namePrefix: staging-\nresources:\n- ../../base\n- extra.yaml\n"
    ),
    "overlays/staging/extra.yaml": (
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: staging-only\ndata:\n  stage: 'yes'\n"
    ),
    "components/monitoring/kustomization.yaml": (
        "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n"
        "labels:\n- pairs:\n    monitoring: enabled\n"
    ),
}


def hello_tree(root: Path, **changes: str | None) -> Path:
    """Write the tree under ``root``; ``changes`` (path -> text, None deletes) alter files."""
    files: dict[str, str | None] = {**FILES, **changes}
    for relative, text in files.items():
        if text is None:
            continue
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


packed = pack  # ``tar -czf kustomize.tar.gz -C root .``
source = source_object  # the ConfigMap/Secret holding an archive


def packed_files(files: dict[str, str]) -> bytes:
    """A tar.gz holding exactly ``files`` (name -> text), names as given."""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as tar:
        for name, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return out.getvalue()
