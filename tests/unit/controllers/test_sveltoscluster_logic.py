"""The SveltosCluster controller's decisions, without a server."""

from __future__ import annotations

import base64
import json
import time

import pytest

from navarch.api.sveltoscluster import SveltosClusterSpec, SveltosClusterStatus
from navarch.controllers.sveltoscluster import (
    ProbeFailure,
    ProbeOutcome,
    kubeconfig_from_secret,
    next_status,
    owned_status,
    renewal_due,
    token_expiry,
    unsupported_note,
    version_label,
)


def secret(**data: str) -> dict[str, object]:
    return {"data": {k: base64.b64encode(v.encode()).decode() for k, v in data.items()}}


def spec(**doc: object) -> SveltosClusterSpec:
    return SveltosClusterSpec.parse(doc)


def test_kubeconfig_key_rules() -> None:
    assert kubeconfig_from_secret("ns", "c", spec(), secret(value="K")) == ("K", "value")
    assert kubeconfig_from_secret("ns", "c", spec(kubeconfigKeyName="b"), secret(a="A", b="B")) == (
        "B",
        "b",
    )
    with pytest.raises(ProbeFailure, match=r"several keys \(a, b\): set spec.kubeconfigKeyName"):
        kubeconfig_from_secret("ns", "c", spec(), secret(a="A", b="B"))
    with pytest.raises(ProbeFailure, match=r"has no key 'x' \(keys: a\)"):
        kubeconfig_from_secret("ns", "c", spec(kubeconfigKeyName="x"), secret(a="A"))
    with pytest.raises(
        ProbeFailure,
        match="Secret ns/c-sveltos-kubeconfig with the kubeconfig "
        "does not exist: register the cluster again",
    ):
        kubeconfig_from_secret("ns", "c", spec(), None)
    with pytest.raises(ProbeFailure, match=r"Secret ns/mine .* fix spec.kubeconfigName"):
        kubeconfig_from_secret("ns", "c", spec(kubeconfigName="mine"), None)
    with pytest.raises(ProbeFailure, match="is empty"):
        kubeconfig_from_secret("ns", "c", spec(), {"data": {}})


def test_down_only_after_the_threshold_and_healthy_resets() -> None:
    status = SveltosClusterStatus(connection_status="Healthy", ready=True, version="v1.2.3")
    threshold = spec(consecutiveFailureThreshold=2)
    once = next_status(status, threshold, ProbeOutcome(failure="refused"))
    assert (once.connection_status, once.connection_failures) == ("Healthy", 1)
    twice = next_status(once, threshold, ProbeOutcome(failure="refused"))
    assert (twice.connection_status, twice.connection_failures) == ("Down", 2)
    assert twice.ready is True, "a failed probe does not take readiness back (as Sveltos)"
    assert twice.failure_message == "refused"
    back = next_status(twice, threshold, ProbeOutcome(version="v1.2.4", ready=True))
    assert (back.connection_status, back.connection_failures, back.failure_message) == (
        "Healthy",
        0,
        None,
    )
    assert back.version == "v1.2.4"
    assert "failureMessage" not in owned_status(back)


def test_version_label() -> None:
    assert version_label("v1.37.2") == "v1.37.2"
    assert version_label("v1.30.4-eks-2f008fe") == "v1.30.4"
    assert version_label("1.29.0+k3s1") == "v1.29.0"
    assert version_label("garbage") is None


def jwt(exp: float) -> str:
    payload = base64.urlsafe_b64encode(json.dumps({"exp": exp}).encode()).decode().rstrip("=")
    return f"e30.{payload}.sig"


def test_token_expiry_reads_exp_without_verifying() -> None:
    assert token_expiry(jwt(1234.0)) == 1234.0
    assert token_expiry("not-a-jwt") is None


def test_renewal_due() -> None:
    now = time.time()
    hourly = spec(tokenRequestRenewalOption={"renewTokenRequestInterval": "1h"})
    fresh = SveltosClusterStatus(last_reconciled_token_request_at=_stamp(now - 60))
    old = SveltosClusterStatus(last_reconciled_token_request_at=_stamp(now - 3000))
    assert not renewal_due(hourly, fresh, now - 10_000, now, None)
    assert renewal_due(hourly, old, now - 10_000, now, None), "ten minutes before the hour"
    assert renewal_due(hourly, fresh, now - 10_000, now, now + 120), "token about to expire"
    assert not renewal_due(spec(), old, now - 10_000, now, None), "no option, no renewal"
    quick = spec(tokenRequestRenewalOption={"renewTokenRequestInterval": "2s"})
    assert renewal_due(quick, SveltosClusterStatus(), now - 5, now, None)


def _stamp(when: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(when))


def test_checks_navarch_cannot_run_yet_are_said_not_skipped() -> None:
    check = {"name": "c", "resourceSelectors": [], "condition": "function evaluate() end"}
    note, ready = unsupported_note(spec(readinessChecks=[check]), ready_before=False)
    assert ready is False and note is not None and "readinessChecks are not evaluated" in note
    note, ready = unsupported_note(spec(livenessChecks=[check]), ready_before=True)
    assert ready is True and note is not None and "livenessChecks" in note
    note, ready = unsupported_note(
        spec(activeWindow={"from": "0 8 * * *", "to": "0 18 * * *"}), ready_before=True
    )
    assert ready is True and note is not None and "spec.activeWindow is not acted on" in note
    assert unsupported_note(spec(), ready_before=False) == (None, True)
