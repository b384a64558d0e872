"""Unary HTTP/1.1 requests over kept-alive TLS connections: the Client's fast path.

Every GET, LIST, apply, patch and delete the manager sends used to go through httpx. Profiling
the manager while it deployed 20 objects to each of 1,000 registered clusters on the 2-core VM
(py-spy, bench/scale.py) put about half of its CPU in httpx, httpcore and their per-request
objects (request and response models, auth and redirect layers, cookies, two TLS writes per
request), more than in anything Navarch does with the answers. A request here is one bytes
string written in one TLS write, and a response is a status line, headers and a body read off a
buffered stream: the ``/version`` GET that first took this path cost 0.23 ms of CPU against
1.2-3 ms through httpx.

What it speaks is what kube-apiserver answers: HTTP/1.1 with a body by Content-Length, chunked or
up to the end of the connection, gzip when the server chose it. Connections are kept in a LIFO
pool per Client, at most ``max_connections`` in use. The most recently used idle connection
lives ``keepalive_expiry`` seconds (90 s, as client-go's; longer than the manager's 60 s probe
interval, so a quiet cluster keeps reusing one connection and pays no TLS handshake per probe);
the others, opened for a burst of parallel requests, are closed ``EXTRA_EXPIRY`` seconds after
their last use by a timer, because a thousand clusters that each kept the connections of
their last deploy would hold about 300 MiB of TLS buffers. A connection whose socket turns
readable while idle (the server closed it) is dropped without being used. A reused
connection that breaks before any byte of the answer arrives is replaced and the request sent
once more if the method is idempotent; a POST is never sent twice.

It uses anyio's TLS stream (as httpcore does) rather than asyncio's: asyncio's SSL transport
keeps a 256 KiB read buffer per connection, anyio's about 36 KiB, which matters with
connections to a thousand clusters; and a connection that cannot be opened fails with the
same anyio error httpx would report. Watches (long streams) and HTTP/2 stay with httpx.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import select
import ssl
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import anyio
import anyio.abc
from anyio.streams.buffered import BufferedByteReceiveStream

from navarch.kube.kubeconfig import ClusterConfig
from navarch.kube.tls import ssl_context

MAX_HEAD = 64 * 1024
EXTRA_EXPIRY = 5.0  # idle connections beyond the most recent one are closed this soon
IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "DELETE", "PATCH", "OPTIONS"})


class ConnectFailed(Exception):
    """No connection could be opened; nothing was sent. The message says why (as httpx's
    would: both connect with anyio)."""


class ProtocolError(Exception):
    """The server's answer is not HTTP/1.x as expected, or the connection broke mid-request.
    The request may have been processed."""


@dataclass
class Answer:
    status: int
    body: bytes
    retry_after: str | None = None


@dataclass
class _Head:
    status: int
    close: bool
    headers: dict[str, str]


class _Connection:
    def __init__(self, stream: anyio.abc.ByteStream) -> None:
        self.stream = stream
        self.reader = BufferedByteReceiveStream(stream)
        self.idle_since = time.monotonic()
        raw = stream.extra(anyio.abc.SocketAttribute.raw_socket, None)
        self.fileno = raw.fileno() if raw is not None else -1

    def closed_by_peer(self) -> bool:
        """Readable while idle: the server closed it (or sent what nobody asked for)."""
        if self.reader.buffer:
            return True
        if self.fileno < 0:
            return False
        try:
            readable, _, _ = select.select([self.fileno], [], [], 0)
        except (OSError, ValueError):
            return True
        return bool(readable)

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await anyio.aclose_forcefully(self.stream)


class Http1Pool:
    """Kept-alive HTTP/1.1 connections to one server, for requests with a whole answer."""

    def __init__(
        self,
        config: ClusterConfig,
        user_agent: str,
        token: Callable[[], str | None],
        *,
        max_connections: int = 200,
        keepalive_expiry: float = 90.0,
        connect_timeout: float = 10.0,
    ) -> None:
        url = urlsplit(config.server)
        tls = url.scheme == "https"
        self._host = url.hostname or ""
        self._port = url.port or (443 if tls else 80)
        self._prefix = url.path.rstrip("/")
        self._ssl: ssl.SSLContext | None = ssl_context(config, alpn=("http/1.1",)) if tls else None
        self._tls_hostname = config.tls_server_name or self._host
        self._token = token
        self._fixed = (
            f"Host: {url.netloc.rpartition('@')[2]}\r\nUser-Agent: {user_agent}\r\n"
            "Accept-Encoding: gzip\r\n"
        )
        self._expiry = keepalive_expiry
        self._connect_timeout = connect_timeout
        self._idle: list[_Connection] = []  # the most recently used last
        self._slots = asyncio.Semaphore(max_connections)
        self._sweep: asyncio.TimerHandle | None = None
        self._closing: set[asyncio.Task[None]] = set()

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        content: bytes | None = None,
    ) -> Answer:
        """One request and its whole answer. Raises ConnectFailed (nothing sent) or
        ProtocolError; a cancellation (the caller's timeout) drops the connection."""
        data = self._encode(method, path, params, headers, content)
        async with self._slots:
            conn = await self._take_idle()
            if conn is not None:
                try:
                    return await self._exchange(conn, data)
                except _Stale:
                    if method not in IDEMPOTENT:
                        raise ProtocolError(
                            "the server closed a kept-alive connection before answering"
                        ) from None
            conn = await self._open()
            try:
                return await self._exchange(conn, data)
            except _Stale:
                raise ProtocolError("the server closed the connection before answering") from None

    async def aclose(self) -> None:
        if self._sweep is not None:
            self._sweep.cancel()
        idle, self._idle = self._idle, []
        for conn in idle:
            await conn.close()
        await asyncio.gather(*self._closing, return_exceptions=True)

    def _release(self, conn: _Connection) -> None:
        conn.idle_since = time.monotonic()
        self._idle.append(conn)
        if len(self._idle) > 1 and self._sweep is None:
            self._sweep = asyncio.get_running_loop().call_later(EXTRA_EXPIRY, self._close_extra)

    def _close_extra(self) -> None:
        """Close the idle connections but the most recent one that have waited EXTRA_EXPIRY."""
        self._sweep = None
        now = time.monotonic()
        keep = [c for c in self._idle[:-1] if now - c.idle_since < EXTRA_EXPIRY]
        old = [c for c in self._idle[:-1] if now - c.idle_since >= EXTRA_EXPIRY]
        self._idle = [*keep, *self._idle[-1:]]
        if old:
            task = asyncio.ensure_future(_close_all(old))
            self._closing.add(task)
            task.add_done_callback(self._closing.discard)
        if len(self._idle) > 1:
            self._sweep = asyncio.get_running_loop().call_later(EXTRA_EXPIRY, self._close_extra)

    def _encode(
        self,
        method: str,
        path: str,
        params: dict[str, str] | None,
        headers: dict[str, str] | None,
        content: bytes | None,
    ) -> bytes:
        target = self._prefix + path
        if params:
            target += "?" + urlencode(params)
        lines = [f"{method} {target} HTTP/1.1\r\n", self._fixed]
        merged = {"Accept": "application/json", **(headers or {})}
        token = self._token()
        if token:
            merged["Authorization"] = f"Bearer {token}"
        if content is not None or method in ("POST", "PUT", "PATCH"):
            merged["Content-Length"] = str(len(content or b""))
        lines.extend(f"{k}: {v}\r\n" for k, v in merged.items())
        lines.append("\r\n")
        head = "".join(lines).encode("latin-1")
        return head + content if content else head

    async def _take_idle(self) -> _Connection | None:
        now = time.monotonic()
        while self._idle:
            conn = self._idle.pop()
            if now - conn.idle_since < self._expiry and not conn.closed_by_peer():
                return conn
            await conn.close()
        return None

    async def _open(self) -> _Connection:
        try:
            with anyio.fail_after(self._connect_timeout):
                stream = await anyio.connect_tcp(
                    self._host,
                    self._port,
                    ssl_context=self._ssl,
                    tls_hostname=self._tls_hostname,
                    tls_standard_compatible=False,
                )
        except TimeoutError:
            raise ConnectFailed(f"no connection within {self._connect_timeout:.0f}s") from None
        except (OSError, anyio.BrokenResourceError) as exc:
            raise ConnectFailed(str(exc) or type(exc).__name__) from None
        return _Connection(stream)

    async def _exchange(self, conn: _Connection, data: bytes) -> Answer:
        """Send, read the whole answer, give the connection back (or close it)."""
        done = False
        answered = False
        try:
            await conn.stream.send(data)
            head = await _read_head(conn.reader)
            answered = True
            body = await _read_body(conn.reader, head)
            done = True
        except _BROKEN as exc:
            if not answered:
                raise _Stale from exc
            raise ProtocolError("the connection broke in the middle of the answer") from None
        except (anyio.DelimiterNotFound, ValueError, zlib.error) as exc:
            raise ProtocolError(f"unreadable answer ({exc})") from None
        finally:
            if not done or head.close:
                await conn.close()
        self._release(conn)
        return Answer(head.status, body, head.headers.get("retry-after"))


async def _close_all(connections: list[_Connection]) -> None:
    for conn in connections:
        await conn.close()


class _Stale(Exception):
    """The connection ended before any byte of the answer."""


_BROKEN = (
    anyio.EndOfStream,
    anyio.BrokenResourceError,
    anyio.IncompleteRead,
    anyio.ClosedResourceError,
    ConnectionError,
    ssl.SSLError,
)


async def _read_head(reader: BufferedByteReceiveStream) -> _Head:
    """Status line and headers of one response (1xx interim responses skipped)."""
    while True:
        raw = await reader.receive_until(b"\r\n\r\n", MAX_HEAD)
        status_line, *header_lines = raw.decode("latin-1").split("\r\n")
        version, _, rest = status_line.partition(" ")
        if not version.startswith("HTTP/1."):
            raise ValueError(f"not HTTP/1.x: {version[:20]!r}")
        status = int(rest.partition(" ")[0])
        headers: dict[str, str] = {}
        for line in header_lines:
            name, sep, value = line.partition(":")
            if not sep:
                raise ValueError("malformed header")
            headers[name.strip().lower()] = value.strip()
        if 100 <= status < 200:
            continue
        close = headers.get("connection", "").lower() == "close" or version == "HTTP/1.0"
        return _Head(status, close, headers)


async def _read_body(reader: BufferedByteReceiveStream, head: _Head) -> bytes:
    if head.status in (204, 304):
        body = b""
    elif "chunked" in head.headers.get("transfer-encoding", "").lower():
        body = await _chunked(reader)
    elif "content-length" in head.headers:
        body = await reader.receive_exactly(int(head.headers["content-length"]))
    else:  # the body runs to the end of the connection
        head.close = True
        parts: list[bytes] = []
        with contextlib.suppress(anyio.EndOfStream):
            while True:
                parts.append(await reader.receive())
        body = b"".join(parts)
    if head.headers.get("content-encoding", "").lower() == "gzip":
        body = _gunzip(body)
    return body


def _gunzip(data: bytes) -> bytes:
    """Every member of a gzip body (the server may write several; see docs/local-fleet.md)."""
    parts: list[bytes] = []
    while data:
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        parts.append(inflater.decompress(data))
        if not inflater.eof:
            raise ValueError("a gzip body cut short")
        data = inflater.unused_data
    return b"".join(parts)


async def _chunked(reader: BufferedByteReceiveStream) -> bytes:
    parts: list[bytes] = []
    while True:
        size = int((await reader.receive_until(b"\r\n", 1024)).split(b";")[0].strip(), 16)
        if size == 0:
            while await reader.receive_until(b"\r\n", MAX_HEAD):  # trailers, to the blank line
                pass
            return b"".join(parts)
        parts.append(await reader.receive_exactly(size))
        await reader.receive_exactly(2)


class TokenFile:
    """A bearer token read from a file and re-read when the file changes (rotated tokens)."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._mtime = -1.0
        self._token = ""

    def read(self) -> str:
        try:
            mtime = os.stat(self._path).st_mtime
            if mtime != self._mtime:
                self._token = self._path.read_text().strip()
                self._mtime = mtime
        except OSError:
            pass  # keep the last token read; the server will say 401 if it expired
        return self._token


def token_source(config: ClusterConfig) -> Callable[[], str | None]:
    """The bearer token to send, if any: the kubeconfig's own, or its token file's."""
    if config.token:
        token = config.token
        return lambda: token
    if config.token_file is not None:
        return TokenFile(config.token_file).read
    return lambda: None
