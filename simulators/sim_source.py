"""The in-process simulator (simulators/live.py) as an ordinary driver: `sim:NAME[?options]`.

It gives the pipeline the one Source interface: batched events, a link status, and each gate's
heartbeat as a gate status (heartbeat age, battery, last seq), with the decoder's dropped-frame
counts. It registers in the driver registry through the `gates.drivers` entry point (pyproject.toml),
as a vendor's plug-in would, so `gates monitor --source sim:demo` works like any other source;
`gates demo` and the dashboard's tests run the pipeline on it.
"""

from __future__ import annotations

import asyncio
import contextlib
import time

from drivers.registry import Spec
from drivers.source import Source, State
from gates import protocols
from gates.course import Course, CourseError
from simulators.live import LiveSimulator

OPTIONS = {"athletes": "a count of preset athletes or names A,B,C (default 4)",
           "plan": "the simulated plan (default rsa)", "course": "gate distances in metres (default 0,10,20,30)",
           "speed": "times faster than real time (default 1)", "seed": "same seed, same session (default 0)",
           "protocol": "wire format (default gateline)", "reps": "reps per athlete (default: the plan's)"}


class SimulatorSource(Source):
    def __init__(self, live: LiveSimulator) -> None:
        super().__init__(live.name)
        self.live = live
        live.settled = self._events.empty  # a session taking turns asks who is up once all is taken in
        self.protocol = protocols.get(live.session.config.protocol)
        self._tasks: list[asyncio.Task] = []

    @classmethod
    def from_spec(cls, spec: Spec) -> SimulatorSource:
        from simulators.athletes import group
        from simulators.plans import get_plan
        from simulators.session import SessionConfig, simulate

        options = spec.take(OPTIONS)
        try:
            course = Course.parse(options.get("course", "0,10,20,30"))
            athletes = tuple(group(options.get("athletes", "4")))
            plan = get_plan(options.get("plan", "rsa"))
            if "reps" in options:
                plan = plan.with_reps(int(options["reps"]))
            speed, seed = float(options.get("speed", "1")), int(options.get("seed", "0"))
            protocol = protocols.get(options.get("protocol", "gateline")).name
        except (CourseError, ValueError) as err:
            raise spec.error(str(err)) from None
        if not 0 < speed <= 1000 or seed < 0:
            raise spec.error("speed must be above 0 and at most 1000, seed a whole number from 0")
        config = SessionConfig(course=course, athletes=athletes, plan=plan, seed=seed, protocol=protocol)
        return cls(LiveSimulator(simulate(config), speed=speed, name=spec.name))

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
