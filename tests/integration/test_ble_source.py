"""BleSource end to end, unchanged, through bleak's public API over bumble's real BLE stack.

Simulated gates (bumble peripherals fed by the simulator's gate devices, each on its own drifting
clock) on a radio link that delivers every packet 7.5-50 ms late and retries 5 % of them later
still; everything runs on a virtual-time loop, so a minute of session takes a few seconds.
"""

import asyncio
import random

import pytest

from drivers.ble_source import BleSource
from drivers.registry import SpecError, create
from drivers.source import State
from gates.assembly import RepAssembler
from gates.bleprofile import encode_event
from gates.course import Course
from gates.events import GateEvent
from simulators.athletes import presets
from simulators.ble_backend import BumbleRadio, JitteryLink
from simulators.ble_gate import BleGate, BleGates, BleSimulation, ble_config, gate_timelines
from simulators.plans import get_plan
from simulators.session import SessionConfig, simulate
from simulators.virtual_time import run

COURSE = Course.parse("0,10,20,30")
SPLIT_BOUND_US = 3_000  # loose on purpose: the benchmark measures p50/p99 over long runs


def sim_session(reps=3, athletes=2, seed=7, warmup_s=30.0):
    config = SessionConfig(course=COURSE, athletes=tuple(presets(athletes)), plan=get_plan("rsa").with_reps(reps),
                           seed=seed, warmup_s=warmup_s)
    return simulate(ble_config(config))


def host_clock():
    loop = asyncio.get_running_loop()
    return lambda: round(loop.time() * 1e9)


async def play(session, spec="name=GATE-*", during=None, seed=1):
    """Run the session's gates on the air and a BleSource on `spec`; returns the source, the events
    it delivered and its statuses. `during(fleet, link)` runs beside the session (faults, rogues)."""
    link = JitteryLink(seed=seed)
    fleet = BleGates(session, link)
    await fleet.start()
    source = BleSource(spec, radio=BumbleRadio.on_link(link), clock=host_clock())
    received: list[GateEvent] = []
    statuses = []

    async def consume():
        async for event in source.events():
            received.append(event)

    async def watch():
        async for status in source.statuses():
            statuses.append(status)

    async with source:
        tasks = [asyncio.create_task(consume()), asyncio.create_task(watch())]
        side = asyncio.create_task(during(fleet, link)) if during else None
        await fleet.run()
        await asyncio.sleep(3)  # the last deliveries and any resend
        if side:
            await side
    await asyncio.gather(*tasks)
    await fleet.stop()
    return source, received, statuses


def assemble(session, events):
    assembler = RepAssembler(session.config.course, roster=[a.name for a in session.config.athletes])
    reps = [rep for event in events for rep in assembler.feed(event)]
    return reps + assembler.flush()


def truth_reps(session):
    return [r for r in session.truth["reps"] if r["rep"] is not None]


def emitted(session):
    """Every event record the session's gates sent (gate, seq, their own clock's reading, kind)."""
    return {encode_event(m.gate, m.seq, m.device_us, m.kind) for timeline in gate_timelines(session).values()
            for _, m in timeline if isinstance(m, GateEvent)}


def test_four_gates_on_their_own_clocks_give_splits_close_to_truth():
    session = sim_session(reps=2)  # each athlete twice: a rotation, and reps a minute into the clocks' fits
    clocks = session.truth["clock"]["gates"]
    assert len({round(g["offset_us"]) for g in clocks}) == 4 and any(abs(g["drift_ppm"]) > 20 for g in clocks)
    source, events, statuses = run(play(session))
    reps, truth = assemble(session, events), truth_reps(session)
    assert len(reps) == len(truth) == 4
    for rep, true in zip(reps, truth):
        assert rep.athlete == true["athlete"]
        for got_us, true_s in zip(rep.splits_us, true["splits_s"]):
            assert abs(got_us - true_s * 1e6) < SPLIT_BOUND_US
    assert {e.raw for e in events} == emitted(session)
    assert len(events) == len(emitted(session))  # each once
    for gate in range(1, 5):
        assert [e.seq for e in events if e.gate == gate] == sorted(e.seq for e in events if e.gate == gate)
    assert [s.state for s in statuses if s.gate is None][-1] is State.CLOSED
    for gate in range(1, 5):
        state = source.clock_state(gate)
        assert state is not None and state.synced and state.samples > 300


def test_a_gate_out_of_range_for_five_seconds_mid_rep_loses_nothing():
    session = sim_session(reps=2)
    rep = truth_reps(session)[1]

    async def drop_the_finish_gate(fleet, link):
        await asyncio.sleep(rep["start_s"] + 1.0 - fleet.now_us() / 1e6)  # the athlete is on the course
        await fleet.gates[4].drop(5.0)

    source, events, statuses = run(play(session, during=drop_the_finish_gate))
    finish = [s.state for s in statuses if s.gate == 4]
    assert State.RECONNECTING in finish and finish[-1] is State.CONNECTED  # it said so, and came back
    assert {e.raw for e in events} == emitted(session)
    assert len(events) == len(emitted(session))
    assert source.status.lost_events == 0
    resent = [e for e in events if e.gate == 4 and e.host_ns / 1000 - e.device_us > 1_000_000]
    assert resent, "the finish was seen while the gate was out of range, and came by resend"
    reps = assemble(session, events)
    assert len(reps) == len(truth_reps(session))
    for got, true in zip(reps, truth_reps(session)):
        assert all(abs(g - t * 1e6) < SPLIT_BOUND_US for g, t in zip(got.splits_us, true["splits_s"]))


@pytest.mark.parametrize("allow", [
    ",".join(f"C0:FF:EE:00:00:{g:02X}" for g in range(1, 5)),  # by address: the rogue copies a real gate's name
    "name=GATE-0[1-4]",  # by name: the rogue's name is gate-like but not on the list
])
def test_a_rogue_peripheral_off_the_allow_list_is_never_connected(allow):
    session = sim_session(reps=1, athletes=1, warmup_s=5.0)  # the rogue beams for 20 s whatever the session
    rogue_name = "GATE-01" if allow.startswith("C0") else "GATE-05"
    rogues = []

    async def rogue_gate(fleet, link):
        loop = asyncio.get_running_loop()
        rogue = BleGate(link, 1, "D0:0D:00:00:00:01", lambda: round(loop.time() * 1e6), name=rogue_name)
        rogues.append(rogue)
        await rogue.start()
        for _ in range(20):
            await asyncio.sleep(1.0)
            rogue.beam()  # claims to be gate 1
        await rogue.stop()

    source, events, _ = run(play(session, spec=allow, during=rogue_gate))
    assert rogues[0].centrals == []
    assert "D0:0D:00:00:00:01" in source.ignored
    assert {e.raw for e in events} == emitted(session)  # only the real gates' records, none of the rogue's


def test_eight_gates_at_once_each_on_its_own_clock():
    async def scenario():
        loop = asyncio.get_running_loop()
        link, rng = JitteryLink(seed=3), random.Random(8)
        gates = []
        for g in range(1, 9):
            offset, drift = rng.randrange(2**40), rng.uniform(-100e-6, 100e-6)
            gates.append(BleGate(link, g, f"C0:FF:EE:00:01:{g:02X}",
                                 lambda o=offset, d=drift: int(o + loop.time() * 1e6 * (1 + d))))
        for gate in gates:
            await gate.start()
        source = BleSource("name=GATE-*", radio=BumbleRadio.on_link(link), clock=host_clock())
        received, truth_us = [], {}
        async with source:
            async def consume():
                async for event in source.events():
                    received.append(event)
            consumer = asyncio.create_task(consume())
            await asyncio.sleep(15)  # all eight connected, their clocks pinned over 10 s of samples
            connected = source.status.reason
            for lap in range(2):  # an athlete along an 8-gate course, 1.1 s between gates
                for gate in gates:
                    truth_us[(gate.gate, gate.beam().seq)] = loop.time() * 1e6
                    await asyncio.sleep(1.1)
            await asyncio.sleep(2)
        await consumer
        for gate in gates:
            await gate.stop()
        return connected, received, truth_us

    connected, received, truth_us = run(scenario())
    assert connected.startswith("8 of 8 gates connected")
    assert sorted((e.gate, e.seq) for e in received) == sorted(truth_us)
    # on the session clock, every gate's event sits where it happened (plus the link's minimum delay)
    offsets = [e.device_us - truth_us[(e.gate, e.seq)] for e in received]
    assert max(offsets) - min(offsets) < SPLIT_BOUND_US


def test_specs_open_a_ble_source_or_say_what_is_wrong():
    assert isinstance(create("ble:name=GATE-*"), BleSource)
    source = create("ble:AA:BB:CC:DD:EE:FF,name=TIMER?samples=4")
    assert source.allow.allows("aa:bb:cc:dd:ee:ff", None) and source.allow.allows("11:22:33:44:55:66", "TIMER")
    assert not source.allow.allows("11:22:33:44:55:66", "GATE-1") and source.samples_per_s == 4
    for spec, problem in [("ble:name=", "needs a pattern"), ("ble:AA:BB", "neither a Bluetooth address"),
                          ("ble:name=G*?samples=fast", "samples must be"), ("ble:name=G*?rate=1", "unknown option")]:
        with pytest.raises(SpecError, match=problem):
            create(spec)


def test_a_rebooted_gate_starts_a_new_clock_epoch_not_a_three_hour_split():
    async def scenario():
        loop = asyncio.get_running_loop()
        link = JitteryLink(seed=4)
        up_since = 3 * 3600  # the gate has been on for three hours
        gate = BleGate(link, 2, "C0:FF:EE:00:00:02", lambda: round((up_since + loop.time()) * 1e6))
        await gate.start()
        source = BleSource("name=GATE-*", radio=BumbleRadio.on_link(link), clock=host_clock())
        received, truth_us, reasons = [], {}, []
        async with source:
            async def consume():
                async for event in source.events():
                    received.append(event)

            async def watch():
                async for status in source.statuses():
                    reasons.append(status.reason)
            tasks = [asyncio.create_task(consume()), asyncio.create_task(watch())]
            await asyncio.sleep(30)
            truth_us[gate.beam().device_us] = loop.time() * 1e6
            await asyncio.sleep(2)
            booted = loop.time()
            await gate.reboot(lambda: round((loop.time() - booted) * 1e6))  # its clock starts again from 0
            await asyncio.sleep(30)
            for _ in range(3):
                truth_us[gate.beam().device_us] = loop.time() * 1e6
                await asyncio.sleep(1.5)
            await asyncio.sleep(2)
        await asyncio.gather(*tasks)
        await gate.stop()
        return source, received, truth_us, reasons

    source, received, truth_us, reasons = run(scenario())
    assert [e.seq for e in received] == [0, 0, 1, 2]  # after the reboot the gate counts from 0 again
    assert any("restarted" in r for r in reasons)
    assert source.clock_state(2).epoch == 1
    offsets = [e.device_us - truth_us[int.from_bytes(e.raw[3:11], "little")] for e in received]
    assert max(offsets) - min(offsets) < SPLIT_BOUND_US


def test_the_in_process_simulation_runs_faster_than_real_time_with_the_host_clock_on_session_time():
    session = sim_session(reps=2)

    async def scenario():
        sim = BleSimulation(session, speed=6.0)
        await sim.start()
        source = BleSource("name=GATE-*", radio=sim.radio, clock=sim.clock_ns, samples_per_s=50)
        received = []
        async with source:
            async def consume():
                async for event in source.events():
                    received.append(event)
            consumer = asyncio.create_task(consume())
            began = asyncio.get_running_loop().time()
            await sim.run()
            took = asyncio.get_running_loop().time() - began
            await asyncio.sleep(1)
        await consumer
        await sim.stop()
        return took, received

    took, events = run(scenario())
    assert took < session.end_us / 1e6 / 5
    assert {e.raw for e in events} == emitted(session)
    reps = assemble(session, events)
    for got, true in zip(reps, truth_reps(session)):
        assert all(abs(g - t * 1e6) < SPLIT_BOUND_US for g, t in zip(got.splits_us, true["splits_s"]))


def test_a_resumed_session_asks_each_gate_for_what_came_while_nobody_listened():
    async def scenario():
        loop = asyncio.get_running_loop()
        link = JitteryLink(seed=6)
        gate = BleGate(link, 1, "C0:FF:EE:00:00:01", lambda: round(loop.time() * 1e6))
        await gate.start()

        async def listen(source, seconds, beams):
            got = []
            async with source:
                async def consume():
                    async for event in source.events():
                        got.append(event.seq)
                consumer = asyncio.create_task(consume())
                await asyncio.sleep(5)
                for _ in range(beams):
                    gate.beam()
                    await asyncio.sleep(0.5)
                await asyncio.sleep(seconds)
            await consumer
            return got

        first = await listen(BleSource("name=GATE-*", radio=BumbleRadio.on_link(link), clock=host_clock()), 1, 5)
        for _ in range(3):  # the monitor is down (crashed, restarting)
            gate.beam()
            await asyncio.sleep(0.5)
        second = BleSource("name=GATE-*", radio=BumbleRadio.on_link(link, "F0:F0:F0:F0:F0:F1"), clock=host_clock())
        second.resume([(1, seq) for seq in first], baselines=[(1, 0xFFFF)])
        resumed = await listen(second, 2, 1)
        await gate.stop()
        return first, resumed

    first, resumed = run(scenario())
    assert first == [0, 1, 2, 3, 4] and resumed == [5, 6, 7, 8]
