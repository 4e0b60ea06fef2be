"""The drop-off analyzer: the formulas of DESIGN.md and the stop rule, rep by rep."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gates.course import Course
from gates.rep import IMPOSSIBLE, VOIDED, Rep
from gates.sprint_model import time_at_distance
from monitor.session.analyzer import Analyzer, StopRule, Verdict, floor_time_s

COURSE = Course((0, 30))


def rep(number, seconds, athlete="Ann", flags=()):
    us = round(seconds * 1e6)
    return Rep(number, athlete, COURSE, 0, (us,), frozenset(flags))


def test_formulas_against_hand_computed_values():
    a = Analyzer()
    a.add(rep(1, 4.00))
    r = a.add(rep(2, 4.20))
    assert r.best_us == 4_000_000
    assert r.dropoff_pct == pytest.approx(5.0)
    assert r.intensity_pct == pytest.approx(4.0 / 4.2 * 100)
    assert r.sdec_pct == pytest.approx((8.2 / (4.0 * 2) - 1) * 100)


def test_no_verdict_before_two_valid_reps_then_go_caution_end():
    a = Analyzer()
    verdicts = [a.add(rep(n, t)).verdict for n, t in enumerate([4.00, 4.10, 4.30, 4.05, 4.25, 4.30], 1)]
    assert verdicts == [None, Verdict.GO, Verdict.CAUTION, Verdict.GO, Verdict.CAUTION, Verdict.END]
    best, verdict, reason = a.standing("Ann", COURSE)
    assert (best, verdict, reason) == (4_000_000, Verdict.END, "2 reps under 95 % of session best 4.00 s")


def test_end_stays_once_reached():
    a = Analyzer()
    for n, t in enumerate([4.0, 4.3, 4.3], 1):
        a.add(rep(n, t))
    assert a.add(rep(4, 3.9)).verdict is Verdict.END


def test_enter_says_which_rep_took_the_athlete_to_end():
    a = Analyzer()
    ending = [a.enter(rep(n, t))[1] for n, t in enumerate([4.0, 4.3, 4.3, 3.9], 1)]
    ending.append(a.enter(rep(5, 4.0, athlete="Ben"))[1])
    assert ending == [False, False, True, False, False]  # END once, for Ann; later END reps are not new


def test_new_best_resets_the_reference():
    a = Analyzer()
    a.add(rep(1, 4.2))
    r = a.add(rep(2, 4.0))
    assert r.new_best and r.dropoff_pct == 0 and r.verdict is Verdict.GO


def test_flagged_reps_never_become_best_nor_count():
    a = Analyzer()
    a.add(rep(1, 4.0))
    r = a.add(rep(2, 2.0, flags=[IMPOSSIBLE]))
    assert r.verdict is None and r.best_us == 4_000_000
    assert a.add(rep(3, 4.1)).best_us == 4_000_000


def test_volume_cap_ends_the_session():
    a = Analyzer(StopRule(max_reps=3))
    results = [a.add(rep(n, 4.0)) for n in (1, 2, 3)]
    assert results[-1].verdict is Verdict.END and "volume cap" in results[-1].reason


def test_consecutive_one_ends_on_the_first_rep_under_the_floor():
    a = Analyzer(StopRule(consecutive=1))
    a.add(rep(1, 4.0))
    assert a.add(rep(2, 4.4)).verdict is Verdict.END


def test_per_athlete_and_course():
    a = Analyzer()
    a.add(rep(1, 4.0, "Ann"))
    a.add(rep(2, 5.0, "Bob"))
    assert a.add(rep(3, 4.1, "Ann")).best_us == 4_000_000
    long = Rep(4, "Ann", Course((0, 150)), 0, (18_000_000,))
    assert a.add(long).best_us == 18_000_000


def test_revise_voided_rep_recomputes_the_athlete():
    a = Analyzer()
    for n, t in enumerate([4.0, 4.3, 4.3], 1):
        a.add(rep(n, t))
    results = a.revise(rep(3, 4.3, flags=[VOIDED]))
    assert [r.verdict for r in results] == [None, Verdict.CAUTION, None]
    assert a.standing("Ann", COURSE)[1] is Verdict.CAUTION


def test_revise_reassigned_rep_moves_it_between_athletes():
    a = Analyzer()
    a.add(rep(1, 4.0, "Ann"))
    a.add(rep(2, 5.0, "Ann"))
    a.revise(rep(2, 5.0, "Bob"))
    assert a.standing("Ann", COURSE)[0] == 4_000_000
    assert a.standing("Bob", COURSE)[0] == 5_000_000


@pytest.mark.parametrize("kwargs", [{"floor_pct": 0}, {"floor_pct": 101}, {"consecutive": 0}, {"max_reps": 0}])
def test_rule_rejects_nonsense(kwargs):
    with pytest.raises(ValueError):
        StopRule(**kwargs)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(3.5, 6.0), min_size=1, max_size=30))
def test_incremental_equals_batch(times):
    a = Analyzer()
    for n, t in enumerate(times, 1):
        r = a.add(rep(n, t))
    us = [round(t * 1e6) for t in times]
    best = min(us)
    assert r.best_us == best
    assert r.sdec_pct == pytest.approx((sum(us) / (best * len(us)) - 1) * 100)
    assert r.dropoff_pct >= 0 and 0 < r.intensity_pct <= 100


# -- sprint profile per rep ----------------------------------------------------------------------

SPRINT = Course((0, 10, 20, 30))


def sprint(number, mss, tau, athlete="Ann", flags=()):
    """A rep run exactly as the mono-exponential model says (MSS m/s, τ s), from blocks 0.5 m behind
    the start beam (the set-up the profile assumes)."""
    behind = time_at_distance(0.5, mss, tau)
    splits = tuple(round((time_at_distance(d + 0.5, mss, tau) - behind) * 1e6) for d in SPRINT.distances_m[1:])
    return Rep(number, athlete, SPRINT, 0, splits, frozenset(flags))


def test_each_valid_rep_gets_its_profile_and_mss_dropoff_against_the_session_best_mss():
    a = Analyzer(profiles=True)
    first = a.add(sprint(1, 9.0, 1.0))
    second = a.add(sprint(2, 8.55, 1.0))
    assert (first.mss, first.mac) == pytest.approx((9.0, 9.0), rel=1e-3)
    assert first.mss_dropoff_pct == 0
    assert second.mss_dropoff_pct == pytest.approx(5.0, rel=1e-3)
    faster = a.add(sprint(3, 9.5, 1.0))
    assert faster.mss_dropoff_pct == 0
    assert a.add(sprint(4, 9.0, 1.0)).mss_dropoff_pct == pytest.approx((9.5 - 9.0) / 9.5 * 100, rel=1e-3)


def test_no_profile_for_a_rep_that_does_not_count_or_when_profiles_are_off():
    a = Analyzer(profiles=True)
    voided = a.add(sprint(1, 9.0, 1.0, flags=[VOIDED]))
    one_split = a.add(rep(2, 4.0))  # a 0-30 m rep: one split cannot be fitted
    assert voided.profile is None and voided.mss_dropoff_pct is None
    assert one_split.profile is None and one_split.mss is None and one_split.verdict is None
    assert Analyzer().add(sprint(3, 9.0, 1.0)).profile is None


def test_voiding_the_fastest_rep_recomputes_the_mss_dropoff():
    a = Analyzer(profiles=True)
    a.add(sprint(1, 9.5, 1.0))
    assert a.add(sprint(2, 9.0, 1.0)).mss_dropoff_pct > 5
    results = a.revise(sprint(1, 9.5, 1.0, flags=[VOIDED]))
    assert [r.mss_dropoff_pct for r in results] == [None, 0]


# -- personal bests ------------------------------------------------------------------------------

def test_intensity_against_the_pb_and_against_the_best_of_pb_and_today():
    a = Analyzer(pbs={("Ann", COURSE): 3_900_000})
    first = a.add(rep(1, 4.0))
    assert first.pb_us == 3_900_000 and not first.new_pb
    assert first.intensity_pb_pct == pytest.approx(3.9 / 4.0 * 100)
    assert first.intensity_pct == 100
    faster = a.add(rep(2, 3.8))
    assert faster.new_pb and faster.intensity_pb_pct == 100
    after = a.add(rep(3, 4.0))
    assert not after.new_pb and after.intensity_pb_pct == pytest.approx(3.8 / 4.0 * 100)
    assert after.pb_us == 3_900_000  # the PB of earlier sessions; today's best is best_us


def test_no_pb_figures_for_an_athlete_new_to_the_course():
    a = Analyzer(pbs={("Bob", COURSE): 3_900_000})
    r = a.add(rep(1, 4.0))
    assert (r.pb_us, r.intensity_pb_pct, r.new_pb) == (None, None, False)


def test_judged_against_the_pb_a_rep_at_the_session_best_can_be_a_caution_then_an_end():
    pbs = {("Ann", COURSE): 3_800_000}
    against_pb = Analyzer(StopRule(against="pb"), pbs=pbs)
    against_session = Analyzer(pbs=pbs)
    times = [4.05, 4.05, 4.06]  # 93.8 % of the PB, 100 % of today's best
    results = [against_pb.add(rep(n, t)) for n, t in enumerate(times, 1)]
    assert [r.verdict for r in results] == [Verdict.CAUTION, Verdict.END, Verdict.END]  # a verdict from rep 1
    assert results[1].reason == "2 reps under 95 % of PB 3.80 s"
    assert [against_session.add(rep(n, t)).verdict for n, t in enumerate(times, 1)] == [None, Verdict.GO, Verdict.GO]
    caution = Analyzer(StopRule(against="pb", consecutive=3), pbs=pbs)
    assert caution.add(rep(1, 4.05)).verdict is Verdict.CAUTION
    second = caution.add(rep(2, 4.05))
    assert second.verdict is Verdict.CAUTION
    assert second.reason == f"rep under 95 % of PB 3.80 s ({3.8 / 4.05 * 100:.1f} %)"


def test_judged_against_the_pb_without_one_falls_back_to_the_session_best_and_says_so():
    a = Analyzer(StopRule(against="pb"))
    for n, t in enumerate([4.0, 4.3], 1):
        r = a.add(rep(n, t))
    assert r.verdict is Verdict.CAUTION
    assert r.reason == "rep under 95 % of session best 4.00 s, no PB yet (93.0 %)"


def test_the_floor_line_is_the_reference_the_verdict_used_over_its_floor():
    pbs = {("Ann", COURSE): 3_800_000}
    today = Analyzer(StopRule(floor_pct=98.0), pbs=pbs)
    assert floor_time_s(today.add(rep(1, 4.00))) == pytest.approx(4.00 / 0.98)  # the session best, rep 1 on
    assert floor_time_s(Analyzer(StopRule(against="pb"), pbs=pbs).add(rep(1, 4.00))) == pytest.approx(3.80 / 0.95)
    assert floor_time_s(None) is None  # no valid rep yet


def test_rule_rejects_an_unknown_reference():
    with pytest.raises(ValueError, match="against must be one of session, pb"):
        StopRule(against="yesterday")
