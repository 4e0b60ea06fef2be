"""Faults of the gates themselves, through a real pseudo-terminal into the live pipeline and store,
each checked against the simulator's truth (every event the gates sent): a gate that restarts mid-
session (its seq and clock from 0, the others carrying on), a gate flooding garbage at line rate
between its real frames, sixteen gates breaking within one millisecond again and again.

The cable pulled mid-rep, a BLE gate dropping out of range and `kill -9` with a restart are in
test_driver_serial.py / test_pipeline.py, test_ble_source.py and test_monitor_headless.py, each
asserting every emitted event stored once.

The tests marked `on_virtual_time` run the pty and the pipeline on virtual time (support/virtual_time.py):
real bytes through the kernel, a clock that jumps when nothing is due. The garbage flood stays on
real time: line rate is a rate of real seconds.
"""

from __future__ import annotations

import asyncio
import sys
from dataclasses import replace

import pytest
from support.virtual_time import clock_ns, on_virtual_time
from support.conditions import wait_for
from support.truth import key, sent
from hypothesis import given, settings
from hypothesis import strategies as hs

from drivers.clock_bridge import MAX_ERROR_US
from drivers.recovery import Recovery
from drivers.serial_source import SerialSource
from drivers.source import State
from gates.course import Course
from gates.events import GateEvent, Kind
from gates.gateline import GatelineDecoder, encode_event
from gates.rep import MISSED_GATE
from monitor.store import db as st
from monitor.session import facts
from monitor.live.pipeline import LinkChanged, Pipeline
from simulators.athletes import presets
from simulators.plans import get_plan
from simulators.pty_device import PtyDevice
from simulators.session import SessionConfig, simulate
from simulators.stress import burst_session, with_garbage

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs Linux ptys")
COURSE = Course.parse("0,10,20,30")
LINE_RATE = 115200 // 10  # bytes per second on a 115200 baud line (8N1: ten bits a byte)


@pytest.fixture
def store(tmp_path):
    with st.SessionStore(tmp_path / "gates.sqlite3") as s:
        yield s


class Live:
    """A pipeline on one serial source over the device's pty; the statuses it published."""

    def __init__(self, store: st.SessionStore, device: PtyDevice, **kwargs) -> None:
        # the host clock is the loop's: virtual time, where the tests run on it (support/virtual_time.py)
        self.source = SerialSource(device.path, clock=clock_ns)
        self.pipeline = Pipeline(store, [self.source], clock=clock_ns, **kwargs)
        self.messages = self.pipeline.subscribe()
        self.reasons: list[str] = []

    async def __aenter__(self) -> Live:
        await self.pipeline.start()
        self._watch = asyncio.create_task(self._statuses())
        return self

    async def __aexit__(self, *exc) -> None:
        await self.pipeline.stop(end=False)
        self._watch.cancel()

    async def _statuses(self) -> None:
        while True:
            message = await self.messages.get()
            if isinstance(message, LinkChanged) and message.status.gate is None:
                self.reasons.append(message.status.reason)

    def stored(self) -> list[facts.StoredEvent]:
        return list(self.pipeline.store.events(self.pipeline.session))


# -- a gate restarts --------------------------------------------------------------------------------

def restart_session(**faults):
    config = SessionConfig(course=COURSE, athletes=tuple(presets(3)), plan=get_plan("rsa").with_reps(4), seed=61)
    reps = simulate(config).truth["reps"]
    between = (reps[5]["start_s"] + reps[6]["start_s"]) / 2  # the intermediate gate restarts between reps
    return simulate(replace(config, restarts=((2, between),), **faults)), reps[6]["rep"]


@on_virtual_time
async def test_a_gate_that_restarts_mid_session_loses_no_event_and_says_so(store, tmp_path):
    session, first_after = restart_session()
    expected = sent(session)
    gate2 = [e for e in GatelineDecoder().feed(session.capture()) if e.gate == 2]
    assert [e.seq for e in gate2].count(0) == 2  # the wire really carries two numberings of gate 2
    link = tmp_path / "tty"
    async with PtyDevice(session, speed=15, link=link) as device:
        async with Live(store, device, course=COURSE, athletes=[a.name for a in session.config.athletes]) as live:
            await wait_for(lambda: len(live.pipeline.model.results) >= first_after)  # a rep after the restart
            await wait_for(lambda: live.pipeline.model.assembler.open_reps > 0)  # and one running
            await device.unplug(1.0)  # the host must now ask gate 2 from its new numbering
            await device.finished()
            await wait_for(lambda: live.pipeline.events >= len(expected))
            model = live.pipeline.model
    stored = live.stored()
    assert sorted(key(s.event) for s in stored) == expected  # zero lost, nothing twice
    assert device.resent > 0 and live.source.status.lost_events == 0
    assert any("gate 2 restarted" in reason for reason in live.reasons)
    truth = [r for r in session.truth["reps"] if r["rep"] is not None]
    assert sorted(model.results) == [r["rep"] for r in truth]
    for rep in truth:  # every rep counts, with its time; gate 2's new clock cannot be tied to the others'
        got = model.results[rep["rep"]].rep
        assert got.athlete == rep["athlete"] and abs(got.time_us / 1e6 - rep["time_s"]) < 0.001
        if rep["rep"] < first_after:
            assert all(abs(g / 1e6 - t) < 0.001 for g, t in zip(got.splits_us, rep["splits_s"]))
        else:
            assert got.splits_us[0] is None and MISSED_GATE in got.flags
            assert abs(got.splits_us[1] / 1e6 - rep["splits_s"][1]) < 0.001


@on_virtual_time  # the host's clock is the bridge: on virtual time a 1x host reads each byte when it was sent
async def test_a_restarted_finish_gate_is_tied_back_to_the_others_clock_and_every_rep_is_timed(store):
    config = SessionConfig(course=COURSE, athletes=tuple(presets(2)), plan=get_plan("rsa").with_reps(2), seed=61)
    plain = simulate(config).truth["reps"]
    between = (plain[1]["start_s"] + plain[1]["time_s"] + plain[2]["start_s"]) / 2
    session = simulate(replace(config, restarts=((4, between),)))
    expected = sent(session)
    async with PtyDevice(session, speed=1.0) as device:
        async with Live(store, device, course=COURSE, athletes=[a.name for a in config.athletes]) as live:
            await device.finished()
            await wait_for(lambda: live.pipeline.events >= len(expected))
            model = live.pipeline.model
    assert any("gate 4 restarted" in reason for reason in live.reasons)
    assert sorted((e.gate, e.seq, e.kind) for e in (s.event for s in live.stored())) == \
        sorted((g, seq, kind) for g, seq, _, kind in expected)  # every event (gate 4's after the restart re-timed)
    truth = [r for r in session.truth["reps"] if r["rep"] is not None]
    assert sorted(model.results) == [r["rep"] for r in truth]
    for rep in truth:
        got = model.results[rep["rep"]].rep
        assert got.athlete == rep["athlete"] and not got.flags
        assert abs(got.time_us / 1e6 - rep["time_s"]) < (0.001 if rep["rep"] <= 2 else 0.001 + MAX_ERROR_US / 1e6)


def ev(gate, seq, device_us):
    return GateEvent(gate, seq, device_us, kind=Kind.BREAK)


def test_a_restarted_gate_is_taken_up_from_0_even_before_its_first_heartbeat():
    r = Recovery(restarts=True)
    out = []
    for seq in range(6):  # the old numbering, reaching past what the new one will reuse
        out += r.event(ev(1, seq, 5_000_000 + seq * 1000), 0)[0]
    out += r.heartbeat(1, 5, 0, 5_100_000)[0]
    new, asks = r.event(ev(1, 2, 200_000), 1)  # seq 0 and 1 of the new numbering did not arrive
    assert new == [] and [a.from_seq for a in asks] == [0]  # ask from the new 0, not from the old 6
    out += r.event(ev(1, 0, 150_000), 2)[0] + r.event(ev(1, 1, 170_000), 2)[0]
    assert [(e.seq, e.device_us) for e in out][-3:] == [(0, 150_000), (1, 170_000), (2, 200_000)]
    assert len(out) == 9 and r.restarted == [1] and r.lost == 0
    assert r.event(ev(1, 1, 170_000), 3) == ([], [])  # a copy of the new numbering is still a copy
    assert r.duplicates == 1


def test_a_heartbeat_whose_clock_went_back_restarts_the_gate_and_old_copies_stay_copies():
    r = Recovery(restarts=True)
    for seq in range(3):
        r.event(ev(1, seq, 9_000_000 + seq), 0)
    r.heartbeat(1, 2, 0, 9_500_000)
    r.heartbeat(1, 0xFFFF, 1, 300_000)  # restarted, nothing sent yet
    assert r.restarted == [1]
    assert [e.seq for e in r.event(ev(1, 0, 400_000), 2)[0]] == [0]
    never = Recovery()  # a source whose device times are not raw clocks (BLE aligns them) never guesses
    for seq in range(3):
        never.event(ev(1, seq, 9_000_000 + seq), 0)
    assert never.event(ev(1, 0, 400_000), 1) == ([], []) and never.restarted == []


@settings(max_examples=100, deadline=None)
@given(before=hs.integers(1, 3000), after=hs.integers(1, 300), start=hs.integers(0, 0xFFFF),
       drops=hs.sets(hs.integers(0, 299), max_size=5))
def test_any_restart_passes_every_event_once_in_order_per_numbering(before, after, start, drops):
    """Old numbering from any seq (wrapping), then a restart from 0; some new events lost on the wire,
    a heartbeat, and resent. Every event comes out once, each numbering in order, the new after the old."""
    r = Recovery(restarts=True)
    old = [ev(1, (start + i) & 0xFFFF, 10**9 + i * 1000) for i in range(before)]
    new = [ev(1, i, 100_000 + i * 1000) for i in range(after)]
    out, asked = [], []
    for e in old:
        out += r.event(e, 0)[0]
    for e in new:
        if e.seq in drops:
            continue
        got, asks = r.event(e, 1)
        out += got
        asked += asks
    got, asks = r.heartbeat(1, after - 1, 1, 100_000 + after * 1000)  # where the new numbering stands
    out += got
    asked += asks
    for ask in asked:  # the gate answers from its new buffer
        for e in new[ask.from_seq:]:
            out += r.event(e, 2)[0]
    out += r.flush()
    assert out == old + new and r.lost == 0 and r.restarted == [1]


# -- garbage at line rate ---------------------------------------------------------------------------

async def test_a_gate_flooding_garbage_at_line_rate_costs_no_real_event(store):
    speed = 10.0
    config = SessionConfig(course=COURSE, athletes=tuple(presets(2)), plan=get_plan("rsa").with_reps(3), seed=71)
    clean = simulate(config)
    session = with_garbage(clean, gate=3, bytes_per_s=LINE_RATE / speed, seed=71)  # 115200 baud of real time
    real = {id(f) for f in clean.frames}
    garbage = b"".join(f.data for f in session.frames if id(f) not in real)
    assert len(garbage) >= LINE_RATE * session.end_us / 1e6 / speed * 0.99
    expected = sent(clean)
    partials: list[int] = []
    async with PtyDevice(session, speed=speed) as device:
        async with Live(store, device, course=COURSE, athletes=[a.name for a in config.athletes]) as live:
            decoder = live.source._decoder
            streaming = asyncio.create_task(device.finished())
            while not streaming.done():  # the decoder's buffer while the flood goes on
                partials.append(len(decoder._partial))
                await asyncio.sleep(0.01)
            await wait_for(lambda: live.pipeline.events >= len(expected))
            # every garbage byte is counted as dropped, or waits in the buffer for the line's end; no
            # real byte is dropped (terminators end lines and are not dropped)
            terminators = garbage.count(b"\r") + garbage.count(b"\n")
            await wait_for(lambda: decoder.dropped_bytes + len(decoder._partial) == len(garbage) - terminators)
            model = live.pipeline.model
        final = live.source.status
    assert sorted(key(s.event) for s in live.stored()) == expected
    assert final.state is State.CLOSED and final.lost_events == 0
    assert final.dropped_bytes == decoder.dropped_bytes and final.dropped_frames > 0  # and reported
    assert max(partials) <= decoder.max_line  # memory stays bounded under the flood
    truth = [r for r in clean.truth["reps"] if r["rep"] is not None]
    assert [model.results[r["rep"]].rep.athlete for r in truth] == [r["athlete"] for r in truth]


def test_a_frame_right_after_an_overlong_run_of_garbage_is_decoded():
    decoder = GatelineDecoder()
    assert decoder.feed(b"$" + b"\x07" * 300) == []  # garbage that began like a frame, too long for one
    events = decoder.feed(b"\x01" * 50 + encode_event(3, 7, 123456))  # more garbage, then a real frame
    assert [(e.gate, e.seq, e.device_us) for e in events] == [(3, 7, 123456)]
    assert decoder.dropped_bytes == 301 + 50 and decoder.dropped_frames == 1


# -- sixteen gates at once --------------------------------------------------------------------------

@on_virtual_time
async def test_sixteen_gates_breaking_within_a_millisecond_lose_nothing_and_keep_each_gates_order(store):
    session = burst_session(gates=16, bursts=40, every_s=0.25, within_us=1000.0, seed=81)
    expected = sent(session)
    assert len(expected) == 16 * 40 * 2
    async with PtyDevice(session, speed=2.0) as device:
        async with Live(store, device, course=session.config.course) as live:
            await device.finished()
            await wait_for(lambda: live.pipeline.events >= len(expected))
    stored = live.stored()
    assert sorted(key(s.event) for s in stored) == expected
    for gate in range(1, 17):  # arrival (store id) order is each gate's own order
        mine = [s.event for s in stored if s.event.gate == gate]
        assert [e.seq for e in mine] == list(range(80))
        assert [e.device_us for e in mine] == sorted(e.device_us for e in mine)
    assert live.source.status.lost_events == 0 and live.source.status.dropped_frames == 0


@on_virtual_time
async def test_a_host_stalled_between_opening_the_port_and_flushing_it_still_gets_the_first_burst(store, monkeypatch):
    """pyserial opens the port, sets it up, then flushes its input: on a loaded machine the opening
    thread can stall in between (a CI run lost the first burst so). The device starts the session at
    the flush, so the stall costs nothing."""
    import time

    import serial.serialposix

    flush = serial.serialposix.Serial._reset_input_buffer

    def stalled(port):
        time.sleep(0.05)  # real time, in pyserial's opening thread: virtual time jumps meanwhile
        flush(port)

    monkeypatch.setattr(serial.serialposix.Serial, "_reset_input_buffer", stalled)
    session = burst_session(gates=16, bursts=3, every_s=0.25, within_us=1000.0, seed=82)
    expected = sent(session)
    async with PtyDevice(session, speed=2.0) as device:
        async with Live(store, device, course=session.config.course) as live:
            await device.finished()
            await wait_for(lambda: live.pipeline.events >= len(expected), timeout=30.0)
    assert sorted(key(s.event) for s in live.stored()) == expected

