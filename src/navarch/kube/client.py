"""An async connection to one cluster: get, list, create, apply, patch, delete, watch.

Library choice: httpx, used directly. lightkube (which also sits on httpx) gives typed models of
the built-in kinds, but Navarch mostly handles kinds it has never seen (whatever a user's
manifests name) as plain dicts, needs discovery that refreshes on a miss, server-side apply with
its own field manager, a watch that resumes from a resourceVersion and reports 410 as a typed
error, and one rate limit and one TLS context per cluster shared across thousands of calls.
Owning the ~400 lines that do that is simpler than bending a higher-level client into it, and
httpx keeps an explicit transport seam, HTTP/2 and per-phase timeouts. navarch.kube is the only
package that imports httpx (import-linter checks).

Requests with a whole answer (get, list, apply, patch, delete, /version) go over
``kube/http1.py``, a small HTTP/1.1 client of Navarch's own on kept-alive TLS connections, which
costs a fraction of httpx's CPU per request (see its docstring); watches, ``probe()``, HTTP/2
and a test transport go through httpx.

HTTP/1.1 is the default, HTTP/2 an option (``http2=True``). HTTP/2 is faster here (500 applies at
concurrency 32: 1.6-2.6 s against 2.8-4.4 s over HTTP/1.1), but under the manager's mix of watches
and writes httpcore's HTTP/2 stalled writes on one connection for 30 s while reads went on (the
server never saw the stalled requests; docs/architecture.md has the evidence). Until that is
understood, correctness wins: one TCP connection per concurrent call, kept alive in a pool.

Every call:
- waits for the cluster's token bucket (``qps``/``burst``), so no cluster is flooded;
- has a deadline (``timeout``, default 30 s, retries included); a watch instead has a connect
  timeout and a read timeout just above its server-side ``timeoutSeconds``;
- retries only what the server asks to be retried (429, or 5xx with Retry-After), within the
  deadline;
- raises a typed error from ``navarch.kube.errors`` whose message names the cluster, the
  operation and the server's own explanation, never a credential.
"""

from __future__ import annotations

import asyncio
import builtins
import json
import time
from collections.abc import AsyncGenerator, Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import httpx

from navarch import log
from navarch.kube.discovery import Discovery
from navarch.kube.errors import (
    APIStatusError,
    KubeError,
    RequestTimeout,
    ServerError,
    TooManyRequests,
    Unreachable,
    from_status,
)
from navarch.kube.http1 import Answer, ConnectFailed, Http1Pool, ProtocolError, token_source
from navarch.kube.kubeconfig import ClusterConfig
from navarch.kube.ratelimit import TokenBucket
from navarch.kube.resource import (
    KubeObject,
    ResourceType,
    delete_body,
    list_params,
    watch_params,
    write_params,
)
from navarch.kube.tls import ssl_context

FIELD_MANAGER = "navarch"
USER_AGENT = "navarch/0.1.0"

PatchType = Literal["merge", "strategic", "json", "apply"]
_PATCH_CONTENT_TYPES: dict[str, str] = {
    "merge": "application/merge-patch+json",
    "strategic": "application/strategic-merge-patch+json",
    "json": "application/json-patch+json",
    "apply": "application/apply-patch+yaml",
}

_log = log.get_logger(__name__)


@dataclass
class ObjectList:
    """The items of a list call and the resourceVersion to start a watch from."""

    items: list[KubeObject]
    resource_version: str


@dataclass
class WatchEvent:
    """One event of a watch: ADDED, MODIFIED, DELETED or BOOKMARK, and the object."""

    type: str
    object: KubeObject = field(repr=False)

    @property
    def resource_version(self) -> str:
        return str((self.object.get("metadata") or {}).get("resourceVersion") or "")

    @property
    def initial_events_end(self) -> bool:
        """True for the bookmark that closes the initial events of a streaming list."""
        annotations = (self.object.get("metadata") or {}).get("annotations") or {}
        return annotations.get("k8s.io/initial-events-end") == "true"


KEEPALIVE_EXPIRY = 90.0


class _BearerAuth(httpx.Auth):
    """The bearer token of ``token_source`` on every request (a token file is re-read when it
    changes: rotated tokens)."""

    def __init__(self, token: Callable[[], str | None]) -> None:
        self._token = token

    def auth_flow(self, request: httpx.Request) -> Any:
        token = self._token()
        if token:
            request.headers["Authorization"] = f"Bearer {token}"
        yield request


class Client:
    """A connection to one cluster. Create with a ClusterConfig; close with ``aclose()``."""

    def __init__(
        self,
        config: ClusterConfig,
        *,
        qps: float = 50.0,
        burst: int = 100,
        timeout: float = 30.0,
        http2: bool = False,
        max_connections: int = 200,
        field_manager: str = FIELD_MANAGER,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.name = config.name
        self.server = config.server
        self.field_manager = field_manager
        self.timeout = timeout
        self._bucket = TokenBucket(qps, burst)
        headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
        token = token_source(config)  # one reader for both paths
        verify = ssl_context(config) if config.server.startswith("https://") else False
        self._sni = config.tls_server_name
        settings: dict[str, Any] = {
            "base_url": config.server,
            "headers": headers,
            "auth": _BearerAuth(token),
            "verify": verify,
            "timeout": httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            # idle connections live 90 s, as client-go's do: longer than the manager's 60 s
            # probe interval, so a probe reuses its connection instead of a new TLS handshake
            "limits": httpx.Limits(
                max_connections=max_connections,
                max_keepalive_connections=64,
                keepalive_expiry=KEEPALIVE_EXPIRY,
            ),
            "trust_env": False,
        }
        self._http = httpx.AsyncClient(http2=http2, transport=transport, **settings)
        # requests with a whole answer take kube/http1.py (not over HTTP/2, nor with a test
        # transport); watches and probe() take httpx
        self._pool = (
            Http1Pool(
                config,
                USER_AGENT,
                token,
                max_connections=max_connections,
                keepalive_expiry=KEEPALIVE_EXPIRY,
                connect_timeout=min(timeout, 10.0),
            )
            if transport is None and not http2
            else None
        )
        # Made on first need: see _send for when a request is repeated over HTTP/1.1.
        self._http1_settings = settings if http2 and transport is None else None
        self._http1: httpx.AsyncClient | None = None
        self.discovery = Discovery(self.name, self._get_json)

    async def aclose(self) -> None:
        if self._pool is not None:
            await self._pool.aclose()
        await self._http.aclose()
        if self._http1 is not None:
            await self._http1.aclose()

    async def __aenter__(self) -> Client:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    # -- resource types ---------------------------------------------------------------------

    async def resource(self, api_version: str, kind: str) -> ResourceType:
        return await self.discovery.resource_for(api_version, kind)

    async def _resource_of(self, obj: KubeObject) -> tuple[ResourceType, str, str | None]:
        api_version, kind = obj.get("apiVersion"), obj.get("kind")
        meta = obj.get("metadata") or {}
        name = meta.get("name")
        if not api_version or not kind or not name:
            raise ValueError("an object needs apiVersion, kind and metadata.name")
        rt = await self.resource(str(api_version), str(kind))
        namespace = meta.get("namespace") if rt.namespaced else None
        if rt.namespaced and not namespace:
            raise ValueError(f"{kind} {name} is namespaced: set metadata.namespace")
        return rt, str(name), namespace

    # -- reads ------------------------------------------------------------------------------

    async def get(
        self,
        api_version: str,
        kind: str,
        name: str,
        namespace: str | None = None,
        *,
        subresource: str | None = None,
        from_cache: bool = False,
    ) -> KubeObject:
        """The object; ``from_cache``: as the API server's watch cache has it (resourceVersion
        0: possibly a little behind, but no read from etcd), for checks that tolerate that."""
        rt = await self.resource(api_version, kind)
        path = rt.path(namespace=namespace, name=name, subresource=subresource)
        return await self._json(
            "GET",
            path,
            operation=_op("get", kind, name, namespace),
            params={"resourceVersion": "0"} if from_cache else None,
        )

    async def list(
        self,
        api_version: str,
        kind: str,
        namespace: str | None = None,
        *,
        label_selector: str | None = None,
        field_selector: str | None = None,
        page_size: int = 500,
    ) -> ObjectList:
        """All matching objects (paginated under the hood) and the list's resourceVersion."""
        rt = await self.resource(api_version, kind)
        path = rt.path(namespace=namespace)
        operation = _op("list", kind, None, namespace)
        items: list[KubeObject] = []
        token: str | None = None
        while True:
            params = list_params(
                label_selector=label_selector,
                field_selector=field_selector,
                limit=page_size,
                continue_token=token,
            )
            page = await self._json("GET", path, operation=operation, params=params)
            for item in page.get("items") or []:
                item.setdefault("apiVersion", rt.api_version)
                item.setdefault("kind", rt.kind)
                items.append(item)
            meta = page.get("metadata") or {}
            token = meta.get("continue") or None
            if not token:
                return ObjectList(
                    items=items, resource_version=str(meta.get("resourceVersion", ""))
                )

    # -- writes -----------------------------------------------------------------------------

    async def create(self, obj: KubeObject, *, dry_run: bool = False) -> KubeObject:
        rt, name, namespace = await self._resource_of(obj)
        return await self._json(
            "POST",
            rt.path(namespace=namespace),
            operation=_op("create", rt.kind, name, namespace),
            params=write_params(field_manager=self.field_manager, dry_run=dry_run),
            body=obj,
        )

    async def create_subresource(
        self,
        api_version: str,
        kind: str,
        name: str,
        subresource: str,
        body: KubeObject,
        *,
        namespace: str | None = None,
    ) -> KubeObject:
        """POST to a subresource, e.g. a TokenRequest to ``serviceaccounts/NAME/token``."""
        rt = await self.resource(api_version, kind)
        return await self._json(
            "POST",
            rt.path(namespace=namespace, name=name, subresource=subresource),
            operation=_op("create", kind, name, namespace, subresource),
            body=body,
        )

    async def replace(self, obj: KubeObject, *, subresource: str | None = None) -> KubeObject:
        """PUT the whole object; with metadata.resourceVersion set, fails with Conflict if stale."""
        rt, name, namespace = await self._resource_of(obj)
        return await self._json(
            "PUT",
            rt.path(namespace=namespace, name=name, subresource=subresource),
            operation=_op("replace", rt.kind, name, namespace, subresource),
            params=write_params(field_manager=self.field_manager),
            body=obj,
        )

    async def apply(
        self,
        obj: KubeObject,
        *,
        field_manager: str | None = None,
        force: bool = False,
        subresource: str | None = None,
        dry_run: bool = False,
    ) -> KubeObject:
        """Server-side apply ``obj`` (field manager ``navarch`` unless given)."""
        rt, name, namespace = await self._resource_of(obj)
        return await self._json(
            "PATCH",
            rt.path(namespace=namespace, name=name, subresource=subresource),
            operation=_op("apply", rt.kind, name, namespace, subresource),
            params=write_params(
                field_manager=field_manager or self.field_manager, force=force, dry_run=dry_run
            ),
            body=obj,
            content_type=_PATCH_CONTENT_TYPES["apply"],
        )

    async def apply_status(
        self, obj: KubeObject, *, field_manager: str | None = None
    ) -> KubeObject:
        """Server-side apply the status subresource, with its own field manager."""
        return await self.apply(
            obj,
            field_manager=field_manager or f"{self.field_manager}-status",
            force=True,
            subresource="status",
        )

    async def patch(
        self,
        api_version: str,
        kind: str,
        name: str,
        patch: KubeObject | builtins.list[Any],
        *,
        namespace: str | None = None,
        patch_type: PatchType = "merge",
        subresource: str | None = None,
        field_manager: str | None = None,
        force: bool = False,
    ) -> KubeObject:
        rt = await self.resource(api_version, kind)
        return await self._json(
            "PATCH",
            rt.path(namespace=namespace, name=name, subresource=subresource),
            operation=_op("patch", kind, name, namespace, subresource),
            params=write_params(
                field_manager=field_manager or self.field_manager,
                force=force and patch_type == "apply",
            ),
            body=patch,
            content_type=_PATCH_CONTENT_TYPES[patch_type],
        )

    async def delete(
        self,
        api_version: str,
        kind: str,
        name: str,
        namespace: str | None = None,
        *,
        propagation_policy: str | None = None,
        grace_period_seconds: int | None = None,
        preconditions: dict[str, str] | None = None,
    ) -> KubeObject:
        """Delete one object; returns what the server answers (the object, or a Status)."""
        rt = await self.resource(api_version, kind)
        return await self._json(
            "DELETE",
            rt.path(namespace=namespace, name=name),
            operation=_op("delete", kind, name, namespace),
            body=delete_body(
                propagation_policy=propagation_policy,
                grace_period_seconds=grace_period_seconds,
                preconditions=preconditions,
            ),
        )

    # -- watch ------------------------------------------------------------------------------

    async def watch(
        self,
        api_version: str,
        kind: str,
        *,
        resource_version: str,
        namespace: str | None = None,
        label_selector: str | None = None,
        field_selector: str | None = None,
        timeout_seconds: int = 290,
        allow_bookmarks: bool = True,
        resume: bool = True,
        max_backoff: float = 5.0,
        send_initial_events: bool = False,
    ) -> AsyncGenerator[WatchEvent, None]:
        """Events after ``resource_version``, for as long as the caller iterates.

        With ``resume`` (the default), a dropped connection or the server ending the watch is
        followed by a new watch from the last resourceVersion seen (events and bookmarks both
        advance it), with backoff up to ``max_backoff`` while the server is unreachable, so the
        caller sees one uninterrupted stream. When the server says that resourceVersion is too
        old (410), ``Gone`` is raised: the caller must list again and watch from the new list.

        With ``send_initial_events`` (a streaming list, Kubernetes' WatchList), the server first
        sends every current object as ADDED, then a BOOKMARK annotated
        ``k8s.io/initial-events-end``. Initial events are not in resourceVersion order, so a
        connection lost before that bookmark is not resumed: Unreachable is raised instead.
        """
        rt = await self.resource(api_version, kind)
        path = rt.path(namespace=namespace)
        operation = _op("watch", kind, None, namespace)
        rv = resource_version
        backoff = 0.1
        initial = send_initial_events
        while True:
            params = watch_params(
                resource_version=rv,
                label_selector=label_selector,
                field_selector=field_selector,
                timeout_seconds=timeout_seconds,
                allow_bookmarks=allow_bookmarks or initial,
            )
            if initial:
                params.update(sendInitialEvents="true", resourceVersionMatch="NotOlderThan")
            try:
                async for event in self._watch_once(path, params, operation, timeout_seconds):
                    backoff = 0.1
                    if initial and event.type == "BOOKMARK" and event.initial_events_end:
                        initial = False
                    if event.resource_version and not initial:
                        rv = event.resource_version
                    yield event
            except (Unreachable, ServerError, TooManyRequests) as exc:
                if not resume or initial:
                    raise
                _log.info(
                    "watch interrupted; resuming",
                    cluster=self.name,
                    watch=operation,
                    resource_version=rv,
                    error=exc.server_message,
                    retry_in=f"{backoff:.1f}s",
                )
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, max_backoff)
                continue
            if not resume:
                return

    async def _watch_once(
        self, path: str, params: dict[str, str], operation: str, timeout_seconds: int
    ) -> AsyncGenerator[WatchEvent, None]:
        await self._bucket.acquire()
        timeout = httpx.Timeout(connect=10.0, read=timeout_seconds + 30.0, write=10.0, pool=10.0)
        try:
            # identity: the server may gzip parts of a watch as separate gzip members (it does
            # for the initial events of a streaming list), and httpx decodes only the first.
            async with self._http.stream(
                "GET",
                path,
                params=params,
                timeout=timeout,
                headers={"Accept-Encoding": "identity"},
                extensions=self._extensions(),
            ) as response:
                if response.is_error:
                    body = await response.aread()
                    raise self._status_error(response.status_code, body, operation)
                async for line in response.aiter_lines():
                    if not line:
                        continue
                    doc = json.loads(line)
                    event_type = str(doc.get("type", ""))
                    obj = doc.get("object") or {}
                    if event_type == "ERROR":
                        code = int(obj.get("code") or 500)
                        raise from_status(code, obj, cluster=self.name, operation=operation)
                    yield WatchEvent(type=event_type, object=obj)
        except httpx.TransportError as exc:
            raise Unreachable(
                _describe(exc, self.server), cluster=self.name, operation=operation
            ) from None
        except json.JSONDecodeError:
            raise Unreachable(
                "the watch stream was cut mid-event", cluster=self.name, operation=operation
            ) from None

    # -- raw --------------------------------------------------------------------------------

    async def probe(self, path: str, *, timeout: float = 5.0) -> tuple[int, str]:
        """GET ``path`` (e.g. /readyz) and return (status code, body) whatever the code."""
        await self._bucket.acquire()
        response = await self._send("GET", path, operation=f"GET {path}", timeout=timeout)
        return response.status_code, response.text

    async def version(self) -> KubeObject:
        """The server's /version: gitVersion, major, minor, platform..."""
        return await self._json("GET", "/version", operation="get /version")

    async def _get_json(self, path: str, accept: str) -> KubeObject:
        return await self._json("GET", path, operation=f"discover {path}", accept=accept)

    # -- core -------------------------------------------------------------------------------

    def _extensions(self) -> dict[str, Any]:
        return {"sni_hostname": self._sni} if self._sni else {}

    async def _json(
        self,
        method: str,
        path: str,
        *,
        operation: str,
        params: dict[str, str] | None = None,
        body: Any = None,
        content_type: str = "application/json",
        accept: str | None = None,
    ) -> KubeObject:
        headers: dict[str, str] = {}
        content: bytes | None = None
        if body is not None:
            content = json.dumps(body, separators=(",", ":")).encode()
            headers["Content-Type"] = content_type
        if accept:
            headers["Accept"] = accept
        deadline = time.monotonic() + self.timeout
        attempt = 0
        while True:
            queued = time.perf_counter()
            await self._bucket.acquire()
            sent = time.perf_counter()
            answer = await self._exchange(
                method,
                path,
                operation=operation,
                timeout=deadline - time.monotonic(),
                params=params,
                content=content,
                headers=headers,
            )
            if _log.debug_enabled:
                _log.debug(
                    "request",
                    cluster=self.name,
                    operation=operation,
                    code=answer.status,
                    waited_ms=round((sent - queued) * 1000, 1),
                    ms=round((time.perf_counter() - sent) * 1000, 1),
                )
            if answer.status < 400:
                result: KubeObject = json.loads(answer.body) if answer.body else {}
                return result
            error = self._status_error(answer.status, answer.body, operation)
            retry_after = _retry_after(answer.retry_after)
            attempt += 1
            retryable = isinstance(error, TooManyRequests) or (
                isinstance(error, ServerError) and retry_after is not None
            )
            wait = retry_after if retry_after is not None else min(0.1 * 2**attempt, 2.0)
            if not retryable or attempt >= 10 or time.monotonic() + wait >= deadline:
                raise error
            await asyncio.sleep(wait)

    async def _exchange(
        self,
        method: str,
        path: str,
        *,
        operation: str,
        timeout: float,
        params: dict[str, str] | None,
        content: bytes | None,
        headers: dict[str, str],
    ) -> Answer:
        """One request with a whole answer: over the HTTP/1.1 pool, else through httpx."""
        if self._pool is not None:
            try:
                if timeout <= 0:
                    raise TimeoutError
                async with asyncio.timeout(timeout):
                    return await self._pool.request(
                        method, path, params=params, headers=headers, content=content
                    )
            except TimeoutError:
                raise RequestTimeout(
                    f"no answer within {self.timeout:.0f}s", cluster=self.name, operation=operation
                ) from None
            except (ProtocolError, ConnectFailed) as exc:
                raise Unreachable(
                    f"cannot reach {self.server}: {exc}", cluster=self.name, operation=operation
                ) from None
        response = await self._send(
            method,
            path,
            operation=operation,
            timeout=timeout,
            limit=self.timeout,
            params=params,
            content=content,
            headers=headers,
        )
        return Answer(response.status_code, response.content, response.headers.get("Retry-After"))

    async def _send(
        self,
        method: str,
        path: str,
        *,
        operation: str,
        timeout: float,
        limit: float | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        """One request within ``timeout`` seconds; transport failures become typed errors.

        Over HTTP/2, kube-apiserver answers an unauthenticated request and then closes the
        connection (GOAWAY), and httpcore reports that as a terminated connection instead of
        returning the 401 it received. Such a request is sent once more over HTTP/1.1, where
        the answer arrives intact, so a bad token reads "Unauthorized", not "cannot reach".
        ``limit`` is the deadline to name in a timeout error (default: ``timeout``).
        """
        late = RequestTimeout(
            f"no answer within {limit or timeout:.0f}s", cluster=self.name, operation=operation
        )
        if timeout <= 0:
            raise late
        http = self._http
        try:
            async with asyncio.timeout(timeout):
                try:
                    return await http.request(method, path, extensions=self._extensions(), **kwargs)
                except httpx.RemoteProtocolError as exc:
                    if self._http1_settings is None or "ConnectionTerminated" not in str(exc):
                        raise
                    if self._http1 is None:
                        self._http1 = httpx.AsyncClient(http2=False, **self._http1_settings)
                    http = self._http1
                    return await http.request(method, path, extensions=self._extensions(), **kwargs)
        except TimeoutError:
            raise late from None
        except httpx.TransportError as exc:
            raise Unreachable(
                _describe(exc, self.server), cluster=self.name, operation=operation
            ) from None

    def _status_error(self, code: int, body: bytes, operation: str) -> APIStatusError:
        status: dict[str, Any] | None = None
        try:
            decoded = json.loads(body) if body else None
            status = decoded if isinstance(decoded, dict) else None
        except (json.JSONDecodeError, UnicodeDecodeError):
            status = None
        fallback = "" if status else body[:200].decode(errors="replace").strip()
        return from_status(code, status, cluster=self.name, operation=operation, fallback=fallback)


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


def _describe(exc: httpx.TransportError, server: str) -> str:
    detail = str(exc) or type(exc).__name__
    return f"cannot reach {server}: {detail}"


def _op(
    verb: str, kind: str, name: str | None, namespace: str | None, subresource: str | None = None
) -> str:
    target = f"{namespace}/{name}" if namespace and name else (name or "")
    if not name and namespace:
        target = f"in namespace {namespace}"
    sub = f" ({subresource})" if subresource else ""
    return f"{verb} {kind} {target}".rstrip() + sub


__all__ = ["FIELD_MANAGER", "Client", "KubeError", "ObjectList", "WatchEvent"]
