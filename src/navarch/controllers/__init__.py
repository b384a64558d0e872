"""Management-side reconcilers, one module per kind (SveltosCluster, ClusterProfile, ...).

Each reconciler reads informer caches, decides in plain functions, acts through navarch.kube, and
writes status. Built on navarch.runtime.
"""
