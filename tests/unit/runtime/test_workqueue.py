"""The work queue keeps client-go's promises: dedup, one worker per key, backoff, delays."""

from __future__ import annotations

import asyncio
import math

import pytest

from navarch.kube import TokenBucket
from navarch.runtime import ExponentialBackoff, RateLimiter, ShutDown, WorkQueue


def fast_limiter() -> RateLimiter:
    return RateLimiter(ExponentialBackoff(base=0.001, cap=1.0), TokenBucket(qps=1000, burst=1000))


async def drain(queue: WorkQueue[str]) -> list[str]:
    got = []
    while len(queue):
        key = await queue.get()
        got.append(key)
        queue.done(key)
    return got


async def test_a_key_added_many_times_is_queued_once() -> None:
    queue: WorkQueue[str] = WorkQueue()
    for key in ["a", "b", "a", "a", "c", "b"]:
        queue.add(key)
    assert len(queue) == 3
    assert await drain(queue) == ["a", "b", "c"]


async def test_a_key_added_while_processing_is_parked_until_done() -> None:
    queue: WorkQueue[str] = WorkQueue()
    queue.add("a")
    key = await queue.get()
    queue.add("a")  # changed again while a worker holds it
    assert len(queue) == 0, "a key being processed must not be handed to a second worker"
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(queue.get(), timeout=0.05)
    queue.done(key)
    assert len(queue) == 1
    assert await queue.get() == "a"


async def test_an_urgent_key_is_served_before_the_keys_already_waiting() -> None:
    queue: WorkQueue[str] = WorkQueue()
    for key in ["a", "b", "c", "d"]:
        queue.add(key)
    queue.add("x", urgent=True)
    queue.add("c", urgent=True)  # already waiting: moves up, and is still handed out once
    queue.add("c", urgent=True)
    queue.add("x")  # an ordinary add of an urgent key leaves it urgent
    assert len(queue) == 5
    assert await drain(queue) == ["x", "c", "a", "b", "d"]
    assert len(queue) == 0


async def test_an_urgent_add_while_processing_queues_the_key_urgently_when_done() -> None:
    queue: WorkQueue[str] = WorkQueue()
    queue.add("a")
    key = await queue.get()
    queue.add("b")
    queue.add("a", urgent=True)  # drift reported while a worker holds "a"
    assert len(queue) == 1, "parked, not ready"
    queue.done(key)
    assert await drain(queue) == ["a", "b"]


async def test_a_key_that_moved_up_and_came_back_is_handed_out_once_per_add() -> None:
    queue: WorkQueue[str] = WorkQueue()
    queue.add("a")
    queue.add("b")
    queue.add("a", urgent=True)  # "a" now also waits in the urgent lane
    first = await queue.get()
    assert first == "a"
    queue.add("a")  # added again while processing: parked
    # the copy "a" left in the ordinary lane must not hand it to a second worker meanwhile
    assert await queue.get() == "b"
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(queue.get(), timeout=0.05)
    queue.done(first)
    assert await drain(queue) == ["a"]
    assert len(queue) == 0


async def test_no_two_workers_ever_hold_the_same_key() -> None:
    queue: WorkQueue[int] = WorkQueue()
    holding: set[int] = set()
    overlaps: list[int] = []
    processed: list[int] = []

    async def worker() -> None:
        while True:
            try:
                key = await queue.get()
            except ShutDown:
                return
            if key in holding:
                overlaps.append(key)
            holding.add(key)
            await asyncio.sleep(0)  # let other workers run while this key is held
            # re-adding while held must park the key, not hand it to someone else
            if len(processed) < 200:
                queue.add(key)
            processed.append(key)
            holding.discard(key)
            queue.done(key)

    workers = [asyncio.create_task(worker()) for _ in range(8)]
    for i in range(5):
        queue.add(i)

    async def until_done() -> None:
        while len(processed) < 200:
            await asyncio.sleep(0.001)

    await asyncio.wait_for(until_done(), timeout=10)
    queue.shutdown()
    await asyncio.gather(*workers)
    assert overlaps == []
    assert set(processed) == set(range(5))


async def test_rate_limited_adds_back_off_exponentially_until_forgotten() -> None:
    backoff = ExponentialBackoff(base=0.01, cap=0.08)
    assert [backoff.when("k") for _ in range(6)] == [0.01, 0.02, 0.04, 0.08, 0.08, 0.08]
    assert backoff.failures("k") == 6
    assert backoff.when("other") == 0.01, "backoff is per key"
    backoff.forget("k")
    assert backoff.failures("k") == 0
    assert backoff.when("k") == 0.01


async def test_the_overall_bucket_limits_rate_limited_adds() -> None:
    limiter = RateLimiter(ExponentialBackoff(base=0.0, cap=0.0), TokenBucket(qps=10, burst=2))
    delays = [limiter.when(f"k{i}") for i in range(4)]
    assert delays[0] == 0 and delays[1] == 0, "the burst passes at once"
    assert delays[2] == pytest.approx(0.1, abs=0.02)
    assert delays[3] == pytest.approx(0.2, abs=0.02)


async def test_queue_counts_requeues_and_forget_resets_them() -> None:
    queue: WorkQueue[str] = WorkQueue(fast_limiter())
    queue.add_rate_limited("a")
    queue.add_rate_limited("a")
    assert queue.num_requeues("a") == 2
    assert await asyncio.wait_for(queue.get(), timeout=5) == "a"
    queue.done("a")
    queue.forget("a")
    assert queue.num_requeues("a") == 0


async def test_delayed_adds_arrive_in_due_order_and_not_before() -> None:
    queue: WorkQueue[str] = WorkQueue()
    queue.add_after("late", 0.3)
    queue.add_after("soon", 0.1)
    queue.add_after("now", 0)
    assert await queue.get() == "now"
    queue.done("now")
    assert len(queue) == 0, "delayed keys are not ready yet"
    assert await asyncio.wait_for(queue.get(), timeout=5) == "soon"
    queue.done("soon")
    assert await asyncio.wait_for(queue.get(), timeout=5) == "late"


async def test_a_delayed_add_of_a_waiting_key_does_not_duplicate_it() -> None:
    queue: WorkQueue[str] = WorkQueue()
    queue.add("a")
    queue.add_after("a", 0.01)
    assert await queue.get() == "a"
    queue.done("a")
    # the delayed copy arrives later as one more reconcile, never as two queued copies
    assert await asyncio.wait_for(queue.get(), timeout=5) == "a"
    queue.done("a")
    assert len(queue) == 0


async def test_shutdown_wakes_every_waiting_worker() -> None:
    queue: WorkQueue[str] = WorkQueue()
    waiters = [asyncio.create_task(queue.get()) for _ in range(3)]
    await asyncio.sleep(0)
    queue.shutdown()
    results = await asyncio.gather(*waiters, return_exceptions=True)
    assert all(isinstance(r, ShutDown) for r in results)
    queue.add("ignored")
    assert len(queue) == 0


async def test_a_cancelled_waiter_passes_its_wakeup_on() -> None:
    queue: WorkQueue[str] = WorkQueue()
    first = asyncio.create_task(queue.get())
    second = asyncio.create_task(queue.get())
    await asyncio.sleep(0)
    queue.add("a")  # wakes `first`
    first.cancel()
    assert await asyncio.wait_for(second, timeout=5) == "a"


async def test_a_key_waits_in_the_delay_heap_once_and_the_earliest_time_wins() -> None:
    queue: WorkQueue[str] = WorkQueue()
    queue.add_after("k", 0.3)
    queue.add_after("k", 5.0)  # later: ignored, it is already due sooner
    queue.add_after("k", 0.05)  # earlier: moves it up
    assert await asyncio.wait_for(queue.get(), timeout=1) == "k"
    queue.done("k")
    # neither the 0.3 s nor the 5 s entry brings it back: one key, one pending due time
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(queue.get(), timeout=0.5)


async def test_long_delays_end_on_a_whole_second_so_periodic_keys_come_due_together() -> None:
    queue: WorkQueue[str] = WorkQueue()
    loop = asyncio.get_running_loop()
    start = loop.time()
    for i in range(10):
        queue.add_after(f"k{i}", 30.0 + i / 20)  # 30.0 ... 30.45 s
    queue.add_after("short", 0.25)  # short delays are kept as they are
    after = loop.time()
    dues = dict(queue._due)
    for i in range(10):
        due = dues[f"k{i}"]
        assert due == math.ceil(due), "on a whole second"
        assert start + 30.0 + i / 20 <= due < after + 30.0 + i / 20 + 1.0
    assert len({dues[f"k{i}"] for i in range(10)}) <= 2, "half a second of keys: one or two batches"
    assert start + 0.25 <= dues["short"] <= after + 0.25
    assert await asyncio.wait_for(queue.get(), timeout=2) == "short"
