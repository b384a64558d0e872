"""The Lua worker process: ``python -m navarch.engines.lua.worker``, one request per line.

A script runs here, not in the manager, so that nothing it does can stall the manager's event
loop or take its memory: the parent (``runner``) can always kill this process, and the kernel
caps its address space (``--address-space``, a backstop behind lupa's own Lua heap cap for
what Python allocates on a script's behalf).

Protocol (JSON, one object per line, strictly one request in flight):

- request: ``{"script", "name", "function", "prelude", "globals": {...}, "args": [{"value": v}
  | {"global": "resources"}], "seconds", "memory"}``; an argument naming a global is passed as
  that very table, as Sveltos passes one table both as ``resources`` and as the argument;
- response: ``{"ok": true, "value": ..., "output": "..."}`` or ``{"ok": false, "kind": ...,
  "error": "...", "output": "..."}``;
- before the first request the worker writes ``{"ready": true}`` once its imports are done.

The protocol has its own file descriptor: fd 1 is pointed at stderr before anything runs, so
a stray ``print`` in any library can never corrupt a response. The worker exits when its
stdin closes; it ignores SIGINT (a Ctrl-C in a terminal is the parent's to handle).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import signal
import sys
from typing import Any, BinaryIO

from navarch.engines.lua.sandbox import Call, run


def _limit_address_space(headroom: int) -> None:
    """Cap the address space at what the process uses now plus ``headroom`` bytes."""
    if headroom <= 0:
        return
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            current = int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        return
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = current + headroom
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def handle(request: dict[str, Any]) -> dict[str, Any]:
    call = Call(
        script=request["script"],
        name=request["name"],
        function=request.get("function", "evaluate"),
        prelude=request.get("prelude", ""),
        globals=request.get("globals") or {},
        args=[(a.get("global"), a.get("value")) for a in request.get("args", [])],
        seconds=float(request.get("seconds", 1.0)),
        memory_bytes=int(request.get("memory", 64 * 2**20)),
    )
    try:
        outcome = run(call)
    except MemoryError:
        return {
            "ok": False,
            "kind": "memory",
            "error": f"{call.name}: the Lua worker ran out of memory",
            "output": "",
        }
    if outcome.kind == "ok":
        return {"ok": True, "value": outcome.value, "output": outcome.output}
    return {"ok": False, "kind": outcome.kind, "error": outcome.error, "output": outcome.output}


def serve(requests: BinaryIO, responses: BinaryIO) -> None:
    for line in requests:
        if not line.strip():
            continue
        try:
            response = handle(json.loads(line))
        except Exception as exc:  # a bug here must not end the worker silently mid-protocol
            response = {"ok": False, "kind": "worker", "error": f"Lua worker: {exc!r}"}
        responses.write(json.dumps(response).encode() + b"\n")
        responses.flush()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="navarch.engines.lua.worker")
    parser.add_argument("--address-space", type=int, default=0, help="headroom in bytes")
    options = parser.parse_args(argv)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    responses = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    _limit_address_space(options.address_space)
    responses.write(b'{"ready": true}\n')  # imports done: the parent's deadlines start now
    responses.flush()
    serve(sys.stdin.buffer, responses)
    return 0


if __name__ == "__main__":
    sys.exit(main())
