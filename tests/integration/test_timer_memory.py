"""A timer that stores its impulses is asked for them after a pulled cable, and nothing is doubled.

ALGE: `RSM` reads the Timy's memory back (github.com/ndf-zz/metarace, src/metarace/timy.py `dumpall`;
github.com/RaceHorology/RaceHorology, RaceHorologyLib/ALGETimy.cs `StartGetTimingData`). Microgate: the
static request for every channel of the run (github.com/richter-l/RaceHorology,
RaceHorologyLibTest/MicrogateV2Test.cs `BuildImportRequest`), answered with 0x12 static responses.
The simulated timer answers with every impulse it made, including those the outage swallowed."""

from __future__ import annotations

import asyncio
import os
import pty
import sys

import pytest
from support.conditions import wait_for
from support.virtual_time import clock_ns, on_virtual_time

from drivers.registry import create
from drivers.serial_source import SerialSource
from drivers.source import SourceStatus
from gates import protocols
from gates.course import Course
from gates.events import Kind
from gates.microgate import SETUP
from simulators.athletes import presets
from simulators.plans import get_plan
from simulators.pty_device import PtyDevice
from simulators.session import SessionConfig, simulate

pytestmark = [pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs Linux ptys"),
              pytest.mark.slow]


def sim(protocol: str):
    config = SessionConfig(course=Course.parse("0,10,20,30"), athletes=tuple(presets(2)),
                           plan=get_plan("rsa").with_reps(4), seed=21, protocol=protocol)
    return simulate(config)


def impulses(session) -> list[tuple[int, int]]:
    """(gate, device time) of every impulse the timer made, as its decoder reports them."""
    decoder = protocols.get(session.config.protocol).decoder()
    return sorted((e.gate, e.device_us) for e in decoder.feed(session.capture()) + decoder.finish()
                  if e.kind is Kind.BREAK)


async def read(source, events: list, statuses: list[SourceStatus]) -> None:
    async def events_in():
        async for event in source.events():
            events.append(event)

    async def statuses_in():
        async for status in source.statuses():
            statuses.append(status)

    await asyncio.gather(events_in(), statuses_in())


@pytest.mark.parametrize("protocol", ["alge-timy", "microgate"])
@on_virtual_time
async def test_a_reconnect_asks_for_the_memory_and_fills_the_gap_without_doubles(protocol, tmp_path):
    session = sim(protocol)
    expected = impulses(session)
    link = tmp_path / "ttyTIMER"
    events: list = []
    statuses: list[SourceStatus] = []
    async with PtyDevice(session, speed=20, link=link) as device:
        source = SerialSource(str(link), protocol=protocol, clock=clock_ns)
        await source.open()
        reader = asyncio.create_task(read(source, events, statuses))
        await wait_for(lambda: len(events) >= 6)
        await device.unplug(1.5)
        await device.finished()
        await wait_for(lambda: sorted((e.gate, e.device_us) for e in events if e.kind is Kind.BREAK) == expected)
        await source.close()
        await reader
    assert device.discarded > 0 and device.resent > 0  # something was lost, and the timer sent it again
    breaks = [(e.gate, e.device_us) for e in events if e.kind is Kind.BREAK]
    assert len(breaks) == len(set(breaks))
    assert source.status.gaps == 0
    assert any("asking the timer for what it stored" in s.reason for s in statuses)


async def test_a_microgate_port_is_opened_with_the_references_set_up_string(tmp_path):
    """RaceHorology opens a Microgate port with Handshake.RequestToSend and writes its set-up string
    (github.com/RaceHorology/RaceHorology, RaceHorologyLib/MicrogateV2TimeMeasurement.cs `MainLoop`)."""
    master, slave = pty.openpty()
    source = create(f"serial:{os.ttyname(slave)}?protocol=microgate")
    try:
        await source.open()
        assert protocols.get("microgate").rtscts
        got = b""
        while len(got) < len(SETUP):
            got += await asyncio.get_running_loop().run_in_executor(None, os.read, master, 256)
        assert got == SETUP
    finally:
        await source.close()
        os.close(master)
        os.close(slave)
