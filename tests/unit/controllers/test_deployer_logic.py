"""Pure helpers of the deployer (no server)."""

from __future__ import annotations

import asyncio
import contextlib

from navarch.controllers.deployer import InFlight, _Namespaces, written_where


def test_written_objects_say_which_namespaces_of_which_kinds_to_look_in() -> None:
    written = [
        ("Remote", ("ConfigMap.v1.", "a", "x")),
        ("Remote", ("ConfigMap.v1.", "b", "y")),
        ("Remote", ("ClusterRole.v1.rbac.authorization.k8s.io", "", "r")),
        ("Local", ("ConfigMap.v1.", "mgmt-ns", "z")),
    ]
    assert written_where(written, "Remote") == {
        "ConfigMap.v1.": {"a", "b"},
        "ClusterRole.v1.rbac.authorization.k8s.io": {""},
    }
    assert written_where(written, "Local") == {"ConfigMap.v1.": {"mgmt-ns"}}
    assert written_where([], "Remote") == {}


def test_a_few_deploys_get_eight_requests_each_and_many_get_one() -> None:
    budget = InFlight()
    with contextlib.ExitStack() as stack:
        widths = [stack.enter_context(budget.share()) for _ in range(25)]
        assert budget.active == 25
    assert widths[:10] == [8] * 10, "up to ten deploys at once: eight each"
    assert widths[10:] == [1] * 15, "beyond (the manager's 20 workers busy): one connection each"
    assert budget.active == 0, "a deploy counts only while it runs"
    with budget.share() as width:
        assert width == 8, "a lone deploy gets eight again"


async def test_the_first_apply_into_a_namespace_goes_alone() -> None:
    namespaces = _Namespaces()
    order: list[str] = []
    first_may_finish = asyncio.Event()

    async def apply(key: tuple[str, str] | None, label: str, wait: bool = False) -> None:
        async with namespaces.turn(key):
            order.append(f"{label} starts")
            if wait:
                await first_may_finish.wait()
            order.append(f"{label} ends")

    tasks = [
        asyncio.create_task(apply(("c", "a"), "a1", wait=True)),
        asyncio.create_task(apply(("c", "a"), "a2")),
        asyncio.create_task(apply(("c", "b"), "b1")),  # another namespace: not held up
        asyncio.create_task(apply(None, "cluster-scoped")),
    ]
    await asyncio.sleep(0.01)
    assert order[0] == "a1 starts"
    assert "a2 starts" not in order, "the second object of a new namespace waits for the first"
    assert {"b1 ends", "cluster-scoped ends"} <= set(order)
    first_may_finish.set()
    await asyncio.gather(*tasks)
    assert order.index("a2 starts") > order.index("a1 ends")

    order.clear()  # the namespace has been written once: later applies do not queue
    await asyncio.gather(apply(("c", "a"), "a3"), apply(("c", "a"), "a4"))
    assert sorted(order) == ["a3 ends", "a3 starts", "a4 ends", "a4 starts"]


async def test_a_repair_does_not_hold_anything_back() -> None:
    namespaces = _Namespaces(first_alone=False)
    release = asyncio.Event()
    started: list[str] = []

    async def apply(label: str) -> None:
        async with namespaces.turn(("c", "a")):
            started.append(label)
            await release.wait()

    tasks = [asyncio.create_task(apply(x)) for x in ("x", "y")]
    await asyncio.sleep(0.01)
    assert sorted(started) == ["x", "y"]
    release.set()
    await asyncio.gather(*tasks)
