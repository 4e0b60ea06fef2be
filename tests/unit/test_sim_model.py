"""The sprint model and the athletes: Lambert W against known values, the closed form against the
kinematics, and preset athletes against real split times (the Vescovi & Brower gate data)."""

import csv
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulators.athletes import Fatigue, group, presets
from gates.sprint_model import distance_at_time, lambert_w0, mac, time_at_distance, velocity_at_time
from support.shared_fixtures import BROWER_SPLITS as FIXTURE
from support.shared_fixtures import needs_brower_splits


@pytest.mark.parametrize(("z", "w"), [
    (0.0, 0.0),
    (1.0, 0.5671432904097838),  # the omega constant
    (math.e, 1.0),
    (-1 / math.e, -1.0),  # the branch point
    (-math.log(2) / 2, -math.log(2)),  # -ln2 * e^-ln2
    (2 * math.log(2), math.log(2)),
    (10.0, 1.7455280027406994),
    (1e10, 20.028685413304952),
    (-0.1, -0.11183255915896297),
])
def test_lambert_w0_known_values(z, w):
    assert lambert_w0(z) == pytest.approx(w, rel=1e-13, abs=1e-15)


@settings(max_examples=200, deadline=None)
@given(st.floats(min_value=-1 / math.e, max_value=1e12))
def test_lambert_w0_inverts_w_exp_w(z):
    w = lambert_w0(z)
    assert w >= -1.0
    assert w * math.exp(w) == pytest.approx(z, rel=1e-12, abs=1e-15)


def test_lambert_w0_vectorised_and_refuses_below_the_branch_point():
    z = np.array([-1 / math.e, -0.2, 0.0, 5.0])
    assert np.allclose(lambert_w0(z) * np.exp(lambert_w0(z)), z, rtol=1e-13, atol=1e-16)
    with pytest.raises(ValueError):
        lambert_w0(-0.5)


@settings(max_examples=200, deadline=None)
@given(d=st.floats(min_value=0.0, max_value=400.0), mss=st.floats(min_value=5.0, max_value=12.5),
       tau=st.floats(min_value=0.5, max_value=2.0))
def test_time_at_distance_inverts_distance_at_time(d, mss, tau):
    t = time_at_distance(d, mss, tau)
    assert distance_at_time(t, mss, tau) == pytest.approx(d, abs=1e-9)


def test_time_at_distance_matches_the_start_and_the_top_speed():
    mss, tau = 9.0, 1.1
    assert time_at_distance(0.0, mss, tau) == 0.0
    # from rest the athlete covers d ≈ MAC t²/2 at first
    d = 1e-6
    assert time_at_distance(d, mss, tau) == pytest.approx(math.sqrt(2 * d / mac(mss, tau)), rel=2e-4)
    # far out the athlete runs at MSS and has lost τ to the acceleration
    assert time_at_distance(400.0, mss, tau) == pytest.approx(400.0 / mss + tau, rel=1e-12)
    assert velocity_at_time(50.0, mss, tau) == pytest.approx(mss)


@needs_brower_splits
def test_plausible_profiles_give_splits_within_real_gate_data():
    """Fit-free: team-sport profiles from a 0.5 m standing start land inside the real splits' range."""
    with FIXTURE.open(newline="") as f:
        rows = list(csv.DictReader(f))
    distances = [5, 10, 20, 30, 35]
    real = np.array([[float(row[f"{d}m"]) for d in distances] for row in rows])
    low, high = real.min(axis=0), real.max(axis=0)
    for mss in (7.0, 7.4, 7.8):
        for tau in (0.9, 1.0, 1.1):  # MAC 6.4-8.7 m/s²
            t0 = time_at_distance(0.5, mss, tau)
            model = np.array([time_at_distance(0.5 + d, mss, tau) - t0 for d in distances])
            assert np.all(model >= low - 0.05) and np.all(model <= high + 0.05), (mss, tau, model, low, high)
    # and the data's median runner sits inside that family: 30 m between the fastest and slowest profile
    median_30 = float(np.median(real[:, 3]))
    fast = time_at_distance(30.5, 7.8, 0.9) - time_at_distance(0.5, 7.8, 0.9)
    slow = time_at_distance(30.5, 7.0, 1.1) - time_at_distance(0.5, 7.0, 1.1)
    assert fast < median_30 < slow


def test_presets_spread_mss_over_7_to_11_and_differ():
    group6 = presets(6)
    mss = [a.mss for a in group6]
    assert mss[0] == 11.0 and mss[-1] == 7.0
    assert len(set(mss)) == 6
    assert [a.name for a in group6] == ["Ada", "Ben", "Cleo", "Dev", "Eva", "Finn"]
    assert all(7.5 < a.mac < 10 for a in group6)
    assert presets(1)[0].mss == 9.0
    assert presets(6) == group6  # presets are fixed, not drawn


def test_group_takes_a_count_or_names():
    assert [a.name for a in group("Sam, Kim")] == ["Sam", "Kim"]
    assert len(group("13")) == 13 and group("13")[12].name == "Athlete13"
    for bad in ("0", "", "a,,b", "a,a", "256"):
        with pytest.raises(ValueError):
            group(bad)


def test_fatigue_holds_then_falls_linearly():
    f = Fatigue(fresh_load=3, loss_pct=2.0)
    assert [f.factor(x) for x in (0, 3)] == [1.0, 1.0]
    assert f.factor(5) == pytest.approx(0.96)
    assert f.factor(1000) == 0.5
