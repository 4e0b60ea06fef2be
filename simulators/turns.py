"""The simulated session decided one run at a time: whoever the session's rotation says is up runs next.

`simulate` (session.py) plays a whole session in the roster's fixed order, decided in advance. On
the dashboard the coach changes that order (skip, choose who goes, a new order, a late arrival), and
the gates credit each start to whoever is next up, so athletes that ignored the coach would have
their runs credited to someone else. Here the timeline is made as it goes: when the course is clear,
the simulator asks who is up (an `Up`, from whoever runs the session: the simulator never looks
inside the monitor), waits for that athlete's rest, and sends them; a name it has no profile for (an
athlete the coach added) runs as a generic athlete of the group's middle speed. An athlete out of
the rotation is never named, so never runs. The session is over when nobody is up, or when everyone
still running has done the plan's last block.

`turn_frames` is that loop, for whoever paces the frames: the in-process simulator (simulators/live.py)
and the BLE gates (simulators/ble_gate.py) each ask in their own way, once what they delivered has
been taken in.

The run's start-gate crossing is the moment the simulator asked, so nothing can change who is up
between the question and the start the gates report. The gates are fault-free (the demo's), so
every run is a rep and the truth says exactly who ran each one.
"""

from __future__ import annotations

import bisect
import math
import random
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

import numpy as np

from gates.codec import GateStatus
from gates.events import GateEvent, Kind
from gates.sprint_model import time_at_distance
from simulators.athletes import AthleteProfile, presets
from simulators.gate_device import (
    HEARTBEAT_US,
    TORSO_DEPTH_M,
    DeviceClock,
    Faults,
    GateDevice,
)
from simulators.link import Frame
from simulators.plans import Block, Start
from simulators.session import DAYTIME_US, MAX_OFFSET_US, OWN_DRIFT_PPM, Run, SessionConfig
from simulators.wire import get_wire

ASK_EVERY_US = 1e6  # session time between questions while the athlete up is resting or unknown


@dataclass(frozen=True, slots=True)
class Up:
    """What the session says when the course is clear: who is up (None: nobody), the plan's block
    running (1-based) and who is still taking turns."""

    athlete: str | None
    block: int = 1
    running: tuple[str, ...] = ()


def generic(name: str) -> AthleteProfile:
    """An athlete the simulator has no profile for: a group of one preset, the middle of their speeds."""
    return presets(names=[name])[0]


class TurnSession:
    """The session's frames and truth, made run by run: `idle` until a time, `run` whoever is up.

    It offers what a `SimSession` offers the live simulator and its responder (config, wire,
    devices, truth), so resend requests are answered from the gates' buffers as usual."""

    def __init__(self, config: SessionConfig) -> None:
        if config.faults != Faults() or config.restarts:
            raise ValueError("a session taking turns runs on fault-free gates without restarts")
        if not all(block.timed for block in config.plan.blocks):
            raise ValueError("a session taking turns times every block through the gates")
        self.config = config
        self.wire = wire = get_wire(config.protocol)
        gates = max(max(b.gate_ids(config.course)) for b in config.plan.blocks)
        if gates > wire.max_gates:
            raise ValueError(f"{config.protocol} carries at most {wire.max_gates} gates, the course has {gates}")
        resolution = config.resolution_us or wire.resolution_us
        rng = random.Random(f"{config.seed}/clocks")
        offsets = DAYTIME_US if wire.time_of_day else (0.0, MAX_OFFSET_US)
        shared = DeviceClock(rng.uniform(*offsets), config.shared_drift_ppm, resolution)
        positions = [None] if wire.single_input else list(range(1, gates + 1))
        self.devices: list[GateDevice] = []
        for position in positions:
            wire_id = wire.gate_id(0 if position is None else position - 1, gates)
            clock = shared if config.shared_clock else DeviceClock(
                rng.uniform(*offsets), rng.uniform(-OWN_DRIFT_PPM, OWN_DRIFT_PPM), resolution)
            self.devices.append(GateDevice(wire_id, position, clock, config.faults,
                                           f"{config.seed}/gate{position or wire_id}",
                                           battery_pct=rng.uniform(70.0, 100.0)))
        self._beats = [random.Random(f"{d.seed}/heartbeat").uniform(0.0, HEARTBEAT_US) for d in self.devices]
        self._seqs: list[list[tuple[float, int]]] = [[] for _ in self.devices]  # (session µs, seq) sent
        self._encoder = wire.encoder()
        self._rng = random.Random(f"{config.seed}/athletes")
        self._profiles = {a.name: a for a in config.athletes}
        self._load: dict[str, float] = {}
        self._ready: dict[str, float] = {}  # athlete -> when their rest is over
        self._runs: dict[tuple[str, int], int] = {}  # (athlete, block) -> runs done
        self._placed: tuple | None = None  # where the gates stand: (course, gate ids)
        self.runs: list[Run] = []  # every run so far, in start order (what the athletes' hearts follow)
        self.now_us = 0.0  # frames are made up to here
        self.free_us = config.warmup_s * 1e6  # the course is clear from here
        self.truth = {"protocol": config.protocol, "seed": config.seed, "plan": config.plan.name,
                      "course_m": [_m(d) for d in config.course.distances_m], "reps": [],
                      "athletes": [{"name": a.name, "mss": a.mss, "tau": a.tau} for a in config.athletes]}

    # -- deciding ---------------------------------------------------------------------------------

    def block(self, number: int) -> Block:
        return self.config.plan.blocks[min(max(number, 1), len(self.config.plan.blocks)) - 1]

    def over(self, up: Up) -> bool:
        """Nobody is up, or everyone still running has done the plan's last block."""
        if up.athlete is None:
            return True
        last = len(self.config.plan.blocks)
        if min(max(up.block, 1), last) < last:
            return False
        reps = self.block(last).reps
        return all(self._runs.get((name, last), 0) >= reps for name in up.running or (up.athlete,))

    def when(self, up: Up) -> float:
        """When the athlete up can start: the course clear (the gates moved, if the block moved them)
        and their own rest over."""
        assert up.athlete is not None
        clear = self.free_us
        if self._placed is not None and self._placed != self._placement(self.block(up.block)):
            clear += self.config.move_gates_s * 1e6
        return max(clear, self._ready.get(up.athlete, 0.0))

    def _placement(self, block: Block) -> tuple:
        return block.course_of(self.config.course), block.gate_ids(self.config.course)

    # -- frames -----------------------------------------------------------------------------------

    def idle(self, until_us: float) -> list[Frame]:
        """Nobody running until `until_us`: the gates' heartbeats."""
        return self._frames([], until_us)

    def run(self, up: Up) -> list[Frame]:
        """`up.athlete` crosses the start gate now; the frames until their last gate event."""
        assert up.athlete is not None
        name, number = up.athlete, min(max(up.block, 1), len(self.config.plan.blocks))
        block = self.block(number)
        profile = self._profiles.get(name) or generic(name)
        course, gate_ids = self._placement(block)
        rel = np.asarray(course.distances_m) - course.distances_m[0]
        load = self._load.get(name, 0.0)
        form = profile.form(self._rng, load, block.effort, course.length_m)
        t = np.asarray(time_at_distance(block.run_in_m + rel, form.mss, form.tau))
        if form.stumble is not None:
            t = t + np.where(rel > form.stumble.at_m, form.stumble.lost_s, 0.0)
        crossings = [self.now_us + (float(x) - float(t[0])) * 1e6 for x in t]
        speeds = [form.mss * -math.expm1(-float(x) / form.tau) for x in t]
        events = []
        for position, t_us, speed in zip(gate_ids, crossings, speeds):
            index = 0 if self.wire.single_input else position - 1
            events.append((t_us, index, Kind.BREAK))
            if self.wire.restores:
                events.append((t_us + TORSO_DEPTH_M / max(speed, 0.5) * 1e6, index, Kind.RESTORE))
        frames = self._frames(events, max(e[0] for e in events) + 1.0)
        self._placed = (course, gate_ids)
        self._load[name] = load + block.load
        self._ready[name] = crossings[-1] + block.rest_s * 1e6
        self._runs[(name, number)] = self._runs.get((name, number), 0) + 1
        self.runs.append(Run(profile, block, form, crossings[0], course, gate_ids, number, crossings, speeds,
                             crossings[-1]))
        self.free_us = crossings[-1] + self.config.gap_s * 1e6
        start = crossings[0]
        entry = {"rep": len(self.truth["reps"]) + 1, "athlete": name, "generic": name not in self._profiles,
                 "time_s": round((crossings[-1] - start) / 1e6, 6),
                 "splits_s": [round((x - start) / 1e6, 6) for x in crossings[1:]],
                 "start": block.start.value, "block": block.name, "block_index": number,
                 "course_m": [_m(d) for d in course.distances_m], "start_s": round(start / 1e6, 6),
                 "fatigue": {"load": round(load, 3), "mss_factor": round(form.fatigue_factor, 4),
                             "mss": round(form.mss, 4)}}
        if block.start is Start.BLOCK:
            entry["reaction_s"] = round(form.reaction_s, 4)
        self.truth["reps"].append(entry)
        return frames

    def _frames(self, events: list[tuple[float, int, Kind]], until_us: float) -> list[Frame]:
        """Gate events (session µs, device index, kind) and every heartbeat from `now_us` up to
        `until_us`, on the wire in time order."""
        out: list[tuple[float, int, GateEvent | GateStatus, GateDevice]] = []
        for t_us, index, kind in sorted(events):
            device = self.devices[index]
            sent = self._seqs[index]
            seq = (sent[-1][1] + 1) & 0xFFFF if sent else 0
            event = GateEvent(device.gate, seq, device.read(t_us), kind=kind)
            sent.append((t_us, seq))
            device.record(t_us, event)
            out.append((t_us, device.gate, event, device))
        if self.wire.heartbeats:
            for index, device in enumerate(self.devices):
                sent = self._seqs[index]
                while self._beats[index] < until_us:
                    t_us = self._beats[index]
                    i = bisect.bisect_right(sent, (t_us, math.inf))
                    battery = device.battery_pct - device.drain_pct_per_h * t_us / 3.6e9
                    status = GateStatus(device.gate, sent[i - 1][1] if i else 0xFFFF, device.read(t_us),
                                        max(0, int(battery)), True)
                    out.append((t_us, device.gate, status, device))
                    self._beats[index] += HEARTBEAT_US
        out.sort(key=lambda item: (item[0], item[1]))
        self.now_us = max(self.now_us, until_us)
        encoder = self._encoder
        return [Frame(round(t_us), device.position or device.gate,
                      encoder.event(message) if isinstance(message, GateEvent) else encoder.status(message))
                for t_us, _, message, device in out]


async def turn_frames(session: TurnSession, ask: Callable[[float], Awaitable[Up | None]]) -> AsyncIterator[Frame]:
    """The frames of a session made as it goes: at each clear course, whoever is up runs. `ask(t_us)`
    says who is up once session time `t_us` is due and everything sent before it has been taken in
    (None: not known yet, ask again shortly)."""
    while True:
        up = await ask(session.now_us)
        if up is not None and session.over(up):
            break
        start = session.now_us + ASK_EVERY_US if up is None else session.when(up)
        if start > session.now_us:  # ask again by then: the coach may send someone else meanwhile
            for frame in session.idle(min(start, session.now_us + ASK_EVERY_US)):
                yield frame
            continue
        for frame in session.run(up):  # type: ignore[arg-type]
            yield frame
    for frame in session.idle(session.now_us + session.config.cooldown_s * 1e6):
        yield frame


def _m(distance: float) -> float | int:
    return int(distance) if distance == int(distance) else distance
