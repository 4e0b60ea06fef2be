"""The simulated session as an in-process async event source: no pty, the whole codec path still.

The session's bytes are delivered in real time (× `speed`; `math.inf` for as fast as the consumer
takes them) frame by frame, as reads from a serial port would return them, into the protocol's
real decoder; what comes out is what a driver would hand on: GateEvents stamped with the host's
monotonic receive time, and the gates' heartbeats. Bytes written to it (a `$GR`) are answered from
the gates' resend buffers and decoded like everything else. It offers the shape of a driver's
Source (`async with`, `events()`), which simulators cannot import, so `gates demo` and tests can use
it wherever a source goes.

`taking_turns` makes the session as it goes (simulators/turns.py): whenever the course is clear it
asks `up()` who is up and sends that athlete, so the simulated athletes run in the order the
session's rotation says, whatever the coach did to it. It asks only once everything delivered so far
has been taken by the consumer (`settled`, which the sim: driver sets to "its queue is empty"), so
the answer already counts the rep that just finished.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from collections.abc import AsyncIterator, Callable

from gates import protocols
from gates.codec import GateStatus
from gates.events import GateEvent
from simulators.session import Responder, SessionConfig, SimSession
from simulators.turns import TurnSession, Up, turn_frames

HEARTBEAT_QUEUE = 1024  # the newest heartbeats are the ones worth keeping
SETTLE_S = 0.001  # how long to wait between looks whether the consumer has taken everything


class LiveSimulator:
    def __init__(self, session: SimSession | TurnSession, speed: float = 1.0, name: str = "simulator",
                 up: Callable[[], Up | None] | None = None) -> None:
        if not speed > 0:
            raise ValueError("speed must be positive")
        if isinstance(session, TurnSession) != (up is not None):
            raise ValueError("a session taking turns needs `up`, and only it")
        self.session = session
        self.up = up
        self.settled: Callable[[], bool] = lambda: True  # the consumer has taken all it was given
        self.speed = speed
        self.name = name
        self.decoder = protocols.get(session.config.protocol).decoder()
        self._responder = Responder(session)
        self._events: asyncio.Queue[GateEvent | None] = asyncio.Queue()
        self._heartbeats: asyncio.Queue[GateStatus] = asyncio.Queue(HEARTBEAT_QUEUE)
        self._t0: float | None = None
        self._delivered_us = 0.0  # arrival time of the latest frame delivered
        self._task: asyncio.Task | None = None

    @classmethod
    def taking_turns(cls, config: SessionConfig, up: Callable[[], Up | None], speed: float = 1.0,
                     name: str = "simulator") -> LiveSimulator:
        """The session `config` made run by run, each run by whoever `up()` says is up (None: not
        known yet, ask again shortly)."""
        return cls(TurnSession(config), speed, name, up)

    async def __aenter__(self) -> LiveSimulator:
        await self.open()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def open(self) -> None:
        loop = asyncio.get_running_loop()
        self._t0 = loop.time()
        self._task = loop.create_task(self._run())

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def events(self) -> AsyncIterator[GateEvent]:
        """Decoded events in arrival order; ends with the session."""
        while (event := await self._events.get()) is not None:
            yield event

    async def heartbeats(self) -> AsyncIterator[GateStatus]:
        while True:
            yield await self._heartbeats.get()

    def write(self, data: bytes) -> None:
        """Host to gates: a resend request is answered at once, through the decoder."""
        self._deliver(self._responder.receive(data, self.now_us()))

    def now_us(self) -> float:
        """Session time now; at infinite speed, the arrival time of the latest frame delivered."""
        if self._t0 is None or math.isinf(self.speed):
            return self._delivered_us
        return (asyncio.get_running_loop().time() - self._t0) * self.speed * 1e6

    async def _run(self) -> None:
        try:
            if isinstance(self.session, TurnSession):
                async for frame in turn_frames(self.session, self._ask):
                    await self._until(frame.arrival_us)
                    self._delivered_us = frame.arrival_us
                    self._deliver(frame.data)
            else:
                for frame in self.session.frames:
                    await asyncio.sleep(max(self._delay(frame.arrival_us), 0.0))  # sleep(0) lets the consumer run
                    self._delivered_us = frame.arrival_us
                    self._deliver(frame.data)
        finally:
            self._events.put_nowait(None)

    def _delay(self, t_us: float) -> float:
        """Seconds from now until session time `t_us` is due."""
        return self._t0 + t_us / 1e6 / self.speed - asyncio.get_running_loop().time()  # type: ignore[operator]

    async def _until(self, t_us: float) -> None:
        """Sleep until session time `t_us` is due (no sleep if it is, so nothing runs in between)."""
        delay = self._delay(t_us)
        if delay > 0:
            await asyncio.sleep(delay)

    async def _ask(self, t_us: float) -> Up | None:
        """Who is up at session time `t_us`, once everything delivered before it has been taken in."""
        await self._until(t_us)
        await asyncio.sleep(0)  # the consumer and the coach get their turn, even at infinite speed
        while not (self._events.empty() and self.settled()):
            await asyncio.sleep(SETTLE_S)
        assert self.up is not None
        return self.up()

    def _deliver(self, data: bytes) -> None:
        if not data:
            return
        for event in self.decoder.feed(data, time.monotonic_ns()):
            self._events.put_nowait(event)
        for control in self.decoder.pop_control():
            if isinstance(control, GateStatus):
                if self._heartbeats.full():
                    self._heartbeats.get_nowait()
                self._heartbeats.put_nowait(control)
