"""Leader election on a coordination.k8s.io/v1 Lease, as client-go does it.

Several manager replicas may run; only the holder of the Lease reconciles. The rules, which
match client-go's so that our Lease is readable by anyone who knows theirs:

- A candidate reads the Lease. If another identity holds it and the candidate has *seen it
  change* within the last ``lease_duration``, the candidate waits ``retry_period`` and tries
  again. Expiry is judged by the candidate's own clock from when it last observed a change, never
  by comparing ``renewTime`` with local time, so clock skew between machines does not matter.
- Taking or renewing the Lease is a PUT carrying the resourceVersion that was read: two
  candidates racing for an expired Lease cannot both win (the loser gets a Conflict).
- The leader renews every ``retry_period``; if it has not renewed for ``renew_deadline`` it
  stops leading (its work is cancelled) before the others may take over.
- On a clean exit the leader releases the Lease (empty holder, 1 s duration), so a successor
  takes over at once instead of waiting for expiry.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from navarch import log
from navarch.kube import AlreadyExists, Client, Conflict, KubeError, KubeObject, NotFound

T = TypeVar("T")

_log = log.get_logger(__name__)


class LeadershipLost(Exception):
    """The Lease could not be renewed in time; the leader's work was cancelled."""


def micro_time(now: float | None = None) -> str:
    """A metav1.MicroTime string (RFC 3339 with microseconds, UTC)."""
    stamp = datetime.datetime.fromtimestamp(now if now is not None else time.time(), datetime.UTC)
    return stamp.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class LeaderElector:
    def __init__(
        self,
        client: Client,
        *,
        namespace: str,
        name: str,
        identity: str,
        lease_duration: float = 15.0,
        renew_deadline: float = 10.0,
        retry_period: float = 2.0,
        release_on_exit: bool = True,
    ) -> None:
        if not lease_duration > renew_deadline > retry_period > 0:
            raise ValueError("need lease_duration > renew_deadline > retry_period > 0")
        self.client = client
        self.namespace = namespace
        self.name = name
        self.identity = identity
        self.lease_duration = lease_duration
        self.renew_deadline = renew_deadline
        self.retry_period = retry_period
        self.release_on_exit = release_on_exit
        self._observed_spec: dict[str, Any] | None = None
        self._observed_at = 0.0
        self.is_leader = False

    async def run(self, leading: Callable[[], Awaitable[T]]) -> T:
        """Wait to become leader, then run ``leading()`` while renewing; return its result.

        Raises LeadershipLost (after cancelling ``leading``) if the Lease cannot be renewed.
        """
        await self.acquire()
        work = asyncio.ensure_future(leading())
        renew = asyncio.ensure_future(self._keep_renewing())
        try:
            await asyncio.wait({work, renew}, return_when=asyncio.FIRST_COMPLETED)
            if work.done():
                return work.result()
            work.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await work
            renew.result()  # raises LeadershipLost
            raise LeadershipLost(f"lost the lease {self.namespace}/{self.name}")
        finally:
            for task in (work, renew):
                task.cancel()
            await asyncio.gather(work, renew, return_exceptions=True)
            if self.is_leader and self.release_on_exit:
                await self.release()

    async def acquire(self) -> None:
        """Return once this identity holds the Lease."""
        while not await self.try_acquire_or_renew():
            await asyncio.sleep(self.retry_period)
        _log.info("became leader", lease=f"{self.namespace}/{self.name}", identity=self.identity)

    async def try_acquire_or_renew(self) -> bool:
        now = time.time()
        try:
            lease = await self.client.get(
                "coordination.k8s.io/v1", "Lease", self.name, self.namespace
            )
        except NotFound:
            return await self._create(now)
        except KubeError as exc:
            _log.warning("cannot read lease", lease=f"{self.namespace}/{self.name}", error=str(exc))
            return False
        spec = dict(lease.get("spec") or {})
        if spec != self._observed_spec:
            self._observed_spec = spec
            self._observed_at = time.monotonic()
        holder = spec.get("holderIdentity") or ""
        duration = float(spec.get("leaseDurationSeconds") or self.lease_duration)
        held_by_other = holder not in ("", self.identity)
        if held_by_other and self._observed_at + duration > time.monotonic():
            if self.is_leader:
                _log.warning(
                    "the lease is held by another candidate",
                    lease=f"{self.namespace}/{self.name}",
                    holder=holder,
                )
            self.is_leader = False
            return False
        new_spec = {
            "holderIdentity": self.identity,
            "leaseDurationSeconds": int(self.lease_duration),
            "renewTime": micro_time(now),
            "acquireTime": spec.get("acquireTime") if holder == self.identity else micro_time(now),
            "leaseTransitions": int(spec.get("leaseTransitions") or 0)
            + (0 if holder == self.identity else 1),
        }
        lease["spec"] = new_spec
        try:
            updated = await self.client.replace(lease)
        except Conflict:
            _log.info(
                "lease changed under us; will read it again",
                lease=f"{self.namespace}/{self.name}",
                identity=self.identity,
            )
            return False
        except KubeError as exc:
            _log.warning(
                "cannot update lease", lease=f"{self.namespace}/{self.name}", error=str(exc)
            )
            return False
        self._observe(updated)
        self.is_leader = True
        return True

    async def release(self) -> None:
        """Give the Lease up so that another candidate takes over at once."""
        if not self.is_leader:
            return
        self.is_leader = False
        try:
            # read it fresh: a renewal cancelled mid-flight may have moved its resourceVersion
            lease = await self.client.get(
                "coordination.k8s.io/v1", "Lease", self.name, self.namespace
            )
            spec = dict(lease.get("spec") or {})
            if spec.get("holderIdentity") != self.identity:
                return
            now = micro_time()
            lease["spec"] = {
                "holderIdentity": "",
                "leaseDurationSeconds": 1,
                "acquireTime": now,
                "renewTime": now,
                "leaseTransitions": spec.get("leaseTransitions") or 0,
            }
            await self.client.replace(lease)
            _log.info(
                "released leadership", lease=f"{self.namespace}/{self.name}", identity=self.identity
            )
        except KubeError as exc:
            _log.warning("cannot release lease; it will expire", error=str(exc))

    async def _create(self, now: float) -> bool:
        lease: KubeObject = {
            "apiVersion": "coordination.k8s.io/v1",
            "kind": "Lease",
            "metadata": {"name": self.name, "namespace": self.namespace},
            "spec": {
                "holderIdentity": self.identity,
                "leaseDurationSeconds": int(self.lease_duration),
                "acquireTime": micro_time(now),
                "renewTime": micro_time(now),
                "leaseTransitions": 0,
            },
        }
        try:
            created = await self.client.create(lease)
        except AlreadyExists:
            return False
        except KubeError as exc:
            _log.warning("cannot create lease", error=str(exc))
            return False
        self._observe(created)
        self.is_leader = True
        return True

    def _observe(self, lease: KubeObject) -> None:
        self._observed_spec = dict(lease.get("spec") or {})
        self._observed_at = time.monotonic()

    async def _keep_renewing(self) -> None:
        while True:
            await asyncio.sleep(self.retry_period)
            deadline = time.monotonic() + self.renew_deadline
            while not await self._renew_within(deadline):
                if time.monotonic() >= deadline:
                    self.is_leader = False
                    _log.error(
                        "lost leadership: could not renew the lease in time",
                        lease=f"{self.namespace}/{self.name}",
                        identity=self.identity,
                    )
                    raise LeadershipLost(f"could not renew {self.namespace}/{self.name}")
                await asyncio.sleep(self.retry_period / 4)

    async def _renew_within(self, deadline: float) -> bool:
        try:
            async with asyncio.timeout(max(0.0, deadline - time.monotonic())):
                return await self.try_acquire_or_renew()
        except TimeoutError:
            _log.warning(
                "lease renewal timed out",
                lease=f"{self.namespace}/{self.name}",
                identity=self.identity,
            )
            return False
