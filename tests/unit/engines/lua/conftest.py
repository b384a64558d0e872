"""One pool of Lua workers for every test here: starting a worker costs a Python start-up."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio

from navarch.engines.lua import LuaRunner


@pytest_asyncio.fixture(scope="package")
async def lua() -> AsyncIterator[LuaRunner]:
    runner = LuaRunner(workers=2)
    await runner.start()
    yield runner
    await runner.close()
