"""One open connection per registered cluster, shared by every controller of the manager.

The SveltosCluster controller is the only writer: it connects a cluster from the kubeconfig in
its Secret, replaces the connection when that kubeconfig changes (a renewed token, a
re-registration), and drops it when the cluster is deregistered. Every other controller only
reads (``get``), so no two places ever hold different credentials for one cluster.

A connection is identified by a digest of the kubeconfig text, not by the Secret's
resourceVersion: the manager writing a renewed token under another key of the same Secret
changes the resourceVersion but not the kubeconfig in use, and must not reconnect.

Connections live in this process only. A manager that has just started knows clusters whose
status says Ready but has connected none of them until their first probe; so whoever needs a
connection can ask to be told when one opens (``on_connect``) instead of reporting the cluster
as unreachable meanwhile.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from navarch import log
from navarch.kube import Client, ClusterConfig

ClusterKey = tuple[str, str]  # (namespace, name) of the SveltosCluster

_log = log.get_logger(__name__)


@dataclass
class Connection:
    client: Client
    config: ClusterConfig
    fingerprint: str


def fingerprint(kubeconfig_text: str) -> str:
    return hashlib.sha256(kubeconfig_text.encode()).hexdigest()


class ClusterConnections:
    def __init__(self, *, qps: float = 50.0, burst: int = 100, timeout: float = 30.0) -> None:
        self._qps, self._burst, self._timeout = qps, burst, timeout
        self._by_cluster: dict[ClusterKey, Connection] = {}
        self._listeners: list[Callable[[ClusterKey], None]] = []

    def on_connect(self, listener: Callable[[ClusterKey], None]) -> None:
        """Call ``listener(key)`` each time a connection to a cluster opens (anew or replaced)."""
        self._listeners.append(listener)

    def __len__(self) -> int:
        return len(self._by_cluster)

    def get(self, key: ClusterKey) -> Connection | None:
        return self._by_cluster.get(key)

    async def connect(self, key: ClusterKey, config: ClusterConfig, print_: str) -> Connection:
        """The connection for ``key``, opened anew only if the kubeconfig changed."""
        current = self._by_cluster.get(key)
        if current is not None and current.fingerprint == print_:
            return current
        client = Client(config, qps=self._qps, burst=self._burst, timeout=self._timeout)
        self._by_cluster[key] = Connection(client=client, config=config, fingerprint=print_)
        if current is not None:
            await current.client.aclose()
            _log.info("kubeconfig changed; reconnected", cluster=f"{key[0]}/{key[1]}")
        for listener in self._listeners:
            listener(key)
        return self._by_cluster[key]

    async def drop(self, key: ClusterKey) -> None:
        current = self._by_cluster.pop(key, None)
        if current is not None:
            await current.client.aclose()
            _log.info("connection closed", cluster=f"{key[0]}/{key[1]}")

    async def close_all(self) -> None:
        for key in list(self._by_cluster):
            await self.drop(key)
