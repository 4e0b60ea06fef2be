"""A whole simulated session, deterministic from a seed: the bytes a host would receive, and the truth.

The session runs a plan with a group in a fixed rotation (the roster order, which is how the rep
assembler assigns athletes): each athlete starts when the course is clear (the previous finish plus
`gap_s`) and their own rest is over. Every run draws the athlete's form (fatigue, noise, stumble) and
places the torso's crossing of each gate with the sprint model; the gates turn crossings into events
on their own clocks, with their faults; the link delivers the frames, with its faults. Each source of
randomness has its own stream derived from the seed, so the same seed gives a byte-identical session
and switching one fault on does not change what the athletes run.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

import numpy as np

from gates import protocols
from gates.codec import ResendRequest
from gates.course import Course
from gates.events import GateEvent, Kind
from simulators.athletes import AthleteProfile, RepForm
from simulators.gate_device import Crossing, DeviceClock, Emission, Faults, GateDevice
from simulators.link import Frame, Link
from simulators.plans import Block, Plan, Start
from gates.sprint_model import time_at_distance
from simulators.wire import Wire, get_wire

MAX_OFFSET_US = 3600e6  # gates were switched on up to an hour before the session
DAYTIME_US = (7 * 3600e6, 19 * 3600e6)  # a time-of-day timer's session starts between 07:00 and 19:00
OWN_DRIFT_PPM = 100.0  # a plain crystal
# a spurious break this close to a rep belongs to its faults: before the start, long enough that a stray
# start-gate break could still be taken for the rep's start; after the finish, a late double
BEFORE_START_US, AFTER_FINISH_US = 10e6, 2e6


@dataclass(frozen=True, slots=True)
class SessionConfig:
    course: Course
    athletes: tuple[AthleteProfile, ...]
    plan: Plan
    seed: int = 0
    protocol: str = "gateline"
    faults: Faults = Faults()
    shared_clock: bool = True  # wired gates on one timer; False: each gate its own clock (drift ±100 ppm)
    resolution_us: int | None = None  # None: the format's usual resolution
    restarts: tuple[tuple[int, float], ...] = ()  # (course gate, session s): that gate restarts then
    shared_drift_ppm: float = 0.0  # a wired timer's rate error scales all splits alike
    warmup_s: float = 5.0
    move_gates_s: float = 60.0  # between blocks whose gates stand elsewhere
    gap_s: float = 8.0
    cooldown_s: float = 5.0


@dataclass(slots=True)
class Run:
    """One athlete's run: timed runs cross every gate, untimed ones only take time and tire."""

    athlete: AthleteProfile
    block: Block
    form: RepForm
    go_us: float
    course: Course | None = None  # the course of a timed run (its block's)
    gate_ids: tuple[int, ...] = ()  # the gates (1-based) at that course's distances
    block_index: int = 1  # 1-based, in the plan
    crossings_us: list[float] = field(default_factory=list)
    speeds: list[float] = field(default_factory=list)
    finish_us: float = 0.0


@dataclass(slots=True)
class SimSession:
    config: SessionConfig
    wire: Wire
    frames: list[Frame]
    truth: dict
    devices: list[GateDevice]
    end_us: float

    def capture(self) -> bytes:
        """The exact bytes the host's port delivers over the whole session."""
        return b"".join(frame.data for frame in self.frames)


class Responder:
    """The gates' side of host-to-gate traffic: resend requests answered from the gates' buffers."""

    def __init__(self, session: SimSession) -> None:
        self.session = session
        self.decoder = protocols.get(session.config.protocol).decoder()
        self._encoder = session.wire.encoder()
        self.resent = 0  # events sent again

    def receive(self, data: bytes, now_us: float) -> bytes:
        """What the gates send back for the host's bytes `data`, received at session time `now_us`."""
        self.decoder.feed(data)
        out = []
        wire = self.session.wire
        if wire.resend_request and wire.resend_request in data:  # the timer's memory, encoded as it was sent
            stored = sorted((t, i, e) for i, d in enumerate(self.session.devices) for t, e in d.memory(now_us))
            encoder = wire.encoder()
            out.extend(encoder.event(e) for _, _, e in stored)
            self.resent += len(stored)
        for request in self.decoder.pop_control():
            if isinstance(request, ResendRequest) and self.session.wire.resend:
                for device in self.session.devices:
                    if device.gate == request.gate:
                        events = device.resend(request.from_seq, now_us)
                        self.resent += len(events)
                        out.extend(map(self._encoder.event, events))
        return b"".join(out)


def schedule(config: SessionConfig) -> list[Run]:
    """Every run of the session in start order, with true crossing times (session µs)."""
    rng = random.Random(f"{config.seed}/athletes")
    free_us = config.warmup_s * 1e6
    ready = {a.name: 0.0 for a in config.athletes}
    load = {a.name: 0.0 for a in config.athletes}
    runs: list[Run] = []
    out: set[str] = set()  # at END by the coach's rule in an earlier block: they run no more
    placed: tuple[Course, tuple[int, ...]] | None = None
    for index, block in enumerate(config.plan.blocks, 1):
        course = block.course_of(config.course)
        rel = np.asarray(course.distances_m) - course.distances_m[0]
        if block.timed:
            if placed is not None and placed != (course, block.gate_ids(config.course)):
                free_us += config.move_gates_s * 1e6
            placed = (course, block.gate_ids(config.course))
        coach = _Coach(block)
        group = [a for a in config.athletes if a.name not in out]
        for _ in range(block.reps):
            for athlete in [a for a in group if a.name not in coach.ended]:
                form = athlete.form(rng, load[athlete.name], block.effort, course.length_m)
                go = max(free_us, ready[athlete.name])
                motion = go + (form.reaction_s * 1e6 if block.start is Start.BLOCK else 0.0)
                run = Run(athlete, block, form, go, block_index=index)
                if block.timed:
                    run.course, run.gate_ids = course, block.gate_ids(config.course)
                    t = np.asarray(time_at_distance(block.run_in_m + rel, form.mss, form.tau))
                    if form.stumble is not None:
                        t = t + np.where(rel > form.stumble.at_m, form.stumble.lost_s, 0.0)
                    run.crossings_us = [motion + float(x) * 1e6 for x in t]
                    run.speeds = [form.mss * -math.expm1(-float(x) / form.tau) for x in t]
                    run.finish_us = run.crossings_us[-1]
                else:
                    run.finish_us = motion + time_at_distance(block.distance_m, form.mss, form.tau) * 1e6
                runs.append(run)
                coach.judge(run)
                free_us = run.finish_us + config.gap_s * 1e6
                ready[athlete.name] = run.finish_us + block.rest_s * 1e6
                load[athlete.name] += block.load
        out |= coach.ended
    return runs


class _Coach:
    """The coach's stop rule on true times within one block (against the block's best, from the second
    rep): who is at END, and so runs no more, as the engine takes them out of the rotation."""

    def __init__(self, block: Block) -> None:
        self.block = block
        self.best: dict[str, float] = {}
        self.under: dict[str, int] = {}
        self.reps: dict[str, int] = {}
        self.ended: set[str] = set()

    def judge(self, run: Run) -> None:
        floor = self.block.floor_pct
        if floor is None or not run.crossings_us:
            return
        name, t = run.athlete.name, run.crossings_us[-1] - run.crossings_us[0]
        self.best[name] = min(self.best.get(name, t), t)
        self.reps[name] = self.reps.get(name, 0) + 1
        self.under[name] = self.under.get(name, 0) + 1 if self.best[name] / t * 100 < floor else 0
        if self.reps[name] >= 2 and self.under[name] >= self.block.consecutive:
            self.ended.add(name)


def simulate(config: SessionConfig) -> SimSession:
    wire = get_wire(config.protocol)
    gates = max([config.course.gates] + [max(b.gate_ids(config.course)) for b in config.plan.blocks if b.timed])
    if gates > wire.max_gates:
        raise ValueError(f"{config.protocol} carries at most {wire.max_gates} gates, the course has {gates}")
    if not config.shared_clock and not wire.own_clocks:
        raise ValueError(f"{config.protocol} gates report on one clock; own clocks need gateline")
    runs = schedule(config)
    timed = sorted((r for r in runs if r.block.timed), key=lambda r: r.finish_us)
    end_us = max(r.finish_us for r in runs) + config.cooldown_s * 1e6
    resolution = config.resolution_us or wire.resolution_us
    clock_rng = random.Random(f"{config.seed}/clocks")
    offsets = DAYTIME_US if wire.time_of_day else (0.0, MAX_OFFSET_US)
    shared = DeviceClock(clock_rng.uniform(*offsets), config.shared_drift_ppm, resolution)
    crossings: list[list[Crossing]] = [[] for _ in range(gates)]  # per physical gate, in time order
    for rep, r in enumerate(timed):
        for i, gate in enumerate(r.gate_ids):
            crossings[gate - 1].append(Crossing(r.crossings_us[i], r.speeds[i], rep, gate))
    for seen_by in crossings:
        seen_by.sort(key=lambda c: c.t_us)
    if wire.single_input:  # every photocell on one input: one device sees every crossing
        inputs = [(wire.gate_id(0, gates), None, sorted((c for cs in crossings for c in cs), key=lambda c: c.t_us))]
    else:
        inputs = [(wire.gate_id(i, gates), i + 1, crossings[i]) for i in range(gates)]
    devices: list[GateDevice] = []
    emissions: list[Emission] = []
    for wire_id, position, seen_by in inputs:
        clock = shared if config.shared_clock else DeviceClock(
            clock_rng.uniform(*offsets), clock_rng.uniform(-OWN_DRIFT_PPM, OWN_DRIFT_PPM), resolution)
        restart_s = dict(config.restarts).get(position)
        device = GateDevice(wire_id, position, clock, config.faults, f"{config.seed}/gate{position or wire_id}",
                            battery_pct=clock_rng.uniform(70.0, 100.0),
                            restart_us=None if restart_s is None else restart_s * 1e6)
        emissions.extend(device.run(seen_by, end_us, restores=wire.restores, heartbeats=wire.heartbeats))
        devices.append(device)
    items, link, frames = transmit(config, wire, emissions, end_us)
    seen: dict[tuple[int, int], float] = {}  # (rep, position) -> first break of that rep the host gets
    for order, (e, _) in enumerate(items):
        if e.rep is not None and e.message.kind is Kind.BREAK and order not in link.lost:
            key = (e.rep, e.position)
            seen[key] = min(seen.get(key, e.t_us), e.t_us)
    truth = _truth(config, wire, timed, devices, link, seen, end_us, resolution)
    truth["untimed"] = [{"athlete": r.athlete.name, "block": r.block.name, "distance_m": r.block.distance_m,
                         "start_s": round(r.go_us / 1e6, 3), "time_s": round((r.finish_us - r.go_us) / 1e6, 3),
                         "mss": round(r.form.mss, 4)} for r in runs if not r.block.timed]
    return SimSession(config, wire, frames, truth, devices, end_us)


def transmit(config: SessionConfig, wire: Wire, emissions: list[Emission],
             end_us: float) -> tuple[list[tuple[Emission, bytes]], Link, list[Frame]]:
    """The gates' emissions encoded on the wire and carried by the link: (what was sent, the link, the
    frames the host receives)."""
    emissions = sorted(emissions, key=lambda e: (e.t_us, e.message.gate))
    encoder = wire.encoder()
    items = [(e, encoder.event(e.message) if isinstance(e.message, GateEvent) else encoder.status(e.message))
             for e in emissions]
    link = Link(config.faults, f"{config.seed}/link", wire.frame_start)
    return items, link, link.carry(items, end_us)


def _truth(config: SessionConfig, wire: Wire, timed: list[Run], devices: list[GateDevice], link: Link,
           seen: dict[tuple[int, int], float], end_us: float, resolution: int) -> dict:
    per_rep: list[list[dict]] = [[] for _ in timed]
    loose: list[dict] = []
    faults = [f for d in devices for f in d.fault_log] + link.fault_log
    for f in faults:
        rep = f.pop("rep")
        t_us = f.pop("t_us", None)
        if rep is None and t_us is not None:
            rep = _rep_at(timed, t_us)
        if t_us is not None:
            f["t_s"] = round(t_us / 1e6, 6)
        (loose if rep is None else per_rep[rep]).append(f)
    reps = []
    number = 0
    for i, run in enumerate(timed):
        start = run.crossings_us[0]
        seen_s = [None if (i, g) not in seen else round((seen[(i, g)] - run.crossings_us[p]) / 1e6, 6)
                  for p, g in enumerate(run.gate_ids)]
        counted = seen_s[0] is not None and seen_s[-1] is not None
        number += counted
        splits = [round((t - start) / 1e6, 6) for t in run.crossings_us[1:]]
        rep_faults = per_rep[i]
        if run.form.stumble is not None:
            rep_faults.insert(0, {"kind": "stumble", "at_m": round(run.form.stumble.at_m, 2),
                                  "lost_s": round(run.form.stumble.lost_s, 3)})
        entry = {
            "rep": number if counted else None, "athlete": run.athlete.name, "time_s": splits[-1], "splits_s": splits,
            "faults": rep_faults, "start": run.block.start.value, "block": run.block.name,
            "block_index": run.block_index,
            "course_m": [int(d) if d == int(d) else d for d in run.course.distances_m],
            "start_s": round(start / 1e6, 6),
            "seen_s": seen_s,
            "fatigue": {"load": round(run.form.load, 3), "mss_factor": round(run.form.fatigue_factor, 4),
                        "mss": round(run.form.mss, 4)},
        }
        if run.block.start is Start.BLOCK:
            entry["reaction_s"] = round(run.form.reaction_s, 4)
        reps.append(entry)
    return {
        "protocol": config.protocol,
        "course_m": [int(d) if d == int(d) else d for d in config.course.distances_m],
        "seed": config.seed,
        "athletes": [{"name": a.name, "mss": a.mss, "mac": round(a.mac, 4), "tau": a.tau,
                      "reaction_s": a.reaction_s,
                      "fatigue": {"fresh_load": a.fatigue.fresh_load, "loss_pct": a.fatigue.loss_pct}}
                     for a in config.athletes],
        "reps": reps,
        "plan": config.plan.name,
        "duration_s": round(end_us / 1e6, 6),
        "clock": {"shared": config.shared_clock, "resolution_us": resolution,
                  "gates": [{"gate": d.position, "id": d.gate, "offset_us": round(d.clock.offset_us),
                             "drift_ppm": round(d.clock.drift_ppm, 3)} for d in devices],
                  "restarts": [{"gate": gate, "t_s": t_s} for gate, t_s in config.restarts]},
        "fault_rates": config.faults.as_dict(),
        "faults": loose,
        "link": {**link.stats, "outages": [{"start_s": round(o.start_us / 1e6, 3), "end_s": round(o.end_us / 1e6, 3)}
                                           for o in link.outages]},
        "wire": {"restores": wire.restores, "heartbeats": wire.heartbeats, "resend": wire.resend,
                 "ids": [d.gate for d in devices]},
    }


def _rep_at(timed: list[Run], t_us: float) -> int | None:
    for i, run in enumerate(timed):
        if run.crossings_us[0] - BEFORE_START_US <= t_us <= run.finish_us + AFTER_FINISH_US:
            return i
    return None
