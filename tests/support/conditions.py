"""Waiting on a condition in async tests: poll it, with a generous limit (the machine is shared), never
assert on how long it took."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

LIMIT_S = 90.0


async def wait_for(condition: Callable[[], bool], timeout: float = LIMIT_S) -> None:
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not condition():
        if loop.time() > end:
            raise AssertionError("timed out waiting")
        await asyncio.sleep(0.005)
