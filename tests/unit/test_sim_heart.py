"""The simulated heart: driven by the session's own schedule, it rises during and after a sprint,
recovers exponentially with the athlete's time constant (a log-linear fit of the tail gives it back),
drifts up with fatigue, and loses strap contact now and then."""

import numpy as np

from gates.course import Course
from simulators.athletes import presets
from simulators.heart import ON_TRACK_BPM, heart_traces, heart_truth
from simulators.plans import get_plan
from simulators.session import SessionConfig, schedule, simulate

COURSE = Course.parse("0,10,20,30")


def setup(plan="speed", athletes=3, seed=3):
    config = SessionConfig(course=COURSE, athletes=tuple(presets(athletes)), plan=get_plan(plan), seed=seed)
    session = simulate(config)
    return config, session, heart_traces(config, session.end_us / 1e6)


def runs_of(config, name):
    return [r for r in schedule(config) if r.athlete.name == name]


def test_hr_rises_during_a_sprint_and_keeps_rising_after_it():
    config, _, traces = setup()
    for name, trace in traces.items():
        run = runs_of(config, name)[0]
        go, finish = run.go_us / 1e6, run.finish_us / 1e6
        assert trace.bpm(finish) > trace.bpm(go) + 20
        peak_after = max(range(0, 30), key=lambda d: trace.bpm(finish + d))
        assert 2 <= peak_after <= 15
        assert trace.bpm(finish + peak_after) < trace.profile.peak_bpm


def test_recovery_is_exponential_with_the_athletes_time_constant():
    config, _, traces = setup()
    for name, trace in traces.items():
        p = trace.profile
        for run in runs_of(config, name)[:3]:
            finish = run.finish_us / 1e6
            load = run.form.load + run.block.load
            base = p.resting_bpm + ON_TRACK_BPM + p.drift_bpm * load
            t = np.arange(finish + 60, finish + 170, 1.0)
            slope = np.polyfit(t, np.log([trace.bpm(x) - base for x in t]), 1)[0]
            assert abs(-1 / slope / (p.recovery_s * (1 + p.slowing * load)) - 1) < 0.10


def test_fatigue_lifts_the_baseline_and_slows_recovery_over_the_session():
    config, _, traces = setup("rsa")
    truth = heart_truth(config, traces)
    for name in traces:
        mine = [t for t in truth if t["athlete"] == name]
        assert mine[-1]["finish_bpm"] > mine[0]["finish_bpm"] + 15
        first, last = runs_of(config, name)[0], runs_of(config, name)[-1]
        before_first = traces[name].bpm(first.go_us / 1e6 - 1)
        before_last = traces[name].bpm(last.go_us / 1e6 - 1)
        assert before_last > before_first + 10  # 30 s rests are not enough to come back down


def test_a_longer_run_takes_hr_closer_to_the_peak():
    config, _, traces = setup("speed")
    trace = traces["Ada"]
    sprint = runs_of(config, "Ada")[0]
    long_run = next(r for r in runs_of(config, "Ada") if not r.block.timed)
    peak = lambda run: max(trace.bpm(run.finish_us / 1e6 + d) for d in range(30))  # noqa: E731
    assert peak(long_run) > peak(sprint) + 25
    assert peak(long_run) > trace.profile.peak_bpm - 15


def test_contact_losses_are_short_and_rare_and_beats_follow_hr():
    config, session, traces = setup("speed")
    end_s = session.end_us / 1e6
    for trace in traces.values():
        assert 0 < len(trace.losses) < 10 and all(3 <= b - a <= 12 for a, b in trace.losses)
        a, b = trace.losses[0]
        assert not trace.in_contact((a + b) / 2) and trace.in_contact(b + 0.1)
        beats = trace.beats_between(100.0, 160.0)
        mean_hr = np.mean([trace.bpm(x) for x in np.arange(100.0, 160.0, 0.5)])
        assert abs(len(beats) - mean_hr) <= 2
        assert abs(trace.rr_before(beats[10]) - 60 / trace.bpm(beats[10])) < 0.02
        assert trace.beats_between(end_s + 1, end_s + 10) == []


def test_the_same_seed_gives_the_same_hearts_and_the_truth_follows_the_gates_truth():
    config, session, traces = setup("rsa", seed=5)
    again = heart_traces(config, session.end_us / 1e6)
    for name in traces:
        assert np.array_equal(traces[name].hr, again[name].hr) and traces[name].losses == again[name].losses
    truth = heart_truth(config, traces)
    gate_reps = [r for r in session.truth["reps"]]
    assert [t["athlete"] for t in truth] == [r["athlete"] for r in gate_reps]
    for hr, rep in zip(truth, gate_reps):
        assert abs(hr["finish_s"] - (rep["start_s"] + rep["time_s"])) < 1e-3


def test_a_heart_in_a_session_made_run_by_run_follows_the_runs_made_so_far():
    """`gates demo --hr --ble`: the athletes run as the coach sends them, so each heart is made from the
    runs so far; what a strap read earlier is what the heart says afterwards too."""
    from dataclasses import replace

    from simulators.heart import HORIZON_S, hearts_so_far
    from simulators.turns import TurnSession, Up

    config = SessionConfig(course=COURSE, athletes=tuple(presets(3)), plan=get_plan("rsa"), seed=3)
    session = TurnSession(replace(config, shared_clock=False, protocol="gateline"))
    hearts = hearts_so_far(config, lambda: session.runs)
    read: dict[tuple[str, float], float] = {}
    for name in ["Cleo", "Cleo", "Ada", "Cleo"]:  # not the roster's order, and Ben never runs
        up = Up(name, 1, ("Ada", "Ben", "Cleo"))
        session.idle(session.when(up))
        run = session.run(up) and session.runs[-1]
        go, finish = run.go_us / 1e6, run.finish_us / 1e6
        assert hearts[name].bpm(finish) > hearts[name].bpm(go) + 5  # rises during the run it just made
        for t in (go - 1, finish, finish + 5):
            read[(name, t)] = hearts[name].bpm(t)
    later = session.now_us / 1e6 + 3 * HORIZON_S  # long after: the session stays open
    assert all(hearts[name].at(later).end_s > later for name in hearts)  # its beats go on
    assert {k: hearts[k[0]].bpm(k[1]) for k in read} == read
    assert max(hearts["Ben"].bpm(t) for t in range(0, int(later), 10)) < hearts["Ben"].profile.resting_bpm + ON_TRACK_BPM + 1
