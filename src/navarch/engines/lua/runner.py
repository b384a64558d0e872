"""``LuaRunner``: run user Lua from asyncio code, in a small pool of worker processes.

The manager is one asyncio process, and a user's script may loop forever, allocate without
bound, or sit inside a single C call that no Lua hook can interrupt. So scripts never run in
the manager: each call goes to a long-lived worker process (``worker``) over a pipe, one call
per worker at a time, and the manager only awaits a line. Workers are reused because
starting Python with lupa costs far more than a call; each call still gets a fresh Lua state.

Limits are enforced twice. Inside the worker, lupa caps the Lua heap and a count hook stops a
script that has used its CPU budget, uncatchably (see ``sandbox``). Outside, the runner gives
every call a wall-clock deadline (``Limits.wall_seconds``, by default ``3 * seconds + 2``:
generous, because a shared machine may give the worker a fraction of a core, and only a
script stuck in one C call ever needs it); a worker that has not answered by then is killed
and replaced, and the call fails with the same "exceeded the CPU limit" message. The deadline
starts when the request is sent to a worker that has said it is ready, so a worker's start-up
(a second or more on a loaded machine) never counts against a script.

A worker that dies for any other reason (the address-space backstop, a crash) fails its call
with what it printed to stderr and is replaced the same way. A cancelled call kills its
worker too: a worker with a request in flight cannot be reused.

The pool is a LIFO queue of slots: a slot holds an idle worker or ``None`` (start one when
needed), so a dead worker simply gives its slot back empty and waiting callers never hang,
and the most recently used worker is reused first (an idle one is not started for nothing).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sys
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from navarch.log import get_logger

log = get_logger(__name__)

_SRC = str(Path(__file__).resolve().parents[3])  # the directory holding the navarch package
_STDERR_TAIL = 4096
_LINE_LIMIT = 1 << 30  # a response may carry a large YAML text
_START_TIMEOUT = 120.0  # seconds for a worker to import lupa and say it is ready


class _StartError(Exception):
    """A worker process did not come up."""


class LuaError(Exception):
    """A script failed. ``str()`` is a message for a user: the script's name first, then the
    line and cause (``policy default/lua[lua.yaml]:3: attempt to index a nil value``).
    ``kind`` is one of syntax, runtime, cpu, memory, function, result, input, worker."""

    def __init__(self, message: str, *, kind: str, output: str = "") -> None:
        super().__init__(message)
        self.kind = kind
        self.output = output


@dataclass(frozen=True)
class Limits:
    """Per call: CPU seconds, Lua heap bytes, and the wall-clock backstop (seconds)."""

    seconds: float = 1.0
    memory_bytes: int = 64 * 2**20
    wall_seconds: float | None = None  # None: 3 * seconds + 2

    @property
    def deadline(self) -> float:
        return self.wall_seconds if self.wall_seconds is not None else 3 * self.seconds + 2


class _Worker:
    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.stderr: deque[bytes] = deque()
        self.stderr_size = 0
        self.drain = asyncio.create_task(self._drain_stderr())

    async def _drain_stderr(self) -> None:
        stream = self.process.stderr
        assert stream is not None
        while chunk := await stream.read(4096):
            self.stderr.append(chunk)
            self.stderr_size += len(chunk)
            while self.stderr_size > _STDERR_TAIL and len(self.stderr) > 1:
                self.stderr_size -= len(self.stderr.popleft())

    @property
    def alive(self) -> bool:
        return self.process.returncode is None

    def stderr_text(self) -> str:
        return b"".join(self.stderr).decode(errors="replace").strip()[-_STDERR_TAIL:]

    async def request(self, line: bytes) -> bytes:
        stdin, stdout = self.process.stdin, self.process.stdout
        assert stdin is not None and stdout is not None
        stdin.write(line)
        await stdin.drain()
        return await stdout.readline()

    async def stop(self, *, kill: bool) -> None:
        if self.alive:
            if kill:
                self.process.kill()
            elif self.process.stdin is not None:
                self.process.stdin.close()
            try:
                await asyncio.wait_for(self.process.wait(), 2.0)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()
        with contextlib.suppress(asyncio.CancelledError):
            await self.drain


class LuaRunner:
    """Runs Lua scripts in up to ``workers`` worker processes; ``await close()`` when done.

    ``address_space_bytes`` is the worker's RLIMIT_AS headroom above its size at start: a
    backstop for memory Python allocates on a script's behalf, beyond the Lua heap cap.
    """

    def __init__(
        self,
        *,
        workers: int = 2,
        limits: Limits | None = None,
        address_space_bytes: int = 1 << 30,
    ) -> None:
        if workers < 1:
            raise ValueError("a LuaRunner needs at least one worker")
        self.limits = limits or Limits()
        self._address_space = address_space_bytes
        self._slots: asyncio.LifoQueue[_Worker | None] = asyncio.LifoQueue()
        for _ in range(workers):
            self._slots.put_nowait(None)
        self._workers: set[_Worker] = set()
        self._closed = False

    async def __aenter__(self) -> LuaRunner:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def call(
        self,
        script: str,
        *,
        name: str,
        function: str = "evaluate",
        globals: Mapping[str, Any] | None = None,
        args: Sequence[Any] = (),
        prelude: str = "",
        limits: Limits | None = None,
    ) -> Any:
        """Run ``script`` (after ``prelude``), set ``globals``, call ``function(*args)`` and
        return its table as plain data (see ``convert``). An argument that *is* one of the
        ``globals`` values is passed as that same Lua table. Raises ``LuaError``."""
        limits = limits or self.limits
        try:
            request = _request(script, name, function, globals or {}, args, prelude, limits)
        except (TypeError, ValueError) as exc:
            raise LuaError(f"{name}: cannot pass its inputs to Lua: {exc}", kind="input") from None
        try:
            worker = await self._acquire()
        except _StartError as exc:
            raise LuaError(f"{name}: {exc}", kind="worker") from None
        try:
            response = await self._exchange(worker, request, name, limits)
        except BaseException:
            await self._discard(worker, kill=True)
            raise
        self._release(worker)
        if response.get("output") and log.debug_enabled:
            log.debug("lua script printed", script=name, output=response["output"])
        if not response.get("ok"):
            raise LuaError(
                str(response.get("error") or f"{name}: failed"),
                kind=str(response.get("kind", "worker")),
                output=str(response.get("output", "")),
            )
        return response.get("value")

    async def _exchange(
        self, worker: _Worker, request: bytes, name: str, limits: Limits
    ) -> dict[str, Any]:
        deadline = limits.deadline
        try:
            line = await asyncio.wait_for(worker.request(request), deadline)
        except TimeoutError:
            await self._discard(worker, kill=True)
            raise LuaError(
                f"{name}: exceeded the CPU limit of {float(limits.seconds)}s (no answer after "
                f"{deadline:g}s of wall-clock time; its Lua worker was stopped)",
                kind="cpu",
            ) from None
        except (ConnectionError, BrokenPipeError):
            line = b""
        if not line:
            await self._discard(worker, kill=True)
            code = worker.process.returncode
            detail = worker.stderr_text()
            raise LuaError(
                f"{name}: the Lua worker exited (code {code}) before answering"
                + (f": {detail.splitlines()[-1]}" if detail else ""),
                kind="worker",
            )
        return dict(json.loads(line))

    async def _acquire(self) -> _Worker:
        if self._closed:
            raise RuntimeError("the LuaRunner is closed")
        slot = await self._slots.get()
        if slot is not None and slot.alive:
            return slot
        if slot is not None:
            await self._discard(slot, kill=True, give_back=False)
        try:
            return await self._spawn()
        except BaseException:
            self._slots.put_nowait(None)
            raise

    def _release(self, worker: _Worker) -> None:
        self._slots.put_nowait(worker if worker.alive else None)

    async def _discard(self, worker: _Worker, *, kill: bool, give_back: bool = True) -> None:
        """Stop ``worker``; its slot comes back empty (once, however often this is called)."""
        if worker in self._workers:
            self._workers.discard(worker)
            if give_back:
                self._slots.put_nowait(None)
        await worker.stop(kill=kill)

    async def _spawn(self) -> _Worker:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [_SRC, env.get("PYTHONPATH")]))
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "navarch.engines.lua.worker",
            f"--address-space={self._address_space}",
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=env,
            limit=_LINE_LIMIT,
        )
        worker = _Worker(process)
        try:
            assert process.stdout is not None
            ready = await asyncio.wait_for(process.stdout.readline(), _START_TIMEOUT)
        except TimeoutError:
            ready = b""
        except BaseException:
            await worker.stop(kill=True)
            raise
        if not ready.startswith(b'{"ready"'):
            await worker.stop(kill=True)
            detail = worker.stderr_text()
            raise _StartError(
                "the Lua worker did not start"
                + (f": {detail.splitlines()[-1]}" if detail else f" in {_START_TIMEOUT:g}s")
            )
        self._workers.add(worker)
        return worker

    async def start(self) -> None:
        """Start every worker now rather than on first use (the first call then costs ~1 ms
        instead of a Python start-up)."""
        slots = [self._slots.get_nowait() for _ in range(self._slots.qsize())]
        for index, slot in enumerate(slots):
            if slot is not None:
                self._slots.put_nowait(slot)
                continue
            try:
                self._slots.put_nowait(await self._spawn())
            except BaseException as exc:
                for _ in slots[index:]:
                    self._slots.put_nowait(None)
                if isinstance(exc, _StartError):
                    raise LuaError(str(exc), kind="worker") from None
                raise

    async def close(self) -> None:
        """Stop every worker (closing stdin lets an idle worker exit by itself)."""
        self._closed = True
        workers, self._workers = list(self._workers), set()
        await asyncio.gather(*(w.stop(kill=False) for w in workers))


def _request(
    script: str,
    name: str,
    function: str,
    globals: Mapping[str, Any],
    args: Sequence[Any],
    prelude: str,
    limits: Limits,
) -> bytes:
    encoded_args = []
    for arg in args:
        same = None
        if isinstance(arg, dict | list):
            same = next((k for k, v in globals.items() if v is arg), None)
        encoded_args.append({"global": same} if same is not None else {"value": arg})
    request = {
        "script": script,
        "name": name,
        "function": function,
        "prelude": prelude,
        "globals": dict(globals),
        "args": encoded_args,
        "seconds": limits.seconds,
        "memory": limits.memory_bytes,
    }
    return json.dumps(request).encode() + b"\n"
