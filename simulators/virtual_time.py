"""An asyncio event loop on simulated time: when nothing is ready, the clock jumps to the next timer.

Simulators own time (../shared/DESIGN.md): a half-hour session over a real BLE stack runs in as long
as its CPU work takes, and the same seed gives the same run. Everything scheduled through the loop
(sleeps, timeouts, `call_later`) follows `loop.time()`; real I/O still works, polled without waiting
while timers are due. The idea is the one of `looptime` and trio's MockClock autojump.
"""

from __future__ import annotations

import asyncio
import selectors
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


class _JumpingSelector(selectors.DefaultSelector):
    def __init__(self, loop: VirtualTimeLoop, in_flight_s: float) -> None:
        super().__init__()
        self._loop = loop
        self._in_flight_s = in_flight_s

    def select(self, timeout: float | None = None) -> list[tuple[selectors.SelectorKey, int]]:
        ready = super().select(0)
        if ready or timeout == 0:
            return ready
        if timeout is None:  # no timer at all: only real I/O can wake us
            return super().select(None)
        ready = super().select(min(timeout, self._in_flight_s)) if self._in_flight_s else []
        if not ready:
            self._loop.advance(timeout)
        return ready


class VirtualTimeLoop(asyncio.SelectorEventLoop):
    """`time()` starts at 0 and moves only when the loop would otherwise wait. `in_flight_s`: real
    time to wait for I/O already under way before the jump (a pty hands written bytes to its reader a
    little after the write; without the wait they would be read one timer late)."""

    def __init__(self, in_flight_s: float = 0.0) -> None:
        self._now = 0.0
        super().__init__(_JumpingSelector(self, in_flight_s))

    def time(self) -> float:
        return self._now

    def advance(self, seconds: float) -> None:
        self._now += seconds


def run(coro: Coroutine[Any, Any, T]) -> T:
    """asyncio.run on simulated time."""
    with asyncio.Runner(loop_factory=VirtualTimeLoop) as runner:
        return runner.run(coro)
