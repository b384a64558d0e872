"""The helpers Sveltos gives scripts: globals, json, strings and sprig."""

from __future__ import annotations

import hashlib

import pytest

from navarch.engines.lua import LuaError, LuaRunner
from tests.unit.engines.lua.harness import evaluate

OBJ = {
    "metadata": {
        "name": "web",
        "labels": {"app": "web", "replicas": 3},
        "annotations": {"note": "hello"},
    }
}


# -- globals ---------------------------------------------------------------------------------


async def test_base64_round_trips_text_and_bytes(lua: LuaRunner) -> None:
    result = await evaluate(
        lua,
        """
        local raw = base64Decode("/w==")  -- one byte, not UTF-8
        return {
          encoded = base64Encode("hello"),
          decoded = base64Decode("aGVsbG8="),
          again = base64Encode(raw),
          length = #raw,
        }
        """,
    )

    assert result == {"encoded": "aGVsbG8=", "decoded": "hello", "again": "/w==", "length": 1}


async def test_base64_failures_return_nil_and_a_message(lua: LuaRunner) -> None:
    result = await evaluate(
        lua,
        """
        local v1, e1 = base64Encode("")
        local v2, e2 = base64Decode("not base64!")
        return {v1 = tostring(v1), e1 = e1, v2 = tostring(v2), e2 = e2}
        """,
    )

    assert result == {
        "v1": "nil",
        "e1": "provided string is empty",
        "v2": "nil",
        "e2": "decoding failed",
    }


async def test_get_label_and_get_annotation(lua: LuaRunner) -> None:
    result = await evaluate(
        lua,
        """
        local obj = ...
        local none, why = getLabel(obj)
        return {
          label = getLabel(obj, "app"),
          missing = tostring(getLabel(obj, "absent")),
          number_value = tostring(getLabel(obj, "replicas")),
          annotation = getAnnotation(obj, "note"),
          no_metadata = tostring(getAnnotation({}, "note")),
          arity = why,
        }
        """,
        args=(OBJ,),
    )

    assert result == {
        "label": "web",
        "missing": "nil",
        "number_value": "nil",  # only string values are labels
        "annotation": "hello",
        "no_metadata": "nil",
        "arity": "expected 2 arguments (table, key)",
    }


async def test_get_resource(lua: LuaRunner) -> None:
    result = await evaluate(
        lua,
        """
        return {
          name = getResource(resources, "web").metadata.name,
          missing = tostring(getResource(resources, "other")),
        }
        """,
        globals={"resources": {"web": OBJ}},
    )

    assert result == {"name": "web", "missing": "nil"}


async def test_a_helper_given_a_wrong_argument_fails_at_the_callers_line(lua: LuaRunner) -> None:
    with pytest.raises(LuaError) as caught:
        await evaluate(lua, 'local x = 1\nreturn {getLabel("obj", "key")}')

    assert str(caught.value) == (
        "test:3: bad argument #1 to 'getLabel' (table expected, got string)"
    )


# -- json ------------------------------------------------------------------------------------


async def test_json_encode_as_glua_json_does(lua: LuaRunner) -> None:
    result = await evaluate(
        lua,
        """
        local json = require("json")
        local shared = {1}
        local _, sparse = json.encode({[1] = "a", [3] = "c"})
        local _, mixed = json.encode({1, name = "x"})
        local _, twice = json.encode({a = shared, b = shared})
        local _, fn = json.encode({f = print})
        return {
          object = json.encode({b = 1, a = {1, 2.5, "x"}, html = "<&>"}),
          empty = json.encode({}),
          scalar = json.encode(3),
          sparse = sparse, mixed = mixed, twice = twice, fn = fn,
        }
        """,
    )

    assert result == {
        "object": '{"a":[1,2.5,"x"],"b":1,"html":"\\u003c\\u0026\\u003e"}',
        "empty": "[]",
        "scalar": "3",
        "sparse": "cannot encode sparse array",
        "mixed": "cannot encode mixed or invalid key types",
        "twice": "cannot encode recursively nested tables to JSON",
        "fn": "cannot encode function to JSON",
    }


async def test_json_decode(lua: LuaRunner) -> None:
    result = await evaluate(
        lua,
        """
        local json = require("json")
        local t = json.decode('{"a": [1, null, 3], "b": {"c": true}, "n": null}')
        local bad, err = json.decode("{nope")
        return {
          first = t.a[1], third = t.a[3], hole = tostring(t.a[2]),
          c = t.b.c, n = tostring(t.n), bad = tostring(bad), err = err,
        }
        """,
    )

    assert result["first"] == 1
    assert result["third"] == 3
    assert result["hole"] == "nil"
    assert result["c"] is True
    assert result["n"] == "nil"
    assert result["bad"] == "nil"
    assert result["err"].startswith("invalid JSON")


async def test_json_yaml_conversions(lua: LuaRunner) -> None:
    result = await evaluate(
        lua,
        """
        local json = require("json")
        local doc = json.fromYAML("kind: ConfigMap\\nenabled: yes\\nitems:\\n- 1\\n- two\\n")
        local _, err = json.fromYAML("a: [")
        return {
          yaml = json.toYAML({kind = "ConfigMap", data = {b = "2", a = "true"}, list = {1, "x"}}),
          kind = doc.kind, enabled = doc.enabled, second = doc.items[2],
          err = err,
        }
        """,
    )

    assert result["yaml"] == ('data:\n  a: "true"\n  b: "2"\nkind: ConfigMap\nlist:\n- 1\n- x\n')
    assert result["kind"] == "ConfigMap"
    assert result["enabled"] is True  # YAML 1.1, as sigs.k8s.io/yaml reads it
    assert result["second"] == "two"
    assert "yaml" in result["err"]


# -- strings ---------------------------------------------------------------------------------


async def test_strings_functions_follow_go(lua: LuaRunner) -> None:
    result = await evaluate(
        lua,
        """
        local strings = require("strings")
        local cut = strings.Cut("key=value", "=")
        return {
          split = strings.Split("a-b-c", "-"),
          splitn = strings.SplitN("a-b-c", "-", 2),
          splitn0 = tostring(strings.SplitN("a-b-c", "-", 0)),
          after = strings.SplitAfter("a,b", ","),
          join = strings.Join({"x", "y", "z"}, "+"),
          fields = strings.Fields("  a b\\t c\\n"),
          contains = strings.Contains("seafood", "foo"),
          any = strings.ContainsAny("hello", "xyz"),
          prefix = strings.HasPrefix("prod-eu", "prod"),
          suffix = strings.HasSuffix("prod-eu", "us"),
          index = strings.Index("héllo", "l"),
          last = strings.LastIndex("go gopher", "go"),
          missing = strings.Index("abc", "z"),
          count = strings.Count("cheese", "e"),
          count_empty = strings.Count("five", ""),
          replace = strings.Replace("oink oink oink", "k", "ky", 2),
          replace_all = strings.ReplaceAll("oink oink", "oink", "moo"),
          upper = strings.ToUpper("straße"),
          lower = strings.ToLower("HeLLo"),
          title = strings.Title("hello wide world"),
          trim = strings.Trim("xxhixx", "x"),
          trim_left = strings.TrimLeft("xxhixx", "x"),
          trim_prefix = strings.TrimPrefix("prod-eu", "prod-"),
          trim_suffix = strings.TrimSuffix("a.yaml", ".yaml"),
          trim_space = strings.TrimSpace("\\t hi \\n"),
          repeated = strings.Repeat("ab", 3),
          fold = strings.EqualFold("Go", "GO"),
          compare = strings.Compare("a", "b"),
          cut = {cut.before, cut.after, tostring(cut.found)},
          trim_func = strings.TrimFunc("123abc456", function(r) return r >= 48 and r <= 57 end),
        }
        """,
    )

    assert result == {
        "split": ["a", "b", "c"],
        "splitn": ["a", "b-c"],
        "splitn0": "nil",
        "after": ["a,", "b"],
        "join": "x+y+z",
        "fields": ["a", "b", "c"],
        "contains": True,
        "any": False,
        "prefix": True,
        "suffix": False,
        "index": 3,  # a byte offset: é is two bytes
        "last": 3,
        "missing": -1,
        "count": 3,
        "count_empty": 5,
        "replace": "oinky oinky oink",
        "replace_all": "moo moo",
        "upper": "STRAßE",  # one rune to one rune, as Go maps case
        "lower": "hello",
        "title": "Hello Wide World",
        "trim": "hi",
        "trim_left": "hixx",
        "trim_prefix": "eu",
        "trim_suffix": "a",
        "trim_space": "hi",
        "repeated": "ababab",
        "fold": True,
        "compare": -1,
        "cut": ["key", "value", "true"],
        "trim_func": "abc",
    }


async def test_strings_argument_errors_name_the_function(lua: LuaRunner) -> None:
    with pytest.raises(LuaError, match=r"^test:2: bad argument #2 to 'Split' \(string expected"):
        await evaluate(lua, 'local parts = require("strings").Split("a", nil)\nreturn {parts}')


# -- sprig -----------------------------------------------------------------------------------


async def test_sprig_functions_with_lua_utils_conventions(lua: LuaRunner) -> None:
    result = await evaluate(
        lua,
        """
        local sprig = require("sprig")
        local matched, err = sprig.regexMatch("^[a-z]+$", "abc")
        local _, bad = sprig.regexMatch("(", "abc")
        return {
          trunc = sprig.trunc(5, "hello world"),
          indent = sprig.indent(2, "a\\nb"),
          nindent = sprig.nindent(2, "a"),
          quote = sprig.quote({"a", 1, true}),
          squote = sprig.squote({"a", 2}),
          cat = sprig.cat("a", nil, 3, "b"),
          matched = matched, err = tostring(err), bad = bad ~= nil,
          replaced = sprig.regexReplaceAll("a(x*)b", "-ab-axxb-", "${1}W"),
          semver = sprig.semverCompare(">=1.2.0", "1.4.5"),
          sha = sprig.sha256sum("abc"),
          b64 = sprig.b64enc("hi"),
          unb64 = sprig.b64dec("aGk="),
          coalesce = sprig.coalesce(nil, "", 0, "first"),
          compact = sprig.compact({"a", "", "b", 0}),
          empty = {sprig.empty({}), sprig.empty(0), sprig.empty("x")},
          ternary = sprig.ternary("yes", "no", false),
          uniq = sprig.uniq({"a", "b", "a", 1, "1"}),
          substr = sprig.substr(1, 3, "hello"),
          decimal = sprig.toDecimal("777"),
          duration = sprig.duration(95),
          sorted = sprig.sortAlpha({"b", "c", "a"}),
          kebab = sprig.kebabcase("FirstName"),
          global = sprig == _G.sprig,
        }
        """,
    )

    assert result == {
        "trunc": "hello",
        "indent": "  a\n  b",
        "nindent": "\n  a",
        "quote": '"a" "1" "true"',
        "squote": "'a' '2'",
        "cat": "a 3 b",
        "matched": True,
        "err": "nil",
        "bad": True,
        "replaced": "-W-xxW-",
        "semver": True,
        "sha": hashlib.sha256(b"abc").hexdigest(),
        "b64": "aGk=",
        "unb64": "hi",
        "coalesce": "first",
        "compact": ["a", "b"],
        "empty": [True, True, False],
        "ternary": "no",
        "uniq": ["a", "b", 1],
        "substr": "el",
        "decimal": 511,
        "duration": "1m35s",
        "sorted": ["a", "b", "c"],
        "kebab": "first-name",
        "global": True,
    }


async def test_require_knows_only_the_provided_modules(lua: LuaRunner) -> None:
    with pytest.raises(LuaError, match=r"^test:2: module 'socket' not found"):
        await evaluate(lua, 'local socket = require("socket")\nreturn socket')
