"""The live pipeline on real parts: the simulator's pty -> SerialSource -> SQLite store -> rep assembly
-> analyzer, compared with the simulator's ground truth; and the coach's annotations, re-derivation
and resuming a session on the same database."""

from __future__ import annotations

import asyncio
import sys
from dataclasses import replace

import pytest
from support.conditions import wait_for
from support.virtual_time import clock_ns, on_virtual_time
from support.truth import key

from drivers.registry import create
from drivers.serial_source import SerialSource
from gates.course import Course
from gates.gateline import GatelineDecoder
from gates.rep import VOIDED
from monitor.store import db as st
from monitor.session import facts
from monitor.session.model import SessionModel
from monitor.live.pipeline import (
    Pipeline,
    PipelineError,
    RepFinished,
    RepsRevised,
    RotationChanged,
    SessionEnded,
    SessionOpened,
)
from simulators.athletes import presets
from simulators.capture import write_capture
from simulators.gate_device import Faults
from simulators.plans import get_plan
from simulators.pty_device import PtyDevice
from simulators.session import SessionConfig, simulate

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs Linux ptys")
WAIT_S = 90.0
COURSE = Course.parse("0,10,20,30")


def sim(reps: int = 4, **changes):
    config = SessionConfig(course=COURSE, athletes=tuple(presets(3)), plan=get_plan("rsa").with_reps(reps), seed=31)
    return simulate(replace(config, **changes))


def names(session) -> list[str]:
    return [a["name"] for a in session.truth["athletes"]]


def emitted(session) -> list[tuple]:
    """Every event the gates sent: the same session on a faultless link (link faults change what
    arrives, never what the gates sent)."""
    link_faults = dict(noise=0.0, corrupt=0.0, drop=0.0, link=0.0, latency=0.0, jitter=0.0)
    clean = simulate(replace(session.config, faults=replace(session.config.faults, **link_faults)))
    return sorted(key(e) for e in GatelineDecoder().feed(clean.capture()))


def assert_reps_equal_truth(model: SessionModel, truth: dict) -> None:
    """Every rep the truth numbers is there, for the right athlete, its splits to the clock's 1 ms."""
    wanted = [r for r in truth["reps"] if r["rep"] is not None]
    assert len(model.results) == len(wanted)
    for rep in wanted:
        got = model.results[rep["rep"]].rep
        assert got.athlete == rep["athlete"]
        assert all(s is not None for s in got.splits_us)
        for measured, true_s in zip(got.splits_us, rep["splits_s"]):
            assert abs(measured / 1e6 - true_s) < 0.001


def drain(queue: asyncio.Queue) -> list:
    out = []
    while not queue.empty():
        out.append(queue.get_nowait())
    return out


@pytest.fixture
def store(tmp_path):
    with st.SessionStore(tmp_path / "gates.sqlite3") as s:
        yield s


@on_virtual_time
async def test_a_whole_session_over_the_pty_is_stored_and_analysed_equal_to_the_truth(store, tmp_path):
    session = sim(faults=Faults(double=0.1, noise=0.05))
    expected = emitted(session)
    async with PtyDevice(session, speed=25, link=tmp_path / "tty") as device:
        pipeline = Pipeline(store, [SerialSource(str(tmp_path / "tty"), clock=clock_ns)], course=COURSE,
                            athletes=names(session), clock=clock_ns)
        messages = pipeline.subscribe()
        async with pipeline:
            await device.finished()
            await wait_for(lambda: pipeline.events >= len(expected))
            live = pipeline.model
    stored = list(store.events(pipeline.session))
    assert sorted(key(s.event) for s in stored) == expected
    assert all(s.event.raw.startswith(b"$GT,") for s in stored)
    assert_reps_equal_truth(live, session.truth)
    again = SessionModel.derive(store.events(pipeline.session), store.annotations(pipeline.session))
    assert again.ordered_results() == live.ordered_results()  # the store alone reproduces the session
    got = drain(messages)
    assert isinstance(got[0], SessionOpened) and not got[0].resumed
    finished = [m.result for m in got if isinstance(m, RepFinished)]
    assert [r.rep.number for r in finished] == sorted(live.results)
    assert any(r.verdict is not None for r in finished)


@on_virtual_time
async def test_unplugged_mid_rep_the_store_misses_no_event(store, tmp_path):
    session = sim(reps=3)
    expected = emitted(session)
    link = tmp_path / "tty"
    async with PtyDevice(session, speed=15, link=link) as device:
        pipeline = Pipeline(store, [SerialSource(str(link), clock=clock_ns)], course=COURSE, athletes=names(session),
                            clock=clock_ns)
        async with pipeline:
            await wait_for(lambda: len(pipeline.model.results) >= 2)
            await wait_for(lambda: pipeline.model.assembler.open_reps > 0, timeout=WAIT_S)  # a rep is running
            await device.unplug(1.5)
            await device.finished()
            await wait_for(lambda: pipeline.events >= len(expected))
            model = pipeline.model
    assert device.discarded > 0 and device.resent > 0
    assert sorted(key(s.event) for s in store.events(pipeline.session)) == expected  # zero missing
    assert_reps_equal_truth(model, session.truth)


async def test_what_a_subscriber_is_shown_is_already_committed(store, tmp_path):
    session = sim(reps=2)
    path = tmp_path / "s.cap"
    write_capture(session, str(path))
    pipeline = Pipeline(store, [create(f"replay:{path}?speed=max")], course=COURSE, athletes=names(session))
    messages = pipeline.subscribe()
    checked = 0
    with st.SessionStore(store.path, readonly=True) as reader:
        await pipeline.start()
        while True:
            message = await asyncio.wait_for(messages.get(), WAIT_S)
            if isinstance(message, RepFinished):
                finish = message.result.rep.start_us + message.result.rep.time_us
                stored = {s.event.device_us for s in reader.events(pipeline.session)}
                assert finish in stored  # another connection sees the finish before we show it
                checked += 1
            if isinstance(message, SessionEnded):
                break
    assert checked == len([r for r in session.truth["reps"] if r["rep"] is not None])


async def test_annotations_change_the_reps_and_rederive_exactly(store, tmp_path):
    session = sim(reps=3)
    path = tmp_path / "s.cap"
    write_capture(session, str(path))
    pipeline = Pipeline(store, [create(f"replay:{path}?speed=max")], course=COURSE, athletes=names(session))
    messages = pipeline.subscribe()
    await pipeline.start()
    await wait_for(lambda: len(pipeline.model.results) >= 4)
    void = pipeline.annotate(facts.VOID, rep=2)
    pipeline.annotate(facts.REASSIGN, rep=3, athlete="Guest")
    pipeline.annotate(facts.VOID, rep=99)  # not run yet: applies when it finishes (it never does here)
    pipeline.annotate(facts.SKIP)
    await pipeline.wait()
    model = pipeline.model
    assert VOIDED in model.results[2].rep.flags and not model.results[2].rep.valid
    assert model.results[3].rep.athlete == "Guest"
    revised = [m for m in drain(messages) if isinstance(m, RepsRevised)]
    assert revised and any(r.rep.number == 2 for r in revised[0].results)
    derived = SessionModel.derive(store.events(pipeline.session), store.annotations(pipeline.session))
    assert derived.ordered_results() == model.ordered_results()
    # undoing the void afterwards (say, in review): rep 2 counts again, the reassignment stands
    sid = pipeline.session
    store.annotate(sid, facts.UNDO, annotation=void.id)
    undone = SessionModel.derive(store.events(sid), store.annotations(sid))
    assert VOIDED not in undone.results[2].rep.flags and undone.results[3].rep.athlete == "Guest"


async def test_undo_in_a_running_pipeline_rederives_and_says_so(store, tmp_path):
    session = sim(reps=2)
    path = tmp_path / "s.cap"
    write_capture(session, str(path))
    pipeline = Pipeline(store, [create(f"replay:{path}?speed=max")], course=COURSE, athletes=names(session))
    messages = pipeline.subscribe()
    await pipeline.start()
    await wait_for(lambda: len(pipeline.model.results) >= 2)
    void = pipeline.annotate(facts.VOID, rep=1)
    assert not pipeline.model.results[1].rep.valid
    pipeline.annotate(facts.UNDO, annotation=void.id)
    assert pipeline.model.results[1].rep.valid
    got = drain(messages)
    assert isinstance(got[-1], RepsRevised)  # the rotation did not move: not published again
    await pipeline.stop()


def stored_with_an_add(store, session, after: int) -> tuple[int, facts.Annotation]:
    """The session stored as it ran live, the coach adding "Zed" once `after` of its events were in."""
    events = GatelineDecoder().feed(session.capture())
    sid = store.start_session(course=COURSE.label(), athletes=names(session), sources=["replay:s.cap"])
    store.set_baseline(sid, "replay:s.cap", 1, 0)
    store.append(sid, "replay:s.cap", events[:after])
    add = store.annotate(sid, facts.ADD_ATHLETE, athlete="Zed")
    store.append(sid, "replay:s.cap", events[after:])
    return sid, add


async def test_undoing_an_add_that_reps_ran_on_since_names_the_reps_it_would_move(store, tmp_path):
    session = sim(reps=2)
    write_capture(session, str(tmp_path / "s.cap"))
    sid, add = stored_with_an_add(store, session, after=len(GatelineDecoder().feed(session.capture())) // 3)
    pipeline = Pipeline(store, [create(f"replay:{tmp_path / 's.cap'}?speed=max")], course=COURSE, session=sid)
    ran = {r.rep.number: r.rep.athlete for r in SessionModel.derive(store.events(sid), store.annotations(sid)).ordered_results()}
    moved = pipeline.moved_by_undo(add)
    assert moved and any(now == "Zed" for _, now, _ in moved)
    assert all(ran[number] == now != then for number, now, then in moved)
    sid, add = stored_with_an_add(store, session, after=len(GatelineDecoder().feed(session.capture())))
    assert Pipeline(store, [create(f"replay:{tmp_path / 's.cap'}?speed=max")], course=COURSE,
                    session=sid).moved_by_undo(add) == []  # added after the last rep: nothing moves


async def test_next_up_moves_with_each_start_and_is_published(store, tmp_path):
    """The dashboard's "next up" follows the track: every start moves the rotation on, and the
    pipeline says so without the coach pressing a key."""
    session = sim(reps=2)
    path = tmp_path / "s.cap"
    write_capture(session, str(path))
    roster = names(session)
    pipeline = Pipeline(store, [create(f"replay:{path}?speed=max")], course=COURSE, athletes=roster)
    messages = pipeline.subscribe()
    await pipeline.start()
    await pipeline.wait()
    ups = [m.next_up for m in drain(messages) if isinstance(m, RotationChanged)]
    assert len(ups) > len(roster) and ups[:3] == [roster[0], roster[1 % len(roster)], roster[2 % len(roster)]]


async def test_a_session_left_open_resumes_under_its_id_with_what_it_had(store, tmp_path):
    session = sim(reps=2)
    path = tmp_path / "s.cap"
    write_capture(session, str(path))
    first = Pipeline(store, [create(f"replay:{path}?speed=20")], course=COURSE, athletes=names(session))
    await first.start()
    await wait_for(lambda: len(first.model.results) >= 2)
    await first.stop(end=False)  # as a crash would leave it: not ended
    assert not store.session(first.session).ended
    had = first.model.ordered_results()
    second = Pipeline(store, [create(f"replay:{path}?speed=max")], course=COURSE, athletes=names(session))
    messages = second.subscribe()
    await second.start()
    opened = await asyncio.wait_for(messages.get(), WAIT_S)
    assert isinstance(opened, SessionOpened) and opened.resumed and opened.session == first.session
    assert opened.results[:len(had)] == had
    await second.wait()
    # the replay delivered the same events again: stored once, the reps are the truth's
    assert_reps_equal_truth(second.model, session.truth)
    assert store.session(first.session).ended
    third = Pipeline(store, [create(f"replay:{path}?speed=max")], course=COURSE, resume=True)
    await third.start()
    assert third.session != first.session  # the ended session is not resumed
    await third.stop()


async def test_a_session_left_open_by_other_gates_is_not_resumed(store, tmp_path):
    session = sim(reps=1)
    demo, gates = tmp_path / "demo.cap", tmp_path / "gates.cap"
    write_capture(session, str(demo))
    write_capture(session, str(gates))
    first = Pipeline(store, [create(f"replay:{demo}?speed=max")], course=COURSE, athletes=names(session))
    await first.start()
    await first.stop(end=False)  # a demo killed mid-session
    second = Pipeline(store, [create(f"replay:{gates}?speed=max")], course=COURSE)
    await second.start()
    assert second.session != first.session
    await second.stop()
    assert not store.session(first.session).ended


async def test_a_session_left_open_is_not_resumed_with_another_numbering(store, tmp_path):
    """Resuming would re-pair every rep already run by the new reading of the timer's numbers."""
    path = tmp_path / "timy.cap"
    write_capture(sim(reps=1, protocol="alge-timy"), str(path))
    first = Pipeline(store, [create(f"replay:{path}?speed=max&numbering=impulse")], course=COURSE)
    await first.start()
    await first.stop(end=False)
    second = Pipeline(store, [create(f"replay:{path}?speed=max&numbering=start")], course=COURSE)
    await second.start()
    assert second.session != first.session
    assert second.not_resumed == (f"session {first.session} was left open but not resumed: "
                                  "numbering impulse then, start now")
    await second.stop()


async def test_a_new_course_on_resume_is_an_annotation_and_numbering_continues(store, tmp_path):
    session = sim(reps=2)
    path = tmp_path / "s.cap"
    write_capture(session, str(path))
    first = Pipeline(store, [create(f"replay:{path}?speed=max")], course=COURSE, athletes=names(session))
    await first.start()
    await first.wait()
    count = len(first.model.results)
    store.annotate(first.session, facts.UNDO, annotation=[a for a in store.annotations(first.session)
                                                       if a.kind == facts.END][0].id)
    second = Pipeline(store, [create(f"replay:{path}?speed=max")], course=Course.parse("0,10,20,40"),
                      session=first.session)
    await second.start()
    await second.stop(end=False)
    kinds = [a.kind for a in store.annotations(first.session)]
    assert kinds[-2:] == [facts.RESUME, facts.COURSE]
    assert second.model.course == Course.parse("0,10,20,40") and len(second.model.results) == count


async def test_sources_that_speak_different_protocols_are_refused(store, tmp_path):
    path, other = tmp_path / "s.cap", tmp_path / "other.cap"
    write_capture(sim(reps=1), str(path))
    write_capture(sim(reps=1), str(other))
    sources = [create(f"replay:{path}?speed=max"), create(f"replay:{other}?speed=max&protocol=wichro")]
    pipeline = Pipeline(store, sources, course=COURSE)
    with pytest.raises(PipelineError, match="different protocols"):
        await pipeline.start()
    assert all(s.status.state.value == "closed" for s in sources)
    with pytest.raises(PipelineError, match="the same source twice"):  # options do not make it another
        Pipeline(store, [create(f"replay:{path}"), create(f"replay:{path}?speed=max")], course=COURSE)
