"""ReplaySource: a capture played at its original pace (from the gates' clocks) or as fast as possible,
its format detected, and what it cannot play reported as a status."""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace

import pytest

from drivers.registry import SpecError, create
from drivers.replay_source import ReplaySource
from drivers.source import State
from gates.course import Course
from gates.gateline import GatelineDecoder, encode_event
from simulators.athletes import presets
from simulators.capture import write_capture
from simulators.plans import get_plan
from simulators.session import SessionConfig, simulate

WAIT_S = 60.0


def sim(**changes):
    config = SessionConfig(course=Course.parse("0,10,20,30"), athletes=tuple(presets(2)),
                           plan=get_plan("rsa").with_reps(2), seed=9)
    return simulate(replace(config, **changes))


async def play(source) -> list:
    async with source:
        return [e async for e in source.events()]


async def test_original_pace_never_runs_ahead_of_the_gates_clock(tmp_path):
    session = sim()
    path = tmp_path / "s.cap"
    write_capture(session, str(path))
    speed = 40.0
    source = create(f"replay:{path}?speed={speed:g}")
    opened_ns = time.monotonic_ns()
    events = await asyncio.wait_for(play(source), WAIT_S)
    assert [(e.gate, e.seq, e.device_us) for e in events] == \
        [(e.gate, e.seq, e.device_us) for e in GatelineDecoder().feed(session.capture())]
    d0 = events[0].device_us
    for e in events:  # shared clock: each event waits for its time on that clock, scaled by the speed
        assert e.host_ns - opened_ns >= (e.device_us - d0) * 1000 / speed - 1000
    assert source.status.state is State.CLOSED and source.status.reason == "end of capture"


def test_gates_with_their_own_clocks_are_each_anchored_where_they_first_appear(tmp_path):
    session = sim(shared_clock=False)
    offsets = [g["offset_us"] for g in session.truth["clock"]["gates"]]
    assert max(offsets) - min(offsets) > 120e6  # clocks minutes apart: one anchor would stall the replay
    source = ReplaySource(tmp_path / "unused.cap")
    decoder = GatelineDecoder()
    due = [source._due(e.gate, e.device_us, e) for e in decoder.feed(session.capture())]
    assert max(due) <= session.truth["duration_s"] + 2.0  # the whole session, not the clocks' offsets


async def test_as_fast_as_possible_and_the_format_detected(tmp_path):
    session = sim()
    path = tmp_path / "s.cap"
    write_capture(session, str(path))
    source = create(f"replay:{path}?speed=max")
    events = await asyncio.wait_for(play(source), WAIT_S)
    assert len(events) == len(GatelineDecoder().feed(session.capture()))
    assert source.protocol.name == "gateline"
    assert {s.gate for s in source.gate_status.values()} == {1, 2, 3, 4}  # heartbeats became gate statuses


async def test_a_last_line_without_its_terminator_still_counts(tmp_path):
    path = tmp_path / "s.cap"
    path.write_bytes(encode_event(1, 0, 1000) + encode_event(2, 0, 2000).rstrip(b"\r\n"))
    events = await play(create(f"replay:{path}?speed=max&protocol=gateline"))
    assert [(e.gate, e.device_us) for e in events] == [(1, 1000), (2, 2000)]


async def test_a_file_in_no_known_format_is_an_error_status(tmp_path):
    path = tmp_path / "noise.cap"
    path.write_bytes(bytes(range(256)) * 8)
    source = create(f"replay:{path}")
    assert await play(source) == []
    assert source.status.state is State.CLOSED
    source = create(f"replay:{path}")
    await source.open()
    assert source.status.state is State.ERROR and "no known protocol" in source.status.reason
    await source.close()


async def test_closing_mid_replay_ends_the_stream(tmp_path):
    session = sim()
    path = tmp_path / "s.cap"
    write_capture(session, str(path))
    source = create(f"replay:{path}?speed=5")
    await source.open()
    first = await asyncio.wait_for(anext(source.events()), WAIT_S)
    await source.close()
    rest = [e async for e in source.events()]
    assert first.gate == 1 and len(rest) < 10 and source.status.state is State.CLOSED


@pytest.mark.parametrize("spec, words", [
    ("replay:x.cap?speed=0", "speed must be a number above 0 or 'max'"),
    ("replay:x.cap?speed=fast", "speed must be a number above 0 or 'max'"),
    ("replay:x.cap?protocol=morse", "unknown protocol 'morse'"),
    ("replay:x.cap?loop=1", "unknown option 'loop'"),
])
def test_bad_replay_specs(spec, words):
    with pytest.raises(SpecError, match=words):
        create(spec)
