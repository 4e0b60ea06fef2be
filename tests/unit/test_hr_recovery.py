"""HR at a rep's finish, HRR60, the READY threshold and readiness, on host-stamped samples.

HRR60 as exercise testing defines it (HR at the end of exercise minus HR one minute later; Cole et
al. 1999); the threshold as Karvonen's fraction of heart-rate reserve, with Polar's worked example
(support.polar.com, "Heart Rate Reserve, HRR": HRmax 201, HRrest 50, 70 % -> 155 bpm).
"""

from hypothesis import given
from hypothesis import strategies as st

from gates.heartrate import Contact, HrSample
from gates.hr_recovery import (
    MAX_AGE_NS, LiveHr, Readiness, RepHr, finish_host_ns, hr_at, hr_near, live, readiness, ready_threshold, rep_hr, sustained_range,
    trace, usable,
)

S = 1_000_000_000


def series(bpms, start_s=0, every_s=1.0, contact=Contact.OK):
    return [HrSample("strap", round((start_s + i * every_s) * S), bpm, contact) for i, bpm in enumerate(bpms)]


def test_hr_at_is_the_latest_usable_reading_no_older_than_five_seconds():
    samples = series([100, 110, 120, 0, 130])
    samples[3] = HrSample("strap", 3 * S, 0, Contact.LOST)
    assert hr_at(samples, 2 * S) == 120 and hr_at(samples, 2 * S + S // 2) == 120
    assert hr_at(samples, 3 * S) == 120  # contact lost: the last believable reading
    assert hr_at(samples, 4 * S + MAX_AGE_NS) == 130 and hr_at(samples, 4 * S + MAX_AGE_NS + 1) is None
    assert hr_at(samples, -1) is None and hr_at([], 0) is None


def test_a_reps_figure_interpolates_between_the_readings_either_side():
    samples = series([100, 110]) + series([0], start_s=2, contact=Contact.LOST) + series([150], start_s=3)
    assert hr_near(samples, 3 * S // 10) == 103
    assert hr_near(samples[:1], 3 * S // 10) == 100  # live, before the next reading came
    assert hr_near(samples, 2 * S) == 130  # lost contact is stepped over: 110 at 1 s, 150 at 3 s
    assert hr_near(samples, 1 * S) == 110 and hr_near(samples, 10 * S) is None
    assert hr_near(series([100, 110], every_s=7.0), 1 * S) == 100  # the next is too far to lean on


def test_hrr60_is_the_drop_from_the_finish_to_a_minute_later():
    bpms = [150] * 10 + [170, 178, 181, 180] + [175 - i for i in range(80)]
    samples = series(bpms)
    finish = 10 * S
    got = rep_hr(samples, finish)
    assert got == RepHr(finish_bpm=170, after60_bpm=bpms[70], peak_bpm=181)
    assert got.hrr60 == 170 - bpms[70]


def test_live_hrr60_waits_for_the_minute_and_then_agrees_with_review():
    samples = series([170 - i for i in range(100)])
    early = rep_hr(samples[:50], 5 * S, now_ns=49 * S)
    assert early == RepHr(165, None, None) and early.hrr60 is None
    assert rep_hr(samples[:70], 5 * S, now_ns=69 * S) == rep_hr(samples, 5 * S)


def test_no_hr_around_the_finish_gives_no_figures_not_wrong_ones():
    samples = series([120] * 5, start_s=100)
    assert rep_hr(samples, 10 * S, now_ns=200 * S) == RepHr(None, None, None)


def test_the_finish_goes_on_the_host_clock_by_the_least_delayed_event_of_the_rep():
    # start seen 3 ms after it happened, a split 9 ms, the finish 40 s late (it came by resend)
    seen = [(1_000_000, 5_003_000_000), (2_900_000, 6_909_000_000), (4_100_000, 48_000_000_000)]
    assert finish_host_ns(4_100_000, seen) == 8_103_000_000


def test_the_trace_is_seconds_from_the_finish_and_skips_lost_contact():
    samples = series([100, 101, 102, 103]) + series([0], start_s=4, contact=Contact.LOST)
    assert trace(samples, 2 * S, before_ns=1 * S, after_ns=10 * S) == [(-1.0, 101), (0.0, 102), (1.0, 103)]


def test_the_karvonen_default_and_polars_worked_example():
    assert ready_threshold(50, 201, 0.7) == 155
    assert ready_threshold(55, 195) == 125
    for bad in [(60, 60, 0.5), (195, 55, 0.5), (50, 200, 1.0), (50, 200, 0.0), (0, 200, 0.5)]:
        try:
            ready_threshold(*bad)
        except ValueError as err:
            assert "heart-rate reserve" in str(err)
        else:
            raise AssertionError(bad)


def test_sustained_range_ignores_a_single_glitch():
    samples = series([62, 61, 60, 240, 61, 63, 64, 150, 160, 170, 180, 190, 185, 180])
    assert sustained_range(samples) == (61, 180)
    assert sustained_range(samples[:3]) is None


def test_ready_needs_the_rest_over_and_hr_below_the_threshold():
    rest_until = 120 * S
    assert readiness(100 * S, rest_until, 90, 125) is Readiness.RESTING  # HR low, but rest is not over
    assert readiness(130 * S, rest_until, 140, 125) is Readiness.HR_HIGH
    assert readiness(130 * S, rest_until, 125, 125) is Readiness.HR_HIGH
    assert readiness(130 * S, rest_until, 124, 125) is Readiness.READY
    assert readiness(130 * S, rest_until, None, 125) is Readiness.NO_HR
    assert readiness(130 * S, rest_until, None, None) is Readiness.READY  # no strap: rest alone


def test_live_reading_says_contact_and_goes_blank_when_the_strap_is_silent():
    samples = series([120, 121]) + series([0], start_s=2, contact=Contact.LOST)
    assert live(samples, 2 * S) == LiveHr(121, Contact.LOST)
    assert live(samples, 2 * S + MAX_AGE_NS + 1) == LiveHr(None, None)
    assert live([], 0) == LiveHr(None, None)


@given(st.lists(st.integers(0, 300), max_size=120), st.integers(-10, 130), st.integers(0, 200))
def test_hr_never_shortens_a_rest_and_figures_stay_within_the_readings(bpms, finish_s, now_s):
    samples = series(bpms)
    got = rep_hr(samples, finish_s * S)
    seen = [s.bpm for s in samples if usable(s)]  # a figure between two readings is interpolated
    for value in (got.finish_bpm, got.after60_bpm, got.peak_bpm):
        assert value is None or min(seen) <= value <= max(seen)
    for bpm in [None, *bpms[:5]]:
        assert readiness(now_s * S, 100 * S, bpm, 125) is Readiness.RESTING or now_s >= 100
