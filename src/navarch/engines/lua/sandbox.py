"""One script run in a fresh, sandboxed Lua 5.1 state (lupa's ``lupa.lua51``), in-process.

This module runs inside the worker process (``worker``); the manager never imports lupa into
its own event loop. Every call gets a new ``LuaRuntime``, so no state leaks from one script
to the next, and the state is built the same way each time:

- *Limits.* lupa's allocator cap (``max_memory``) bounds the Lua heap; a Lua count hook checks
  the CPU clock every few thousand instructions and raises once the budget is spent. A hook
  error is an ordinary Lua error, so ``pcall``, ``xpcall`` and ``coroutine.resume`` are
  wrapped: once the budget is spent, or when the error is Lua's own "not enough memory", they
  raise it again instead of returning it, and a script cannot swallow its own limit. New
  coroutines get the hook too (Lua 5.1 does not carry a Lua hook into a new thread). A script
  stuck inside one C call (a pathological ``string.find`` pattern) never reaches the hook;
  the parent's wall-clock deadline kills the worker for that.
- *Sandbox.* No ``os``, ``io``, ``debug``, ``package``, ``dofile``, ``loadfile``, ``module``
  or ``string.dump``; ``load``/``loadstring`` refuse precompiled (binary) chunks, which can
  break the VM; ``require`` only knows ``json``, ``strings`` and ``sprig``; lupa's ``python``
  module is removed and Python attribute access denied. The only Python object the state ever
  holds is one dispatcher function, kept in a local of the setup chunk where no script can
  reach it. ``print`` goes to a bounded buffer (returned with the result), never to stdout.
- *Sveltos's contract.* The prelude (``--lua-methods``) and the script are one chunk, as
  Sveltos concatenates them; error lines are mapped back to the script's own numbering (or
  marked as the prelude's). The chunk runs first, then the globals are set (Sveltos sets
  ``resources``/``obj`` after ``DoString``), then the function is called with ``args``.
  The result must be a table; it is converted as ``convert.from_lua`` describes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from lupa.lua51 import (  # type: ignore[import-untyped]
    LuaError,
    LuaMemoryError,
    LuaRuntime,
    lua_type,
)

from navarch.engines.lua.convert import ConversionError, from_lua, to_lua
from navarch.engines.lua.library import GLOBALS, JSON, Helper, HelperError, bind, lua_type_name
from navarch.engines.lua.sprig import SPRIG_HELPERS
from navarch.engines.lua.strings import STRINGS

HOOK_EVERY = 10_000  # VM instructions between two looks at the clock
OUTPUT_LIMIT = 64 * 1024  # bytes of print() output kept per call
_CHUNK = "\x1dlua"  # the chunk's name inside Lua; never appears in a user's text
_CPU = "\x1dcpu@"  # the hook's error message starts with this
_MEMORY = "not enough memory"

MODULES: dict[str, dict[str, Helper]] = {"json": JSON, "strings": STRINGS, "sprig": SPRIG_HELPERS}
_HELPERS: dict[str, tuple[str, Helper]] = {
    **{name: (name, helper) for name, helper in GLOBALS.items()},
    **{
        f"{module}.{name}": (name, helper)
        for module, helpers in MODULES.items()
        for name, helper in helpers.items()
    },
}

_SETUP = r"""
local call, modules, globals, seconds, every, cpu_marker, output_limit = ...
local G = _G
local type, error, select, rawget, rawset, pairs, ipairs, next, tostring =
      type, error, select, rawget, rawset, pairs, ipairs, next, tostring
local concat, sformat, sbyte = table.concat, string.format, string.byte
local sethook, getinfo, clock = debug.sethook, debug.getinfo, os.clock
local raw_pcall, raw_xpcall, raw_loadstring, raw_load = pcall, xpcall, loadstring, load
local co_create, co_resume = coroutine.create, coroutine.resume
local MEMORY = "not enough memory"

-- limits ------------------------------------------------------------------------------------
local exceeded, deadline = false, 0
local function hook()
  if exceeded or clock() > deadline then
    exceeded = true
    local info = getinfo(2, "Sl")
    local where = "?"
    if info and info.currentline and info.currentline > 0 then
      where = info.short_src .. ":" .. info.currentline
    end
    error(cpu_marker .. where, 0)
  end
end

local function rethrow(ok, ...)
  if not ok then
    local err = ...
    if exceeded or err == MEMORY then error(err, 0) end
  end
  return ok, ...
end
G.pcall = function(f, ...) return rethrow(raw_pcall(f, ...)) end
G.xpcall = function(f, handler) return rethrow(raw_xpcall(f, handler)) end

local function armed(co) sethook(co, hook, "", every) return co end
local function unwrapped(ok, ...)
  if ok then return ... end
  error((...), 0)
end
G.coroutine.create = function(f) return armed(co_create(f)) end
G.coroutine.resume = function(co, ...) return rethrow(co_resume(co, ...)) end
G.coroutine.wrap = function(f)
  local co = armed(co_create(f))
  return function(...) return unwrapped(rethrow(co_resume(co, ...))) end
end

-- sandbox ------------------------------------------------------------------------------------
for _, name in ipairs({"os", "io", "debug", "package", "dofile", "loadfile", "module",
                       "python", "newproxy"}) do
  G[name] = nil
end
G.string.dump = nil

local function binary(chunk) return type(chunk) == "string" and sbyte(chunk, 1) == 27 end
G.loadstring = function(chunk, chunkname)
  if binary(chunk) then return nil, "binary chunks are not allowed" end
  return raw_loadstring(chunk, chunkname)
end
G.load = function(reader, chunkname)
  if type(reader) ~= "function" then return raw_load(reader, chunkname) end
  local parts = {}
  while true do
    local piece = reader()
    if piece == nil or piece == "" then break end
    if type(piece) ~= "string" then return nil, "reader function must return a string" end
    parts[#parts + 1] = piece
  end
  return G.loadstring(concat(parts), chunkname or "=(load)")
end

local output, output_size = {}, 0
G.print = function(...)
  local parts = {}
  for i = 1, select("#", ...) do parts[i] = tostring((select(i, ...))) end
  local line = concat(parts, "\t")
  if output_size < output_limit then
    output[#output + 1] = line
    output_size = output_size + #line + 1
  end
end

-- helpers ------------------------------------------------------------------------------------
local function helper(qualified)
  return function(...)
    local ok, n, a, b = call(qualified, ...)
    if not ok then error(n, n == MEMORY and 0 or 2) end
    if n == 0 then return end
    if n == 1 then return a end
    return a, b
  end
end

local function check(fname, position, value, expected)
  if expected == "string" and type(value) == "number" then return tostring(value) end
  if type(value) ~= expected then
    error(sformat("bad argument #%d to '%s' (%s expected, got %s)",
                  position, fname, expected, type(value)), 3)
  end
  return value
end

local function metadata_field(fname, section)
  return function(...)
    if select("#", ...) ~= 2 then return nil, "expected 2 arguments (table, key)" end
    local obj, key = ...
    check(fname, 1, obj, "table")
    key = check(fname, 2, key, "string")
    local meta = rawget(obj, "metadata")
    if type(meta) ~= "table" then return nil end
    local values = rawget(meta, section)
    if type(values) ~= "table" then return nil end
    local value = rawget(values, key)
    if type(value) ~= "string" then return nil end
    return value
  end
end
G.getLabel = metadata_field("getLabel", "labels")
G.getAnnotation = metadata_field("getAnnotation", "annotations")
G.getResource = function(...)
  if select("#", ...) ~= 2 then return nil, "expected 2 arguments (table, key)" end
  local resources, key = ...
  check("getResource", 1, resources, "table")
  key = check("getResource", 2, key, "string")
  return rawget(resources, key)
end
for _, name in ipairs(globals) do G[name] = helper(name) end

local function empty(v)
  local kind = type(v)
  if kind == "nil" then return true end
  if kind == "boolean" then return v == false end
  if kind == "number" then return v == 0 end
  if kind == "string" then return v == "" end
  if kind == "table" then return next(v) == nil end
  return false
end

local sprig_in_lua = {
  empty = function(v) return empty(v) end,
  coalesce = function(...)
    for i = 1, select("#", ...) do
      local v = select(i, ...)
      if not empty(v) then return v end
    end
    return nil
  end,
  compact = function(t)
    check("compact", 1, t, "table")
    local out, n = {}, 0
    for _, v in pairs(t) do
      if not empty(v) then n = n + 1; out[n] = v end
    end
    return out
  end,
  all = function(t)
    check("all", 1, t, "table")
    for _, v in pairs(t) do if empty(v) then return false end end
    return true
  end,
  any = function(t)
    check("any", 1, t, "table")
    for _, v in pairs(t) do if not empty(v) then return true end end
    return false
  end,
  ternary = function(yes, no, condition)
    check("ternary", 3, condition, "boolean")
    if condition then return yes end
    return no
  end,
  uniq = function(t)
    check("uniq", 1, t, "table")
    local seen, out, n = {}, {}, 0
    for _, v in pairs(t) do
      local key = v
      if type(v) ~= "table" then key = tostring(v) end
      if not seen[key] then seen[key] = true; n = n + 1; out[n] = v end
    end
    return out
  end,
}

-- glua-json refuses a table it has already visited anywhere in the value, shared or cyclic
local function revisits(v, seen)
  if type(v) ~= "table" then return false end
  if seen[v] then return true end
  seen[v] = true
  for _, x in next, v do
    if revisits(x, seen) then return true end
  end
  return false
end
local function json_writer(qualified)
  local write = helper(qualified)
  return function(...)
    if revisits((...), {}) then
      return nil, "cannot encode recursively nested tables to JSON"
    end
    return write(...)
  end
end

local builders = {}
for module, names in pairs(modules) do
  builders[module] = function()
    local m = {}
    for _, name in ipairs(names) do m[name] = helper(module .. "." .. name) end
    if module == "sprig" then
      for name, f in pairs(sprig_in_lua) do m[name] = f end
    elseif module == "json" then
      m.encode = json_writer("json.encode")
      m.toYAML = json_writer("json.toYAML")
    end
    return m
  end
end

local loaded = {}
G.require = function(name)
  name = check("require", 1, name, "string")
  local m = loaded[name]
  if m ~= nil then return m end
  local build = builders[name]
  if build == nil then
    error(sformat("module '%s' not found (the modules are json, strings and sprig)", name), 2)
  end
  m = build()
  loaded[name] = m
  if name == "sprig" then G.sprig = m end -- gopher-lua's RegisterModule also sets the global
  return m
end

-- one call -----------------------------------------------------------------------------------
local function finish(kind, value)
  sethook()
  if kind ~= "ok" then
    if exceeded then return "cpu", value end
    if value == MEMORY then return "memory", value end
  end
  return kind, value
end

local function run(code, chunkname, fname, globals, ...)
  if binary(code) then return "syntax", "binary chunks are not allowed" end
  local chunk, err = raw_loadstring(code, chunkname)
  if not chunk then return "syntax", err end
  deadline = clock() + seconds
  sethook(hook, "", every)
  local ok, result = raw_pcall(chunk)
  if not ok then return finish("runtime", result) end
  for k, v in next, globals do rawset(G, k, v) end
  local f = rawget(G, fname)
  if type(f) ~= "function" then return finish("function", type(f)) end
  ok, result = raw_pcall(f, ...)
  if not ok then return finish("runtime", result) end
  return finish("ok", result)
end

local function printed() return concat(output, "\n") end
return run, printed
"""


@dataclass(frozen=True)
class Outcome:
    """What one call gave: a value, or an error ``kind`` and a message naming the script."""

    value: Any = None
    kind: str = "ok"  # ok, syntax, runtime, cpu, memory, function, result, input
    error: str = ""
    output: str = ""


@dataclass(frozen=True)
class Call:
    script: str
    name: str
    function: str = "evaluate"
    prelude: str = ""
    globals: Mapping[str, Any] | None = None
    args: Sequence[tuple[str | None, Any]] = ()  # (name of a global to pass, or None; value)
    seconds: float = 1.0
    memory_bytes: int = 64 * 2**20


def describe_memory(size: int) -> str:
    return f"{size // 2**20} MiB" if size % 2**20 == 0 else f"{size} bytes"


class _Dispatcher:
    """The one Python callable a Lua state sees: runs a ``Helper`` by its qualified name."""

    def __init__(self, runtime: Any) -> None:
        self.runtime: Any = runtime

    def __call__(self, qualified: bytes, *args: Any) -> tuple[Any, ...]:
        name, helper = _HELPERS[qualified.decode()]
        try:
            results = helper.fn(*bind(name, helper, args))
            return (True, len(results), *(to_lua(self.runtime, r, holes=True) for r in results))
        except HelperError as exc:
            return False, _bytes(str(exc))
        except MemoryError:
            return False, _MEMORY.encode()
        except LuaError as exc:  # a Lua callback (strings.TrimFunc's) failed
            return False, _bytes(_lua_message(exc))
        except (ConversionError, ValueError, TypeError, OverflowError, RecursionError) as exc:
            return False, _bytes(f"{name}: {exc}")


def _bytes(text: str) -> bytes:
    try:
        return text.encode("utf-8", "surrogateescape")  # bytes that came from Lua go back
    except UnicodeEncodeError:
        return text.encode("utf-8", "replace")


def _lua_message(exc: BaseException) -> str:
    return str(exc).split("\nstack traceback:", 1)[0]


class _Lines:
    """Maps the combined chunk's line numbers back to the script's (or the prelude's)."""

    def __init__(self, name: str, prelude: str) -> None:
        self.name = name
        self.offset = prelude.count("\n") + 1 if prelude else 0

    def where(self, line: int) -> str:
        if line <= self.offset:
            return f"{self.name} (prelude):{line}"
        return f"{self.name}:{line - self.offset}"

    def line(self, location: str) -> str:
        """``line 3`` (or ``prelude line 3``) for the hook's ``<chunk>:<line>``."""
        chunk, _, number = location.rpartition(":")
        if chunk != _CHUNK or not number.isdigit():
            return location
        line = int(number)
        if line <= self.offset:
            return f"prelude line {line}"
        return f"line {line - self.offset}"

    def message(self, text: str) -> str:
        text = re.sub(re.escape(_CHUNK) + r":(\d+)", lambda m: self.where(int(m.group(1))), text)
        if self.offset:
            text = re.sub(
                r"at line (\d+)",
                lambda m: (
                    f"at line {max(int(m.group(1)) - self.offset, 1)}"
                    if int(m.group(1)) > self.offset
                    else f"at prelude line {m.group(1)}"
                ),
                text,
            )
        return text.replace(_CHUNK, self.name)


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return f"(error object is a {lua_type_name(value)} value)"


def run(call: Call) -> Outcome:
    """Run ``call.function`` of ``call.script`` in a fresh state; never raises for the
    script's own faults (they come back as an ``Outcome`` with an error)."""
    runtime = LuaRuntime(
        encoding=None,
        register_eval=False,
        register_builtins=False,
        unpack_returned_tuples=True,
        max_memory=call.memory_bytes,
        attribute_filter=_deny,
    )
    dispatcher = _Dispatcher(runtime)
    try:
        return _run(runtime, dispatcher, call)
    finally:
        dispatcher.runtime = None  # break the runtime -> dispatcher -> runtime cycle


def _deny(obj: Any, name: Any, setting: bool) -> Any:
    raise AttributeError("Python objects are not accessible from Lua")


def _run(runtime: Any, dispatcher: _Dispatcher, call: Call) -> Outcome:
    lines = _Lines(call.name, call.prelude)
    seconds = f"{float(call.seconds)}s"
    memory = describe_memory(call.memory_bytes)
    try:
        setup = runtime.execute(
            _SETUP,
            dispatcher,
            to_lua(runtime, {m: sorted(h) for m, h in MODULES.items()}),
            to_lua(runtime, sorted(GLOBALS)),
            float(call.seconds),
            HOOK_EVERY,
            _CPU.encode(),
            OUTPUT_LIMIT,
        )
        run_lua, printed = setup
        lua_globals = {k: to_lua(runtime, v) for k, v in (call.globals or {}).items()}
        args = [lua_globals[g] if g is not None else to_lua(runtime, v) for g, v in call.args]
    except MemoryError:
        return Outcome(
            kind="memory", error=f"{call.name}: its inputs exceed the memory limit of {memory}"
        )
    except (ConversionError, ValueError) as exc:
        return Outcome(kind="input", error=f"{call.name}: cannot pass its inputs to Lua: {exc}")
    code = f"{call.prelude}\n{call.script}" if call.prelude else call.script
    try:
        kind_raw, value = run_lua(
            code.encode("utf-8", "replace"),
            f"={_CHUNK}".encode(),
            call.function.encode(),
            runtime.table_from({k.encode(): v for k, v in lua_globals.items()}),
            *args,
        )
        kind = kind_raw.decode()
    except LuaMemoryError:
        kind, value = "memory", None
    runtime.set_max_memory(call.memory_bytes + 4 * 2**20)  # room to read the results back
    try:
        output = printed()[:OUTPUT_LIMIT].decode("utf-8", "replace")
    except LuaError:
        output = ""
    return _outcome(call, lines, kind, value, output, seconds, memory)


def _outcome(
    call: Call, lines: _Lines, kind: str, value: Any, output: str, seconds: str, memory: str
) -> Outcome:
    name, function = call.name, call.function
    if kind == "ok":
        if not _is_table(value):
            return Outcome(
                kind="result",
                error=f"{name}: {function}() must return a table, not {lua_type_name(value)}",
                output=output,
            )
        try:
            return Outcome(value=from_lua(value), output=output)
        except ConversionError as exc:
            return Outcome(
                kind="result", error=f"{name}: {function}() returned {exc}", output=output
            )
    if kind == "syntax":
        text = lines.message(_text(value))
        located = re.match(r"(.*?:\d+): (.*)", text, re.DOTALL)
        if located:
            text = f"{located.group(1)}: syntax error: {located.group(2)}"
        return Outcome(kind=kind, error=text, output=output)
    if kind == "cpu":
        text = _text(value)
        where = lines.line(text.split(_CPU, 1)[1]) if _CPU in text else "?"
        return Outcome(
            kind=kind,
            error=f"{name}: exceeded the CPU limit of {seconds} (stopped at {where})",
            output=output,
        )
    if kind == "memory":
        return Outcome(
            kind=kind, error=f"{name}: exceeded the memory limit of {memory}", output=output
        )
    if kind == "function":
        if value == b"nil":
            text = f"{name}: the script does not define function {function}()"
        else:
            text = f"{name}: {function} is a {_text(value)}, not a function"
        return Outcome(kind=kind, error=text, output=output)
    text = lines.message(_text(value))
    if not text.startswith(name):
        text = f"{name}: {text}"
    return Outcome(kind="runtime", error=text, output=output)


def _is_table(value: Any) -> bool:
    return bool(lua_type(value) == "table")
