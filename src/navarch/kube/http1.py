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
their last deploy would hold about 300 MiB of TLS buffers. A connection that received anything
or was closed while idle (the server closed it) is dropped without being used. A reused
connection that breaks before any byte of the answer arrives is replaced and the request sent
once more if the method is idempotent; a POST is never sent twice.

TLS is driven here, not by a stream library: each connection is an asyncio protocol on a plain
TCP transport that hands the bytes it receives to an ``ssl.SSLObject`` over memory BIOs and keeps
the plaintext, so a whole response usually costs one wake-up. asyncio's own SSL transport keeps
a 256 KiB read buffer per connection (a quarter of a GiB for a thousand clusters); anyio's TLS
stream (used here until 2026-11-26, and by httpcore) keeps little but goes through stream
layers, cancel scopes and checkpoints at every read and write: with it the TLS stream was about
a quarter of the manager's CPU in py-spy while it deployed to 1,000 registrations, and an apply
cost 1.02 ms of client CPU against 0.76 ms now (one in flight; 0.69 against 0.50 with four).
Watches (long streams) and HTTP/2 stay with httpx.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import ssl
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol
from urllib.parse import urlencode, urlsplit

import anyio

from navarch.kube.kubeconfig import ClusterConfig
from navarch.kube.tls import ssl_context

MAX_HEAD = 64 * 1024
READ_SIZE = 64 * 1024  # plaintext read from the TLS object at a time
EXTRA_EXPIRY = 5.0  # idle connections beyond the most recent one are closed this soon
IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "DELETE", "PATCH", "OPTIONS"})


class Reader(Protocol):
    """What a response is read from: a connection here, any anyio buffered stream in tests."""

    async def receive_until(self, delimiter: bytes, max_bytes: int) -> bytes: ...

    async def receive_exactly(self, nbytes: int) -> bytes: ...

    async def receive(self, max_bytes: int = ...) -> bytes: ...


class ConnectFailed(Exception):
    """No connection could be opened; nothing was sent. The message says why (in the words of
    the operating system or of the TLS library)."""


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


class _Connection(asyncio.Protocol):
    """One kept-alive connection: an asyncio protocol that decrypts TLS as bytes arrive (an
    ``ssl.SSLObject`` over memory BIOs) and keeps the plaintext for the response reader.

    The reader methods (``receive_until``, ``receive_exactly``, ``receive``) behave as those of
    anyio's ``BufferedByteReceiveStream`` and raise its exceptions, so a response is parsed the
    same way over either. A whole response usually arrives in one ``data_received``: reading it then
    costs one wake-up, not a chain of stream layers per call.
    """

    def __init__(self, context: ssl.SSLContext | None, hostname: str) -> None:
        self.buffer = bytearray()  # plaintext received, not yet read
        self.idle_since = time.monotonic()
        self._transport: asyncio.Transport | None = None
        self._waiter: asyncio.Future[None] | None = None
        self._eof = False
        self._error: BaseException | None = None
        self._incoming = ssl.MemoryBIO()
        self._outgoing = ssl.MemoryBIO()
        self._tls = (
            context.wrap_bio(self._incoming, self._outgoing, server_hostname=hostname)
            if context is not None
            else None
        )
        self._secure = self._tls is None  # the handshake is done (or there is none)

    # asyncio.Protocol

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport

    def data_received(self, data: bytes) -> None:
        if self._tls is None:
            self.buffer += data
        else:
            self._incoming.write(data)
            self._decrypt()
        self._wake()

    def eof_received(self) -> bool:
        self._eof = True
        self._wake()
        return False  # the transport closes itself

    def connection_lost(self, exc: Exception | None) -> None:
        self._eof = True
        if exc is not None and self._error is None:
            self._error = exc
        self._wake()

    # TLS

    def _decrypt(self) -> None:
        assert self._tls is not None
        try:
            if not self._secure:
                self._tls.do_handshake()
                self._secure = True
            while True:
                chunk = self._tls.read(READ_SIZE)
                if not chunk:
                    self._eof = True
                    break
                self.buffer += chunk
        except ssl.SSLWantReadError:
            pass
        except ssl.SSLZeroReturnError:  # the server's close_notify
            self._eof = True
        except ssl.SSLError as exc:
            self._error = exc
        self._flush()  # the handshake's next flight, or an answer to a post-handshake message

    def _flush(self) -> None:
        if self._outgoing.pending and self._transport is not None:
            self._transport.write(self._outgoing.read())

    async def handshake(self) -> None:
        """Complete the TLS handshake (nothing to do without TLS)."""
        if self._tls is None:
            return
        self._decrypt()  # the ClientHello
        while not self._secure:
            await self._more()

    # what the request side uses

    def send(self, data: bytes) -> None:
        if self._error is not None or self._eof or self._transport is None:
            raise anyio.BrokenResourceError
        if self._tls is None:
            self._transport.write(data)
        else:
            self._tls.write(data)
            self._flush()

    def closed_by_peer(self) -> bool:
        """Ended while idle (the server closed it), or sent what nobody asked for."""
        return (
            bool(self.buffer)
            or self._eof
            or self._error is not None
            or self._transport is None
            or self._transport.is_closing()
        )

    def close(self) -> None:
        if self._transport is not None:
            self._transport.abort()

    # the reader (the contract of anyio's BufferedByteReceiveStream)

    async def _more(self) -> None:
        """Wait for more bytes; raises what ended the connection."""
        if self._error is not None:
            raise self._error
        if self._eof:
            raise anyio.EndOfStream
        self._waiter = asyncio.get_running_loop().create_future()
        try:
            await self._waiter
        finally:
            self._waiter = None

    def _wake(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    async def receive_until(self, delimiter: bytes, max_bytes: int) -> bytes:
        offset = 0
        while True:
            index = self.buffer.find(delimiter, offset)
            if index >= 0:
                found = bytes(self.buffer[:index])
                del self.buffer[: index + len(delimiter)]
                return found
            if len(self.buffer) >= max_bytes:
                raise anyio.DelimiterNotFound(max_bytes)
            offset = max(len(self.buffer) - len(delimiter) + 1, 0)
            try:
                await self._more()
            except anyio.EndOfStream as exc:
                raise anyio.IncompleteRead from exc

    async def receive_exactly(self, nbytes: int) -> bytes:
        while len(self.buffer) < nbytes:
            try:
                await self._more()
            except anyio.EndOfStream as exc:
                raise anyio.IncompleteRead from exc
        found = bytes(self.buffer[:nbytes])
        del self.buffer[:nbytes]
        return found

    async def receive(self, max_bytes: int = READ_SIZE) -> bytes:
        while not self.buffer:
            await self._more()
        found = bytes(self.buffer[:max_bytes])
        del self.buffer[:max_bytes]
        return found


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
            conn = self._take_idle()
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
            conn.close()

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
        for conn in old:
            conn.close()
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

    def _take_idle(self) -> _Connection | None:
        now = time.monotonic()
        while self._idle:
            conn = self._idle.pop()
            if now - conn.idle_since < self._expiry and not conn.closed_by_peer():
                return conn
            conn.close()
        return None

    async def _open(self) -> _Connection:
        loop = asyncio.get_running_loop()
        conn: _Connection | None = None
        secure = False
        try:
            async with asyncio.timeout(self._connect_timeout):
                _, conn = await loop.create_connection(
                    lambda: _Connection(self._ssl, self._tls_hostname), self._host, self._port
                )
                await conn.handshake()
            secure = True
        except TimeoutError:
            raise ConnectFailed(f"no connection within {self._connect_timeout:.0f}s") from None
        except (OSError, anyio.EndOfStream, anyio.BrokenResourceError) as exc:
            raise ConnectFailed(str(exc) or type(exc).__name__) from None
        finally:
            if conn is not None and not secure:
                conn.close()
        return conn

    async def _exchange(self, conn: _Connection, data: bytes) -> Answer:
        """Send, read the whole answer, give the connection back (or close it)."""
        done = False
        answered = False
        try:
            conn.send(data)
            head = await _read_head(conn)
            answered = True
            body = await _read_body(conn, head)
            done = True
        except _BROKEN as exc:
            if not answered:
                raise _Stale from exc
            raise ProtocolError("the connection broke in the middle of the answer") from None
        except (anyio.DelimiterNotFound, ValueError, zlib.error) as exc:
            raise ProtocolError(f"unreadable answer ({exc})") from None
        finally:
            if not done or head.close:
                conn.close()
        self._release(conn)
        return Answer(head.status, body, head.headers.get("retry-after"))


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


async def _read_head(reader: Reader) -> _Head:
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


async def _read_body(reader: Reader, head: _Head) -> bytes:
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


async def _chunked(reader: Reader) -> bytes:
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
