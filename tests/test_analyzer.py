"""The drop-off analyzer: the formulas of DESIGN.md and the stop rule, rep by rep."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gates.course import Course
from gates.rep import IMPOSSIBLE, VOIDED, Rep
from monitor.analyzer import Analyzer, StopRule, Verdict

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
    assert (best, verdict, reason) == (4_000_000, Verdict.END, "2 reps under 95 % of best 4.00 s")


def test_end_stays_once_reached():
    a = Analyzer()
    for n, t in enumerate([4.0, 4.3, 4.3], 1):
        a.add(rep(n, t))
    assert a.add(rep(4, 3.9)).verdict is Verdict.END


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
