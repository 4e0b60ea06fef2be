"""The contract every source keeps, run against each one on real parts: SerialSource on the simulator's
pseudo-terminal, ReplaySource on a capture file, LineSource on pyserial's `loop://` (RTS->CTS,
DTR->DSR; a pty has no modem lines), the simulator's own `sim:` driver, a vendor's plug-in installed
through the entry-point group, and BleSource on the real bumble stack (on virtual time, so its
minute of advertising and connecting takes a moment).

- open: the status says connected;
- events arrive, all of them, each gate's in order;
- close: `events()` and `statuses()` end, the last status is `closed`, the port can be opened again;
- a target that cannot be opened: an error status naming it, no exception, and a clean close.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

import pytest
from support.conditions import wait_for
from support.vendor import install, uninstall
from support.truth import key

from drivers.registry import create
from drivers.source import Source, SourceStatus, State
from gates.course import Course
from gates.events import GateEvent, Kind
from gates.gateline import GatelineDecoder
from simulators.athletes import presets
from simulators.capture import write_capture
from simulators.plans import get_plan
from simulators.pty_device import PtyDevice
from drivers.ble_source import BleSource
from simulators.ble_backend import BumbleRadio, JitteryLink
from simulators.ble_gate import BleGates, ble_config, gate_timelines
from simulators.session import SessionConfig, simulate
from simulators.virtual_time import run

WAIT_S = 60.0  # generous: the machine is shared


def session(reps: int = 3):
    config = SessionConfig(course=Course.parse("0,10,20,30"), athletes=tuple(presets(2)),
                           plan=get_plan("rsa").with_reps(reps), seed=11)
    return simulate(config)


@dataclass
class Case:
    source: Source
    expected: list[tuple]  # keys of the events the source must deliver, in any interleaving of gates
    drive: Callable[[], Awaitable[None]]  # makes the events happen (after open)
    key: Callable[[GateEvent], tuple] = key
    arrived: list[GateEvent] = field(default_factory=list)  # what the test's reader has had so far


@contextlib.asynccontextmanager
async def serial_case(tmp_path) -> AsyncIterator[Case]:
    sim = session()
    link = tmp_path / "ttyGATES"
    async with PtyDevice(sim, speed=40, link=link) as device:
        expected = [key(e) for e in GatelineDecoder().feed(sim.capture())]
        yield Case(create(f"serial:{link}"), expected, device.finished)


@contextlib.asynccontextmanager
async def replay_case(tmp_path) -> AsyncIterator[Case]:
    sim = session()
    path = tmp_path / "s.cap"
    write_capture(sim, str(path))

    async def nothing() -> None:
        return None

    yield Case(create(f"replay:{path}?speed=max"), [key(e) for e in GatelineDecoder().feed(sim.capture())], nothing)


@contextlib.asynccontextmanager
async def line_case(tmp_path) -> AsyncIterator[Case]:
    source = create("line:loop://?cts=1&dsr=2")
    case = Case(source, [], lambda: None, key=lambda e: (e.gate, e.kind))
    # pyserial opens a port with RTS and DTR asserted: CTS and DSR read "broken" until we drop them
    toggles = [("rts", False, 1, Kind.RESTORE), ("dtr", False, 2, Kind.RESTORE)]
    for _ in range(5):
        toggles += [("rts", True, 1, Kind.BREAK), ("rts", False, 1, Kind.RESTORE),
                    ("dtr", True, 2, Kind.BREAK), ("dtr", False, 2, Kind.RESTORE)]
    case.expected = [(gate, kind) for _, _, gate, kind in toggles]

    async def drive() -> None:
        for n, (line, level, _, _) in enumerate(toggles, 1):
            setattr(source.serial, line, level)
            await wait_for(lambda: len(case.arrived) >= n)  # one edge at a time: no timing assumed

    case.drive = drive
    yield case


@contextlib.asynccontextmanager
async def sim_case(tmp_path) -> AsyncIterator[Case]:
    config = SessionConfig(course=Course.parse("0,10,20,30"), athletes=tuple(presets(2)),
                           plan=get_plan("rsa").with_reps(3), seed=0)
    expected = [key(e) for e in GatelineDecoder().feed(simulate(config).capture())]

    async def nothing() -> None:
        return None

    yield Case(create("sim:contract?athletes=2&reps=3&speed=1000"), expected, nothing)


@pytest.fixture
def vendor(tmp_path, monkeypatch):
    install(tmp_path / "site", monkeypatch)
    yield
    uninstall()


@contextlib.asynccontextmanager
async def plugin_case(tmp_path) -> AsyncIterator[Case]:
    async def nothing() -> None:
        return None

    yield Case(create("acme:5"), [(1, seq, seq * 1000, Kind.BREAK) for seq in range(5)], nothing)


CASES = {"serial": serial_case, "replay": replay_case, "line": line_case, "sim": sim_case, "plugin": plugin_case}
BAD_TARGETS = {
    "serial": ("serial:/dev/does-not-exist-gates", "does not exist"),
    "replay": ("replay:/nonexistent/session.cap", "cannot read"),
    "line": ("line:/dev/does-not-exist-gates", "does not exist"),
}
IN_PROCESS = {"sim", "plugin"}  # nothing to open that could be missing

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="pty and loop:// on Linux")


async def collect_statuses(source: Source, into: list[SourceStatus]) -> None:
    async for status in source.statuses():
        into.append(status)


@pytest.mark.parametrize("kind", CASES)
async def test_open_deliver_in_order_and_close(kind, tmp_path, request):
    if kind == "plugin":
        request.getfixturevalue("vendor")
    async with CASES[kind](tmp_path) as case:
        await keeps_the_contract(case)


async def keeps_the_contract(case: Case) -> None:
    """Open: connected; every event delivered once, each gate's in order; close ends both streams."""
    source = case.source
    statuses: list[SourceStatus] = []
    got = case.arrived

    async def read() -> None:
        async for event in source.events():
            got.append(event)

    async with source:
        watcher = asyncio.create_task(collect_statuses(source, statuses))
        reader = asyncio.create_task(read())
        await wait_for(lambda: source.status.state is not State.CONNECTING)
        assert source.status.state is State.CONNECTED, source.status
        await case.drive()
        await wait_for(lambda: len(got) >= len(case.expected))
    await asyncio.wait_for(reader, WAIT_S)  # events() ended with the close
    await asyncio.wait_for(watcher, WAIT_S)  # so did statuses(), on `closed`
    assert sorted(map(case.key, got)) == sorted(case.expected)  # every event, once
    for gate in {e.gate for e in got}:
        mine = [e for e in got if e.gate == gate]
        assert [e.seq for e in mine] == sorted(e.seq for e in mine)
        assert [e.device_us for e in mine] == sorted(e.device_us for e in mine)
    assert all(e.host_ns > 0 for e in got)
    assert statuses[-1].state is State.CLOSED
    assert State.CONNECTED in {s.state for s in statuses}


@pytest.mark.slow
def test_a_ble_source_on_the_real_stack_keeps_the_contract():
    session = simulate(ble_config(SessionConfig(course=Course.parse("0,10,20,30"), athletes=tuple(presets(2)),
                                                plan=get_plan("rsa").with_reps(1), seed=7)))
    expected = sorted({(m.gate, m.seq, m.kind) for timeline in gate_timelines(session).values()
                       for _, m in timeline if isinstance(m, GateEvent)})

    async def scenario() -> None:
        link = JitteryLink(seed=1)
        fleet = BleGates(session, link)
        await fleet.start()
        loop = asyncio.get_running_loop()
        source = BleSource("name=GATE-*", radio=BumbleRadio.on_link(link), clock=lambda: round(loop.time() * 1e9))

        async def drive() -> None:
            await fleet.run()

        try:
            await keeps_the_contract(Case(source, expected, drive, key=lambda e: (e.gate, e.seq, e.kind)))
        finally:
            await fleet.stop()

    run(scenario())


@pytest.mark.parametrize("kind", sorted(set(CASES) - IN_PROCESS))
async def test_a_target_that_cannot_be_opened_is_an_error_status_not_an_exception(kind):
    spec, words = BAD_TARGETS[kind]
    source = create(spec)
    statuses: list[SourceStatus] = []
    async with source:
        watcher = asyncio.create_task(collect_statuses(source, statuses))
        await wait_for(lambda: source.status.state is State.ERROR)
        assert words in source.status.reason
        assert spec.split(":", 1)[1] in source.status.reason
    await asyncio.wait_for(watcher, WAIT_S)
    assert statuses[-1].state is State.CLOSED
    assert [e async for e in source.events()] == []


@pytest.mark.parametrize("kind", ["serial", "line"])
async def test_a_closed_port_can_be_opened_again_at_once(kind, tmp_path):
    async with CASES[kind](tmp_path) as case:
        async with case.source:
            await wait_for(lambda: case.source.status.state is State.CONNECTED)
        again = create(case.source.name)
        async with again:
            await wait_for(lambda: again.status.state is not State.CONNECTING)
            assert again.status.state is State.CONNECTED, again.status
