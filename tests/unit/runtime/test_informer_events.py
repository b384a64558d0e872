"""How an informer folds watch events into its cache (no server: events are handed in)."""

from __future__ import annotations

from navarch.kube import Client, ClusterConfig, WatchEvent
from navarch.runtime import FuncHandler, Informer


def informer_with_log() -> tuple[Informer, list[tuple[str, str]]]:
    # The client is never used: these tests call the informer's event folding directly.
    client = Client(ClusterConfig(name="unused", server="https://127.0.0.1:1"))
    informer = Informer(client, "v1", "ConfigMap")
    log: list[tuple[str, str]] = []
    informer.add_handler(
        FuncHandler(
            add=lambda o: log.append(("add", o["metadata"]["resourceVersion"])),
            update=lambda _o, n: log.append(("update", n["metadata"]["resourceVersion"])),
            delete=lambda o: log.append(("delete", o["metadata"]["resourceVersion"])),
        )
    )
    return informer, log


def cm(rv: str, name: str = "a") -> dict[str, object]:
    return {"metadata": {"name": name, "namespace": "ns", "resourceVersion": rv}}


def test_bookmarks_move_the_resource_version_and_nothing_else() -> None:
    informer, log = informer_with_log()
    informer._apply(WatchEvent("ADDED", cm("5")))
    informer._apply(WatchEvent("BOOKMARK", {"metadata": {"resourceVersion": "9"}}))
    assert informer.stats.last_resource_version == "9"
    assert log == [("add", "5")]
    assert informer.store.get("ns/a") == {**cm("5"), "apiVersion": "v1", "kind": "ConfigMap"}


def test_relist_reports_adds_changes_and_deletes_it_missed() -> None:
    informer, log = informer_with_log()
    informer._replace([cm("1", "kept"), cm("1", "changed"), cm("1", "gone")])
    log.clear()
    informer._replace([cm("1", "kept"), cm("2", "changed"), cm("3", "new")])
    assert sorted(log) == [("add", "3"), ("delete", "1"), ("update", "2")]
    assert sorted(informer.store.keys()) == ["ns/changed", "ns/kept", "ns/new"]
