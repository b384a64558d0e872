"""Machinery every controller shares: informers, work queues, the controller loop, leader election.

The vocabulary is client-go's on purpose (informer, store, indexer, work queue, reconcile,
requeue, lease): anyone who has written a Kubernetes controller can read the controllers built
on it.
"""

from navarch.runtime.controller import Controller, Reconcile, Requeue
from navarch.runtime.informer import EventHandler, FuncHandler, Informer, InformerStats, Store
from navarch.runtime.leaderelection import LeaderElector, LeadershipLost, micro_time
from navarch.runtime.workqueue import ExponentialBackoff, RateLimiter, ShutDown, WorkQueue

__all__ = [
    "Controller",
    "EventHandler",
    "ExponentialBackoff",
    "FuncHandler",
    "Informer",
    "InformerStats",
    "LeaderElector",
    "LeadershipLost",
    "RateLimiter",
    "Reconcile",
    "Requeue",
    "ShutDown",
    "Store",
    "WorkQueue",
    "micro_time",
]
