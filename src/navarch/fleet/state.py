"""The fleet's state file: which ports and processes belong to it, and its lock.

Everything ``up``, ``stop``, ``start``, ``status`` and ``down`` know about a running fleet is in
``<state-dir>/fleet.json``, written atomically (temp file + rename) after every change, so a
command interrupted half-way still leaves a record of every process it started, and ``down``
can always clean up. ``<state-dir>/fleet.lock`` (flock) serializes commands on one fleet.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import json
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from navarch.fleet.processes import ProcessRecord


@dataclass
class ClusterState:
    name: str
    port: int
    controller_manager: bool = True
    apiserver: ProcessRecord | None = None
    kcm: ProcessRecord | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "port": self.port,
            "controllerManager": self.controller_manager,
            "apiserver": self.apiserver.to_json() if self.apiserver else None,
            "kcm": self.kcm.to_json() if self.kcm else None,
        }

    @staticmethod
    def from_json(doc: dict[str, Any]) -> ClusterState:
        return ClusterState(
            name=doc["name"],
            port=int(doc["port"]),
            controller_manager=bool(doc.get("controllerManager", True)),
            apiserver=ProcessRecord.from_json(doc.get("apiserver")),
            kcm=ProcessRecord.from_json(doc.get("kcm")),
        )


@dataclass
class FleetState:
    etcd_client_port: int = 0
    etcd_peer_port: int = 0
    etcd: ProcessRecord | None = None
    clusters: dict[str, ClusterState] = field(default_factory=dict)
    # Other processes started for this fleet (e.g. the demo's manager); `down` stops them first.
    extras: dict[str, ProcessRecord] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "etcd": {
                "clientPort": self.etcd_client_port,
                "peerPort": self.etcd_peer_port,
                "process": self.etcd.to_json() if self.etcd else None,
            },
            "clusters": [c.to_json() for c in self.clusters.values()],
            "extras": {name: record.to_json() for name, record in self.extras.items()},
        }

    @staticmethod
    def from_json(doc: dict[str, Any]) -> FleetState:
        etcd = doc.get("etcd") or {}
        return FleetState(
            etcd_client_port=int(etcd.get("clientPort") or 0),
            etcd_peer_port=int(etcd.get("peerPort") or 0),
            etcd=ProcessRecord.from_json(etcd.get("process")),
            clusters={c["name"]: ClusterState.from_json(c) for c in doc.get("clusters") or []},
            extras={
                name: record
                for name, raw in (doc.get("extras") or {}).items()
                if (record := ProcessRecord.from_json(raw)) is not None
            },
        )


def load(path: Path) -> FleetState:
    try:
        return FleetState.from_json(json.loads(path.read_text()))
    except FileNotFoundError:
        return FleetState()


def save(path: Path, state: FleetState) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(state.to_json(), indent=2) + "\n")
    os.replace(tmp, path)


@contextlib.asynccontextmanager
async def locked(path: Path) -> AsyncIterator[None]:
    """Hold the fleet's lock; waits (off the event loop) if another command holds it."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        await asyncio.to_thread(fcntl.flock, fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)
