"""An informer: list, then watch, into an indexed in-memory cache, with event handlers.

Controllers read the cluster from this cache (level-triggered: they never trust an event's
payload) and learn from the handlers only *which* key to look at again. The loop:

1. **list** every object (paginated) and remember the list's resourceVersion;
2. replace the cache with the list, calling ``on_add`` for new objects, ``on_update`` for changed
   ones (by resourceVersion) and ``on_delete`` for objects that vanished while we were not
   watching: so a relist after an outage or a 410 reports exactly what was missed;
3. **watch** from that resourceVersion with bookmarks; the kube layer resumes a dropped watch
   from the last resourceVersion seen, so a short outage costs no relist;
4. on ``Gone`` (410: the resourceVersion was compacted away) go back to 1.

Handlers are synchronous and must be quick (typically: put a key on a work queue); they run in
event order, on the event loop. ``wait_synced()`` returns once the first list is in the cache;
a controller starts its workers only after that, so it never mistakes "not yet listed" for
"does not exist". A failing list is retried with backoff and never empties the cache.
"""

from __future__ import annotations

import asyncio
import builtins
import contextlib
from collections.abc import AsyncGenerator, Callable, Iterable
from dataclasses import dataclass
from typing import Protocol

from navarch import log
from navarch.kube import Client, Gone, KubeError, KubeObject, WatchEvent, object_key

IndexFunc = Callable[[KubeObject], Iterable[str]]

_log = log.get_logger(__name__)


class EventHandler(Protocol):
    def on_add(self, obj: KubeObject) -> None: ...

    def on_update(self, old: KubeObject, new: KubeObject) -> None: ...

    def on_delete(self, obj: KubeObject) -> None: ...


@dataclass
class FuncHandler:
    """An EventHandler from plain functions; any left out is a no-op."""

    add: Callable[[KubeObject], None] | None = None
    update: Callable[[KubeObject, KubeObject], None] | None = None
    delete: Callable[[KubeObject], None] | None = None

    def on_add(self, obj: KubeObject) -> None:
        if self.add:
            self.add(obj)

    def on_update(self, old: KubeObject, new: KubeObject) -> None:
        if self.update:
            self.update(old, new)

    def on_delete(self, obj: KubeObject) -> None:
        if self.delete:
            self.delete(obj)


class Store:
    """Objects by ``namespace/name`` key, with named secondary indexes."""

    def __init__(self) -> None:
        self._items: dict[str, KubeObject] = {}
        self._indexers: dict[str, IndexFunc] = {}
        self._indexes: dict[str, dict[str, set[str]]] = {}

    def add_indexer(self, name: str, func: IndexFunc) -> None:
        self._indexers[name] = func
        index: dict[str, set[str]] = {}
        for key, obj in self._items.items():
            for value in func(obj):
                index.setdefault(value, set()).add(key)
        self._indexes[name] = index

    def has_indexer(self, name: str) -> bool:
        return name in self._indexers

    def get(self, key: str) -> KubeObject | None:
        return self._items.get(key)

    def keys(self) -> list[str]:
        return list(self._items)

    def list(self) -> list[KubeObject]:
        return list(self._items.values())

    def __len__(self) -> int:
        return len(self._items)

    def by_index(self, name: str, value: str) -> builtins.list[KubeObject]:
        keys = self._indexes[name].get(value, set())
        return [self._items[k] for k in sorted(keys)]

    def put(self, obj: KubeObject) -> KubeObject | None:
        key = object_key(obj)
        old = self._items.get(key)
        if old is not None:
            self._unindex(key, old)
        self._items[key] = obj
        for name, func in self._indexers.items():
            for value in func(obj):
                self._indexes[name].setdefault(value, set()).add(key)
        return old

    def remove(self, key: str) -> KubeObject | None:
        old = self._items.pop(key, None)
        if old is not None:
            self._unindex(key, old)
        return old

    def _unindex(self, key: str, obj: KubeObject) -> None:
        for name, func in self._indexers.items():
            for value in func(obj):
                keys = self._indexes[name].get(value)
                if keys is not None:
                    keys.discard(key)
                    if not keys:
                        del self._indexes[name][value]


@dataclass
class InformerStats:
    lists: int = 0
    relists_after_gone: int = 0
    events: int = 0
    last_resource_version: str = ""
    list_errors: int = 0
    last_error: str = ""


def _resource_version(obj: KubeObject) -> str:
    return str((obj.get("metadata") or {}).get("resourceVersion") or "")


class Informer:
    def __init__(
        self,
        client: Client,
        api_version: str,
        kind: str,
        *,
        namespace: str | None = None,
        label_selector: str | None = None,
        field_selector: str | None = None,
        watch_timeout_seconds: int = 290,
        max_backoff: float = 5.0,
    ) -> None:
        self.client = client
        self.api_version = api_version
        self.kind = kind
        self.namespace = namespace
        self.label_selector = label_selector
        self.field_selector = field_selector
        self.watch_timeout_seconds = watch_timeout_seconds
        self.max_backoff = max_backoff
        self.store = Store()
        self.stats = InformerStats()
        self._handlers: list[EventHandler] = []
        self._synced = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def __repr__(self) -> str:
        return f"Informer({self.client.name}, {self.api_version} {self.kind})"

    def add_handler(self, handler: EventHandler) -> None:
        """Register ``handler``; if the cache is already filled, it first gets an add per object."""
        self._handlers.append(handler)
        for obj in self.store.list():
            handler.on_add(obj)

    @property
    def has_synced(self) -> bool:
        return self._synced.is_set()

    async def wait_synced(self, timeout: float | None = None) -> None:
        async with asyncio.timeout(timeout):
            await self._synced.wait()

    def start(self) -> asyncio.Task[None]:
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self.run(), name=repr(self))
        return self._task

    def cancel(self) -> None:
        """Stop without waiting: the list/watch task ends at its next await."""
        if self._task is not None:
            self._task.cancel()
            self._task = None

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def run(self) -> None:
        """List and watch until cancelled."""
        backoff = 0.1
        while True:
            try:
                rv = await self._list_and_replace()
                backoff = 0.1
                await self._watch(rv)
            except Gone:
                self.stats.relists_after_gone += 1
                _log.info(
                    "watch expired (410); listing again",
                    cluster=self.client.name,
                    kind=self.kind,
                    resource_version=self.stats.last_resource_version,
                )
            except KubeError as exc:
                self.stats.list_errors += 1
                self.stats.last_error = str(exc)
                _log.warning(
                    "list failed; retrying",
                    cluster=self.client.name,
                    kind=self.kind,
                    error=str(exc),
                    retry_in=f"{backoff:.1f}s",
                )
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, self.max_backoff)

    async def _list_and_replace(self) -> str:
        listed = await self.client.list(
            self.api_version,
            self.kind,
            self.namespace,
            label_selector=self.label_selector,
            field_selector=self.field_selector,
        )
        self.stats.lists += 1
        self.stats.last_resource_version = listed.resource_version
        self._replace(listed.items)
        self._synced.set()
        return listed.resource_version

    def _replace(self, items: list[KubeObject]) -> None:
        fresh = {object_key(obj): obj for obj in items}
        for key in self.store.keys():  # noqa: SIM118 - Store is not a dict
            if key not in fresh:
                old = self.store.remove(key)
                if old is not None:
                    self._emit_delete(old)
        for obj in items:
            old = self.store.put(obj)
            if old is None:
                self._emit_add(obj)
            elif _resource_version(old) != _resource_version(obj):
                self._emit_update(old, obj)

    async def _watch(self, resource_version: str) -> None:
        events: AsyncGenerator[WatchEvent, None] = self.client.watch(
            self.api_version,
            self.kind,
            resource_version=resource_version,
            namespace=self.namespace,
            label_selector=self.label_selector,
            field_selector=self.field_selector,
            timeout_seconds=self.watch_timeout_seconds,
            max_backoff=self.max_backoff,
        )
        async with contextlib.aclosing(events):
            async for event in events:
                self._apply(event)

    def _apply(self, event: WatchEvent) -> None:
        self.stats.events += 1
        if event.resource_version:
            self.stats.last_resource_version = event.resource_version
        obj = event.object
        if event.type == "BOOKMARK":
            return
        obj.setdefault("apiVersion", self.api_version)
        obj.setdefault("kind", self.kind)
        if event.type in ("ADDED", "MODIFIED"):
            old = self.store.put(obj)
            if old is None:
                self._emit_add(obj)
            else:
                self._emit_update(old, obj)
        elif event.type == "DELETED":
            self.store.remove(object_key(obj))
            self._emit_delete(obj)

    def _emit_add(self, obj: KubeObject) -> None:
        for handler in self._handlers:
            _guard(handler.on_add, obj)

    def _emit_update(self, old: KubeObject, new: KubeObject) -> None:
        for handler in self._handlers:
            _guard(handler.on_update, old, new)

    def _emit_delete(self, obj: KubeObject) -> None:
        for handler in self._handlers:
            _guard(handler.on_delete, obj)


def _guard(func: Callable[..., None], *args: KubeObject) -> None:
    """A handler that raises must not stop the informer or the other handlers."""
    try:
        func(*args)
    except Exception as exc:
        _log.error(
            "event handler failed", handler=getattr(func, "__qualname__", func), error=repr(exc)
        )
