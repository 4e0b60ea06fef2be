"""Sessions no group of athletes produces, for fault tests and benchmarks: every gate breaking within
a millisecond of the others, again and again; a gate flooding the line with garbage between its real
frames. The frames go through the same encoder and link as a simulated session's (simulators/session.py),
so a PtyDevice serves them and answers resend requests from the same gate devices."""

from __future__ import annotations

import random
from dataclasses import replace

from gates.course import Course
from simulators.gate_device import Crossing, DeviceClock, Faults, GateDevice
from simulators.link import Frame
from simulators.plans import get_plan
from simulators.session import MAX_OFFSET_US, SessionConfig, SimSession, transmit
from simulators.wire import get_wire

BURST_SPEED = 9.0  # m/s: how long each torso keeps a beam broken (about 40 ms)


def burst_session(gates: int = 16, bursts: int = 40, every_s: float = 0.25, within_us: float = 1000.0,
                  seed: int = 0) -> SimSession:
    """`gates` gateline gates on one clock (1 µs resolution), all broken within `within_us` of each
    other every `every_s` seconds, `bursts` times. Truth: {"bursts": [session s, ...]}."""
    course = Course.parse(",".join(str(2 * i) for i in range(gates)))
    config = SessionConfig(course=course, athletes=(), plan=get_plan("rsa"), seed=seed, resolution_us=1)
    rng = random.Random(f"{seed}/bursts")
    clock = DeviceClock(rng.uniform(0.0, MAX_OFFSET_US), 0.0, 1)
    times = [(k + 1) * every_s * 1e6 for k in range(bursts)]
    end_us = (bursts + 2) * every_s * 1e6
    devices, emissions = [], []
    for position in range(1, gates + 1):
        device = GateDevice(position, position, clock, Faults(), f"{seed}/gate{position}")
        crossings = [Crossing(t + rng.uniform(0.0, within_us), BURST_SPEED, k, position) for k, t in enumerate(times)]
        emissions += device.run(crossings, end_us)
        devices.append(device)
    _, _, frames = transmit(config, get_wire("gateline"), emissions, end_us)
    return SimSession(config, get_wire("gateline"), frames, {"bursts": [t / 1e6 for t in times]}, devices, end_us)


def with_garbage(session: SimSession, gate: int, bytes_per_s: float, seed: int = 0,
                 every_us: int = 10_000) -> SimSession:
    """The session with `gate` also sending random bytes, `bytes_per_s` of session time, between its
    frames (never inside one: a garbled frame is the link's `corrupt` fault), from the session's first
    frame on (a host opening the port flushes what came before)."""
    rng = random.Random(f"{seed}/garbage")
    size = max(1, round(bytes_per_s * every_us / 1e6))
    first = session.frames[0].arrival_us if session.frames else 0
    garbage = [Frame(t, gate, rng.randbytes(size)) for t in range(first + every_us, int(session.end_us), every_us)]
    frames = sorted(session.frames + garbage, key=lambda f: f.arrival_us)  # stable: a real frame due first goes first
    return replace(session, frames=frames)

