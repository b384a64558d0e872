"""The per-cluster token bucket: a burst passes, then one token per 1/qps seconds."""

from __future__ import annotations

import pytest

from navarch.kube import TokenBucket


def test_burst_then_debt_in_arrival_order() -> None:
    bucket = TokenBucket(qps=100, burst=3)
    waits = [bucket.reserve() for _ in range(6)]
    assert waits[:3] == [0, 0, 0]
    assert waits[3:] == pytest.approx([0.01, 0.02, 0.03], abs=0.005)


def test_rejects_nonsense() -> None:
    with pytest.raises(ValueError, match="qps > 0"):
        TokenBucket(qps=0, burst=1)
