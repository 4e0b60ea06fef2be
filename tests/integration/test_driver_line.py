"""LineSource through pyserial's `loop://` port (RTS drives CTS, DTR drives DSR): host-stamped edges,
contact bounce absorbed by the debounce, inverted contacts, and a port with no modem lines."""

from __future__ import annotations

import asyncio
import sys

import pytest
from support.conditions import wait_for

from drivers.registry import SpecError, create
from drivers.source import State
from gates.course import Course
from gates.events import Kind
from simulators.athletes import presets
from simulators.plans import get_plan
from simulators.pty_device import PtyDevice
from simulators.session import SessionConfig, simulate

WAIT_S = 60.0


class Reading:
    def __init__(self, spec: str) -> None:
        self.source = create(spec)
        self.events = []

    async def __aenter__(self):
        await self.source.open()
        self._task = asyncio.create_task(self._read())
        port = self.source.serial
        if port is not None and port.rts:  # pyserial opens with RTS/DTR asserted: start from "restored"
            port.rts = port.dtr = False
            await wait_for(lambda: len(self.events) >= len(self.source.lines))
            self.events.clear()
        return self

    async def __aexit__(self, *exc):
        await self.source.close()
        await asyncio.wait_for(self._task, WAIT_S)

    async def _read(self):
        async for event in self.source.events():
            self.events.append(event)


async def test_edges_become_host_stamped_events_per_line():
    async with Reading("line:loop://?cts=3&dsr=7&debounce_ms=0") as r:
        port = r.source.serial
        for line, n in (("rts", 1), ("dtr", 2), ("rts", 3), ("dtr", 4)):
            setattr(port, line, not getattr(port, line))
            await wait_for(lambda: len(r.events) >= n)
    assert [(e.gate, e.kind, e.channel) for e in r.events] == [
        (3, Kind.BREAK, "CTS"), (7, Kind.BREAK, "DSR"), (3, Kind.RESTORE, "CTS"), (7, Kind.RESTORE, "DSR")]
    assert [e.seq for e in r.events if e.gate == 3] == [1, 2]  # 0: the restore as RTS was dropped at the start
    assert all(e.device_us == e.host_ns // 1000 for e in r.events)  # the host clock is the gates' clock
    assert [e.host_ns for e in r.events] == sorted(e.host_ns for e in r.events)


async def test_bounce_inside_the_debounce_window_is_absorbed():
    async with Reading("line:loop://?cts=1&debounce_ms=900") as r:
        port = r.source.serial
        port.rts = True
        await wait_for(lambda: len(r.events) == 1)
        for level in (False, True, False, True):  # a relay's contact bouncing, ending closed
            port.rts = level
        await asyncio.sleep(1.2)  # past the window: the line settled where it was reported
        port.rts = False
        await wait_for(lambda: len(r.events) == 2)
    assert [e.kind for e in r.events] == [Kind.BREAK, Kind.RESTORE]


async def test_a_change_inside_the_window_is_reported_once_the_window_has_passed():
    async with Reading("line:loop://?cts=1&debounce_ms=500") as r:
        port = r.source.serial
        port.rts = True
        await wait_for(lambda: len(r.events) == 1)
        port.rts = False  # opens again at once: not lost, only held until the bounce window is over
        await wait_for(lambda: len(r.events) == 2)
    broken, restored = r.events
    assert restored.kind is Kind.RESTORE and restored.host_ns - broken.host_ns >= 500_000_000


async def test_inverted_contacts_break_when_the_line_drops():
    async with Reading("line:loop://?cts=1&invert=1&debounce_ms=0") as r:
        assert r.events == []  # dropping RTS at the start was a break for an inverted contact: cleared
        port = r.source.serial
        port.rts = True
        await wait_for(lambda: len(r.events) == 1)
        port.rts = False
        await wait_for(lambda: len(r.events) == 2)
    assert [e.kind for e in r.events] == [Kind.RESTORE, Kind.BREAK]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs Linux ptys")
async def test_a_port_without_modem_lines_is_an_error_status():
    session = simulate(SessionConfig(course=Course.parse("0,30"), athletes=tuple(presets(1)),
                                     plan=get_plan("rsa").with_reps(1), seed=1))
    async with PtyDevice(session, speed=1) as device:
        source = create(f"line:{device.path}")
        async with source:
            await wait_for(lambda: source.status.state is State.ERROR)
            assert "no modem-status lines" in source.status.reason and device.path in source.status.reason
    assert source.status.state is State.CLOSED


@pytest.mark.parametrize("spec, words", [
    ("line:/dev/ttyUSB0?rts=1", "unknown option 'rts'"),
    ("line:/dev/ttyUSB0?cts=300", "cts must be a gate id 1-255"),
    ("line:/dev/ttyUSB0?cts=1&dsr=1", "two lines cannot be the same gate"),
    ("line:/dev/ttyUSB0?debounce_ms=soon", "debounce_ms must be a number"),
    ("line:/dev/ttyUSB0?debounce_ms=5000", "debounce_ms must be between 0 and 1000"),
    ("line:/dev/ttyUSB0?invert=yes", "invert must be 0 or 1"),
])
def test_bad_line_specs(spec, words):
    with pytest.raises(SpecError, match=words):
        create(spec)


def test_default_is_cts_as_gate_1():
    source = create("line:/dev/ttyUSB0")
    assert source.lines == {"cts": 1} and source.debounce_ns == 5_000_000 and not source.invert
