"""SerialSource on the simulator's pseudo-terminal: a pulled cable, garbage on the line, a busy port,
and specs it must refuse in one line."""

from __future__ import annotations

import asyncio
import sys
from dataclasses import replace

import pytest
import serial
from support.conditions import wait_for
from support.truth import key
from support.virtual_time import clock_ns, on_virtual_time

from drivers.registry import SpecError, create
from drivers.serial_source import BACKOFF_S, SerialSource
from drivers.source import SourceStatus, State
from gates.course import Course
from gates.gateline import GatelineDecoder
from simulators.athletes import presets
from simulators.gate_device import Faults
from simulators.plans import get_plan
from simulators.pty_device import PtyDevice
from simulators.session import SessionConfig, simulate

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs Linux ptys")
WAIT_S = 60.0


def sim(reps: int = 4, **changes):
    config = SessionConfig(course=Course.parse("0,10,20,30"), athletes=tuple(presets(2)),
                           plan=get_plan("rsa").with_reps(reps), seed=21)
    return simulate(replace(config, **changes))


def all_events(session) -> list[tuple]:
    """Every event the gates emitted, including what the link lost or damaged: the same session on a
    faultless link (link faults change what arrives, never what the gates sent)."""
    link_faults = dict(noise=0.0, corrupt=0.0, drop=0.0, link=0.0, latency=0.0, jitter=0.0)
    clean = simulate(replace(session.config, faults=replace(session.config.faults, **link_faults)))
    return sorted(key(e) for e in GatelineDecoder().feed(clean.capture()))


class Run:
    """A source being read: its events and statuses as they come."""

    def __init__(self, source: SerialSource) -> None:
        self.source = source
        self.events = []
        self.statuses: list[SourceStatus] = []

    async def __aenter__(self):
        await self.source.open()
        self._tasks = [asyncio.create_task(self._read()), asyncio.create_task(self._watch())]
        return self

    async def __aexit__(self, *exc):
        await self.source.close()
        await asyncio.wait_for(asyncio.gather(*self._tasks), WAIT_S)

    async def _read(self):
        async for event in self.source.events():
            self.events.append(event)

    async def _watch(self):
        async for status in self.source.statuses():
            self.statuses.append(status)

    def states(self) -> list[State]:
        return [s.state for s in self.statuses if s.gate is None]


@on_virtual_time
async def test_a_pulled_cable_reconnects_and_resend_recovers_every_event(tmp_path):
    session = sim()
    link = tmp_path / "ttyGATES"
    expected = all_events(session)
    async with PtyDevice(session, speed=20, link=link) as device:
        async with Run(SerialSource(str(link), clock=clock_ns)) as run:
            await wait_for(lambda: len(run.events) >= len(expected) // 3)
            unplug = asyncio.create_task(device.unplug(1.0))
            await wait_for(lambda: run.source.status.state is not State.CONNECTED)
            await unplug
            await wait_for(lambda: run.source.status.state is State.CONNECTED)
            await device.finished()
            await wait_for(lambda: len(run.events) >= len(expected))
    assert device.discarded > 0 and device.resent > 0  # the outage lost bytes on the wire ...
    assert sorted(key(e) for e in run.events) == expected  # ... and nothing is missing or doubled
    for gate in (1, 2, 3, 4):  # still in order per gate, though the lost ones came back late
        seqs = [e.seq for e in run.events if e.gate == gate]
        assert seqs == sorted(seqs)
    states = run.states()
    assert states.index(State.RECONNECTING) < len(states) - 1 - states[::-1].index(State.CONNECTED)
    back = [s for s in run.statuses if s.state is State.CONNECTED and "reconnected" in s.reason]
    assert back and "resend" in back[0].reason
    assert run.statuses[-1].lost_events == 0
    assert BACKOFF_S[1] <= 1.0  # while the port is gone it is tried at least every second


@on_virtual_time
async def test_garbage_damaged_and_dropped_frames_cost_nothing_with_resend(tmp_path):
    session = sim(reps=5, faults=Faults(noise=0.2, corrupt=0.05, drop=0.05))
    expected = all_events(session)
    assert len(GatelineDecoder().feed(session.capture())) < len(expected)  # the wire alone loses some
    async with PtyDevice(session, speed=20) as device:
        async with Run(SerialSource(device.path, clock=clock_ns)) as run:
            await device.finished()
            await wait_for(lambda: len(run.events) >= len(expected))
            await wait_for(lambda: run.source.status.dropped_bytes > 0)
    assert sorted(key(e) for e in run.events) == expected
    final = run.statuses[-1]
    assert final.dropped_bytes > 0 and final.dropped_frames > 0 and final.lost_events == 0


async def test_heartbeats_reach_the_status_stream_per_gate(tmp_path):
    session = sim(reps=2)
    async with PtyDevice(session, speed=5) as device:
        async with Run(create(f"serial:{device.path}")) as run:
            await wait_for(lambda: {s.gate for s in run.statuses} >= {1, 2, 3, 4})
    beats = [s for s in run.statuses if s.gate is not None]
    assert all(s.last_heartbeat_ns and 0 <= s.battery_pct <= 100 and s.last_seq is not None for s in beats)
    assert all(s.source == run.source.name for s in beats)


async def test_a_busy_port_is_a_status_and_is_taken_once_free(tmp_path):
    session = sim(reps=2)
    async with PtyDevice(session, speed=5) as device:
        holder = serial.Serial(device.path, exclusive=True)
        try:
            async with Run(create(f"serial:{device.path}")) as run:
                assert run.source.status.state is State.ERROR
                assert "busy" in run.source.status.reason and device.path in run.source.status.reason
                holder.close()
                await wait_for(lambda: run.source.status.state is State.CONNECTED)
        finally:
            holder.close()


@pytest.mark.parametrize("spec, words", [
    ("serial:/dev/ttyUSB0?protocol=morse", "unknown protocol 'morse'"),
    ("serial:/dev/ttyUSB0?baud=fast", "baud must be a positive whole number"),
    ("serial:/dev/ttyUSB0?baud=0", "baud must be a positive whole number"),
    ("serial:/dev/ttyUSB0?parity=E", "unknown option 'parity'"),
    ("serial:/dev/ttyUSB0?baud=9600&baud=19200", "given twice"),
    ("serial:", "nothing after"),
])
def test_bad_specs_are_refused_in_one_line(spec, words):
    with pytest.raises(SpecError, match=words) as err:
        create(spec)
    assert "\n" not in str(err.value) and spec in str(err.value)


def test_spec_options_reach_the_source():
    source = create("serial:/dev/ttyUSB3?protocol=alge-timy")
    assert (source.port, source.protocol.name, source.baud, source.name) == \
        ("/dev/ttyUSB3", "alge-timy", 9600, "serial:/dev/ttyUSB3")  # options are not part of its name
    assert create("serial:/dev/ttyUSB3?protocol=alge-timy&baud=38400").baud == 38400
    assert create("serial:/dev/ttyUSB3").baud == 115200  # gateline's own


@on_virtual_time
async def test_a_format_without_resend_reports_the_gap_it_cannot_fill(tmp_path):
    session = sim(protocol="wichro")
    link = tmp_path / "ttyWICHRO"
    async with PtyDevice(session, speed=20, link=link) as device:
        async with Run(SerialSource(str(link), protocol="wichro", clock=clock_ns)) as run:
            await wait_for(lambda: len(run.events) >= 6)
            await device.unplug(1.0)
            await wait_for(lambda: run.source.status.gaps == 1)
            seen = len(run.events)
            await device.finished()
            await wait_for(lambda: len(run.events) > seen)  # and it carries on after the gap
    assert device.discarded > 0 and device.resent == 0
    status = run.source.status
    assert "wichro cannot resend" in next(s.reason for s in run.statuses if s.gaps == 1)
    assert status.lost_events == 0  # it cannot know how many: the gap is what it reports
