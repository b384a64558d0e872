"""The policyRef contract (a ConfigMap annotated projectsveltos.io/lua), end to end."""

from __future__ import annotations

import json

import pytest

from navarch.engines.lua import LuaError, LuaRunner, instantiate, instantiated_text
from navarch.engines.resources import parse_documents

RESOURCES = {
    "first": {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {
            "name": "db",
            "namespace": "default",
            "labels": {"tier": "data"},
            "annotations": {"owner": "team-a"},
        },
        "data": {"password": "c2VjcmV0"},
    },
    "second": {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "cache", "namespace": "default", "labels": {"tier": "cache"}},
        "data": {"password": "b3RoZXI="},
    },
}

CONFIGMAP_PER_RESOURCE = """
local json = require("json")

function evaluate()
  local ids = {}
  for id in pairs(resources) do ids[#ids + 1] = id end
  table.sort(ids)
  local docs = {}
  for _, id in ipairs(ids) do
    local obj = getResource(resources, id)
    local cm = {
      apiVersion = "v1",
      kind = "ConfigMap",
      metadata = {
        name = obj.metadata.name .. "-info",
        namespace = "apps",
        labels = {tier = getLabel(obj, "tier")},
      },
      data = {
        source = id,
        owner = getAnnotation(obj, "owner") or "nobody",
        password = base64Decode(obj.data.password),
        replicas = 3,
      },
    }
    docs[#docs + 1] = json.toYAML(cm)
  end
  return {resources = table.concat(docs, "---\\n")}
end
"""


async def test_a_configmap_per_resource_comes_back_as_yaml_documents(lua: LuaRunner) -> None:
    text = await instantiate(lua, CONFIGMAP_PER_RESOURCE, RESOURCES, name="ConfigMap apps/lua")

    objects = parse_documents(text, "lua output")

    assert [o["metadata"]["name"] for o in objects] == ["db-info", "cache-info"]
    assert objects[0]["data"] == {
        "source": "first",
        "owner": "team-a",
        "password": "secret",
        "replicas": 3,
    }
    assert objects[1]["data"]["owner"] == "nobody"
    assert objects[1]["metadata"]["labels"] == {"tier": "cache"}


async def test_the_documented_secret_copy_with_json_encode_and_print(lua: LuaRunner) -> None:
    script = """
    local json = require("json")
    function evaluate()
      local secret = getResource(resources, "first")
      print(secret.metadata.name)
      local hs = {}
      hs.resources = json.encode({
        apiVersion = "v1", kind = "Secret",
        metadata = {name = secret.metadata.name, namespace = secret.metadata.namespace},
        data = secret.data,
      })
      return hs
    end
    """
    text = await instantiate(lua, script, RESOURCES, name="docs example")

    assert json.loads(text) == {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "db", "namespace": "default"},
        "data": {"password": "c2VjcmV0"},
    }


async def test_evaluate_gets_the_resources_table_itself_as_its_argument(lua: LuaRunner) -> None:
    script = """
    function evaluate(arg)
      arg.marker = "set through the argument"
      return {resources = resources.marker, same = tostring(arg == resources)}
    end
    """
    text = await instantiate(lua, script, RESOURCES, name="arg")

    assert text == "set through the argument"


async def test_no_resources_field_or_nil_means_nothing_to_deploy(lua: LuaRunner) -> None:
    for body in ("return {}", "return {resources = nil}", "return {other = 'x'}"):
        script = f"function evaluate() {body} end"
        assert await instantiate(lua, script, {}, name="empty") == ""


async def test_an_empty_script_deploys_nothing() -> None:
    closed = LuaRunner()
    await closed.close()  # never used: an empty script does not reach Lua

    assert await instantiate(closed, "", RESOURCES, name="empty") == ""


async def test_a_non_string_resources_field_is_an_error(lua: LuaRunner) -> None:
    script = "function evaluate() return {resources = {kind = 'ConfigMap'}} end"

    with pytest.raises(LuaError, match=r"^bad: evaluate\(\) returned resources as a table; it"):
        await instantiate(lua, script, {}, name="bad")


async def test_the_prelude_is_loaded_before_the_script(lua: LuaRunner) -> None:
    prelude = 'local prefix = "from-prelude-"\nfunction named(n) return prefix .. n end'
    script = "function evaluate() return {resources = named('x')} end"

    text = await instantiate(lua, script, {}, name="with prelude", prelude=prelude)

    assert text == "from-prelude-x"


def test_instantiated_text_reads_the_field_as_encoding_json_does() -> None:
    assert instantiated_text({"resources": "a: 1"}, "n") == "a: 1"
    assert instantiated_text({"Resources": "a: 1"}, "n") == "a: 1"  # case-insensitive match
    assert instantiated_text({"RESOURCES": "upper", "resources": "lower"}, "n") == "lower"
    assert instantiated_text({"resources": None}, "n") == ""
    assert instantiated_text({}, "n") == ""


@pytest.mark.parametrize(
    ("result", "message"),
    [
        ({"resources": 3}, "returned resources as a number"),
        ({"resources": True}, "returned resources as a boolean"),
        (["a"], "returned an array table; it must return a table with a string field"),
    ],
)
def test_instantiated_text_rejects_what_sveltos_cannot_unmarshal(
    result: object, message: str
) -> None:
    with pytest.raises(LuaError, match=message) as caught:
        instantiated_text(result, "cm")
    assert str(caught.value).startswith("cm: ")
    assert caught.value.kind == "result"
