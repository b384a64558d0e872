"""The controller loop: N workers taking keys from a work queue and reconciling them.

A reconcile function gets a key, reads the current state (from informer caches), acts, and
returns ``None`` (done), or ``Requeue(after=seconds)`` to be looked at again later. If it raises,
the key is requeued with its per-key exponential backoff; a later success resets that backoff.
Because the queue never gives one key to two workers, a reconcile function may assume it is the
only one working on its key, while keys for different objects run in parallel.

The controller does not start its workers until every informer it was given has synced, so a
reconcile never takes an empty cache for "nothing exists".
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from navarch import log
from navarch.runtime.informer import Informer
from navarch.runtime.workqueue import ShutDown, WorkQueue

K = TypeVar("K", bound=Hashable)

_log = log.get_logger(__name__)


@dataclass(frozen=True)
class Requeue:
    """Ask to reconcile the key again after ``after`` seconds (without counting a failure)."""

    after: float


Reconcile = Callable[[K], Awaitable[Requeue | None]]


class Controller(Generic[K]):
    def __init__(
        self,
        name: str,
        reconcile: Reconcile[K],
        *,
        workers: int = 2,
        queue: WorkQueue[K] | None = None,
        informers: Sequence[Informer] = (),
    ) -> None:
        self.name = name
        self.reconcile = reconcile
        self.workers = workers
        self.queue: WorkQueue[K] = queue if queue is not None else WorkQueue(name=name)
        self.informers = list(informers)
        self.reconciles = 0
        self.failures = 0

    async def run(self) -> None:
        """Wait for the informers to sync, then work until cancelled."""
        await asyncio.gather(*(inf.wait_synced() for inf in self.informers))
        _log.info("controller started", controller=self.name, workers=self.workers)
        try:
            async with asyncio.TaskGroup() as group:
                for i in range(self.workers):
                    group.create_task(self._worker(), name=f"{self.name}-worker-{i}")
        finally:
            self.queue.shutdown()

    async def _worker(self) -> None:
        while True:
            try:
                key = await self.queue.get()
            except ShutDown:
                return
            started = time.perf_counter()
            try:
                result = await self.reconcile(key)
            except Exception as exc:
                self.failures += 1
                _log.warning(
                    "reconcile failed; will retry",
                    controller=self.name,
                    key=key,
                    error=str(exc) or repr(exc),
                    failures=self.queue.num_requeues(key) + 1,
                )
                self.queue.add_rate_limited(key)
            else:
                self.queue.forget(key)
                if result is not None:
                    self.queue.add_after(key, result.after)
                _log.debug(
                    "reconciled",
                    controller=self.name,
                    key=key,
                    ms=round((time.perf_counter() - started) * 1000, 1),
                    requeue_after=result.after if result is not None else None,
                )
            finally:
                self.reconciles += 1
                self.queue.done(key)
