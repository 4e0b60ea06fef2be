"""The in-process simulator (simulators/live.py) as a pipeline `Source`.

Simulators may not import drivers, so the simulator offers only the shape of a source (events and
heartbeats); this adapter gives the pipeline the real interface: batched events, a link status, and
each gate's heartbeat as a gate status (heartbeat age, battery, last seq), with the decoder's
dropped-frame counts. `gates demo` and the dashboard's tests run the pipeline on it.
"""

from __future__ import annotations

import asyncio
import contextlib
import time

from drivers.source import Source, State
from gates import protocols
from simulators.live import LiveSimulator


class SimulatorSource(Source):
    def __init__(self, live: LiveSimulator) -> None:
        super().__init__(live.name)
        self.live = live
        self.protocol = protocols.get(live.session.config.protocol)
        self._tasks: list[asyncio.Task] = []

    async def open(self) -> None:
        await self.live.open()
        self._publish(state=State.CONNECTED)
        self._tasks = [asyncio.create_task(self._pump(), name=f"{self.name} events"),
                       asyncio.create_task(self._beat(), name=f"{self.name} heartbeats")]

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []
        await self.live.close()
        self._finish()
        self._publish(state=State.CLOSED)

    async def _pump(self) -> None:
        async for event in self.live.events():
            self._emit(event)
        self._finish()

    async def _beat(self) -> None:
        decoder = self.live.decoder
        async for beat in self.live.heartbeats():
            if (decoder.dropped_frames, decoder.dropped_bytes) != (self.status.dropped_frames,
                                                                   self.status.dropped_bytes):
                self._publish(dropped_frames=decoder.dropped_frames, dropped_bytes=decoder.dropped_bytes)
            self._publish_gate(beat.gate, last_heartbeat_ns=beat.host_ns or time.monotonic_ns(),
                               battery_pct=beat.battery_pct, last_seq=beat.last_seq)
