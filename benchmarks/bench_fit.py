"""Sprint-profile fits per second, per shorts model (`gates.sprint_fit.fit`).

Run: python3 benchmarks/bench_fit.py

Goal: >= 2,000 fits/s on one core for each model (none, tc, fd): the live analyzer fits every rep as it
arrives, and the offline pipeline fits every rep of a capture. The reps are real and simulated: the
52 Brower-gate athletes of the Vescovi fixture (5, 10, 20, 30, 35 m) and 240 simulated reps of the
preset athletes (noise, fatigue, 0.5 m run-in) over 0,5,10,20,30,40 m, rounded to a 1 ms timer.
A rep the fit refuses (a stumble can leave the TC model without a minimum: it runs to the
iteration limit) counts as a fit: the analyzer pays for it all the same. Best of 5 runs; the mean
Levenberg-Marquardt iterations per converged fit are printed too, so a slower machine can be told
apart from a fit that lost its way.
"""

from __future__ import annotations

import csv
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gates.course import Course  # noqa: E402
from gates.sprint_fit import CORRECTIONS, FitError, fit  # noqa: E402
from results import result  # noqa: E402
from simulators.athletes import presets  # noqa: E402
from simulators.plans import get_plan  # noqa: E402
from simulators.session import SessionConfig, schedule  # noqa: E402

GOAL_FITS_PER_S = 2_000
RUNS = 5
FIXTURE = ROOT.parent / "shared" / "fixtures" / "split-times" / "vescovi-brower-gates.csv"
BROWER_GATES = [5.0, 10.0, 20.0, 30.0, 35.0]
COURSE = Course((0.0, 5.0, 10.0, 20.0, 30.0, 40.0))


def brower_reps() -> list[tuple[list[float], list[float]]]:
    with FIXTURE.open() as f:
        return [(BROWER_GATES, [float(row[f"{g:g}m"]) for g in BROWER_GATES]) for row in csv.DictReader(f)]


def simulated_reps() -> list[tuple[list[float], list[float]]]:
    config = SessionConfig(course=COURSE, athletes=tuple(presets(12)), plan=get_plan("rsa").with_reps(20), seed=3)
    rel = [d - COURSE.distances_m[0] for d in COURSE.distances_m[1:]]
    return [(rel, [round((c - run.crossings_us[0]) / 1e6, 3) for c in run.crossings_us[1:]])
            for run in schedule(config)]


def fit_all(reps: list[tuple[list[float], list[float]]], correction: str) -> tuple[int, int]:
    """Total iterations of the fits that converged, and how many reps were refused (FitError)."""
    iterations = refused = 0
    for d, t in reps:
        try:
            iterations += fit(d, t, correction).iterations
        except FitError:
            refused += 1
    return iterations, refused


def fits_per_s(reps: list[tuple[list[float], list[float]]], correction: str) -> tuple[float, float, int]:
    best = float("inf")
    for _ in range(RUNS):
        started = time.perf_counter()
        iterations, refused = fit_all(reps, correction)
        best = min(best, time.perf_counter() - started)
    return len(reps) / best, iterations / (len(reps) - refused), refused


def main() -> int:
    reps = brower_reps() + simulated_reps()
    print(f"{len(reps)} reps: 52 Brower-gate athletes + {len(reps) - 52} simulated (1 ms timer)")
    worst = float("inf")
    for correction in CORRECTIONS:
        rate, iterations, refused = fits_per_s(reps, correction)
        worst = min(worst, rate)
        print(f"model {correction:4s} {rate:8,.0f} fits/s  {1e6 / rate:6.0f} us/fit  "
              f"{iterations:4.1f} iterations/fit  {refused} refused  {rate / GOAL_FITS_PER_S:.2f}x the goal")
        result(f"fit.{correction}", rate, "fits/s", f">={GOAL_FITS_PER_S}")
    ratio = worst / GOAL_FITS_PER_S
    print(f"goal >= {GOAL_FITS_PER_S:,} fits/s for every model: {ratio:.2f}x the goal "
          f"({'met' if ratio >= 1 else 'NOT met'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
