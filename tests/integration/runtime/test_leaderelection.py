"""Two real processes contend for one Lease; leadership moves when the leader goes."""

from __future__ import annotations

import asyncio
import signal
import sys
import uuid
from pathlib import Path

import pytest

from tests.integration.conftest import NamespaceFactory, TestFleet

pytestmark = pytest.mark.integration

CANDIDATE = Path(__file__).with_name("lease_candidate.py")


class Candidate:
    def __init__(self, proc: asyncio.subprocess.Process, identity: str) -> None:
        self.proc = proc
        self.identity = identity

    @classmethod
    async def start(cls, kubeconfig: Path, ns: str, lease: str, identity: str) -> Candidate:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            str(CANDIDATE),
            str(kubeconfig),
            ns,
            lease,
            identity,
            stdout=asyncio.subprocess.PIPE,
            cwd=Path(__file__).parents[3],
        )
        return cls(proc, identity)

    async def said(self, word: str, timeout: float = 30.0) -> None:
        assert self.proc.stdout is not None
        async with asyncio.timeout(timeout):
            while True:
                line = (await self.proc.stdout.readline()).decode().strip()
                if line == word:
                    return
                if not line and self.proc.stdout.at_eof():
                    raise AssertionError(f"{self.identity} exited before saying {word}")

    async def end(self, sig: int) -> int:
        if self.proc.returncode is None:
            self.proc.send_signal(sig)
        return await asyncio.wait_for(self.proc.wait(), timeout=30)


async def holder(fleet: TestFleet, ns: str, lease: str) -> tuple[str, int]:
    got = await fleet.client("cluster-1").get("coordination.k8s.io/v1", "Lease", lease, ns)
    spec = got["spec"]
    return spec.get("holderIdentity", ""), int(spec.get("leaseTransitions", 0))


async def test_leadership_moves_on_release_and_on_crash(
    fleet: TestFleet, namespace: NamespaceFactory
) -> None:
    ns = await namespace("cluster-1")
    lease = f"lease-{uuid.uuid4().hex[:6]}"
    kubeconfig = fleet.fleet.kubeconfig_of("cluster-1")
    first = await Candidate.start(kubeconfig, ns, lease, "first")
    second = third = None
    try:
        await first.said("LEADING")
        second = await Candidate.start(kubeconfig, ns, lease, "second")
        await second.said("WAITING")
        assert (await holder(fleet, ns, lease))[0] == "first"

        # a clean exit releases the Lease, and the waiting candidate takes over
        assert await first.end(signal.SIGTERM) == 0
        await second.said("LEADING")
        name, transitions = await holder(fleet, ns, lease)
        assert name == "second" and transitions >= 1

        # a crash releases nothing: the next candidate waits for the Lease to expire, then leads
        await second.end(signal.SIGKILL)
        third = await Candidate.start(kubeconfig, ns, lease, "third")
        await third.said("WAITING")
        await third.said("LEADING")
        assert (await holder(fleet, ns, lease))[0] == "third"
    finally:
        for candidate in (first, second, third):
            if candidate is not None:
                await candidate.end(signal.SIGKILL)
