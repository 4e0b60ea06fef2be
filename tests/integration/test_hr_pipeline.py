"""Heart rate and gates in one live session, end to end: simulated BLE gates and chest straps (bumble
peripherals driven by the same simulated athletes) on one jittery radio link, the product's BleSource
and HrSource (bleak over bumble), the Pipeline with its HeartMonitor, and a real SQLite file, all on
virtual time. What the coach would see live (HeartChanged) and what review derives from the stored
facts are checked against the heart model's truth (simulators/heart.py)."""

from __future__ import annotations

import asyncio

import pytest

from drivers.ble_source import BleSource
from drivers.hr_source import parse_pairings
from drivers.source import State
from gates.course import Course
from gates.heartrate import Contact
from gates.hr_recovery import Readiness
from monitor.live.heart import HeartMonitor
from monitor.live.pipeline import Pipeline
from monitor.session.heart import HeartChanged, HeartSettings, clock_points, rep_hearts
from monitor.session.model import SessionModel
from monitor.store import db as st
from simulators.athletes import presets
from simulators.ble_backend import BumbleRadio, JitteryLink
from simulators.ble_gate import BleGates, ble_config
from simulators.hr_strap import HrStraps
from simulators.plans import get_plan
from simulators.session import SessionConfig, simulate
from simulators.virtual_time import run

S = 1_000_000_000
FINISH_BPM, HRR60_BPM = 4, 5  # as tests/integration/test_hr_source.py: a beat of noise, 1 Hz readings


def sim_session(athletes: int, reps: int, cooldown_s: float):
    config = SessionConfig(course=Course.parse("0,10,20,30"), athletes=tuple(presets(athletes)),
                           plan=get_plan("rsa").with_reps(reps), seed=11, warmup_s=30.0, cooldown_s=cooldown_s)
    return simulate(ble_config(config))


async def _live(path, session, paired, during=None, settings=None):
    """The session played to a Pipeline with straps paired as `paired(straps)` says; returns the
    messages, the straps, the session id and the loop time the session started at."""
    loop = asyncio.get_running_loop()
    link = JitteryLink(seed=3)
    fleet = BleGates(session, link)
    straps = HrStraps(session, link, clock_us=fleet.now_us)
    await straps.start()
    await fleet.start()
    radio = BumbleRadio.on_link(link)
    clock = lambda: round(loop.time() * 1e9)  # noqa: E731 - the host clock, on virtual time
    gates = BleSource("name=GATE-*", radio=radio, clock=clock, samples_per_s=2)
    names = [a.name for a in session.config.athletes]
    heart = HeartMonitor(parse_pairings(paired(straps), roster=names), radio=radio, settings=settings)
    with st.SessionStore(path) as store:
        pipeline = Pipeline(store, [gates], course=session.config.course, athletes=names, clock=clock, heart=heart)
        messages = pipeline.subscribe()
        await pipeline.start()
        side = asyncio.create_task(during(straps)) if during else None
        await fleet.run()
        await asyncio.sleep(2)
        if side:
            await side
        await pipeline.stop()
        got = []
        while not messages.empty():
            got.append(messages.get_nowait())
        sid = pipeline.session
    await straps.stop()
    await fleet.stop()
    return got, straps, sid, fleet._t0


@pytest.mark.slow
def test_hr_and_gates_in_one_session_are_stored_and_shown_beside_each_rep(tmp_path):
    """Two athletes on their straps, a third whose strap is on the air but paired to nobody (never
    connected); Ada's strap slips off the skin for 12 s and Ben's goes out of range for 10 s, both
    after the last rep's minute."""
    session = sim_session(athletes=3, reps=2, cooldown_s=200.0)

    async def faults(straps):
        straps.traces["Ada"].losses[:] = [(160.0, 172.0)]
        await asyncio.sleep(180 - straps.now_us() / 1e6)
        await straps.straps["Ben"].drop(10.0)

    def paired(straps):
        return [f"{name}={spec}" for name, spec in straps.pairings().items() if name != "Cleo"]

    db = tmp_path / "gates.sqlite3"
    settings = HeartSettings(fixed={"Ben": 80})  # the coach's own threshold for Ben: under his baseline
    messages, straps, sid, t0 = run(_live(db, session, paired, faults, settings))
    hearts = [m for m in messages if isinstance(m, HeartChanged)]
    with st.SessionStore(db, readonly=True) as store:
        samples = store.hr_samples(sid)
        events = list(store.events(sid))
        model = SessionModel.derive(events, store.annotations(sid))
    assert set(samples) == {"Ada", "Ben"}
    assert straps.straps["Cleo"].centrals == []  # a strap nobody paired is never connected
    end_s = session.end_us / 1e6
    assert len(samples["Ada"]) > 0.9 * (end_s - 35)
    assert 0.8 * (end_s - 45) < len(samples["Ben"]) < len(samples["Ada"])  # ten seconds out of range

    # contact loss: stored as it came, shown as lost, never a heart rate
    at = lambda s: round((t0 + s) * S)  # noqa: E731
    lost = [s for s in samples["Ada"] if at(161) <= s.host_ns <= at(171)]
    assert lost and all(s.contact is Contact.LOST and s.bpm == 0 for s in lost)
    shown = [h for h in hearts if h.heart.athlete == "Ada" and at(166) <= h.at_ns <= at(171)]
    assert shown and all(h.heart.contact is Contact.LOST and h.heart.bpm is None for h in shown)
    # the drop-out and the reconnection, on the dashboard's link state
    ben = [h.link for h in hearts if h.heart.athlete == "Ben" and h.link != State.CLOSED]
    assert State.RECONNECTING in ben and State.CONNECTED in ben[ben.index(State.RECONNECTING):]

    # per rep, from the stored facts as review derives them, against the truth
    figures = rep_hearts(model.ordered_results(), clock_points(events), samples)
    truth = [t for t in straps.truth if t["athlete"] != "Cleo"]
    timed = [r for r in model.ordered_results() if r.rep.athlete != "Cleo"]
    assert len(timed) == len(truth) == 4
    for result, true in zip(timed, truth):
        got = figures[result.rep.number]
        assert abs(got.finish_ns - at(true["finish_s"])) < 60_000_000
        assert abs(got.hr.finish_bpm - true["finish_bpm"]) <= FINISH_BPM
        later = got.finish_ns + 60 * S
        if got.hr.hrr60 is None:  # the minute after fell in an outage: no reading, no figure
            assert not any(abs(s.host_ns - later) <= 5 * S and s.contact is Contact.OK
                           for s in samples[result.rep.athlete])
        else:
            assert abs(got.hr.hrr60 - true["hrr60"]) <= HRR60_BPM
    assert all(figures[r.rep.number].hr.hrr60 is not None for r in timed)

    # live: the same figures once the minute is over; READY only after the rest AND under the threshold
    rest_ns = 180 * S  # a minute per 10 m on a 30 m course, without a plan
    for h in hearts:
        last = h.heart.last
        if last is None:
            assert h.heart.readiness is None
            continue
        if h.at_ns < last.finish_ns + rest_ns:
            assert h.heart.readiness is Readiness.RESTING
        if h.heart.readiness is Readiness.READY:
            assert h.heart.bpm is None or h.heart.threshold_bpm is None or h.heart.bpm < h.heart.threshold_bpm
        if h.at_ns > last.finish_ns + 62 * S and h.heart.last.hr.hrr60 is not None:
            assert h.heart.last.hr == figures[last.number].hr or h.at_ns < last.finish_ns + 91 * S
    final = {h.heart.athlete: h.heart for h in hearts}
    assert final["Ada"].readiness is Readiness.READY and final["Ada"].threshold_bpm is not None
    assert final["Ben"].readiness is Readiness.HR_HIGH and final["Ben"].threshold_bpm == 80  # rest over, heart not


@pytest.mark.parametrize("texts, problem", [(["Zed=hr:name=Polar*"], "no athlete 'Zed'"),
                                            (["Ada=hr:name="], "needs a pattern")])
def test_a_bad_pairing_is_refused_before_anything_opens(texts, problem):
    with pytest.raises(ValueError, match=problem):
        parse_pairings(texts, roster=["Ada", "Ben"])
