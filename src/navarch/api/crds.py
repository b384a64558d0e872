"""Every CustomResourceDefinition Navarch installs, generated from the models."""

from __future__ import annotations

from navarch.api.clusterconfiguration import CLUSTER_CONFIGURATION_CRD
from navarch.api.clusterreport import CLUSTER_REPORT_CRD
from navarch.api.clusterset import CLUSTER_SET_CRD, SET_CRD
from navarch.api.clustersummary import CLUSTER_SUMMARY_CRD
from navarch.api.profile import CLUSTER_PROFILE_CRD, PROFILE_CRD
from navarch.api.resourcesummary import RESOURCE_SUMMARY_CRD
from navarch.api.schema import CRDSpec
from navarch.api.sveltoscluster import SVELTOS_CLUSTER_CRD

ALL_CRDS: tuple[CRDSpec, ...] = (
    SVELTOS_CLUSTER_CRD,
    CLUSTER_SET_CRD,
    SET_CRD,
    CLUSTER_PROFILE_CRD,
    PROFILE_CRD,
    CLUSTER_SUMMARY_CRD,
    CLUSTER_CONFIGURATION_CRD,
    CLUSTER_REPORT_CRD,
    RESOURCE_SUMMARY_CRD,
)
