"""A real OCI registry on loopback for the Helm tests: distribution's registry (built from its
Go module by ``tests/gobuild.py``), optionally behind htpasswd basic auth, with charts pushed by
the real ``helm push``."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from navarch.toolchain import binary_path
from tests.gobuild import build


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class OCIRegistry:
    def __init__(self, root: Path, auth: tuple[str, str] | None) -> None:
        self.root = root
        self.auth = auth
        self.port = _free_port()
        self.host = f"127.0.0.1:{self.port}"
        self.url = f"oci://{self.host}/charts"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        binary = build("ociregistry")
        self.root.mkdir(parents=True, exist_ok=True)
        config = [
            "version: 0.1",
            "log: {level: error, accesslog: {disabled: true}}",
            f"storage: {{filesystem: {{rootdirectory: {self.root / 'data'}}}}}",
            f"http: {{addr: '{self.host}', secret: test-only}}",
        ]
        if self.auth is not None:
            line = subprocess.run(
                [str(binary), "htpasswd", *self.auth], check=True, capture_output=True, text=True
            ).stdout
            (self.root / "htpasswd").write_text(line)
            config.append(f"auth: {{htpasswd: {{realm: test, path: {self.root / 'htpasswd'}}}}}")
        (self.root / "config.yml").write_text("\n".join(config) + "\n")
        env = {**os.environ, "OTEL_TRACES_EXPORTER": "none"}
        log = (self.root / "registry.log").open("wb")
        self.proc = subprocess.Popen(
            [str(binary), "serve", str(self.root / "config.yml")], stdout=log, stderr=log, env=env
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"http://{self.host}/v2/", timeout=1)
                break
            except urllib.error.HTTPError:
                break  # 401: up, and asking for credentials
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    log_text = (self.root / "registry.log").read_text()
                    raise RuntimeError(f"the OCI registry did not start: {log_text}") from None
                time.sleep(0.05)

    def push(self, chart: Path, helm_home: Path) -> None:
        """``helm push chart oci://host/charts --plain-http`` (with the credentials)."""
        args = [str(binary_path("helm")), "push", str(chart), self.url, "--plain-http"]
        if self.auth is not None:
            args += ["--username", self.auth[0], "--password", self.auth[1]]
        env = {
            **os.environ,
            **{f"HELM_{p.upper()}_HOME": str(helm_home / p) for p in ("cache", "config", "data")},
        }
        subprocess.run(args, check=True, capture_output=True, env=env)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)


@contextlib.contextmanager
def oci_registry(
    root: Path, charts: list[Path], auth: tuple[str, str] | None = None
) -> Iterator[OCIRegistry]:
    registry = OCIRegistry(root, auth)
    registry.start()
    try:
        for chart in charts:
            registry.push(chart, root / "helm")
        yield registry
    finally:
        registry.stop()
