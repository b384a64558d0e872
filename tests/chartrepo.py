"""A Helm chart repository on loopback, built with the real ``helm``: charts the tests write,
packaged with ``helm package``, indexed with ``helm repo index``, served over plain HTTP.

Shared by the integration tests and the benchmarks. Charts are small and real: a ConfigMap
whose data comes from values, so an upgrade or a values change is visible in the cluster.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import http.server
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from navarch.toolchain import binary_path

CONFIGMAP_TEMPLATE = """apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-config
  namespace: {{ .Release.Namespace }}
data:
  chartVersion: {{ .Chart.Version | quote }}
  greeting: {{ .Values.greeting | quote }}
  replicas: {{ .Values.replicas | quote }}
"""


CRD_TEMPLATE = """apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.{group}
spec:
  group: {group}
  scope: Namespaced
  names: {{plural: widgets, singular: widget, kind: Widget}}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        description: "widgets of chart version {version}"
        x-kubernetes-preserve-unknown-fields: true
"""


def write_chart(root: Path, name: str, version: str, greeting: str = "hello") -> Path:
    """A chart rendering a ConfigMap from values; a chart named ``*-crds`` also ships a CRD in
    ``crds/`` whose description names the chart version (to see whether it was upgraded)."""
    chart = root / "src" / f"{name}-{version}"
    (chart / "templates").mkdir(parents=True, exist_ok=True)
    if name.endswith("-crds"):
        (chart / "crds").mkdir(exist_ok=True)
        group = f"{name}.example.navarch.io"
        (chart / "crds" / "widgets.yaml").write_text(
            CRD_TEMPLATE.format(group=group, version=version)
        )
    (chart / "Chart.yaml").write_text(
        f"apiVersion: v2\nname: {name}\nversion: {version}\nappVersion: '{version}'\n"
    )
    (chart / "values.yaml").write_text(f"greeting: {greeting}\nreplicas: 1\n")
    (chart / "templates" / "configmap.yaml").write_text(CONFIGMAP_TEMPLATE)
    return chart


class ChartRepo:
    """``charts`` ((name, version) pairs) packaged into ``root/repo`` and served at ``url``."""

    def __init__(
        self, root: Path, charts: list[tuple[str, str]], auth: tuple[str, str] | None = None
    ) -> None:
        self.root = root
        self.dir = root / "repo"
        self.dir.mkdir(parents=True, exist_ok=True)
        helm = str(binary_path("helm"))
        for name, version in charts:
            chart = write_chart(root, name, version)
            subprocess.run(
                [helm, "package", str(chart), "--destination", str(self.dir)],
                check=True,
                capture_output=True,
            )
        expected = (
            "Basic " + base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode() if auth else None
        )
        handler = functools.partial(_QuietHandler, directory=str(self.dir), expected=expected)
        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        subprocess.run(
            [helm, "repo", "index", str(self.dir), "--url", self.url],
            check=True,
            capture_output=True,
        )
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> ChartRepo:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serves the repository; with ``expected``, only to that Authorization header."""

    def __init__(self, *args: Any, expected: str | None = None, **kwargs: Any) -> None:
        self.expected = expected
        super().__init__(*args, **kwargs)

    def do_GET(self) -> None:
        if self.expected is not None and self.headers.get("Authorization") != self.expected:
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="charts"')
            self.end_headers()
            return
        super().do_GET()

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextlib.contextmanager
def chart_repo(
    root: Path, charts: list[tuple[str, str]], auth: tuple[str, str] | None = None
) -> Iterator[ChartRepo]:
    with ChartRepo(root, charts, auth) as repo:
        yield repo
