"""What a script cannot do: escape the sandbox, outlive its limits, or break the pool."""

from __future__ import annotations

import asyncio
import os
import re
import signal

import pytest

from navarch.engines.lua import Limits, LuaError, LuaRunner
from tests.unit.engines.lua.harness import evaluate

FAST = Limits(seconds=0.3, memory_bytes=16 * 2**20)


# -- sandbox ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('os.execute("touch /tmp/x")', "attempt to index global 'os' (a nil value)"),
        ('io.open("/etc/passwd")', "attempt to index global 'io' (a nil value)"),
        ('require("os")', "module 'os' not found"),
        ('require("io")', "module 'io' not found"),
        ('dofile("/etc/passwd")', "attempt to call global 'dofile' (a nil value)"),
        ('loadfile("/etc/passwd")', "attempt to call global 'loadfile' (a nil value)"),
        ("debug.getregistry()", "attempt to index global 'debug' (a nil value)"),
        ('package.loadlib("libc.so.6", "system")', "attempt to index global 'package'"),
        ("python.eval('1')", "attempt to index global 'python' (a nil value)"),
        ("string.dump(print)", "attempt to call field 'dump' (a nil value)"),
    ],
)
async def test_dangerous_libraries_are_absent(lua: LuaRunner, body: str, message: str) -> None:
    with pytest.raises(LuaError, match=r"^test:2: ") as caught:
        await evaluate(lua, f"{body}\nreturn {{}}")

    assert message in str(caught.value)
    assert caught.value.kind == "runtime"


async def test_binary_chunks_cannot_be_loaded(lua: LuaRunner) -> None:
    result = await evaluate(
        lua,
        """
        local f1, e1 = loadstring("\\27Lua\\81\\0")
        local f2, e2 = load(function() return nil end)
        local f3 = loadstring("return 40 + 2")
        return {e1 = e1, f1 = tostring(f1), f2 = type(f2), answer = f3()}
        """,
    )

    assert result == {
        "e1": "binary chunks are not allowed",
        "f1": "nil",
        "f2": "function",
        "answer": 42,
    }


async def test_no_python_object_is_reachable_from_lua(lua: LuaRunner) -> None:
    result = await evaluate(
        lua,
        """
        local seen, found = {}, {}
        local function walk(t, path)
          if seen[t] then return end
          seen[t] = true
          for k, v in pairs(t) do
            local kind = type(v)
            if kind == "userdata" or kind == "thread" or type(k) == "userdata" then
              found[#found + 1] = path .. "." .. tostring(k)
            elseif kind == "table" then
              walk(v, path .. "." .. tostring(k))
            end
          end
          local mt = getmetatable(t)
          if type(mt) == "table" then walk(mt, path .. "<mt>") end
        end
        for _, name in ipairs({"json", "strings", "sprig"}) do require(name) end
        walk(_G, "_G")
        walk(getmetatable(""), "string<mt>")
        return {found = found, n = #found}
        """,
    )

    assert result["n"] == 0, result["found"]


async def test_python_attributes_are_denied_even_on_helper_errors(lua: LuaRunner) -> None:
    result = await evaluate(
        lua,
        """
        local ok, err = pcall(require("strings").Split)
        return {kind = type(err), ok = ok}
        """,
    )

    assert result == {"kind": "string", "ok": False}  # an error is a string, never a Python object


async def test_scripts_do_not_see_each_other(lua: LuaRunner) -> None:
    await evaluate(lua, "leaked = 'secret'\nstring.upper = nil\nreturn {}")
    result = await evaluate(lua, "return {leaked = tostring(leaked), up = ('a'):upper()}")

    assert result == {"leaked": "nil", "up": "A"}


# -- CPU and memory limits -------------------------------------------------------------------


async def _fails(lua: LuaRunner, body: str, kind: str) -> LuaError:
    with pytest.raises(LuaError) as caught:
        await evaluate(lua, body, limits=FAST)
    assert caught.value.kind == kind, str(caught.value)
    return caught.value


async def test_an_endless_loop_stops_at_the_cpu_limit(lua: LuaRunner) -> None:
    error = await _fails(lua, "local n = 0\nwhile true do n = n + 1 end", "cpu")

    assert str(error) == "test: exceeded the CPU limit of 0.3s (stopped at line 3)"


async def test_pcall_cannot_swallow_the_cpu_limit(lua: LuaRunner) -> None:
    error = await _fails(lua, "while true do pcall(function() while true do end end) end", "cpu")

    assert str(error).startswith("test: exceeded the CPU limit of 0.3s (stopped at line 2)")


async def test_xpcall_and_coroutines_cannot_swallow_it_either(lua: LuaRunner) -> None:
    await _fails(
        lua,
        "while true do xpcall(function() while true do end end, function(e) return e end) end",
        "cpu",
    )
    await _fails(
        lua,
        """
        while true do
          local co = coroutine.create(function() while true do end end)
          coroutine.resume(co)
        end
        """,
        "cpu",
    )
    await _fails(lua, "coroutine.wrap(function() while true do end end)()", "cpu")


async def test_a_growing_table_stops_at_the_memory_limit(lua: LuaRunner) -> None:
    error = await _fails(
        lua, "local t = {}\nwhile true do t[#t + 1] = {#t, 'x' .. #t} end", "memory"
    )

    assert str(error) == "test: exceeded the memory limit of 16 MiB"


async def test_a_growing_string_stops_at_the_memory_limit(lua: LuaRunner) -> None:
    await _fails(lua, "local s = 'x'\nwhile true do s = s .. s end", "memory")


async def test_pcall_cannot_swallow_the_memory_limit(lua: LuaRunner) -> None:
    await _fails(
        lua,
        "local keep = {}\n"
        "while true do pcall(function() keep[#keep + 1] = ('x'):rep(2^20) .. #keep end) end",
        "memory",
    )


async def test_python_helpers_cannot_allocate_past_the_limits(lua: LuaRunner) -> None:
    await _fails(lua, 'return {require("strings").Repeat("x", 2^40)}', "memory")


async def test_one_c_call_that_never_returns_costs_its_worker(lua: LuaRunner) -> None:
    # A backtracking pattern: one string.find call, so the count hook never runs.
    bomb = "string.find(string.rep('a', 5000), string.rep('a-', 50) .. 'b')\nreturn {}"

    with pytest.raises(LuaError) as caught:
        await evaluate(lua, bomb, limits=Limits(seconds=0.3, wall_seconds=1.0))

    assert caught.value.kind == "cpu"
    assert str(caught.value) == (
        "test: exceeded the CPU limit of 0.3s (no answer after 1s of wall-clock time; "
        "its Lua worker was stopped)"
    )
    assert await evaluate(lua, "return {ok = true}") == {"ok": True}


async def test_a_worker_killed_from_outside_is_replaced(lua: LuaRunner) -> None:
    await asyncio.gather(*(evaluate(lua, "return {}") for _ in range(4)))
    for worker in list(lua._workers):
        os.kill(worker.process.pid, signal.SIGKILL)
        await worker.process.wait()

    results = await asyncio.gather(
        *(evaluate(lua, "return {n = ...}", args=(i,)) for i in range(4))
    )

    assert results == [{"n": i} for i in range(4)]


async def test_a_cancelled_call_does_not_poison_the_pool(lua: LuaRunner) -> None:
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(evaluate(lua, "while true do end"), 0.2)

    assert await evaluate(lua, "return {after = 'cancel'}") == {"after": "cancel"}


async def test_concurrent_calls_each_get_their_own_answer(lua: LuaRunner) -> None:
    calls = [
        evaluate(
            lua, "local n = ...\nlocal s = 0\nfor i = 1, n do s = s + i end\nreturn {s}", args=(n,)
        )
        for n in range(1, 31)
    ]

    results = await asyncio.gather(*calls)

    assert results == [[n * (n + 1) // 2] for n in range(1, 31)]


# -- error messages --------------------------------------------------------------------------


async def test_a_syntax_error_names_the_script_and_line(lua: LuaRunner) -> None:
    script = "function evaluate()\n  local x = = 1\nend"

    with pytest.raises(LuaError) as caught:
        await lua.call(script, name="ConfigMap default/lua[main.lua]")

    assert str(caught.value) == (
        "ConfigMap default/lua[main.lua]:2: syntax error: unexpected symbol near '='"
    )
    assert caught.value.kind == "syntax"


async def test_a_runtime_error_names_the_script_and_line(lua: LuaRunner) -> None:
    script = "function evaluate()\n  local obj = nil\n  return {obj.name}\nend"

    with pytest.raises(LuaError) as caught:
        await lua.call(script, name="health")

    assert str(caught.value) == "health:3: attempt to index local 'obj' (a nil value)"


async def test_lines_are_counted_from_the_script_not_the_prelude(lua: LuaRunner) -> None:
    prelude = "function double(x)\n  return x * 2\nend"

    with pytest.raises(LuaError) as in_script:
        await evaluate(lua, "return {double(1) .. nil}", prelude=prelude)
    with pytest.raises(LuaError) as in_prelude:
        await evaluate(lua, "return {double(nil)}", prelude=prelude)

    assert str(in_script.value) == "test:2: attempt to concatenate a nil value"
    assert str(in_prelude.value).startswith("test (prelude):2: attempt to perform arithmetic")


async def test_error_values_and_printed_output(lua: LuaRunner) -> None:
    with pytest.raises(LuaError) as plain:
        await evaluate(lua, 'print("checking", 1)\nerror("no replicas", 0)')
    with pytest.raises(LuaError) as table:
        await evaluate(lua, "error({code = 1})")

    assert str(plain.value) == "test: no replicas"
    assert plain.value.output == "checking\t1"
    assert str(table.value) == "test: (error object is a table value)"


@pytest.mark.parametrize(
    ("script", "message", "kind"),
    [
        ("x = 1", "test: the script does not define function evaluate()", "function"),
        ("evaluate = 3", "test: evaluate is a number, not a function", "function"),
        ("function evaluate() return 'yes' end", "must return a table, not string", "result"),
        ("function evaluate() end", "test: evaluate() must return a table, not nil", "result"),
        (
            "function evaluate() return {f = print} end",
            "returned a function at result.f, which JSON cannot carry",
            "result",
        ),
    ],
)
async def test_contract_errors(lua: LuaRunner, script: str, message: str, kind: str) -> None:
    with pytest.raises(LuaError, match=re.escape(message)) as caught:
        await lua.call(script, name="test")

    assert caught.value.kind == kind


async def test_another_function_can_be_called(lua: LuaRunner) -> None:
    script = "function healthy(obj) return {healthy = obj.status.ready, message = 'ok'} end"

    result = await lua.call(
        script, name="hc", function="healthy", args=({"status": {"ready": True}},)
    )

    assert result == {"healthy": True, "message": "ok"}
