"""ReplaySource: a capture file played back as if its gates were live.

A capture is the exact bytes a port delivered (what `gates simulate --out` writes and what a serial
logger records; simulators/capture.py), so it holds no arrival times. The original pace is recovered
from the gates' own clocks instead: each frame is due when its device time, counted from the start of
the capture, has passed (`speed=1`, the default; `speed=10` ten times faster; `speed=max` as fast as
the consumer takes them). Gates wired to one timer share a clock, so one anchor serves them all; a
gate whose first frame would land more than a minute away from the frames before it has a clock of
its own and is anchored where it first appears (its heartbeats put that within a second). Times the
timer computed itself (run/total/lap times) are durations and go out with the frame before them.

Spec: `replay:FILE[?protocol=NAME&speed=X&numbering=auto|start|impulse]`; without `protocol` the format
is detected from the first bytes (gates.protocols.detect).
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace
from pathlib import Path

from drivers.registry import Spec, decoder_options
from drivers.source import Source, State
from gates import protocols
from gates.codec import GateStatus
from gates.events import DURATION_KINDS, GateEvent

OPTIONS = {"protocol": "wire format; default: detected from the file",
           "speed": "1 = original pace, 10 = ten times faster, max = as fast as possible; default 1",
           "numbering": "alge-timy: start (start numbers), impulse (the timer's running count) or auto; default auto"}
CHUNK = 256  # bytes decoded at a time: a few frames, so frames keep their order in time
DETECT_BYTES = 8192
OWN_CLOCK_S = 60.0  # a gate first seen this far from the replay clock has a clock of its own


class ReplaySource(Source):
    def __init__(self, path: str | Path, *, protocol: str | None = None, speed: float | None = 1.0,
                 name: str | None = None, decoder_options: dict[str, str] | None = None) -> None:
        super().__init__(name or f"replay:{path}")
        self.path = Path(path)
        self.decoder_options = decoder_options or {}
        self.numbering = self.decoder_options.get("numbering", self.numbering)
        self.protocol = protocols.get(protocol) if protocol else None
        if speed is not None and not speed > 0:
            raise ValueError(f"speed must be above 0, not {speed:g}")
        self.speed = speed
        self._task: asyncio.Task | None = None
        self._anchors: dict[int, float] = {}  # gate -> device seconds at replay time 0
        self._shared: float | None = None
        self._last_s = 0.0  # replay time of the latest frame, original seconds

    @classmethod
    def from_spec(cls, spec: Spec) -> ReplaySource:
        options = spec.take(OPTIONS)
        protocol = options.get("protocol")
        if protocol is not None:
            try:
                protocols.get(protocol)
            except protocols.UnknownProtocol as err:
                raise spec.error(str(err)) from None
        speed_text = options.get("speed", "1")
        if speed_text == "max":
            speed = None
        else:
            try:
                speed = float(speed_text)
            except ValueError:
                speed = 0.0
            if not 0 < speed < float("inf"):
                raise spec.error(f"speed must be a number above 0 or 'max', not {speed_text!r}")
        chosen = decoder_options(spec, protocols.get(protocol or "alge-timy"), options)
        return cls(spec.target, protocol=protocol, speed=speed, name=spec.name, decoder_options=chosen)

    async def open(self) -> None:
        """Read the capture and start playing; an unreadable file is an error status, not an exception."""
        try:
            data = self.path.read_bytes()
        except OSError as err:
            self._publish(state=State.ERROR, reason=f"cannot read {self.path}: {err.strerror or err}")
            self._finish()
            return
        protocol = self.protocol or protocols.detect(data[:DETECT_BYTES])
        if protocol is None:
            self._publish(state=State.ERROR, reason=f"{self.path}: no known protocol found in it; name one "
                                                    "with ?protocol=NAME")
            self._finish()
            return
        self.protocol = protocol
        if "numbering" not in protocol.decoder_options:  # a detected format that has no such choice
            self.numbering = "auto"
        self._publish(state=State.CONNECTED, reason=f"replaying {self.path} ({protocol.name})")
        self._task = asyncio.create_task(self._play(data), name=self.name)

    async def close(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._finish()
        if self.status.state is not State.CLOSED:
            self._publish(state=State.CLOSED, reason="")

    async def _play(self, data: bytes) -> None:
        assert self.protocol is not None
        options = self.decoder_options if set(self.decoder_options) <= set(self.protocol.decoder_options) else {}
        decoder = self.protocol.decoder(**options)
        started = time.monotonic()
        chunks: list[bytes | None] = [data[offset:offset + CHUNK] for offset in range(0, len(data), CHUNK)]
        for chunk in [*chunks, None]:  # None: the end, where a last line without its terminator still counts
            events = decoder.finish() if chunk is None else decoder.feed(chunk)
            for event in events:
                await self._wait(started, self._due(event.gate, event.device_us, event))
                await self._events.put(replace(event, host_ns=time.monotonic_ns()))
            for control in decoder.pop_control():
                if isinstance(control, GateStatus):
                    await self._wait(started, self._due(control.gate, control.device_us))
                    self._publish_gate(control.gate, last_heartbeat_ns=time.monotonic_ns(),
                                       battery_pct=control.battery_pct, last_seq=control.last_seq)
            if self.speed is None:
                await asyncio.sleep(0)  # let the consumer and the rest of the loop run
        self._publish(state=State.CLOSED, reason="end of capture", dropped_bytes=decoder.dropped_bytes,
                      dropped_frames=decoder.dropped_frames)
        self._finish()

    def _due(self, gate: int, device_us: int, event: GateEvent | None = None) -> float:
        """When this frame is due, in original seconds since the capture began."""
        if event is not None and event.kind in DURATION_KINDS:
            return self._last_s
        t = device_us / 1e6
        anchor = self._anchors.get(gate)
        if anchor is None:
            if self._shared is None:
                self._shared = t
            shared_s = t - self._shared
            own = not (self._last_s - 1.0 <= shared_s <= self._last_s + OWN_CLOCK_S)
            anchor = self._anchors[gate] = t - self._last_s if own else self._shared
        due = t - anchor
        self._last_s = max(self._last_s, due)
        return due

    async def _wait(self, started: float, due_s: float) -> None:
        if self.speed is None:
            return
        delay = started + due_s / self.speed - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
