"""Every CustomResourceDefinition Navarch installs, generated from the models."""

from __future__ import annotations

from navarch.api.clusterset import CLUSTER_SET_CRD, SET_CRD
from navarch.api.schema import CRDSpec
from navarch.api.sveltoscluster import SVELTOS_CLUSTER_CRD

ALL_CRDS: tuple[CRDSpec, ...] = (SVELTOS_CLUSTER_CRD, CLUSTER_SET_CRD, SET_CRD)
