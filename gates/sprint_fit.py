"""The sprint profile of one set of splits: MSS, MAC, τ and PMAX fitted to the mono-exponential model.

Source: Samozino et al. 2016; the `shorts` R package (Jovanović & Vescovi), whose timing-gate models
this follows: `model_timing_gates` (time = T(d)), `_TC` (time = T(d) + TC, for a start that triggers
the first gate late or early) and `_FD` (time = T(d + FD) − T(FD), for a flying distance run before
the start gate). PMAX = MSS·MAC/4 is relative power (W/kg). Least squares by Levenberg–Marquardt in
numpy, with MSS, τ and FD fitted on a log scale so they stay positive.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gates.sprint_model import time_at_distance

CORRECTIONS = ("none", "tc", "fd")


class FitError(ValueError):
    """Splits that cannot be fitted: too few, not increasing, or no convergence."""


@dataclass(frozen=True, slots=True)
class SprintProfile:
    mss: float  # maximal sprinting speed, m/s
    tau: float  # relative acceleration time constant, s
    correction: str
    tc: float | None  # time correction, s
    fd: float | None  # flying distance, m
    rmse_s: float
    residuals_s: tuple[float, ...]  # observed − predicted

    @property
    def mac(self) -> float:
        return self.mss / self.tau

    @property
    def pmax(self) -> float:
        return self.mss * self.mac / 4.0


def _predict(params: np.ndarray, d: np.ndarray, correction: str) -> np.ndarray:
    mss, tau = np.exp(params[0]), np.exp(params[1])
    if correction == "tc":
        return time_at_distance(d, mss, tau) + params[2]
    if correction == "fd":
        fd = np.exp(params[2])
        return time_at_distance(d + fd, mss, tau) - time_at_distance(fd, mss, tau)
    return time_at_distance(d, mss, tau)


def fit(distances_m: list[float], times_s: list[float], correction: str = "none") -> SprintProfile:
    if correction not in CORRECTIONS:
        raise FitError(f"correction must be one of {', '.join(CORRECTIONS)}, not {correction!r}")
    d, t = np.asarray(distances_m, float), np.asarray(times_s, float)
    n_params = 2 if correction == "none" else 3
    if d.shape != t.shape:
        raise FitError(f"{len(d)} distances but {len(t)} times: give one time per distance")
    if len(d) < n_params + 1:
        raise FitError(f"need at least {n_params + 1} splits to fit {n_params} parameters, got {len(d)}")
    if not (np.all(np.isfinite(d)) and np.all(np.isfinite(t))) or np.any(d <= 0) or np.any(t <= 0):
        raise FitError("distances and times must be positive numbers")
    if np.any(np.diff(d) <= 0) or np.any(np.diff(t) <= 0):
        raise FitError("distances and times must both increase")
    mss0 = 1.05 * (d[-1] - d[-2]) / (t[-1] - t[-2])  # last segment: close to top speed
    start = [np.log(mss0), np.log(1.0)] + ([0.0] if correction == "tc" else [np.log(0.5)] * (correction == "fd"))
    params = _levenberg_marquardt(np.array(start), d, t, correction)
    residuals = t - _predict(params, d, correction)
    return SprintProfile(
        mss=float(np.exp(params[0])), tau=float(np.exp(params[1])), correction=correction,
        tc=float(params[2]) if correction == "tc" else None,
        fd=float(np.exp(params[2])) if correction == "fd" else None,
        rmse_s=float(np.sqrt(np.mean(residuals ** 2))), residuals_s=tuple(float(r) for r in residuals),
    )


def _levenberg_marquardt(p: np.ndarray, d: np.ndarray, t: np.ndarray, correction: str) -> np.ndarray:
    def residual(q: np.ndarray) -> np.ndarray:
        with np.errstate(all="ignore"):
            r = _predict(q, d, correction) - t
        return r if np.all(np.isfinite(r)) else np.full_like(t, np.inf)

    r = residual(p)
    cost, lam = float(r @ r), 1e-3
    for _ in range(500):
        jac = np.empty((len(t), len(p)))
        for j in range(len(p)):
            step = np.zeros_like(p)
            step[j] = 1e-7 * max(1.0, abs(p[j]))
            jac[:, j] = (residual(p + step) - r) / step[j]
        if not np.all(np.isfinite(jac)):
            break
        a, g = jac.T @ jac, jac.T @ r
        while lam < 1e12:
            try:
                delta = np.linalg.solve(a + lam * np.diag(np.diag(a) + 1e-12), -g)
            except np.linalg.LinAlgError:
                lam *= 10
                continue
            trial = residual(p + delta)
            trial_cost = float(trial @ trial)
            if trial_cost < cost:
                p, r, lam = p + delta, trial, max(lam / 10, 1e-12)
                converged = cost - trial_cost <= 1e-15 * max(cost, 1e-30) or np.max(np.abs(delta)) < 1e-12
                cost = trial_cost
                break
            lam *= 10
        else:
            return p  # no step lowers the cost any more: this is the minimum
        if converged:
            return p
    if not np.isfinite(cost):
        raise FitError("the splits do not fit the sprint model")
    return p
