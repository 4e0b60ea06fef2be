"""The link from the gates to the host: delay, jitter, lost and damaged frames, line noise, outages.

Gates of one session share one host port (a wired timer, or a radio base station on a serial line),
so the host receives one byte stream with every gate's frames in arrival order. Each gate's own
frames arrive in the order it sent them (a link is FIFO); different gates' frames can overtake each
other by the jitter. Line noise arrives on the idle line between frames (a burst inside a frame is
`corrupt`); for a format without a frame-start byte a burst ends its own line, as the idle-line
garbage a UART sees at power-up or on a long cable does.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from gates.events import GateEvent
from simulators.gate_device import Emission, Faults


@dataclass(frozen=True, slots=True)
class Frame:
    arrival_us: int  # session time the bytes reach the host
    gate: int  # course gate number of the sender (the wire id if unknown), 0 for line noise
    data: bytes


@dataclass(frozen=True, slots=True)
class Outage:
    start_us: float
    end_us: float


class Link:
    def __init__(self, faults: Faults, seed: str, frame_start: bytes | None) -> None:
        self.faults = faults
        self.frame_start = frame_start
        self._rng = {name: random.Random(f"{seed}/{name}") for name in ("noise", "corrupt", "drop", "delay", "link")}
        self.fault_log: list[dict] = []
        self.lost: set[int] = set()  # indices of the carried items the host never gets intact
        self.outages: list[Outage] = []
        self.stats = {"frames": 0, "lost": 0, "corrupted": 0, "noise_bytes": 0}

    def carry(self, items: list[tuple[Emission, bytes]], end_us: float) -> list[Frame]:
        """Frames as the host receives them, sorted by arrival; `items` in emission order."""
        f = self.faults
        rng = self._rng
        self.outages = self._draw_outages(end_us)
        last_arrival: dict[int, int] = {}
        frames: list[tuple[int, int, Frame]] = []
        for order, (emission, data) in enumerate(items):
            gate = emission.message.gate  # one FIFO per id on the wire
            # each fault draws from its own stream, and only while it is on
            delay_us = (f.latency + (rng["delay"].uniform(0.0, f.jitter) if f.jitter else 0.0)) * 1000.0
            arrival = max(int(round(emission.t_us + delay_us)), last_arrival.get(gate, 0))
            last_arrival[gate] = arrival
            burst = b""
            if f.noise and rng["noise"].random() < f.noise:
                burst = bytes(rng["noise"].randrange(256) for _ in range(rng["noise"].randint(1, 16)))
            corrupted = False
            if f.corrupt:
                corrupted = rng["corrupt"].random() < f.corrupt
                at, flip = rng["corrupt"].random(), rng["corrupt"].randrange(1, 256)
            dropped = bool(f.drop) and rng["drop"].random() < f.drop
            self.stats["frames"] += 1
            if burst:
                if self.frame_start is None:
                    burst += b"\r\n"
                frames.append((arrival, 2 * order, Frame(arrival, 0, burst)))
                self.stats["noise_bytes"] += len(burst)
            if dropped or (self.outages and self._in_outage(emission.t_us)):
                self.stats["lost"] += 1
                self.lost.add(order)
                self._log("link" if not dropped else "drop", emission)
                continue
            if corrupted:
                body = len(data.rstrip(b"\r\n"))  # the terminator stays, so the damage stays in this frame
                i = int(at * body)
                data = data[:i] + bytes((data[i] ^ flip,)) + data[i + 1:]
                self.stats["corrupted"] += 1
                self.lost.add(order)
                self._log("corrupt", emission)
            frames.append((arrival, 2 * order + 1, Frame(arrival, emission.position or gate, data)))
        frames.sort(key=lambda x: (x[0], x[1]))
        return [frame for _, _, frame in frames]

    def _draw_outages(self, end_us: float) -> list[Outage]:
        if self.faults.link <= 0:
            return []
        rng = self._rng["link"]
        out, t = [], 0.0
        while (t := t + rng.expovariate(1.0) * 60e6 / self.faults.link) < end_us:
            length = rng.uniform(2e6, 6e6)
            out.append(Outage(t, t + length))
            t += length
        return out

    def _in_outage(self, t_us: float) -> bool:
        return any(o.start_us <= t_us < o.end_us for o in self.outages)

    def _log(self, kind: str, emission: Emission) -> None:
        message = emission.message
        if isinstance(message, GateEvent):  # lost heartbeats are only counted
            self.fault_log.append({"kind": kind, "gate": emission.position, "seq": message.seq,
                                   "event": message.kind.value, "cause": emission.cause,
                                   "rep": emission.rep, "t_us": emission.t_us})
