"""A rep's sprint profile: fitted from its own splits, absent where it cannot be."""

import numpy as np
import pytest

from gates.course import Course
from gates.rep import IMPOSSIBLE, Rep
from gates.rep_profile import rep_profile
from gates.sprint_model import time_at_distance

COURSE = Course((0.0, 10.0, 20.0, 30.0))


def rep_of(splits, flags=frozenset(), course=COURSE):
    return Rep(1, "Ada", course, 0, tuple(splits), frozenset(flags))


def model_splits(mss, tau, course=COURSE):
    d = np.array(course.distances_m[1:]) - course.distances_m[0]
    return [int(round(t * 1e6)) for t in time_at_distance(d, mss, tau)]


def test_recovers_the_athlete_it_was_made_from():
    profile = rep_profile(rep_of(model_splits(9.5, 1.1)))
    assert (profile.mss, profile.tau) == pytest.approx((9.5, 1.1), rel=1e-3)


def test_distances_count_from_the_start_gate():
    course = Course((5.0, 15.0, 25.0, 35.0))
    profile = rep_profile(rep_of(model_splits(9.0, 1.0, course), course=course))
    assert profile.mss == pytest.approx(9.0, rel=1e-3)


def test_no_profile_for_a_rep_that_does_not_count_or_cannot_be_fitted():
    assert rep_profile(rep_of(model_splits(9.5, 1.1), {IMPOSSIBLE})) is None
    missed = model_splits(9.5, 1.1)
    missed[0] = None
    assert rep_profile(rep_of(missed)) is None  # two splits left: too few for two parameters
    assert rep_profile(rep_of([4_000_000], course=Course((0.0, 30.0)))) is None
