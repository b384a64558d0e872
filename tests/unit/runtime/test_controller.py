"""The controller loop: failures requeue with backoff, successes forget, Requeue comes back."""

from __future__ import annotations

import asyncio
import contextlib

from navarch.kube import TokenBucket
from navarch.runtime import Controller, ExponentialBackoff, RateLimiter, Requeue, WorkQueue


def quick_queue() -> WorkQueue[str]:
    return WorkQueue(
        RateLimiter(ExponentialBackoff(base=0.001, cap=0.01), TokenBucket(qps=1000, burst=1000))
    )


async def run_until(controller: Controller[str], done: asyncio.Event) -> None:
    task = asyncio.create_task(controller.run())
    try:
        await asyncio.wait_for(done.wait(), timeout=10)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def test_a_failing_key_is_retried_until_it_succeeds_then_forgotten() -> None:
    calls: list[str] = []
    done = asyncio.Event()
    queue = quick_queue()

    async def reconcile(key: str) -> None:
        calls.append(key)
        if len(calls) < 3:
            raise RuntimeError("transient")
        done.set()

    controller = Controller("test", reconcile, workers=2, queue=queue)
    queue.add("a")
    await run_until(controller, done)
    assert calls == ["a", "a", "a"]
    assert controller.failures == 2
    assert queue.num_requeues("a") == 0, "success resets the backoff"


async def test_requeue_after_brings_the_key_back_without_counting_a_failure() -> None:
    calls: list[str] = []
    done = asyncio.Event()
    queue = quick_queue()

    async def reconcile(key: str) -> Requeue | None:
        calls.append(key)
        if len(calls) == 2:
            done.set()
            return None
        return Requeue(after=0.01)

    controller = Controller("test", reconcile, queue=queue)
    queue.add("k")
    await run_until(controller, done)
    assert calls == ["k", "k"]
    assert controller.failures == 0


async def test_distinct_keys_run_in_parallel_on_several_workers() -> None:
    running: set[str] = set()
    peak = 0
    release = asyncio.Event()
    done = asyncio.Event()
    finished: list[str] = []
    queue = quick_queue()

    async def reconcile(key: str) -> None:
        nonlocal peak
        running.add(key)
        peak = max(peak, len(running))
        if peak == 3:
            release.set()
        await release.wait()
        running.discard(key)
        finished.append(key)
        if len(finished) == 3:
            done.set()

    controller = Controller("test", reconcile, workers=3, queue=queue)
    for key in ("a", "b", "c"):
        queue.add(key)
    await run_until(controller, done)
    assert peak == 3
