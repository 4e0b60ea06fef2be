"""The in-process live simulator: the capture's events through the real decoder, stamped on arrival."""

import math
from dataclasses import replace

import pytest
from support.truth import key

from gates.assembly import RepAssembler
from gates.course import Course
from gates.gateline import GatelineDecoder, encode_resend
from simulators.athletes import presets
from simulators.gate_device import Faults
from simulators.live import LiveSimulator
from simulators.plans import get_plan
from simulators.session import SessionConfig, simulate


def session(**changes):
    config = SessionConfig(course=Course.parse("0,10,20,30"), athletes=tuple(presets(3)),
                           plan=get_plan("rsa").with_reps(3), seed=2, faults=Faults(double=0.1, drop=0.02))
    return simulate(replace(config, **changes))


async def test_live_events_are_the_decoded_capture_in_order():
    sim = session()
    live = []
    async with LiveSimulator(sim, speed=math.inf) as source:
        async for event in source.events():
            live.append(event)
    assert [key(e) for e in live] == [key(e) for e in GatelineDecoder().feed(sim.capture())]
    stamps = [e.host_ns for e in live]
    assert stamps == sorted(stamps) and stamps[0] > 0
    assert all(e.raw.startswith(b"$GT") for e in live)


async def test_real_time_pacing_spreads_events_over_the_session():
    sim = session(plan=get_plan("rsa").with_reps(1), athletes=tuple(presets(1)))
    speed = 200.0
    async with LiveSimulator(sim, speed=speed) as source:
        live = [e async for e in source.events()]
    spread_s = (live[-1].host_ns - live[0].host_ns) / 1e9
    true_s = (live[-1].device_us - live[0].device_us) / 1e6
    assert spread_s >= 0.5 * true_s / speed  # paced, not dumped at once (a lower bound only)


async def test_heartbeats_arrive_decoded():
    async with LiveSimulator(session(), speed=math.inf) as source:
        beat = await source.heartbeats().__anext__()
    assert beat.gate in (1, 2, 3, 4) and 0 <= beat.battery_pct <= 100 and beat.host_ns > 0


async def test_a_resend_request_recovers_dropped_events_into_the_stream():
    sim = session()
    lost = {(f["gate"], f["seq"]) for r in sim.truth["reps"] for f in r["faults"] if f["kind"] == "drop"}
    assert lost, "the seed should drop some event frames"
    received = []
    async with LiveSimulator(sim, speed=math.inf) as source:
        async for event in source.events():
            received.append(event)
            if len(received) == 40:
                asked_at = source.now_us()
                for gate in (1, 2, 3, 4):
                    source.write(encode_resend(gate, 0))
    emitted_by_then = {(d.gate, e.seq) for d in sim.devices for e in d.resend(0, asked_at)}
    got = {(e.gate, e.seq) for e in received}
    assert lost & emitted_by_then and lost & emitted_by_then <= got
    assert len(received) > len(GatelineDecoder().feed(sim.capture()))  # the resent copies came through


async def test_speed_must_be_positive():
    with pytest.raises(ValueError):
        LiveSimulator(session(), speed=0)


async def test_live_events_assemble_into_the_true_reps():
    sim = session(faults=Faults(double=0.2))
    assembler = RepAssembler(sim.config.course, roster=[a.name for a in sim.config.athletes])
    reps = []
    async with LiveSimulator(sim, speed=math.inf) as source:
        async for event in source.events():
            reps.extend(assembler.feed(event))
    reps.extend(assembler.flush())
    assert [(r.number, r.athlete) for r in reps] == [(t["rep"], t["athlete"]) for t in sim.truth["reps"]]
    for rep, truth in zip(reps, sim.truth["reps"]):
        assert abs(rep.time_us / 1e6 - truth["time_s"]) < 0.001
