"""The per-cluster agent: drift detection (and later events, health checks, classifiers).

Runs in the managed cluster (mode 1) or beside the manager (mode 2); see the drift issue.
"""
