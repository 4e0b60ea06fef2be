"""Virtual time for tests whose gates talk over a real pty: simulators/virtual_time.py's loop (the clock
jumps to the next timer when nothing is ready), made to wait a moment of real time for bytes in flight
first. A pty hands written bytes to the reader a little after the write (the kernel's flush runs
later), so a loop that jumped at once would read them one timer late; waiting up to `IN_FLIGHT_S`
reads them at the virtual time they were written, as a host reading promptly would."""

from __future__ import annotations

import asyncio
import functools
import selectors
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from simulators.virtual_time import VirtualTimeLoop

T = TypeVar("T")
IN_FLIGHT_S = 0.002  # real time allowed for written bytes to reach their reader


class _Selector(selectors.DefaultSelector):
    def __init__(self, loop: _Loop) -> None:
        super().__init__()
        self._loop = loop

    def select(self, timeout: float | None = None) -> list[tuple[selectors.SelectorKey, int]]:
        ready = super().select(0)
        if ready or timeout == 0:
            return ready
        if timeout is None:  # no timer at all: only real I/O can wake us
            return super().select(None)
        ready = super().select(min(timeout, IN_FLIGHT_S))
        if not ready:
            self._loop.advance(timeout)
        return ready


class _Loop(VirtualTimeLoop):
    def __init__(self) -> None:
        self._now = 0.0
        asyncio.SelectorEventLoop.__init__(self, _Selector(self))


def run(coro: Coroutine[Any, Any, T]) -> T:
    """asyncio.run on virtual time, with real pty I/O read when it was written."""
    with asyncio.Runner(loop_factory=_Loop) as runner:
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
