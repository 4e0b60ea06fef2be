"""A rep's sprint profile: fitted from its own splits with the model of its start, absent where it
cannot be. Splits are made as the simulator makes them (simulators/session.py `schedule`): the model
from the first movement, `run_in` metres before the start beam."""

import numpy as np
import pytest

from gates.course import Course
from gates.rep import IMPOSSIBLE, Rep
from gates.rep_profile import StartSetup, rep_profile
from gates.sprint_model import time_at_distance

COURSE = Course((0.0, 10.0, 20.0, 30.0))


def rep_of(splits, flags=frozenset(), course=COURSE):
    return Rep(1, "Ada", course, 0, tuple(splits), frozenset(flags))


ON_THE_BEAM = StartSetup("standing", 0.0)


def model_splits(mss, tau, course=COURSE, run_in=0.0):
    d = np.array(course.distances_m[1:]) - course.distances_m[0]
    t = time_at_distance(d + run_in, mss, tau) - time_at_distance(run_in, mss, tau)
    return [int(round(x * 1e6)) for x in t]


def test_recovers_the_athlete_it_was_made_from():
    profile = rep_profile(rep_of(model_splits(9.5, 1.1)), ON_THE_BEAM)
    assert (profile.mss, profile.tau) == pytest.approx((9.5, 1.1), rel=1e-3)


def test_by_default_the_start_is_half_a_metre_behind_the_beam():
    """Three splits: FD fixed at the run-in (two parameters); the plain model would be far off."""
    splits = model_splits(11.0, 1.25, run_in=0.5)
    profile = rep_profile(rep_of(splits))
    assert (profile.mss, profile.tau, profile.fd) == pytest.approx((11.0, 1.25, 0.5), rel=1e-3)
    assert rep_profile(rep_of(splits), ON_THE_BEAM).mac > 1.5 * profile.mac


def test_with_four_splits_or_more_the_flying_distance_is_fitted():
    course = Course((0.0, 5.0, 10.0, 20.0, 30.0))
    profile = rep_profile(rep_of(model_splits(9.0, 1.0, course, run_in=0.8), course=course))
    assert (profile.correction, profile.mss, profile.tau, profile.fd) == pytest.approx(("fd", 9.0, 1.0, 0.8), rel=1e-3)


@pytest.mark.parametrize("course", [COURSE, Course((0.0, 5.0, 10.0, 20.0, 30.0))], ids=["3 splits", "4 splits"])
def test_a_flying_start_after_its_run_in(course):
    splits = model_splits(10.0, 1.2, course, run_in=20.0)
    profile = rep_profile(rep_of(splits, course=course), StartSetup("flying", 20.0))
    assert profile.mss == pytest.approx(10.0, rel=1e-3)
    assert profile.mac == pytest.approx(10.0 / 1.2, rel=0.05)


def test_a_start_setup_that_cannot_be_is_refused():
    with pytest.raises(ValueError, match="start must be one of"):
        StartSetup("crouch")
    with pytest.raises(ValueError, match="run-in must be 0 to 50 m"):
        StartSetup("flying", float("nan"))


def test_distances_count_from_the_start_gate():
    course = Course((5.0, 15.0, 25.0, 35.0))
    profile = rep_profile(rep_of(model_splits(9.0, 1.0, course, run_in=0.5), course=course))
    assert profile.mss == pytest.approx(9.0, rel=1e-3)


def test_no_profile_for_a_rep_that_does_not_count_or_cannot_be_fitted():
    assert rep_profile(rep_of(model_splits(9.5, 1.1), {IMPOSSIBLE})) is None
    missed = model_splits(9.5, 1.1)
    missed[0] = None
    assert rep_profile(rep_of(missed)) is None  # two splits left: too few for two parameters
    assert rep_profile(rep_of([4_000_000], course=Course((0.0, 30.0)))) is None
