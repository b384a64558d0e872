"""The HTTP/1.1 fast path's request encoding and response reading, on bytes (no server)."""

from __future__ import annotations

import gzip
import os
import time
from pathlib import Path

import anyio
import pytest
from anyio.streams.buffered import BufferedByteReceiveStream

from navarch.kube import ClusterConfig
from navarch.kube.http1 import Http1Pool, TokenFile, _read_body, _read_head, token_source


def reader_of(data: bytes) -> BufferedByteReceiveStream:
    """A stream that delivers ``data`` in small pieces, then ends."""
    send, receive = anyio.create_memory_object_stream[bytes](len(data) + 1)
    for i in range(0, len(data), 7):
        send.send_nowait(data[i : i + 7])
    send.close()
    return BufferedByteReceiveStream(receive)


async def response(raw: bytes) -> tuple[int, bool, bytes, BufferedByteReceiveStream]:
    reader = reader_of(raw)
    head = await _read_head(reader)
    body = await _read_body(reader, head)
    return head.status, head.close, body, reader


async def test_a_body_by_content_length_keeps_the_connection_and_what_follows() -> None:
    raw = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}rest"
    status, close, body, reader = await response(raw)
    assert (status, close, body) == (200, False, b"{}")
    assert await reader.receive_exactly(4) == b"rest"  # the next response's bytes stay


async def test_a_chunked_body_with_trailers_is_joined() -> None:
    raw = (
        b"HTTP/1.1 401 Unauthorized\r\nTransfer-Encoding: chunked\r\n\r\n"
        b'3;ext=1\r\n{"a\r\n4\r\n":1}\r\n0\r\nX-Trailer: y\r\n\r\n'
    )
    assert (await response(raw))[:3] == (401, False, b'{"a":1}')


async def test_a_gzip_body_of_several_members_is_decompressed_whole() -> None:
    packed = gzip.compress(b'{"items":') + gzip.compress(b"[]}")
    raw = (
        b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: "
        + str(len(packed)).encode()
        + b"\r\n\r\n"
        + packed
    )
    assert (await response(raw))[2] == b'{"items":[]}'


async def test_interim_responses_are_skipped() -> None:
    raw = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\n{}"
    assert (await response(raw))[:3] == (201, False, b"{}")


async def test_close_http_1_0_and_a_body_to_the_end_close_after_the_response() -> None:
    closing = b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
    assert (await response(closing))[1]
    old = b"HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n"
    assert (await response(old))[1]
    to_the_end = b"HTTP/1.1 200 OK\r\n\r\nbody until the end"
    assert (await response(to_the_end))[1:3] == (True, b"body until the end")


@pytest.mark.parametrize(
    "raw",
    [
        b"HTTP/2 200\r\nContent-Length: 0\r\n\r\n",  # not HTTP/1.x
        b"HTTP/1.1 200 OK\r\nno colon here\r\n\r\n",  # a malformed header
        b"HTTP/1.1 abc OK\r\n\r\n",  # no status code
    ],
)
async def test_what_is_not_http_1_is_refused(raw: bytes) -> None:
    with pytest.raises(ValueError, match=r"HTTP/1\.x|malformed header|invalid literal"):
        await response(raw)


async def test_a_cut_response_is_an_incomplete_read() -> None:
    with pytest.raises(anyio.IncompleteRead):
        await response(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n{}")


def test_a_request_is_one_string_with_the_server_s_path_prefix_query_and_token() -> None:
    config = ClusterConfig(name="c", server="http://example.test:8080/k8s/c-1", token="s3cret")
    pool = Http1Pool(config, "navarch/test", token_source(config))
    data = pool._encode(
        "PATCH",
        "/api/v1/namespaces/a/configmaps/x",
        {"fieldManager": "navarch", "labelSelector": "a in (b,c)"},
        {"Content-Type": "application/apply-patch+yaml"},
        b"{}",
    )
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    assert lines[0] == (
        "PATCH /k8s/c-1/api/v1/namespaces/a/configmaps/x?fieldManager=navarch&"
        "labelSelector=a+in+%28b%2Cc%29 HTTP/1.1"
    )
    assert {
        "Host: example.test:8080",
        "User-Agent: navarch/test",
        "Accept: application/json",
        "Accept-Encoding: gzip",
        "Authorization: Bearer s3cret",
        "Content-Type: application/apply-patch+yaml",
        "Content-Length: 2",
    } == set(lines[1:])
    assert body == b"{}"
    get = pool._encode("GET", "/version", None, None, None)
    assert get.startswith(b"GET /k8s/c-1/version HTTP/1.1\r\n")
    assert b"Content-Length" not in get and get.endswith(b"\r\n\r\n")


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
