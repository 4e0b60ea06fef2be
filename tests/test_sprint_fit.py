"""`gates fit`: the shorts timing-gate models, checked on synthetic truth and on real Brower splits."""

import csv
import json
import subprocess
import sys

import numpy as np
import pytest

from gates.sprint_fit import FitError, fit
from gates.sprint_model import time_at_distance
from shared_fixtures import BROWER_SPLITS as FIXTURE
from shared_fixtures import needs_brower_splits

GATES = [5, 10, 20, 30, 35]


def test_recovers_exact_parameters_for_each_model():
    d = np.array(GATES, float)
    assert fit(GATES, time_at_distance(d, 9.0, 1.1)).mss == pytest.approx(9.0, abs=1e-6)
    tc = fit(GATES, time_at_distance(d, 8.0, 0.9) + 0.2, "tc")
    assert (tc.mss, tc.tau, tc.tc) == pytest.approx((8.0, 0.9, 0.2), abs=1e-6)
    fd = fit(GATES, time_at_distance(d + 0.5, 10.0, 1.2) - time_at_distance(0.5, 10.0, 1.2), "fd")
    assert (fd.mss, fd.tau, fd.fd) == pytest.approx((10.0, 1.2, 0.5), abs=1e-5)
    assert fd.pmax == pytest.approx(10.0 * (10.0 / 1.2) / 4, rel=1e-5)


@needs_brower_splits
def test_every_real_athlete_in_the_brower_splits_fits_plausibly():
    rows = list(csv.DictReader(FIXTURE.open()))
    assert len(rows) > 40
    for row in rows:
        times = [float(row[f"{g}m"]) for g in GATES]
        simple, corrected = fit(GATES, times), fit(GATES, times, "tc")
        assert 5.5 < simple.mss < 11 and 5.5 < corrected.mss < 11, row["Athlete"]
        assert simple.rmse_s < 0.05 and corrected.rmse_s <= simple.rmse_s + 1e-9, row["Athlete"]


@pytest.mark.parametrize("distances, times, message", [
    ([5, 10], [1.2, 2.0], "need at least 3 splits"),
    ([5, 10, 20], [1.2, 2.0], "3 distances but 2 times"),
    ([10, 5, 20], [1.2, 2.0, 3.4], "must both increase"),
    ([5, 10, 20], [1.2, -2.0, 3.4], "must be positive"),
])
def test_bad_splits_are_refused(distances, times, message):
    with pytest.raises(FitError, match=message):
        fit(distances, times)


def gates(*args):
    return subprocess.run([sys.executable, "-m", "monitor", "fit", *args], capture_output=True, text=True, timeout=60)


def test_cli_prints_the_profile_and_json():
    args = ["--distances", "5,10,20,30,35", "--times", "1.21,1.99,3.38,4.71,5.36"]
    text = gates(*args)
    assert text.returncode == 0 and "MSS" in text.stdout and "PMAX" in text.stdout
    data = json.loads(gates(*args, "--correction", "tc", "--json").stdout)
    assert set(data) == {"mss", "mac", "tau", "pmax", "correction", "tc", "fd", "rmse_s", "residuals_s"}
    assert data["tc"] is not None and data["fd"] is None


def test_cli_bad_input_is_one_line():
    proc = gates("--distances", "5,ten", "--times", "1,2")
    assert proc.returncode == 2 and "--distances '5,ten' is not a comma-separated list" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
