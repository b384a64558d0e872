"""The local fleet: real kube-apiserver, kube-controller-manager and etcd processes on loopback.

Used by ``navarch local ...``, ``make demo`` and the test suite. No containers and no nodes:
each cluster is a control plane only, which is all an add-on manager talks to.
"""

from navarch.fleet.fleet import (
    MANAGEMENT,
    ClusterStatus,
    Fleet,
    FleetError,
    FleetStatus,
    managed_names,
)

__all__ = ["MANAGEMENT", "ClusterStatus", "Fleet", "FleetError", "FleetStatus", "managed_names"]
