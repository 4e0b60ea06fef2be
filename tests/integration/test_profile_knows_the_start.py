"""The sprint profile the live engine fits (and review and the report with it) on the simulator's
sessions, against the simulator's own truth: each rep's MSS (fatigue and noise applied) and the
athlete's τ (MAC = MSS/τ).

The simulator starts block and standing starts 0.5 m behind the start beam and flying starts after
their run-in (simulators/plans.py), and places every crossing with the model from the first movement
(simulators/session.py `schedule`). The plain model reads that head start as acceleration (Ada: MSS
10.13 m/s, MAC 14.9 m/s² against 10.95 and 8.8); the flying-distance model of the `shorts` R package
(rlsft/shorts, R/model_timing_gates.R: `model_timing_gates_FD`) recovers it.
"""

from __future__ import annotations

import pytest

from gates import protocols
from gates.course import Course
from gates.rep_profile import StartSetup
from monitor.session import batch
from monitor.session.model import Settings
from simulators.athletes import presets
from simulators.plans import get_plan
from simulators.session import SessionConfig, simulate


def fitted_against_truth(course: Course, plan: str):
    """(fitted MSS, true MSS, fitted MAC, true MAC) of every rep the engine profiled and the
    simulator ran clean (no stumble, no fault)."""
    group = presets(6)
    session = simulate(SessionConfig(course=course, athletes=tuple(group), plan=get_plan(plan), seed=3))
    model = batch.session(Settings(), course, [a.name for a in group])
    for _ in batch.analyse([session.capture()], protocols.get("gateline").decoder(), model):
        pass
    truth = {r["rep"]: r for r in session.truth["reps"] if r["rep"] is not None}
    tau = {a["name"]: a["tau"] for a in session.truth["athletes"]}
    rows = []
    for result in model.ordered_results():
        true = truth[result.rep.number]
        if result.profile is None or true["faults"]:
            continue
        mss = true["fatigue"]["mss"]
        rows.append((result.mss, mss, result.mac, mss / tau[true["athlete"]]))
    return rows


@pytest.mark.parametrize("plan", ["rsa", "speed"])
def test_live_profile_of_starts_behind_the_beam_on_the_default_course(plan):
    """Three splits (0,10,20,30): too few to fit FD too, so FD is the known 0.5 m run-in."""
    rows = fitted_against_truth(Course.parse("0,10,20,30"), plan)
    assert len(rows) >= 30
    for mss, true_mss, mac, true_mac in rows:
        assert mss == pytest.approx(true_mss, rel=0.03)
        assert mac == pytest.approx(true_mac, rel=0.10)


def test_live_profile_with_splits_enough_to_fit_the_flying_distance():
    rows = fitted_against_truth(Course.parse("0,5,10,20,30"), "rsa")
    assert len(rows) >= 30
    for mss, true_mss, mac, true_mac in rows:
        assert mss == pytest.approx(true_mss, rel=0.03)
        assert mac == pytest.approx(true_mac, rel=0.10)


def test_the_plain_model_is_what_was_wrong():
    """The same reps with the start taken to be on the beam: MAC far off (why the start matters)."""
    from gates.rep_profile import rep_profile
    from gates.rep import Rep

    course = Course.parse("0,10,20,30")
    group = presets(1, names=["Ada"])
    session = simulate(SessionConfig(course=course, athletes=tuple(group), plan=get_plan("rsa"), seed=3))
    true = next(r for r in session.truth["reps"] if r["rep"] == 1)
    rep = Rep(1, "Ada", course, 0, tuple(round(s * 1e6) for s in true["splits_s"]))
    on_the_line = rep_profile(rep, StartSetup("standing", 0.0))
    behind = rep_profile(rep)
    true_mac = true["fatigue"]["mss"] / group[0].tau
    assert on_the_line.mac > 1.5 * true_mac
    assert behind.mac == pytest.approx(true_mac, rel=0.01)
