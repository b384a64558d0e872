"""The probe's HTTP/1.1 response reading, on bytes (no server)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import anyio
import pytest
from anyio.streams.buffered import BufferedByteReceiveStream

from navarch.kube.probe import ProbeUnsupported, TokenFile, _response


def reader_of(data: bytes) -> BufferedByteReceiveStream:
    """A stream that delivers ``data`` in small pieces, then ends."""
    send, receive = anyio.create_memory_object_stream[bytes](len(data) + 1)
    for i in range(0, len(data), 7):
        send.send_nowait(data[i : i + 7])
    send.close()
    return BufferedByteReceiveStream(receive)


async def test_a_body_by_content_length_keeps_the_connection() -> None:
    raw = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}rest"
    assert await _response(reader_of(raw)) == (200, False, b"{}")


async def test_a_chunked_body_with_trailers_is_joined() -> None:
    raw = (
        b"HTTP/1.1 401 Unauthorized\r\nTransfer-Encoding: chunked\r\n\r\n"
        b'3;ext=1\r\n{"a\r\n4\r\n":1}\r\n0\r\nX-Trailer: y\r\n\r\n'
    )
    assert await _response(reader_of(raw)) == (401, False, b'{"a":1}')


async def test_connection_close_and_http_1_0_close_after_the_response() -> None:
    closing = b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
    assert (await _response(reader_of(closing)))[1]
    old = b"HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n"
    assert (await _response(reader_of(old)))[1]


@pytest.mark.parametrize(
    "raw",
    [
        b"HTTP/2 200\r\nContent-Length: 0\r\n\r\n",  # not HTTP/1.x
        b"HTTP/1.1 200 OK\r\nno colon here\r\n\r\n",  # a malformed header
        b"HTTP/1.1 200 OK\r\n\r\nbody until the end",  # no length: not supported
        b"HTTP/1.1 200 OK\r\nContent-Length: 99999999\r\n\r\n",  # too large
    ],
)
async def test_what_it_does_not_expect_is_left_to_httpx(raw: bytes) -> None:
    with pytest.raises(ProbeUnsupported):
        await _response(reader_of(raw))


async def test_a_cut_response_is_an_incomplete_read() -> None:
    with pytest.raises(anyio.IncompleteRead):
        await _response(reader_of(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n{}"))


def test_a_token_file_is_read_again_when_it_changes(tmp_path: Path) -> None:
    path = tmp_path / "token"
    path.write_text("one\n")
    token = TokenFile(path)
    assert token.read() == "one"
    path.write_text("two\n")
    os.utime(path, (time.time() + 5, time.time() + 5))
    assert token.read() == "two"
    path.unlink()
    assert token.read() == "two"  # gone: the last one read is kept
