"""Values in and out of Lua, as Sveltos's MapToTable / ToGoValue + encoding/json shape them."""

from __future__ import annotations

import re

import pytest

from navarch.engines.lua import LuaError, LuaRunner
from tests.unit.engines.lua.harness import evaluate


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("{1, 2, 3}", [1, 2, 3]),
        ("{}", {}),  # an empty table is an object, as ToGoValue makes it a map
        ("{1, nil, 3}", [1, None, 3]),
        ("{[2] = 'b'}", [None, "b"]),  # the largest integer key sets the length
        ("{1, 2, name = 'dropped'}", [1, 2]),  # an array keeps only its integer keys
        ("{[0] = 'a', [-1] = 'b'}", {"0": "a", "-1": "b"}),
        ("{[1.5] = 'x'}", {"1.5": "x"}),
        ("{[2^27] = 'x'}", {"1.34217728e+08": "x"}),  # beyond gopher-lua's array part
        ("{[true] = 'x'}", {"true": "x"}),
        ("{3.0, 2.5, -0, 2^53, 1e21}", [3, 2.5, 0, 2**53, 1e21]),
        ("{a = {b = {c = {}}}}", {"a": {"b": {"c": {}}}}),
        ("{s = 'caf\\195\\169', bad = 'x\\255y'}", {"s": "café", "bad": "x\ufffdy"}),
        ("{yes = true, no = false}", {"yes": True, "no": False}),
    ],
)
async def test_lua_tables_come_back_as_json_shaped_data(
    lua: LuaRunner, expression: str, expected: object
) -> None:
    result = await evaluate(lua, f"return {expression}")

    assert result == expected
    assert type(result) is type(expected)


async def test_integral_numbers_are_ints_and_others_floats(lua: LuaRunner) -> None:
    result = await evaluate(lua, "return {3.0, 0.5, 1e20, 1e21}")

    assert [type(v) for v in result] == [int, float, int, float]


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("{x = 0/0}", "NaN at result.x, which JSON cannot carry"),
        ("{x = {1/0}}", "+Inf at result.x[1], which JSON cannot carry"),
        ("{f = string.len}", "a function at result.f, which JSON cannot carry"),
        ("{[{}] = 1}", "a table key at result, which JSON cannot carry"),
        ("(function() local t = {} t.self = t return t end)()", "does a table contain itself?"),
        ("{[1000000] = 'x'}", "too sparse to convert"),
    ],
)
async def test_values_without_a_json_form_fail_clearly(
    lua: LuaRunner, expression: str, message: str
) -> None:
    with pytest.raises(LuaError, match=re.escape(message)) as caught:
        await evaluate(lua, f"return {expression}")

    assert str(caught.value).startswith("test: evaluate() returned ")
    assert caught.value.kind == "result"


async def test_python_data_arrives_as_lua_tables(lua: LuaRunner) -> None:
    data = {
        "name": "café",
        "replicas": 3,
        "ratio": 0.5,
        "ready": True,
        "gone": None,
        "ports": [80, 443],
        "args": ["a", None, "b"],
        "matrix": [[1, 2], [3]],
        "nested": {"empty": {}, "list": []},
    }

    result = await evaluate(
        lua,
        """
        local d = ...
        return {
          name = d.name, name_bytes = #d.name, replicas = d.replicas + 1, ratio = d.ratio,
          ready = d.ready, gone = tostring(d.gone), ports = #d.ports, second_port = d.ports[2],
          args = d.args, matrix = d.matrix[1][2], empty = type(d.nested.empty),
          list_len = #d.nested.list, kind_of_int = math.floor(d.replicas) == d.replicas,
        }
        """,
        args=(data,),
    )

    assert result == {
        "name": "café",
        "name_bytes": 5,  # Lua strings are UTF-8 bytes
        "replicas": 4,
        "ratio": 0.5,
        "ready": True,
        "gone": "nil",
        "ports": 2,
        "second_port": 443,
        "args": ["a", "b"],  # a null in a list is skipped, as MapToTable's append loop does
        "matrix": 2,
        "empty": "table",
        "list_len": 0,
        "kind_of_int": True,
    }


async def test_a_global_passed_as_an_argument_is_the_same_table(lua: LuaRunner) -> None:
    obj = {"metadata": {"name": "x"}}

    result = await evaluate(
        lua, "local arg = ...\nreturn {same = arg == obj}", globals={"obj": obj}, args=(obj,)
    )

    assert result == {"same": True}


async def test_inputs_that_json_cannot_carry_are_refused_before_running(lua: LuaRunner) -> None:
    with pytest.raises(LuaError, match=r"^test: cannot pass its inputs to Lua") as caught:
        await evaluate(lua, "return {}", globals={"when": object()})

    assert caught.value.kind == "input"
