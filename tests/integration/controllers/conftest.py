"""A real `navarch manager` process for the controller tests, against the session fleet.

The manager runs as a user would run it (the installed command, the fleet's mgmt kubeconfig),
with a 1 s probe interval so that health changes show within seconds. Its log goes to a file
that the credential test reads.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from navarch.api import names
from navarch.kube import Client, NotFound
from tests.cli import NAVARCH, navarch_async
from tests.integration.conftest import TestFleet
from tests.integration.helpers import eventually

PROBE_INTERVAL = "1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# the shared manager runs with --lua-methods: Lua code of this ConfigMap precedes every script
NAMESPACE = "projectsveltos"
LUA_METHODS = "navarch-test-lua-methods"
LUA_GREETING = 'function greeting(name)\n  return "%s " .. name\nend\n'


@dataclass
class Manager:
    log: Path
    env: dict[str, str]
    proc: asyncio.subprocess.Process | None = None
    metrics_port: int = field(default_factory=free_port)

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")

    async def start(self) -> None:
        """Start `navarch manager` and wait until its controllers run."""
        mark = len(self.log_text()) if self.log.exists() else 0
        with self.log.open("ab") as out:
            self.proc = await asyncio.create_subprocess_exec(
                str(NAVARCH),
                "--context",
                "mgmt",
                "manager",
                "--probe-interval",
                PROBE_INTERVAL,
                "--metrics-bind-address",
                f"127.0.0.1:{self.metrics_port}",
                "--lua-methods",
                LUA_METHODS,
                stdout=out,
                stderr=out,
                env=self.env,
            )
        proc = self.proc
        await eventually(
            lambda: "controller started" in self.log_text()[mark:] or proc.returncode is not None,
            timeout=60,
            what="manager start",
        )
        assert proc.returncode is None, self.log_text()[mark:]

    async def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.proc is not None and self.proc.returncode is None:
            self.proc.send_signal(sig)
            await asyncio.wait_for(self.proc.wait(), timeout=30)


@pytest.fixture(scope="session")
async def manager(
    fleet: TestFleet, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Manager]:
    env = {**os.environ, "KUBECONFIG": str(fleet.dir / "kubeconfig")}
    for _ in range(2):  # installing twice changes nothing
        installed = await navarch_async("--context", "mgmt", "install", env=env)
        assert installed.code == 0, installed.stderr
    mgmt = fleet.client("mgmt")
    await mgmt.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NAMESPACE}})
    await mgmt.apply(
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": LUA_METHODS, "namespace": NAMESPACE},
            "data": {"greeting.lua": LUA_GREETING % "hello"},
        }
    )
    handle = Manager(tmp_path_factory.mktemp("manager") / "manager.log", env)
    try:
        await handle.start()
        yield handle
    finally:
        await handle.stop()
    print(f"manager log: {handle.log}", file=sys.stderr)


async def sveltos_cluster(mgmt: Client, namespace: str, name: str) -> dict[str, Any] | None:
    try:
        return await mgmt.get(names.LIB_API_VERSION, "SveltosCluster", name, namespace)
    except NotFound:
        return None


async def wait_status(
    mgmt: Client, namespace: str, name: str, what: str, timeout: float = 30, **expected: Any
) -> dict[str, Any]:
    """Poll until status has every expected field value; returns the object."""

    async def check() -> dict[str, Any] | None:
        obj = await sveltos_cluster(mgmt, namespace, name)
        status = (obj or {}).get("status") or {}
        return obj if all(status.get(k) == v for k, v in expected.items()) else None

    result: dict[str, Any] = await eventually(
        check, timeout=timeout, what=f"{namespace}/{name} {what}"
    )
    return result


async def register_cluster(
    fleet: TestFleet, namespace: str, name: str, source: str, labels: str = ""
) -> None:
    """`navarch register cluster` for a fleet cluster, as a user runs it."""
    args = [
        "--context",
        "mgmt",
        "register",
        "cluster",
        "--namespace",
        namespace,
        "--cluster",
        name,
        "--kubeconfig",
        str(fleet.fleet.kubeconfig_of(source)),
    ]
    if labels:
        args += ["--labels", labels]
    result = await navarch_async(*args, env={"KUBECONFIG": str(fleet.dir / "kubeconfig")})
    assert result.code == 0, result.stderr
