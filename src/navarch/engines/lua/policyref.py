"""The policyRef contract: a ConfigMap or Secret annotated ``projectsveltos.io/lua``.

Each data key of such a ConfigMap/Secret holds its own script (addon-controller's
``collectContent`` treats the keys one by one). A script defines ``evaluate()``; Sveltos runs
it once the prelude (the ``--lua-methods`` ConfigMap's values, joined by newlines) is loaded,
sets the global ``resources`` (identifier -> object, from the profile's
``templateResourceRefs``), and calls ``evaluate(resources)`` with that same table. The result
must be a table; Sveltos converts it to Go values, marshals it to JSON and unmarshals that
into a struct with one string field, ``resources``. From that round trip:

- a missing or nil ``resources`` means an empty string: nothing to deploy, not an error;
- anything but a string (number, boolean, table) is an error;
- encoding/json matches object keys to field names case-insensitively, so ``Resources`` also
  counts; with several spellings the last one in sorted key order wins;
- a table that converts to an array is an error (JSON cannot unmarshal an array into the
  struct).

The text is YAML or JSON, one or more documents separated by ``---``; the caller parses it
with ``navarch.engines.resources.parse_documents``. An empty script deploys nothing, as in
Sveltos.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from navarch.engines.lua.runner import Limits, LuaError, LuaRunner

FIELD = "resources"


def _json_kind(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, list):
        return "an array table"
    if isinstance(value, dict):
        return "a table"
    return "a " + type(value).__name__


def instantiated_text(result: Any, name: str) -> str:
    """The documents a policyRef script's ``evaluate()`` returned (``""`` when none)."""
    if not isinstance(result, dict):
        raise LuaError(
            f"{name}: evaluate() returned {_json_kind(result)}; it must return a table with "
            f"a string field {FIELD} (for example {{{FIELD} = yamlText}})",
            kind="result",
        )
    text = ""
    for key in sorted(k for k in result if k.lower() == FIELD):
        value = result[key]
        if value is None:
            continue
        if not isinstance(value, str):
            raise LuaError(
                f"{name}: evaluate() returned {key} as {_json_kind(value)}; it must be a string "
                "of YAML or JSON documents (json.encode or json.toYAML make one)",
                kind="result",
            )
        text = value
    return text


async def instantiate(
    runner: LuaRunner,
    script: str,
    resources: Mapping[str, Any],
    *,
    name: str,
    prelude: str = "",
    limits: Limits | None = None,
) -> str:
    """Run one data key's ``script`` as Sveltos does and return the documents' text."""
    if not script:
        return ""
    table = dict(resources)
    result = await runner.call(
        script,
        name=name,
        globals={FIELD: table},
        args=(table,),
        prelude=prelude,
        limits=limits,
    )
    return instantiated_text(result, name)
