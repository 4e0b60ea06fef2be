"""`gates fit`: the shorts timing-gate models, checked against shorts' own published outputs, the
simulator's athletes and real Brower splits."""

import csv
import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gates.course import Course
from gates.sprint_fit import MSS_RANGE, FitError, fit
from gates.sprint_model import reduced_time, time_at_distance
from simulators.athletes import AthleteProfile, Fatigue, presets
from simulators.plans import Block, Plan, Start
from simulators.session import SessionConfig, schedule
from support.shared_fixtures import BROWER_SPLITS as FIXTURE
from support.shared_fixtures import needs_brower_splits
from support.cli import gates as run_gates

GATES = [5, 10, 20, 30, 35]

# shorts' `split_times` data set, athlete Kimberley (README of mladenjovanovic/shorts)
KIMBERLEY = ([5, 10, 15, 20, 30, 40], [1.158, 1.893, 2.541, 3.149, 4.313, 5.444])
# shorts' vignette "shorts: An R Package for Modeling Short Sprints", 40 m with gates every 10 m
VIGNETTE = ([10, 20, 30, 40], [2.17, 3.43, 4.60, 5.73])
# Usain Bolt's 2009 60 m splits and his 0.183 s reaction time (shorts' "sprint-corrections" vignette)
BOLT = ([10, 20, 30, 40, 50, 60], [1.963, 2.983, 3.883, 4.763, 5.643, 6.493])
# "Jack" of the vignettes: MSS 9, TAU 1.3, a start 0.5 m behind the first gate (5-40 m), made with the
# model. shorts adds N(0, 1e-5 s) noise (set.seed(1667)) that cannot be reproduced here, so only the
# parameters are compared: the noise moves them far below the printed digits, the statistics not.
JACK_D = [5, 10, 20, 30, 40]
JACK = (JACK_D, list(time_at_distance(np.array(JACK_D, float) + 0.5, 9.0, 1.3) - time_at_distance(0.5, 9.0, 1.3)))
README_1X = "mladenjovanovic/shorts README.md @ d797b436 (shorts 1.x, model_using_splits)"
README_2X = "mladenjovanovic/shorts README.md @ 06d389ed (shorts 2.x, model_timing_gates)"
VIGNETTE_1X = "mladenjovanovic/shorts docs/articles/shorts.html @ 7795e68d (shorts 1.1.5 vignette)"
# The knitted 1.x "sprint-corrections" vignette of mladenjovanovic/shorts; the index stores this version
# of it without its path (it is not vignettes/sprint-corrections.Rmd @ 8dd4fd8d, which is unknitted).
CORRECTIONS_1X = "mladenjovanovic/shorts vignette sprint-corrections, knitted (shorts 1.x)"

# Published printouts, copied digit for digit. Residual signs: shorts 1.x printed predicted − observed,
# 2.x observed − predicted (as here), so minErr/maxErr are only taken from the 2.x README.
PUBLISHED = [
    pytest.param(KIMBERLEY, "none", 0.0, {
        # print(kimberley_profile) and summary(kimberley_profile)$coefficients
        "mss": "8.5911", "tau": "0.8113", "mac": "10.589", "pmax": "22.743", "rse_s": "0.0340",
        "r2": "0.9997", "max_abs_err_s": "0.0529", "rmse_s": "0.0278", "mae_s": "0.0233", "mape_pct": "1.1926",
    }, id=f"Kimberley, no correction: {README_1X}"),
    pytest.param(KIMBERLEY, "none", 0.0, {"min_err_s": "-0.053", "max_err_s": "0.027"},
                 id=f"Kimberley, no correction, residual signs: {README_2X}"),
    pytest.param(KIMBERLEY, "none", 0.3, {
        # kimberley_profile_fixed_TC: model_timing_gates(distance, time + 0.3); MAPE is relative to time + 0.3
        "mss": "9.1278", "tau": "1.3776", "mac": "6.6", "pmax": "15.1", "rse_s": "0.0100", "r2": "1.0000",
        "min_err_s": "-0.0077", "max_err_s": "0.0164", "max_abs_err_s": "0.0164", "rmse_s": "0.0081",
        "mae_s": "0.0064", "mape_pct": "0.2857",
    }, id=f"Kimberley, fixed time correction 0.3 s: {README_2X}"),
    pytest.param(KIMBERLEY, "tc", 0.0, {
        # model_using_splits_with_time_correction (1.x) = model_timing_gates_TC (2.x: 8.97 1.23 7.27 16.31 0.23)
        "mss": "8.975", "tau": "1.235", "mac": "7.268", "pmax": "16.307", "tc": "0.235", "rse_s": "0.001129",
        "r2": "1.000000", "max_abs_err_s": "0.001209", "rmse_s": "0.000798", "mae_s": "0.000659",
        "mape_pct": "0.028235",
    }, id=f"Kimberley, estimated TC: {README_1X}"),
    pytest.param(KIMBERLEY, "fd", 0.0, {
        "mss": "9.0", "tau": "1.3", "mac": "7.0", "pmax": "15.7", "fd": "0.3", "rse_s": "0.00039", "r2": "1.00000",
        "min_err_s": "-0.00040", "max_err_s": "0.00046", "max_abs_err_s": "0.00046", "rmse_s": "0.00028",
        "mae_s": "0.00024", "mape_pct": "0.00783",
    }, id=f"Kimberley, estimated FD: {README_2X}"),
    pytest.param(VIGNETTE, "none", 0.0, {
        # m1 and summary(m1$model)
        "mss": "9.0121", "tau": "1.3083", "mac": "6.89", "pmax": "15.52", "rse_s": "0.00249", "r2": "1.00000",
        "max_abs_err_s": "0.00265", "rmse_s": "0.00176", "mae_s": "0.00157", "mape_pct": "0.04742",
    }, id=f"10-40 m splits: {VIGNETTE_1X}"),
    pytest.param(JACK, "none", 0.0, {"mss": "8.49", "tau": "0.704", "mac": "12.06", "pmax": "25.6"},
                 id=f"Jack's flying start, no correction: {VIGNETTE_1X}"),
    pytest.param(JACK, "tc", 0.0, {"mss": "8.958", "tau": "1.216", "mac": "7.367", "pmax": "16.499", "tc": "0.284"},
                 id=f"Jack's flying start, estimated TC (jack_LOOCV): {CORRECTIONS_1X}"),
    # bolt_model: m1 no correction, m2 time_correction = -RT, m3 estimated TC, m4 estimated TC on time - RT
    pytest.param(BOLT, "none", 0.0, {"mss": "12.1", "tau": "1.564", "mac": "7.77", "pmax": "23.6"},
                 id=f"Bolt, no correction: {CORRECTIONS_1X}"),
    pytest.param(BOLT, "none", -0.183, {"mss": "11.7", "tau": "1.205", "mac": "9.74", "pmax": "28.6"},
                 id=f"Bolt, reaction time as a fixed correction: {CORRECTIONS_1X}"),
    pytest.param(BOLT, "tc", 0.0, {"mss": "11.7", "tau": "1.202", "mac": "9.76", "pmax": "28.6", "tc": "-0.18483"},
                 id=f"Bolt, estimated TC: {CORRECTIONS_1X}"),
    pytest.param(BOLT, "tc", -0.183, {"mss": "11.7", "tau": "1.202", "mac": "9.76", "pmax": "28.6", "tc": "-0.00183"},
                 id=f"Bolt, estimated TC after the reaction time: {CORRECTIONS_1X}"),
]


@pytest.mark.parametrize("splits, correction, time_correction, printed", PUBLISHED)
def test_reproduces_shorts_published_outputs(splits, correction, time_correction, printed):
    profile = fit(*splits, correction, time_correction=time_correction)
    for name, text in printed.items():
        decimals = len(text.split(".")[1])
        assert round(getattr(profile, name), decimals) == float(text), (name, getattr(profile, name), text)


def test_the_fit_is_the_least_squares_optimum_of_the_lambert_w_model():
    """Independent of the fitter's own solver and Jacobian: from the fitted parameters, a Gauss-Newton
    step built from central differences of the numpy Lambert-W form does not move them."""
    d = np.array(KIMBERLEY[0], float)
    t = np.array(KIMBERLEY[1])
    for correction, model in [
        ("none", lambda m, tau: time_at_distance(d, m, tau)),
        ("tc", lambda m, tau, tc: time_at_distance(d, m, tau) - tc),
        ("fd", lambda m, tau, fd: time_at_distance(d + fd, m, tau) - time_at_distance(fd, m, tau)),
    ]:
        profile = fit(*KIMBERLEY, correction)
        best = np.array([profile.mss, profile.tau] + [x for x in (profile.tc, profile.fd) if x is not None])
        jac = np.empty((len(d), len(best)))
        for i in range(len(best)):
            h = np.zeros_like(best)
            h[i] = 1e-6 * max(abs(best[i]), 1.0)
            jac[:, i] = (model(*(best + h)) - model(*(best - h))) / (2 * h[i])
        step = np.linalg.lstsq(jac, t - model(*best), rcond=None)[0]
        assert np.all(np.abs(step) < 1e-7 * np.maximum(np.abs(best), 1.0)), (correction, step)
        assert profile.rmse_s == pytest.approx(float(np.sqrt(np.mean((t - model(*best)) ** 2))), rel=1e-9)


def test_recovers_exact_parameters_for_each_model():
    d = np.array(GATES, float)
    assert fit(GATES, time_at_distance(d, 9.0, 1.1)).mss == pytest.approx(9.0, abs=1e-6)
    tc = fit(GATES, time_at_distance(d, 8.0, 0.9) - 0.2, "tc")  # shorts: time = T(d) − TC
    assert (tc.mss, tc.tau, tc.tc) == pytest.approx((8.0, 0.9, 0.2), abs=1e-6)
    fd = fit(GATES, time_at_distance(d + 0.5, 10.0, 1.2) - time_at_distance(0.5, 10.0, 1.2), "fd")
    assert (fd.mss, fd.tau, fd.fd) == pytest.approx((10.0, 1.2, 0.5), abs=1e-6)
    assert fd.pmax == pytest.approx(10.0 * (10.0 / 1.2) / 4, rel=1e-6)


def test_a_start_exactly_on_the_gate_gives_a_flying_distance_of_zero():
    """FD ≥ 0 is a bound: at it the FD model is the plain model, not a non-converging ln FD → −∞."""
    times = time_at_distance(np.array(GATES, float), 8.0, 1.0) + 0.2  # late trigger: no FD > 0 helps
    plain, flying = fit(GATES, times), fit(GATES, times, "fd")
    assert flying.fd == 0.0
    assert (flying.mss, flying.tau) == pytest.approx((plain.mss, plain.tau), rel=1e-9)
    assert flying.rse_s > plain.rse_s  # one degree of freedom fewer for the same residuals


@pytest.mark.parametrize("correction", ["none", "tc", "fd"])
def test_a_fixed_time_correction_is_added_to_the_splits_for_every_model(correction):
    corrected = fit(*KIMBERLEY, correction, time_correction=0.3)
    shifted = fit(KIMBERLEY[0], [t + 0.3 for t in KIMBERLEY[1]], correction)
    assert (corrected.mss, corrected.tau, corrected.time_correction_s) == pytest.approx((shifted.mss, shifted.tau, 0.3))
    assert corrected.times_s == pytest.approx(shifted.times_s)


def _fitted_runs(athletes, block, course):
    rel = np.asarray(course.distances_m) - course.distances_m[0]
    config = SessionConfig(course=course, athletes=tuple(athletes), plan=Plan("test", "", (block,)), seed=7)
    for run in schedule(config):
        splits_s = [(c - run.crossings_us[0]) / 1e6 for c in run.crossings_us[1:]]
        yield run, splits_s, rel[1:]


def test_recovers_the_simulators_athletes_exactly_without_noise():
    """The simulator places gate crossings with the model after `run_in_m` metres from rest: its splits
    are shorts' FD model with FD = run-in (and the plain model for a start on the line)."""
    course = Course((0.0, 5.0, 10.0, 20.0, 30.0, 40.0))
    calm = [AthleteProfile(p.name, p.mss, p.tau, noise_pct=0.0, stumble_rate=0.0, fatigue=Fatigue(99.0))
            for p in presets(4)]
    for run_in, correction in [(0.5, "fd"), (0.0, "none")]:
        block = Block("sprints", 2, Start.STANDING, run_in_m=run_in)
        for run, splits, rel in _fitted_runs(calm, block, course):
            profile = fit(rel, splits, correction)
            assert (profile.mss, profile.tau) == pytest.approx((run.athlete.mss, run.athlete.tau), rel=1e-6)
            if correction == "fd":
                assert profile.fd == pytest.approx(run_in, rel=1e-5)


def test_recovers_the_simulators_athletes_through_their_noise_and_a_millisecond_timer():
    """Rep-to-rep noise moves each rep's MSS (~0.5-1 %): a rep's fit finds that rep's MSS, and with
    splits rounded to a 1 ms timer still lands within a few per cent of the athlete's own profile."""
    course = Course((0.0, 5.0, 10.0, 20.0, 30.0))
    fresh = [AthleteProfile(p.name, p.mss, p.tau, noise_pct=p.noise_pct, stumble_rate=0.0, fatigue=Fatigue(99.0))
             for p in presets(6)]
    for run, splits, rel in _fitted_runs(fresh, Block("sprints", 3, Start.STANDING), course):
        profile = fit(rel, [round(s, 3) for s in splits], "fd")
        assert profile.mss == pytest.approx(run.form.mss, rel=0.01)
        assert profile.mss == pytest.approx(run.athlete.mss, rel=0.04)
        assert profile.tau == pytest.approx(run.athlete.tau, rel=0.15)
        assert profile.fd == pytest.approx(0.5, abs=0.3)


@needs_brower_splits
def test_every_real_athlete_in_the_brower_splits_fits_in_every_model():
    """No per-athlete shorts output for these splits is published; what must hold: all 52 fit, the
    corrections never fit worse than the plain model, and the values are a sprinter's."""
    rows = list(csv.DictReader(FIXTURE.open()))
    assert len(rows) == 52
    for row in rows:
        times = [float(row[f"{g}m"]) for g in GATES]
        simple, tc, fd = fit(GATES, times), fit(GATES, times, "tc"), fit(GATES, times, "fd")
        for profile in (simple, tc, fd):
            assert 6 < profile.mss < 9 and 0.4 < profile.tau < 2 and profile.r2 > 0.999, row["Athlete"]
        assert tc.rmse_s <= simple.rmse_s + 1e-12 and fd.rmse_s <= simple.rmse_s + 1e-12, row["Athlete"]
        assert -0.1 < tc.tc < 0.5 and 0 <= fd.fd < 1.5, row["Athlete"]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(0.05, 20.0), min_size=1, max_size=8), st.lists(st.floats(0.05, 3.0), min_size=1, max_size=8),
       st.sampled_from(["none", "tc", "fd"]))
def test_any_increasing_splits_give_a_profile_or_a_fit_error(gaps_m, gaps_s, correction):
    n = min(len(gaps_m), len(gaps_s))
    d, t = np.cumsum(gaps_m[:n]).tolist(), np.cumsum(gaps_s[:n]).tolist()
    try:
        profile = fit(d, t, correction)
    except FitError:
        return
    assert all(map(math.isfinite, (profile.mss, profile.tau, profile.pmax, profile.rse_s, profile.mape_pct)))
    assert MSS_RANGE[0] <= profile.mss <= MSS_RANGE[1] and len(profile.residuals_s) == n


@settings(max_examples=200, deadline=None)
@given(st.floats(6.0, 11.0), st.floats(0.6, 1.5), st.lists(st.sampled_from(range(5, 61, 5)), min_size=3, max_size=8,
                                                         unique=True))
def test_any_sprinter_on_any_gates_is_recovered_through_a_millisecond_timer(mss, tau, gates_m):
    d = sorted(gates_m)
    times = [round(t, 3) for t in time_at_distance(np.array(d, float), mss, tau)]
    profile = fit(d, times)
    assert profile.mss == pytest.approx(mss, rel=0.01) and profile.tau == pytest.approx(tau, rel=0.03)
    assert profile.max_abs_err_s < 0.001


@given(st.floats(0.0, 60.0))
def test_the_fitters_reduced_time_solves_the_model_at_every_distance(x):
    """u = t/τ solves u − 1 + e^(−u) = x (the model's d(t) in reduced units), down to the tiny x of a
    short flying distance, where the numpy closed form rounds u to 0 (checked there by the Taylor
    series of u − 1 + e^(−u), free of cancellation)."""
    u, s = reduced_time(x)
    if x < 1e-8:
        assert u * u / 2 - u ** 3 / 6 + u ** 4 / 24 == pytest.approx(x, rel=1e-12, abs=1e-300)
    else:
        assert u == pytest.approx(time_at_distance(x, 1.0, 1.0), rel=1e-9)
        assert u + math.expm1(-u) == pytest.approx(x, rel=1e-9)
    assert s == pytest.approx(-math.expm1(-u), rel=1e-15)


@pytest.mark.parametrize("distances, times, kwargs, message", [
    ([5, 10], [1.2, 2.0], {}, "need at least 3 splits"),
    ([5, 10, 20], [1.2, 2.0, 3.4], {"correction": "tc"}, "need at least 4 splits"),
    ([5, 10, 20], [1.2, 2.0], {}, "3 distances but 2 times"),
    ([10, 5, 20], [1.2, 2.0, 3.4], {}, "must both increase"),
    ([5, 10, 20], [1.2, -2.0, 3.4], {}, "must be positive finite"),
    ([5, 10, 20], [1.2, math.nan, 3.4], {}, "must be positive finite"),
    ([5, 10, math.inf], [1.2, 2.0, 3.4], {}, "must be positive finite"),
    ([5, 10, 20], [1.2, 2.0, 3.4], {"time_correction": -1.2}, "makes the first split 1.2 s zero or negative"),
    ([5, 10, 20], [1.2, 2.0, 3.4], {"time_correction": math.nan}, "time correction must be a finite"),
    ([5, 10, 20], [1.2, 2.0, 3.4], {"correction": "xy"}, "correction must be one of"),
    ([5, 10, 15], [1.0, 1.5, 1.6], {}, "did not converge"),  # 5 m in 0.1 s: MSS runs off to infinity
    ([5, 10, 15], [8.0, 14.0, 20.0], {}, "did not converge to a sprint: MSS outside"),  # a walk
    # a stumble out of the blocks (2.0 s to 10 m, then 0.9 s per 10 m): the curve reads 14.8 m/s
    ([10, 20, 30], [2.0, 3.3, 4.2], {"flying_m": 0.5}, "did not converge to a sprint: MSS outside 1–13 m/s"),
])
def test_bad_splits_are_refused(distances, times, kwargs, message):
    with pytest.raises(FitError, match=message):
        fit(distances, times, **kwargs)


def gates(*args):
    return run_gates("fit", *args)


KIMBERLEY_ARGS = ["--distances", "5,10,15,20,30,40", "--times", "1.158,1.893,2.541,3.149,4.313,5.444"]
STATS = {"timeCorrection", "n", "RSE", "R2", "minErr", "maxErr", "maxAbsErr", "RMSE", "MAE", "MAPE",
         "distances", "times", "predicted", "residuals"}


@pytest.mark.parametrize("correction, estimated", [("none", set()), ("tc", {"TC"}), ("fd", {"FD"})])
def test_cli_json_has_shorts_names_and_the_estimated_correction_only(correction, estimated):
    proc = gates(*KIMBERLEY_ARGS, "--correction", correction, "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert set(data) == {"model", "MSS", "MAC", "TAU", "PMAX"} | estimated | STATS
    direct = fit(*KIMBERLEY, correction)
    assert (data["MSS"], data["TAU"], data["RSE"], data["maxAbsErr"]) == pytest.approx(
        (direct.mss, direct.tau, direct.rse_s, direct.max_abs_err_s))
    assert data["residuals"] == pytest.approx(list(direct.residuals_s)) and data["n"] == 6


def test_cli_text_shows_the_same_figures_and_the_time_correction():
    proc = gates(*KIMBERLEY_ARGS, "--time-correction", "0.3")
    assert proc.returncode == 0, proc.stderr
    assert "+0.3 s added to every split" in proc.stdout
    assert "MSS    9.128 m/s" in proc.stdout and "TAU    1.378 s" in proc.stdout
    assert "RSE 9.97 ms" in proc.stdout and "MAPE 0.286 %" in proc.stdout and "5 m 16.40 ms" in proc.stdout
    data = json.loads(gates(*KIMBERLEY_ARGS, "--time-correction", "0.3", "--json").stdout)
    assert data["timeCorrection"] == 0.3 and data["times"][0] == pytest.approx(1.458)


@pytest.mark.parametrize("args, message", [
    (["--distances", "5,ten", "--times", "1,2"], "--distances '5,ten' is not a comma-separated list of numbers"),
    (["--distances", "5,10,20", "--times", "1,nan,3"], "--times '1,nan,3': every value must be a finite number"),
    (["--distances", "5,10,inf", "--times", "1,2,3"], "--distances '5,10,inf': every value must be a finite"),
    (["--distances", "5,10,20", "--times", "1.2,2"], "3 distances but 2 times"),
    (KIMBERLEY_ARGS + ["--time-correction", "-1.2"], "time correction -1.2 s makes the first split 1.158 s zero"),
    (KIMBERLEY_ARGS + ["--time-correction", "0.3s"], "--time-correction '0.3s' is not a number of seconds"),
    (KIMBERLEY_ARGS + ["--time-correction", "nan"], "--time-correction 'nan': every value must be a finite number"),
    (KIMBERLEY_ARGS + ["--time-correction", "0.2,0.3"], "--time-correction '0.2,0.3' is not a number of seconds"),
    (["--distances", "5,10,15", "--times", "1,1.5,1.6"], "did not converge"),
])
def test_cli_bad_input_is_one_line_and_no_numbers(args, message):
    proc = gates(*args)
    assert proc.returncode == 2 and message in proc.stderr and proc.stdout == ""
    assert len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr
