"""Results of expensive, deterministic subprocess work, computed once per key.

Kustomize builds and patch runs see the same input for hundreds of clusters at once (one tree or
one patch list for a whole fleet). ``SingleFlight`` keeps the last results in a small LRU and
makes concurrent calls for a key wait on the one computation already running instead of starting
their own. A computation that raises is not cached (each waiter gets the exception); one that
should be remembered as a failure returns a value that says so.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class SingleFlight(Generic[K, V]):
    def __init__(self, size: int) -> None:
        self.size = size
        self._done: OrderedDict[K, V] = OrderedDict()
        self._running: dict[K, asyncio.Future[V]] = {}

    async def get(self, key: K, compute: Callable[[], Awaitable[V]]) -> V:
        """The result for ``key``: cached, the running computation's, or ``compute()``'s."""
        if key in self._done:
            self._done.move_to_end(key)
            return self._done[key]
        pending = self._running.get(key)
        if pending is not None:
            return await asyncio.shield(pending)
        future: asyncio.Future[V] = asyncio.get_running_loop().create_future()
        self._running[key] = future
        try:
            result = await compute()
        except asyncio.CancelledError:
            future.cancel()
            raise
        except Exception as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: no "never retrieved" warning when nobody waits
            raise
        finally:
            self._running.pop(key, None)
        future.set_result(result)
        self._done[key] = result
        while len(self._done) > self.size:
            self._done.popitem(last=False)
        return result
