"""Structured logs: fields stay apart from the message, in text and JSON form."""

from __future__ import annotations

import io
import json

from navarch import log


def test_text_and_json_lines_carry_fields() -> None:
    stream = io.StringIO()
    log.configure("INFO", stream=stream, fmt="text")
    log.get_logger("navarch.test").info("watch resumed", cluster="cluster-1", reason="a b")
    line = stream.getvalue().strip()
    assert ' info navarch.test "watch resumed" cluster=cluster-1 reason="a b"' in line

    stream = io.StringIO()
    log.configure("INFO", stream=stream, fmt="json")
    log.get_logger("navarch.test").warning("slow", cluster="c", seconds=1.5)
    doc = json.loads(stream.getvalue())
    assert doc["msg"] == "slow" and doc["cluster"] == "c" and doc["seconds"] == 1.5
    assert doc["level"] == "warning"


def test_debug_is_dropped_at_info() -> None:
    stream = io.StringIO()
    log.configure("INFO", stream=stream, fmt="text")
    log.get_logger("navarch.test").debug("noise")
    assert stream.getvalue() == ""
