"""Virtual time for tests whose gates talk over a real pty: simulators/virtual_time.py's loop (the clock
jumps to the next timer when nothing is ready), waiting up to `IN_FLIGHT_S` of real time for bytes in
flight first, so they are read at the virtual time they were written, as a host reading promptly would."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from simulators.virtual_time import VirtualTimeLoop

T = TypeVar("T")
IN_FLIGHT_S = 0.002  # real time allowed for written bytes to reach their reader


def run(coro: Coroutine[Any, Any, T]) -> T:
    """asyncio.run on virtual time, with real pty I/O read when it was written."""
    with asyncio.Runner(loop_factory=functools.partial(VirtualTimeLoop, IN_FLIGHT_S)) as runner:
        return runner.run(coro)


def clock_ns() -> int:
    """The running loop's clock in ns: a host clock on virtual time."""
    return round(asyncio.get_running_loop().time() * 1e9)


def on_virtual_time(test: Callable[..., Coroutine[Any, Any, None]]) -> Callable[..., None]:
    """Decorates an async test to run on virtual time (its fixtures as before): a session of minutes
    takes its CPU time, and every timer fires on the dot."""
    @functools.wraps(test)
    def run_test(*args, **kwargs) -> None:
        run(test(*args, **kwargs))
    return run_test
