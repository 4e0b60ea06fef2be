"""A simulated photocell gate: its own clock, its beam, its faults, its heartbeats and resend buffer.

Modelled on what goes wrong at a track (and on DESIGN.md's gateline device contract):
- the clock: an offset (the gate was switched on some time before the session), a drift (a plain
  crystal is within ±100 ppm) and a resolution (1 ms for DIY gates, 0.1 ms for ALGE-like timers);
  a reading is truncated to the resolution, as timers do. Gates wired to one timer share one clock.
- the beam: a torso break lasts while the torso passes (~0.35 m at the athlete's speed); an arm swing
  can break it again 40–150 ms after the torso (a "double trigger"); the gate can miss a crossing
  altogether; nobody running can still break it (a bird, a leaf, someone walking through).
- per-gate sequence numbers (16-bit), 1 Hz status heartbeats with the latest seq and battery, and a
  buffer of the last 1,024 events answering the host's resend request.
- a restart (a brown-out, the coach power-cycling it): from then on its seq counts from 0 again, its
  clock from about 0, and its buffer holds only what it sent since.
"""

from __future__ import annotations

import bisect
import random
from collections.abc import Iterable
from dataclasses import dataclass, fields

from gates.codec import GateStatus
from gates.events import GateEvent, Kind

RESEND_BUFFER = 1024
TORSO_DEPTH_M = 0.35
HEARTBEAT_US = 1_000_000
BOOT_US = 150_000  # a restarted gate's clock reading as it starts sending again


@dataclass(frozen=True, slots=True)
class DeviceClock:
    offset_us: float  # the reading at session time 0
    drift_ppm: float
    resolution_us: int

    def read(self, t_us: float) -> int:
        """The clock's reading (integer µs, truncated to the resolution) at session time `t_us`."""
        value = self.offset_us + t_us * (1.0 + self.drift_ppm * 1e-6)
        return int(value // self.resolution_us) * self.resolution_us


@dataclass(frozen=True, slots=True)
class Faults:
    """Fault rates; every fault is off at 0. Probabilities are per crossing or per frame."""

    double: float = 0.0  # P(an arm swing breaks the beam again 40-150 ms after the torso) per crossing
    miss: float = 0.0  # P(the gate does not see a crossing) per crossing
    spurious: float = 0.0  # breaks with nobody running, per gate per minute
    noise: float = 0.0  # P(a burst of random bytes on the idle line before a frame) per frame
    corrupt: float = 0.0  # P(a byte inside a frame is damaged) per frame
    drop: float = 0.0  # P(a frame is lost in transit) per frame
    latency: float = 0.0  # mean delivery delay, ms
    jitter: float = 0.0  # extra delivery delay, uniform 0..jitter ms
    link: float = 0.0  # link outages (each 2-6 s, every frame in it lost) per minute

    PROBABILITIES = ("double", "miss", "noise", "corrupt", "drop")

    @classmethod
    def parse(cls, text: str) -> Faults:
        """`double=0.05,miss=0.02,...`; empty or `none` for no faults. ValueError names the bad part."""
        text = text.strip()
        if text in ("", "none"):
            return cls()
        names = [f.name for f in fields(cls)]
        values: dict[str, float] = {}
        for part in text.split(","):
            key, sep, raw = part.partition("=")
            key = key.strip()
            if not sep or key not in names:
                raise ValueError(f"{part!r} is not NAME=VALUE with NAME one of {', '.join(names)}")
            try:
                value = float(raw)
            except ValueError:
                raise ValueError(f"{part!r}: {raw!r} is not a number") from None
            if not value >= 0 or value == float("inf"):
                raise ValueError(f"{part!r}: must be a finite number >= 0")
            if key in cls.PROBABILITIES and value > 1:
                raise ValueError(f"{part!r}: {key} is a probability, at most 1")
            values[key] = value
        return cls(**values)

    def as_dict(self) -> dict[str, float]:
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name)}


@dataclass(frozen=True, slots=True)
class Crossing:
    """An athlete's torso reaching a gate's line, in session time."""

    t_us: float
    speed: float  # m/s, sets how long the torso keeps the beam broken
    rep: int  # index of the timed rep
    position: int  # course gate number, 1 for the start gate


@dataclass(frozen=True, slots=True)
class Emission:
    """A message leaving a gate at session time `t_us`; `cause` says why it exists (for the truth)."""

    t_us: float
    message: GateEvent | GateStatus
    cause: str  # torso | arm | spurious | heartbeat
    rep: int | None = None
    position: int | None = None  # course gate number, where known


@dataclass(slots=True)
class _Interval:
    start: float
    end: float
    cause: str
    rep: int | None
    position: int | None


class GateDevice:
    """One gate over one session. `run` turns crossings into the gate's emissions, in time order.

    `gate` is its id on the wire; `position` its course gate number (None for a device whose one
    input serves every gate, as a Chronopic's does: each crossing then brings its own position).
    """

    def __init__(self, gate: int, position: int | None, clock: DeviceClock, faults: Faults, seed: str,
                 battery_pct: float = 100.0, drain_pct_per_h: float = 4.0, restart_us: float | None = None) -> None:
        self.gate = gate
        self.position = position
        self.clock = clock
        self.restart_us = restart_us
        self._restarted_clock = None if restart_us is None else DeviceClock(
            BOOT_US - restart_us * (1.0 + clock.drift_ppm * 1e-6), clock.drift_ppm, clock.resolution_us)
        self.faults = faults
        self.seed = seed  # each kind of fault draws from its own stream, so rates don't shift each other
        self.battery_pct = battery_pct
        self.drain_pct_per_h = drain_pct_per_h
        self.fault_log: list[dict] = []  # faults of the gate itself (double, miss, spurious)
        self._event_times: list[float] = []
        self._events: list[GateEvent] = []

    def run(self, crossings: Iterable[Crossing], end_us: float, restores: bool = True,
            heartbeats: bool = True) -> list[Emission]:
        beams = self._beam_intervals(crossings, end_us)
        emissions: list[Emission] = []
        seq = 0
        restarting = self.restart_us is not None
        for beam in beams:
            kinds = [(beam.start, Kind.BREAK)] + ([(beam.end, Kind.RESTORE)] if restores else [])
            for t, kind in kinds:
                if restarting and t >= self.restart_us:
                    seq, restarting = 0, False
                event = GateEvent(self.gate, seq, self.read(t), kind=kind)
                emissions.append(Emission(t, event, beam.cause, beam.rep, beam.position))
                seq = (seq + 1) & 0xFFFF
        self._event_times = [e.t_us for e in emissions]
        self._events = [e.message for e in emissions]  # type: ignore[misc]
        if heartbeats:
            emissions.extend(self._heartbeats(end_us))
        emissions.sort(key=lambda e: e.t_us)
        return emissions

    def _beam_intervals(self, crossings: Iterable[Crossing], end_us: float) -> list[_Interval]:
        faults = self.faults
        miss_rng, double_rng = random.Random(f"{self.seed}/miss"), random.Random(f"{self.seed}/double")
        beams: list[_Interval] = []
        for c in crossings:
            missed = miss_rng.random() < faults.miss
            doubled = double_rng.random() < faults.double
            arm_delay = double_rng.uniform(40e3, 150e3)
            arm_dwell = double_rng.uniform(10e3, 30e3)
            if missed:
                self.fault_log.append({"kind": "miss", "gate": c.position, "rep": c.rep})
                continue
            end = c.t_us + TORSO_DEPTH_M / max(c.speed, 0.5) * 1e6
            beams.append(_Interval(c.t_us, end, "torso", c.rep, c.position))
            if doubled:
                arm = max(c.t_us + arm_delay, end + 5e3)
                beams.append(_Interval(arm, arm + arm_dwell, "arm", c.rep, c.position))
        if faults.spurious > 0:
            rng = random.Random(f"{self.seed}/spurious")
            t = 0.0
            mean_gap_us = 60e6 / faults.spurious
            while (t := t + rng.expovariate(1.0) * mean_gap_us) < end_us:
                beams.append(_Interval(t, t + rng.uniform(5e3, 80e3), "spurious", None, self.position))
        beams.sort(key=lambda b: b.start)
        merged: list[_Interval] = []
        for beam in beams:  # a break while the beam is already broken is no event
            if merged and beam.start <= merged[-1].end:
                merged[-1].end = max(merged[-1].end, beam.end)
                continue
            merged.append(beam)
        for beam in merged:
            if beam.cause != "torso":
                self.fault_log.append({"kind": "double" if beam.cause == "arm" else "spurious",
                                       "gate": beam.position, "rep": beam.rep,
                                       "device_us": self.read(beam.start), "t_us": beam.start})
        return merged

    def read(self, t_us: float) -> int:
        """The gate's clock at session time `t_us` (after a restart, the clock it started again)."""
        if self._restarted_clock is not None and t_us >= self.restart_us:
            return self._restarted_clock.read(t_us)
        return self.clock.read(t_us)

    def _since_restart(self, t_us: float) -> int:
        """Index of the first event the gate still knows of at `t_us` (a restart forgets the rest)."""
        if self.restart_us is None or t_us < self.restart_us:
            return 0
        return bisect.bisect_left(self._event_times, self.restart_us)

    def _heartbeats(self, end_us: float) -> list[Emission]:
        out = []
        t = random.Random(f"{self.seed}/heartbeat").uniform(0.0, HEARTBEAT_US)
        while t < end_us:
            i = bisect.bisect_right(self._event_times, t)
            last_seq = self._events[i - 1].seq if i > self._since_restart(t) else 0xFFFF  # the seq before 0
            battery = self.battery_pct - self.drain_pct_per_h * t / 3.6e9
            status = GateStatus(self.gate, last_seq, self.read(t), max(0, int(battery)), True)
            out.append(Emission(t, status, "heartbeat", None, self.position))
            t += HEARTBEAT_US
        return out

    def record(self, t_us: float, event: GateEvent) -> None:
        """An event the gate sent at session time `t_us` outside `run` (a session made run by run,
        simulators/turns.py), kept for its memory and resend buffer; times come in order."""
        self._event_times.append(t_us)
        self._events.append(event)

    def memory(self, now_us: float) -> list[tuple[float, GateEvent]]:
        """Every event emitted by `now_us` with its session time: what a timer that stores its impulses
        (ALGE, Microgate) sends back when asked for its memory, whatever the link lost."""
        n = bisect.bisect_right(self._event_times, now_us)
        return list(zip(self._event_times[:n], self._events[:n]))

    def resend(self, from_seq: int, now_us: float) -> list[GateEvent]:
        """Buffered events from `from_seq` to the latest one emitted by `now_us` (at most 1,024)."""
        n = bisect.bisect_right(self._event_times, now_us)
        buffered = self._events[max(self._since_restart(now_us), n - RESEND_BUFFER):n]
        if not buffered:
            return []
        behind = (buffered[-1].seq - from_seq) & 0xFFFF
        if behind >= 0x8000:  # from_seq is after the latest event: nothing new
            return []
        return buffered[-(behind + 1):]
