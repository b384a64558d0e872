"""The informer's store: keys, replacement and secondary indexes stay consistent."""

from __future__ import annotations

from navarch.runtime import Store


def cm(name: str, namespace: str = "ns", **labels: str) -> dict[str, object]:
    return {"metadata": {"name": name, "namespace": namespace, "labels": labels}}


def by_team(obj: dict[str, object]) -> list[str]:
    labels = obj["metadata"]["labels"]
    return [labels["team"]] if "team" in labels else []


def test_index_follows_updates_and_deletes() -> None:
    store = Store()
    store.add_indexer("team", by_team)
    store.put(cm("a", team="red"))
    store.put(cm("b", team="red"))
    store.put(cm("c", "other", team="blue"))
    assert [o["metadata"]["name"] for o in store.by_index("team", "red")] == ["a", "b"]
    old = store.put(cm("a", team="blue"))
    assert old is not None
    assert [o["metadata"]["name"] for o in store.by_index("team", "red")] == ["b"]
    assert len(store.by_index("team", "blue")) == 2
    store.remove("ns/b")
    assert store.by_index("team", "red") == []
    assert sorted(store.keys()) == ["ns/a", "other/c"]


def test_an_indexer_added_late_indexes_what_is_there() -> None:
    store = Store()
    store.put(cm("a", team="red"))
    store.add_indexer("team", by_team)
    assert len(store.by_index("team", "red")) == 1
