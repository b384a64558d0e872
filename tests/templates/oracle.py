"""The differential-testing oracle: Go's text/template + Sprig + Sveltos's functions, as a binary.

``oracle/`` is a small Go program of ours (see its ``main.go`` for the protocol) that renders
templates exactly as Sveltos's addon-controller does. ``build_oracle()`` builds it once into
``<cache>/test-tools/`` with ``tests/gobuild.py`` (the project's Go settings, a hash of the
sources in the name), so editing the sources rebuilds and an unchanged tree never does.

``Oracle.render`` sends a whole batch of cases to one process. A case that kills the process
(Go cannot recover from a stack overflow) or that runs for longer than ``case_timeout`` seconds
gets an error starting with ``crash:`` or ``timeout:``, and the cases after it are rendered by a
fresh process, so one pathological case never costs the rest of the batch.
"""

from __future__ import annotations

import base64
import json
import os
import selectors
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

from tests.gobuild import GoBuildError, build

OracleBuildError = GoBuildError


def build_oracle() -> Path:
    """The path of the oracle binary, built first if this version of the sources has none."""
    return build("templates/oracle")


class Oracle:
    """Renders cases with Go. A case is a dict as ``oracle/main.go`` describes:

    ``id``, ``template``, and optionally ``data``, ``missingkey`` (default ``"error"``, as in
    Sveltos), ``name`` (default ``"template"``), ``resources`` (identifier -> object, for
    getResource and friends), ``root``, ``funcmap``, ``engine``.

    Each result is ``{"id", "output", "error"}``; ``error`` is Go's error text or None. When Go's
    output is not valid UTF-8, ``output`` has U+FFFD in place of the bad bytes and ``output_bytes``
    holds the exact bytes.
    """

    def __init__(self, binary: Path | None = None, *, case_timeout: float = 10.0) -> None:
        self._binary = binary
        self.case_timeout = case_timeout

    @property
    def binary(self) -> Path:
        if self._binary is None:
            self._binary = build_oracle()
        return self._binary

    def render(self, cases: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """One result per case, in order."""
        lines = [
            json.dumps(case, ensure_ascii=False, allow_nan=False).encode() + b"\n" for case in cases
        ]
        results: list[dict[str, Any]] = []
        start = 0
        while start < len(cases):
            got, failure = self._run(lines[start:])
            results += got
            start += len(got)
            if failure is not None and start < len(cases):
                results.append({"id": cases[start].get("id"), "output": "", "error": failure})
                start += 1
        for result in results:
            if "output_b64" in result:
                result["output_bytes"] = base64.b64decode(result.pop("output_b64"))
            if "error_b64" in result:
                result["error_bytes"] = base64.b64decode(result.pop("error_b64"))
        return results

    def render_one(self, template: str, data: Any = None, **options: Any) -> dict[str, Any]:
        """Render one template; ``options`` are further case fields (missingkey, resources...)."""
        return self.render([{"id": "case", "template": template, "data": data, **options}])[0]

    __call__ = render_one

    def _run(self, lines: list[bytes]) -> tuple[list[dict[str, Any]], str | None]:
        """Run one process over ``lines``: the results it gave and, if it stopped short, why."""
        proc = subprocess.Popen(
            [str(self.binary)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
        stderr_head = bytearray()  # a crash's reason is its first line; its stack dump follows

        def feed() -> None:
            try:
                for line in lines:
                    proc.stdin.write(line)
                proc.stdin.close()
            except (BrokenPipeError, ValueError, OSError):
                pass

        def drain_stderr() -> None:
            for chunk in iter(lambda: proc.stderr.read(65536), b""):
                if len(stderr_head) < 65536:
                    stderr_head.extend(chunk)

        threads = [threading.Thread(target=f, daemon=True) for f in (feed, drain_stderr)]
        for thread in threads:
            thread.start()
        results: list[dict[str, Any]] = []
        failure: str | None = None
        pending = b""
        fd = proc.stdout.fileno()
        deadline = time.monotonic() + self.case_timeout
        with selectors.DefaultSelector() as selector:
            selector.register(fd, selectors.EVENT_READ)
            while len(results) < len(lines):
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not selector.select(remaining):
                    failure = f"timeout: no result within {self.case_timeout:g}s"
                    proc.kill()
                    break
                chunk = os.read(fd, 1 << 20)
                if not chunk:
                    break
                pending += chunk
                *complete, pending = pending.split(b"\n")
                if complete:
                    results += [json.loads(line) for line in complete]
                    deadline = time.monotonic() + self.case_timeout
        proc.wait()
        for thread in threads:
            thread.join(timeout=5)
        proc.stdout.close()
        proc.stderr.close()
        if failure is None and len(results) < len(lines):
            failure = f"crash: {_crash_reason(bytes(stderr_head), proc.returncode)}"
        return results, failure


def _crash_reason(stderr: bytes, returncode: int) -> str:
    text = stderr.decode(errors="replace")
    for line in text.splitlines():
        if line.startswith(("fatal error:", "panic:", "template-oracle:")):
            return line.strip()
    return f"the oracle exited with status {returncode}"
