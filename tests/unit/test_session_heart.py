"""The pure ties between heart rate and reps (monitor/session/heart.py): where a finish falls on the
host clock, the READY threshold from the athlete's own values, and READY as an extra condition that
never shortens a rest. The threshold's worked example is Polar's Karvonen example (support.polar.com,
"Heart rate reserve"), as gates/hr_recovery.py cites it."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from gates.course import Course
from gates.heartrate import Contact, HrSample
from gates.hr_recovery import Readiness
from gates.rep import Rep
from monitor.session.analyzer import RepResult, StopRule
from monitor.session.heart import (
    MIN_RESERVE_BPM,
    HeartSettings,
    athlete_heart,
    finish_ns,
    minimum_rest_s,
    threshold,
)

S = 1_000_000_000
COURSE = Course.parse("0,10,20,30")


def samples(bpms, start_ns=0, step_ns=S, contact=Contact.OK):
    return [HrSample("C0:FF:EE:00:10:01", start_ns + i * step_ns, b, contact) for i, b in enumerate(bpms)]


def test_the_finish_is_placed_by_the_least_delayed_event_of_the_rep():
    rep = Rep(1, "Ada", COURSE, 1_000_000, (1_500_000, 2_600_000, 3_700_000))
    host = 10**12
    points = sorted([(1_000_000, host + 1_000_000_000 + 30_000_000), (2_500_000, host + 2_500_000_000 + 9_000_000),
                     (4_700_000, host + 4_700_000_000 + 12_000_000),  # the finish itself, late by resend
                     (9_000_000, host)])  # another rep's event, outside this one: not used
    assert finish_ns(rep, points) == host + 4_700_000_000 + 9_000_000
    assert finish_ns(Rep(2, "Ada", COURSE, 0, (None, None, None)), points) is None


def test_the_threshold_is_the_athletes_own_and_the_coach_can_fix_it():
    assert threshold("Ada", [], HeartSettings(resting={"Ada": 50}, peaks={"Ada": 190})) == 120  # 50 + 0.5 × 140
    assert threshold("Ada", [], HeartSettings(fraction=0.6, resting={"Ada": 50}, peaks={"Ada": 190})) == 134
    assert threshold("Ada", [], HeartSettings(fixed={"Ada": 110})) == 110
    warm_up = samples([80, 82, 85, 88, 90, 92, 95, 97])  # nothing hard run yet: no reserve to take a share of
    assert threshold("Ada", warm_up, HeartSettings()) is None
    sprinted = samples([80] * 5 + [175] * 5)
    assert threshold("Ada", sprinted, HeartSettings()) == 80 + (175 - 80) // 2
    assert threshold("Ada", sprinted, HeartSettings(resting={"Ada": 52})) == 52 + (175 - 52) // 2
    assert 175 - 80 >= MIN_RESERVE_BPM


def test_without_a_plan_the_rest_is_a_minute_per_10_m_and_a_plan_rest_counts():
    assert minimum_rest_s(StopRule(), COURSE) == 180.0
    assert minimum_rest_s(StopRule(min_rest_s=45.0), COURSE) == 45.0


@given(rest_s=st.floats(0, 600), elapsed_s=st.floats(0, 900), bpm=st.integers(40, 200),
       limit=st.one_of(st.none(), st.integers(60, 180)))
def test_ready_never_comes_before_the_rest_is_over_and_needs_the_heart_down(rest_s, elapsed_s, bpm, limit):
    finish = 100 * S
    now = finish + round(elapsed_s * S)
    heart = samples([bpm] * 3, start_ns=now - 2 * S)
    result = RepResult(Rep(1, "Ada", COURSE, 0, (1_000_000, 2_000_000, 3_000_000)))
    shown = athlete_heart("Ada", heart, now, threshold_bpm=limit, last=(result, finish), rest_s=rest_s)
    if now < finish + round(rest_s * S):
        assert shown.readiness is Readiness.RESTING
    elif limit is not None and bpm >= limit:
        assert shown.readiness is Readiness.HR_HIGH
    else:
        assert shown.readiness is Readiness.READY
    assert shown.bpm == bpm and shown.last.number == 1


def test_lost_contact_is_no_reading_and_ready_waits_for_one():
    result = RepResult(Rep(1, "Ada", COURSE, 0, (1_000_000, 2_000_000, 3_000_000)))
    lost = samples([0] * 6, start_ns=400 * S, contact=Contact.LOST)
    shown = athlete_heart("Ada", lost, 405 * S, threshold_bpm=120, last=(result, 100 * S), rest_s=180)
    assert (shown.bpm, shown.contact, shown.readiness) == (None, Contact.LOST, Readiness.NO_HR)
