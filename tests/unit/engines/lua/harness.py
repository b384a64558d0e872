"""Run a snippet as the body of ``evaluate()``, the shape every test here needs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from navarch.engines.lua import Limits, LuaRunner


async def evaluate(
    lua: LuaRunner,
    body: str,
    *,
    globals: dict[str, Any] | None = None,
    args: Sequence[Any] = (),
    limits: Limits | None = None,
    prelude: str = "",
) -> Any:
    """Run ``body`` as the body of ``evaluate(...)`` in a script named ``test``."""
    script = f"function evaluate(...)\n{body}\nend"
    return await lua.call(
        script, name="test", globals=globals, args=args, limits=limits, prelude=prelude
    )
