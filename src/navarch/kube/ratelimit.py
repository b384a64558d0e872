"""A token bucket: the client-side rate limit of one cluster's connection.

Each cluster gets its own bucket, so a burst of writes to one cluster never delays another, and
no cluster receives more than ``qps`` requests per second on average (``burst`` at once) from this
process, the same protection client-go's per-client rate limiter gives an API server.

``reserve()`` takes a token now and says how long to wait before using it (tokens may go into
debt, which keeps waiters in arrival order without a queue); ``acquire()`` waits that long. The
work queue's overall rate limit reuses ``reserve()``.
"""

from __future__ import annotations

import asyncio
import time


class TokenBucket:
    def __init__(self, qps: float, burst: int) -> None:
        if qps <= 0 or burst < 1:
            raise ValueError("a token bucket needs qps > 0 and burst >= 1")
        self.qps = qps
        self.burst = burst
        self._tokens = float(burst)
        self._stamp = time.monotonic()

    def reserve(self) -> float:
        """Take one token; return the seconds to wait before it may be used (0 if now)."""
        now = time.monotonic()
        self._tokens = min(self.burst, self._tokens + (now - self._stamp) * self.qps)
        self._stamp = now
        self._tokens -= 1.0
        return 0.0 if self._tokens >= 0 else -self._tokens / self.qps

    async def acquire(self) -> None:
        delay = self.reserve()
        if delay > 0:
            await asyncio.sleep(delay)
