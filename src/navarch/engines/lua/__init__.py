"""User Lua, run as Sveltos runs it (Lua 5.1, its helpers and its conversions), but sandboxed.

Sveltos runs Lua in several places: policyRefs annotated ``projectsveltos.io/lua``
(``policyref``), health checks, event and classifier scripts. They share one shape: load a
script, set a global or two (``resources``, ``obj``), call ``evaluate(...)``, read back a
table. So there is one entry point, ``LuaRunner.call``, and a small module per contract that
interprets the table.

- ``runner``: the asyncio side; a pool of worker processes, deadlines, replacement.
- ``worker``: the worker process's main loop (JSON lines over a pipe).
- ``sandbox``: one call in a fresh ``lupa.lua51`` state, with the limits and the sandbox.
- ``library``, ``strings``, ``sprig``: the helpers written in Python (base64, ``json``,
  ``strings``, ``sprig``) and how they are declared and called.
- ``convert``: values in and out of Lua, with Sveltos's (Go's) conversion rules.

Usage::

    async with LuaRunner() as lua:
        text = await instantiate(lua, script, resources, name="ConfigMap default/lua[key]")
"""

from __future__ import annotations

from navarch.engines.lua.policyref import instantiate, instantiated_text
from navarch.engines.lua.runner import Limits, LuaError, LuaRunner

__all__ = ["Limits", "LuaError", "LuaRunner", "instantiate", "instantiated_text"]
