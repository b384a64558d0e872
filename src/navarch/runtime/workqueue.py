"""A work queue with client-go's semantics, for asyncio.

A controller learns *that* something changed (an informer event) and later works out *what* to
do by reading the current state; so the queue holds keys, not events, and:

- a key is queued at most once however often it is added while waiting (``dirty`` set);
- a key is never handed to two workers at once: a key added while it is being processed is
  parked and queued again when its worker calls ``done`` (``processing`` set);
- ``add_rate_limited`` delays a key by the larger of a per-key exponential backoff (for a key
  that keeps failing) and an overall token bucket (for the whole controller), and ``forget``
  resets the key's backoff after a success;
- ``add_after`` queues a key later (a requeue-after from a reconcile, or a periodic check). A
  key waits in the delay heap at most once: adding it again with a later time changes nothing,
  with an earlier time moves it up. Without this, every event-driven reconcile that ends in
  "requeue after 60 s" would start one more periodic chain, and a key's rate would grow with
  the number of events it ever had.

Order is FIFO among ready keys, so one busy key cannot starve the others, with one exception:
``add(key, urgent=True)`` puts a key in a lane served before the ordinary one. Drift reports
use it. A profile reaching a thousand clusters queues a thousand keys, and a drift repair
behind them would wait for all of them (about a minute at N=1,000) instead of milliseconds.
A key already waiting in the ordinary lane moves up; a key being processed is queued urgently
when its worker is done. Urgent keys are FIFO among themselves, and each waits at most once,
so even a flapping object cannot take more than one worker at a time. Delayed keys sit in a
heap served by one timer task; nothing polls. A delay of ``COARSE_AFTER`` seconds or more ends
on the next whole ``COARSE`` second of the loop clock: periodic requeues (each SveltosCluster's
probe every 60 s) then come due in batches, one timer wake-up and one burst of requests for
all the keys of a second instead of one of each per key, which at 1,000 clusters is most of
what an idle manager costs. Nothing that waits that long cares about the second.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import math
from collections import deque
from collections.abc import Hashable
from typing import Generic, TypeVar

from navarch.kube import TokenBucket

K = TypeVar("K", bound=Hashable)

COARSE_AFTER = 10.0
COARSE = 1.0


class ShutDown(Exception):
    """The queue was shut down; workers should return."""


class ExponentialBackoff:
    """Per-key delay: ``base * 2**failures``, capped at ``cap`` (client-go's item limiter)."""

    def __init__(self, base: float = 0.005, cap: float = 300.0) -> None:
        self.base = base
        self.cap = cap
        self._failures: dict[Hashable, int] = {}

    def when(self, key: Hashable) -> float:
        failures = self._failures.get(key, 0)
        self._failures[key] = failures + 1
        return float(min(self.base * (2**failures), self.cap))

    def forget(self, key: Hashable) -> None:
        self._failures.pop(key, None)

    def failures(self, key: Hashable) -> int:
        return self._failures.get(key, 0)


class RateLimiter:
    """The default controller limiter: max(per-key exponential backoff, overall bucket)."""

    def __init__(
        self,
        backoff: ExponentialBackoff | None = None,
        bucket: TokenBucket | None = None,
    ) -> None:
        self.backoff = backoff if backoff is not None else ExponentialBackoff()
        self.bucket = bucket if bucket is not None else TokenBucket(qps=10.0, burst=100)

    def when(self, key: Hashable) -> float:
        return max(self.backoff.when(key), self.bucket.reserve())

    def forget(self, key: Hashable) -> None:
        self.backoff.forget(key)

    def failures(self, key: Hashable) -> int:
        return self.backoff.failures(key)


class WorkQueue(Generic[K]):
    def __init__(self, rate_limiter: RateLimiter | None = None, *, name: str = "") -> None:
        self.name = name
        self.rate_limiter = rate_limiter if rate_limiter is not None else RateLimiter()
        self._queue: deque[K] = deque()
        # keys added urgently wait here, served first; a key that moved up from ``_queue`` leaves
        # a copy there, skipped when reached (only a key in ``_dirty`` is handed out)
        self._urgent: deque[K] = deque()
        self._urgent_keys: set[K] = set()  # the waiting (or parked) keys added urgently
        self._dirty: set[K] = set()
        self._processing: set[K] = set()
        self._waiters: deque[asyncio.Future[None]] = deque()
        self._shutting_down = False
        self._delayed: list[tuple[float, int, K]] = []
        self._due: dict[K, float] = {}  # when each delayed key is due (its live heap entry)
        self._seq = itertools.count()
        self._timer: asyncio.TimerHandle | None = None

    def __len__(self) -> int:
        """Keys ready to be handed out (parked keys, waiting for their worker, not counted)."""
        return len(self._dirty) - sum(1 for key in self._processing if key in self._dirty)

    @property
    def shutting_down(self) -> bool:
        return self._shutting_down

    def add(self, key: K, *, urgent: bool = False) -> None:
        """Queue ``key`` unless it is already waiting; park it if a worker holds it.
        ``urgent``: serve it before every key added without (moving it up if it waits)."""
        if self._shutting_down:
            return
        if urgent:
            if key in self._urgent_keys:
                return
            self._urgent_keys.add(key)
        elif key in self._dirty:
            return
        self._dirty.add(key)
        if key in self._processing:
            return
        (self._urgent if urgent else self._queue).append(key)
        self._wake()

    def add_after(self, key: K, delay: float) -> None:
        """Queue ``key`` once ``delay`` seconds have passed (at once if ``delay`` <= 0)."""
        if self._shutting_down:
            return
        if delay <= 0:
            self.add(key)
            return
        due = asyncio.get_running_loop().time() + delay
        if delay >= COARSE_AFTER:
            due = math.ceil(due / COARSE) * COARSE
        if key in self._due and self._due[key] <= due:
            return
        self._due[key] = due
        heapq.heappush(self._delayed, (due, next(self._seq), key))
        self._arm_timer()

    def add_rate_limited(self, key: K) -> None:
        """Queue ``key`` after its backoff (it failed); the backoff grows until ``forget``."""
        self.add_after(key, self.rate_limiter.when(key))

    def forget(self, key: K) -> None:
        """Reset ``key``'s backoff (it succeeded). Does not remove it from the queue."""
        self.rate_limiter.forget(key)

    def num_requeues(self, key: K) -> int:
        return self.rate_limiter.failures(key)

    async def get(self) -> K:
        """The next key to process; the caller must call ``done(key)`` when finished."""
        while True:
            key = self._next()
            if key is not None:
                self._processing.add(key)
                self._dirty.discard(key)
                self._urgent_keys.discard(key)
                return key
            if self._shutting_down:
                raise ShutDown
            waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self._waiters.append(waiter)
            try:
                await waiter
            except asyncio.CancelledError:
                if waiter.done() and not waiter.cancelled():
                    self._wake()  # pass the wake-up this worker received to another one
                raise

    def _next(self) -> K | None:
        """The next key to hand out: urgent ones first, skipping copies left behind by a key
        that moved up (no longer waiting, or held by a worker and parked)."""
        for lane in (self._urgent, self._queue):
            while lane:
                key = lane.popleft()
                if key in self._dirty and key not in self._processing:
                    return key
        return None

    def done(self, key: K) -> None:
        """Mark ``key`` finished; if it was added meanwhile, it is queued again now."""
        self._processing.discard(key)
        if key in self._dirty:
            (self._urgent if key in self._urgent_keys else self._queue).append(key)
            self._wake()

    def shutdown(self) -> None:
        """Stop handing out keys; waiting ``get`` calls raise ShutDown."""
        self._shutting_down = True
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._delayed.clear()
        self._due.clear()
        self._wake(everyone=True)

    def _wake(self, everyone: bool = False) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                if not everyone:
                    return

    def _arm_timer(self) -> None:
        if not self._delayed:
            return
        loop = asyncio.get_running_loop()
        due = self._delayed[0][0]
        if self._timer is not None:
            if self._timer.when() <= due:
                return
            self._timer.cancel()
        self._timer = loop.call_at(due, self._release_due)

    def _release_due(self) -> None:
        self._timer = None
        now = asyncio.get_running_loop().time()
        while self._delayed and self._delayed[0][0] <= now:
            due, _, key = heapq.heappop(self._delayed)
            if self._due.get(key) != due:
                continue  # superseded by an earlier entry for the same key
            del self._due[key]
            self.add(key)
        self._arm_timer()
