"""A cheap, kept-alive GET for the manager's periodic cluster probes.

The manager probes every registered cluster once a minute (``GET /version``). Through httpx a
GET costs about 1.5 ms of CPU (request and response objects, auth and redirect layers, cookies,
anyio's TLS stream), and at 1,000 registrations that alone kept the idle manager above 5 % of a
core. The same GET written on one asyncio TLS stream of its own, kept alive between probes,
costs about 0.24 ms (measured on the 2-core VM: 2,000 sequential GETs against a local
kube-apiserver).

So each Client has a ``VersionProbe``: one HTTP/1.1 connection used only for probes, opened on
first use and kept while the server keeps it (kube-apiserver keeps idle connections for
minutes; a stale one is noticed on the next write or read and replaced once). It speaks just
what ``/version`` needs: a GET with the client's credentials (client certificate through the
same ``ssl_context``, or a bearer token, re-read from its file as the Client does), a status
line, headers, and a body by Content-Length or chunked. It uses anyio's TLS stream (as httpcore
does) rather than asyncio's: asyncio's SSL transport keeps a 256 KiB read buffer per
connection, anyio's about 36 KiB, which matters with a connection per registered cluster.
Anything it does not expect raises ``ProbeUnsupported`` and the Client answers the probe
through httpx instead, so an odd server costs speed, never a wrong verdict.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import ssl
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import anyio
import anyio.abc
from anyio.streams.buffered import BufferedByteReceiveStream

from navarch.kube.kubeconfig import ClusterConfig
from navarch.kube.tls import ssl_context

MAX_HEAD = 64 * 1024
MAX_BODY = 1024 * 1024


class ProbeUnsupported(Exception):
    """The probe cannot answer this one itself (an unexpected response): ask httpx."""


class VersionProbe:
    """GET ``<server>/version`` over one kept-alive connection (see the module docstring)."""

    def __init__(self, config: ClusterConfig, user_agent: str) -> None:
        url = urlsplit(config.server)
        tls = url.scheme == "https"
        self._host = url.hostname or ""
        self._port = url.port or (443 if tls else 80)
        self._netloc = url.netloc.rpartition("@")[2]
        self._path = url.path.rstrip("/") + "/version"
        self._ssl: ssl.SSLContext | None = ssl_context(config) if tls else None
        self._tls_hostname = config.tls_server_name or self._host
        self._token = _token_source(config)
        self._user_agent = user_agent
        self._stream: anyio.abc.ByteStream | None = None
        self._reader: BufferedByteReceiveStream | None = None
        self._lock = asyncio.Lock()

    async def get(self, timeout: float) -> tuple[int, bytes]:
        """(status code, body). Raises TimeoutError, OSError (cannot connect, or the
        connection broke twice) or ProbeUnsupported."""
        async with self._lock, asyncio.timeout(timeout):
            reused = self._stream is not None
            try:
                return await self._exchange()
            except _BROKEN:
                await self._drop()
                if not reused:
                    raise ConnectionError("the connection broke") from None
            try:
                return await self._exchange()  # the kept connection had gone stale: once more
            except _BROKEN:
                await self._drop()
                raise ConnectionError("the connection broke") from None
        raise AssertionError("unreachable")  # pragma: no cover (for type checkers)

    async def _exchange(self) -> tuple[int, bytes]:
        if self._stream is None:
            self._stream = await anyio.connect_tcp(
                self._host,
                self._port,
                ssl_context=self._ssl,
                tls_hostname=self._tls_hostname,
                tls_standard_compatible=False,
            )
            self._reader = BufferedByteReceiveStream(self._stream)
        assert self._reader is not None
        await self._stream.send(self._request())
        try:
            status, close, body = await _response(self._reader)
        except (ProbeUnsupported, anyio.DelimiterNotFound, ValueError):
            await self._drop()
            raise ProbeUnsupported("unexpected response") from None
        if close:
            await self._drop()
        return status, body

    def _request(self) -> bytes:
        lines = [
            f"GET {self._path} HTTP/1.1",
            f"Host: {self._netloc}",
            f"User-Agent: {self._user_agent}",
            "Accept: application/json",
        ]
        token = self._token()
        if token:
            lines.append(f"Authorization: Bearer {token}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode()

    async def _drop(self) -> None:
        stream, self._stream, self._reader = self._stream, None, None
        if stream is not None:
            with contextlib.suppress(Exception):
                await anyio.aclose_forcefully(stream)

    async def close(self) -> None:
        await self._drop()


# a kept connection that the server closed, or one cut mid-response
_BROKEN = (
    anyio.EndOfStream,
    anyio.BrokenResourceError,
    anyio.IncompleteRead,
    anyio.ClosedResourceError,
    ConnectionError,
)


async def _response(reader: BufferedByteReceiveStream) -> tuple[int, bool, bytes]:
    """(status, close after it, body) of one HTTP/1.1 response."""
    head = await reader.receive_until(b"\r\n\r\n", MAX_HEAD)
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    version, _, rest = status_line.partition(" ")
    if not version.startswith("HTTP/1."):
        raise ProbeUnsupported(f"not HTTP/1.x: {version!r}")
    status = int(rest.partition(" ")[0])
    headers: dict[str, str] = {}
    for line in header_lines:
        name, sep, value = line.partition(":")
        if not sep:
            raise ProbeUnsupported("malformed header")
        headers[name.strip().lower()] = value.strip()
    close = headers.get("connection", "").lower() == "close" or version == "HTTP/1.0"
    if "chunked" in headers.get("transfer-encoding", "").lower():
        body = await _chunked(reader)
    elif "content-length" in headers:
        length = int(headers["content-length"])
        if length > MAX_BODY:
            raise ProbeUnsupported("body too large")
        body = await reader.receive_exactly(length)
    else:  # the body runs to the end of the connection: not worth supporting here
        raise ProbeUnsupported("no length")
    return status, close, body


async def _chunked(reader: BufferedByteReceiveStream) -> bytes:
    parts: list[bytes] = []
    total = 0
    while True:
        size = int((await reader.receive_until(b"\r\n", 1024)).split(b";")[0].strip(), 16)
        if size == 0:
            while await reader.receive_until(b"\r\n", MAX_HEAD):  # trailers, to the blank line
                pass
            return b"".join(parts)
        total += size
        if total > MAX_BODY:
            raise ProbeUnsupported("body too large")
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


def _token_source(config: ClusterConfig) -> Callable[[], str | None]:
    """The bearer token to send, if any."""
    if config.token:
        token = config.token
        return lambda: token
    if config.token_file is not None:
        return TokenFile(config.token_file).read
    return lambda: None
