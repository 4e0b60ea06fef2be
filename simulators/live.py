"""The simulated session as an in-process async event source: no pty, the whole codec path still.

The session's bytes are delivered in real time (× `speed`; `math.inf` for as fast as the consumer
takes them) frame by frame, as reads from a serial port would return them, into the protocol's
real decoder; what comes out is what a driver would hand on: GateEvents stamped with the host's
monotonic receive time, and the gates' heartbeats. Bytes written to it (a `$GR`) are answered from
the gates' resend buffers and decoded like everything else. It offers the shape of a driver's
Source (`async with`, `events()`), which simulators cannot import, so `gates demo` and tests can use
it wherever a source goes.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from collections.abc import AsyncIterator

from gates import protocols
from gates.codec import GateStatus
from gates.events import GateEvent
from simulators.session import Responder, SimSession

HEARTBEAT_QUEUE = 1024  # the newest heartbeats are the ones worth keeping


class LiveSimulator:
    def __init__(self, session: SimSession, speed: float = 1.0, name: str = "simulator") -> None:
        if not speed > 0:
            raise ValueError("speed must be positive")
        self.session = session
        self.speed = speed
        self.name = name
        self.decoder = protocols.get(session.config.protocol).decoder()
        self._responder = Responder(session)
        self._events: asyncio.Queue[GateEvent | None] = asyncio.Queue()
        self._heartbeats: asyncio.Queue[GateStatus] = asyncio.Queue(HEARTBEAT_QUEUE)
        self._t0: float | None = None
        self._delivered_us = 0.0  # arrival time of the latest frame delivered
        self._task: asyncio.Task | None = None

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
        loop = asyncio.get_running_loop()
        try:
            for frame in self.session.frames:
                delay = self._t0 + frame.arrival_us / 1e6 / self.speed - loop.time()  # type: ignore[operator]
                await asyncio.sleep(max(delay, 0.0))  # sleep(0) still lets the consumer run
                self._delivered_us = frame.arrival_us
                self._deliver(frame.data)
        finally:
            self._events.put_nowait(None)

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
