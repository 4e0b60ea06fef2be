"""Personal bests across the sessions of one real SQLite store: derived from the earlier sessions'
facts, handed to the next session's analyzer, and judged against with `--against pb`."""

from __future__ import annotations

import pytest

from drivers.registry import create
from gates.course import Course
from monitor.store import db as st
from monitor.session import facts
from monitor.session.analyzer import StopRule
from monitor.session.model import SessionModel
from monitor.store.history import personal_bests, session_bests
from monitor.store.summaries import summarized
from monitor.live.pipeline import Pipeline
from simulators.athletes import presets
from simulators.capture import write_capture
from simulators.plans import get_plan
from simulators.session import SessionConfig, simulate

COURSE = Course.parse("0,10,20,30")


@pytest.fixture
def store(tmp_path):
    with st.SessionStore(tmp_path / "gates.sqlite3") as s:
        yield s


async def replayed(store, tmp_path, seed: int, rule: StopRule | None = None, name: str = "") -> Pipeline:
    """One whole simulated session replayed into the store as `gates monitor` would store it."""
    config = SessionConfig(course=COURSE, athletes=tuple(presets(2)), plan=get_plan("rsa").with_reps(3), seed=seed)
    session = simulate(config)
    path = tmp_path / f"{seed}.cap"
    write_capture(session, str(path))
    pipeline = Pipeline(store, [create(f"replay:{path}?speed=max")], course=COURSE, rule=rule, resume=False,
                        athletes=[a.name for a in config.athletes], name=name)
    await pipeline.start()
    await pipeline.wait()
    return pipeline


def fastest(pipeline: Pipeline) -> dict:
    """Each athlete's fastest valid rep, found by hand."""
    out: dict = {}
    for athlete in {r.rep.athlete for r in pipeline.model.results.values()}:
        times = [r.rep.time_us for r in pipeline.model.results.values() if r.rep.valid and r.rep.athlete == athlete]
        out[(athlete, COURSE, None)] = min(times)
    return out


async def test_the_second_session_is_judged_against_the_first_sessions_bests(store, tmp_path):
    first = await replayed(store, tmp_path, seed=1)
    assert first.pbs == {}
    assert all(r.pb_us is None and r.intensity_pb_pct is None for r in first.model.results.values())
    second = await replayed(store, tmp_path, seed=2)
    assert second.pbs == fastest(first) and len(second.pbs) == 2
    for result in second.model.results.values():
        rep = result.rep
        pb = second.pbs[(rep.athlete, COURSE, None)]
        assert result.pb_us == pb
        if rep.valid:
            assert result.mss is not None  # the live model fits every rep
            ever = min(pb, result.best_us)
            assert result.intensity_pb_pct == pytest.approx(ever / rep.time_us * 100)
    assert personal_bests(store, first.session) == {}  # nothing before the first session


async def test_the_demos_simulated_athletes_and_real_ones_never_share_bests(store, tmp_path):
    demo = await replayed(store, tmp_path, seed=1, name=st.DEMO)
    real = await replayed(store, tmp_path, seed=2)
    assert real.pbs == {}  # a real Ada is not the demo's Ada
    second_demo = await replayed(store, tmp_path, seed=3, name=st.DEMO)
    assert second_demo.pbs == fastest(demo)
    assert (await replayed(store, tmp_path, seed=4)).pbs == fastest(real)


async def test_a_rep_voided_in_an_earlier_session_no_longer_counts_as_a_pb(store, tmp_path):
    first = await replayed(store, tmp_path, seed=1)
    fastest = min((r for r in first.model.results.values() if r.rep.valid), key=lambda r: r.rep.time_us)
    athlete = fastest.rep.athlete
    before = session_bests(store, first.session)
    assert before[(athlete, COURSE, None)] == fastest.rep.time_us
    assert session_bests(store, first.session) == before
    assert not any(item.derived for item in summarized(store))  # facts unchanged: read from the store
    store.annotate(first.session, facts.VOID, rep=fastest.rep.number)  # in review, after the session ended
    after = session_bests(store, first.session)
    others = [r.rep.time_us for r in first.model.results.values()
              if r.rep.valid and r.rep.athlete == athlete and r.rep.number != fastest.rep.number]
    assert after[(athlete, COURSE, None)] == min(others)
    assert personal_bests(store, first.session + 1)[(athlete, COURSE, None)] == min(others)


async def test_judged_against_the_pb_the_stored_settings_replay_the_same_verdicts(store, tmp_path):
    """The bests a session was judged against are stored with its settings: deriving it again gives the
    live verdicts and reasons, even after a void in the earlier session moved that athlete's PB."""
    first = await replayed(store, tmp_path, seed=1)
    second = await replayed(store, tmp_path, seed=2, rule=StopRule(floor_pct=99.0, against="pb"))
    sid = second.session
    settings = next(n for n in store.annotations(sid) if n.kind == facts.START).data["settings"]
    assert settings["against"] == "pb"
    assert sorted(map(tuple, settings["pbs"])) == sorted((a, c.label(), s, us) for (a, c, s), us in fastest(first).items())
    judged = [r for r in second.model.results.values() if r.verdict is not None and r.reason]
    assert judged and all(" of PB " in r.reason for r in judged)
    again = SessionModel.derive(store.events(sid), store.annotations(sid))
    assert again.ordered_results() == second.model.ordered_results()
    quickest = min((r for r in first.model.results.values() if r.rep.valid), key=lambda r: r.rep.time_us)
    store.annotate(first.session, facts.VOID, rep=quickest.rep.number)
    assert personal_bests(store, sid) != second.pbs  # the history moved on...
    later = SessionModel.derive(store.events(sid), store.annotations(sid))
    assert later.ordered_results() == second.model.ordered_results()  # ...what it was judged against did not
