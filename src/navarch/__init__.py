"""Navarch: keep the same add-ons on a fleet of Kubernetes clusters, speaking the Sveltos API."""

__version__ = "0.1.0"
