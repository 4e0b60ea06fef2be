"""The sprint profile of one set of splits: MSS, MAC, τ and PMAX fitted to the mono-exponential model.

Source: Samozino et al. 2016; the `shorts` R package (Jovanović & Vescovi), whose timing-gate models
this follows, with its signs: `model_timing_gates` (time = T(d)), `_TC` (time = T(d) − TC: TC is the
time to add to the splits, e.g. a start that triggered the first gate late) and `_FD` (time =
T(d + FD) − T(FD): a flying distance run before the start gate). A fixed `time_correction` is added
to the splits before any model, as `shorts` users do (Haugen et al. 2012: 0.3–0.5 s). PMAX =
MSS·MAC/4 is relative power (W/kg). Fit statistics are shorts' `model_fit`: RSE = √(RSS/(n − p)),
R² = cor(observed, predicted)², residuals observed − predicted.

Least squares by Levenberg–Marquardt with the analytic Jacobian, in plain Python: a rep has five or
six splits and the live analyzer fits every rep, so per-call numpy overhead would cost more than the
arithmetic. MSS, τ and FD are fitted on a log scale so they stay positive.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from operator import mul

from gates.sprint_model import reduced_time

CORRECTIONS = ("none", "tc", "fd")
MAX_ITERATIONS = 100
# Where a "fit" has run off to values no sprinter has: refused as not converged.
MSS_RANGE = (1.0, 13.0)  # m/s: walking pace to 5 % above the fastest human (Bolt, 12.4 m/s, Berlin 2009)
TAU_RANGE = (0.05, 5.0)  # s: MAC of 200 m/s² to a sprint still accelerating after 15 s
MAX_ABS_TC = 1.5  # s: far beyond a reaction time or a rocking start (Haugen et al. 2012: ≤ 0.7 s)
MAX_FD = 50.0  # m: longer than any run-up before a flying sprint's start gate
# FD ≥ 0 is a bound: splits better fitted by a start "behind" the gate drive ln FD to −∞; once FD is
# below a picometre (a flying part of < 0.1 µs) the bound is active and FD = 0, the plain model.
LN_FD_AT_BOUND = math.log(1e-12)


class FitError(ValueError):
    """Splits that cannot be fitted: too few, not increasing, or no convergence."""


@dataclass(frozen=True, slots=True)
class SprintProfile:
    """One fit. The statistics are properties of the residuals and splits kept here, computed only
    when read: the live analyzer fits every rep but shows few of them."""

    mss: float  # maximal sprinting speed, m/s
    tau: float  # relative acceleration time constant, s
    correction: str
    tc: float | None  # estimated time correction (added to the splits, as in shorts), s
    fd: float | None  # flying distance, m
    rmse_s: float
    residuals_s: tuple[float, ...]  # observed − predicted
    time_correction_s: float  # fixed correction that was added to the splits before fitting
    times_s: tuple[float, ...]  # the splits as fitted: observed + time_correction_s
    iterations: int

    @property
    def mac(self) -> float:
        return self.mss / self.tau

    @property
    def pmax(self) -> float:
        return self.mss * self.mac / 4.0

    @property
    def n_params(self) -> int:
        return 2 if self.correction == "none" else 3

    @property
    def predicted_s(self) -> tuple[float, ...]:
        return tuple(t - r for t, r in zip(self.times_s, self.residuals_s))

    @property
    def rse_s(self) -> float:
        """Residual standard error √(RSS/(n − p)), as R's `summary(nls)$sigma` that shorts reports."""
        return math.sqrt(sum(r * r for r in self.residuals_s) / (len(self.residuals_s) - self.n_params))

    @property
    def r2(self) -> float:
        """Squared correlation of observed and predicted times (shorts' R_squared)."""
        obs, pred = self.times_s, self.predicted_s
        mo, mp = sum(obs) / len(obs), sum(pred) / len(pred)
        sxy = sum((o - mo) * (p - mp) for o, p in zip(obs, pred))
        sxx, syy = sum((o - mo) ** 2 for o in obs), sum((p - mp) ** 2 for p in pred)
        return sxy * sxy / (sxx * syy)

    @property
    def min_err_s(self) -> float:
        return min(self.residuals_s)

    @property
    def max_err_s(self) -> float:
        return max(self.residuals_s)

    @property
    def max_abs_err_s(self) -> float:
        return max(abs(r) for r in self.residuals_s)

    @property
    def mae_s(self) -> float:
        return sum(abs(r) for r in self.residuals_s) / len(self.residuals_s)

    @property
    def mape_pct(self) -> float:
        return 100.0 * sum(abs(r / t) for r, t in zip(self.residuals_s, self.times_s)) / len(self.times_s)


def fit(distances_m: list[float], times_s: list[float], correction: str = "none", *,
        time_correction: float = 0.0, flying_m: float = 0.0) -> SprintProfile:
    """Fit one set of cumulative splits (distances from the start gate, seconds after the start).

    `time_correction` (s) is added to every split first, as shorts' users add 0.3 s for a standing
    start behind the gate; the estimated corrections (`tc`, `fd`) are fitted on top of it.
    `flying_m` fixes the flying distance of the plain model (`none`): the FD model with FD known (a
    start 0.5 m behind the beam), two parameters, so three splits are enough.
    """
    d, t = _checked_splits(distances_m, times_s, correction, time_correction)
    if not (math.isfinite(flying_m) and 0.0 <= flying_m <= MAX_FD) or (flying_m and correction != "none"):
        raise FitError(f"a fixed flying distance is 0 to {MAX_FD:g} m and goes with the plain model only")
    fixed = float(flying_m)
    q, iterations = _levenberg_marquardt(_start(d, t, correction), d, t, correction, fixed)
    model = correction
    if correction == "fd" and q[2] <= LN_FD_AT_BOUND:
        model = "none"
        q, more = _levenberg_marquardt(q[:2], d, t, model)
        iterations += more
    mss, tau = math.exp(q[0]), math.exp(q[1])
    tc = q[2] if correction == "tc" else None
    fd = (math.exp(q[2]) if model == "fd" else 0.0) if correction == "fd" else (fixed or None)
    _check_plausible(mss, tau, tc, fd)
    predicted, _ = _model(q, d, model, fixed)
    residuals = tuple(ti - pi for ti, pi in zip(t, predicted))
    return SprintProfile(
        mss=mss, tau=tau, correction=correction, tc=tc, fd=fd,
        rmse_s=math.sqrt(sum(r * r for r in residuals) / len(residuals)), residuals_s=residuals,
        time_correction_s=float(time_correction), times_s=tuple(t), iterations=iterations,
    )


def _checked_splits(distances_m, times_s, correction, time_correction) -> tuple[list[float], list[float]]:
    if correction not in CORRECTIONS:
        raise FitError(f"correction must be one of {', '.join(CORRECTIONS)}, not {correction!r}")
    d, t = [float(x) for x in distances_m], [float(x) for x in times_s]
    n_params = 2 if correction == "none" else 3
    if len(d) != len(t):
        raise FitError(f"{len(d)} distances but {len(t)} times: give one time per distance")
    if len(d) < n_params + 1:
        raise FitError(f"need at least {n_params + 1} splits to fit {n_params} parameters, got {len(d)}")
    if not all(map(math.isfinite, d + t)) or min(d) <= 0 or min(t) <= 0:
        raise FitError("distances and times must be positive finite numbers")
    if any(b <= a for a, b in zip(d, d[1:])) or any(b <= a for a, b in zip(t, t[1:])):
        raise FitError("distances and times must both increase")
    if not math.isfinite(time_correction):
        raise FitError(f"time correction must be a finite number of seconds, not {time_correction}")
    if t[0] + time_correction <= 0:
        raise FitError(f"time correction {time_correction:+g} s makes the first split {t[0]:g} s zero or negative")
    return d, [x + time_correction for x in t]


def _start(d: list[float], t: list[float], correction: str) -> list[float]:
    """Starting values from the splits themselves: top speed ≈ the last segment's mean speed, and τ
    from the model's asymptote t ≈ d/MSS + τ at the finish."""
    mss = 1.05 * (d[-1] - d[-2]) / (t[-1] - t[-2])
    tau = min(max(t[-1] - d[-1] / mss, 0.3), 2.0)
    q = [math.log(mss), math.log(tau)]
    if correction == "tc":
        q.append(0.0)
    elif correction == "fd":
        q.append(math.log(0.5))
    return q


def _model(q: list[float], d: list[float], correction: str,
           fixed_fd: float = 0.0) -> tuple[list[float], list[list[float]]]:
    """Predicted times and the Jacobian's columns: their derivatives by each fitted parameter
    (ln MSS, ln τ[, TC | ln FD]); `fixed_fd` is a known flying distance for the plain model.

    With u = t/τ at x = d/(MSS·τ) and s = 1 − e^(−u) (so du/dx = 1/s): ∂t/∂ln MSS = −τx/s,
    ∂t/∂ln τ = τ(u − x/s), and ∂t/∂d = 1/(MSS·s), the reciprocal of the speed there.
    """
    mss, tau = math.exp(q[0]), math.exp(q[1])
    k = 1.0 / (mss * tau)
    fd = math.exp(q[2]) if correction == "fd" else fixed_fd
    u0 = a0 = inv_s0 = 0.0  # the flying part: where the athlete is at the start gate
    if fd:  # FD underflowing to 0 divides by zero here: an unusable trial step
        u0, s0 = reduced_time(fd * k)
        a0, inv_s0 = fd * k / s0, 1.0 / s0
    times, by_mss, by_tau, by_fd = [], [], [], []
    for di in d:
        x = (di + fd) * k
        u, s = reduced_time(x)
        a = x / s
        times.append(tau * (u - u0))
        by_mss.append(-tau * (a - a0))
        by_tau.append(tau * ((u - a) - (u0 - a0)))
        by_fd.append(fd * (1.0 / s - inv_s0) / mss)
    if correction == "tc":
        return [ti - q[2] for ti in times], [by_mss, by_tau, [-1.0] * len(d)]
    return times, [by_mss, by_tau, by_fd] if correction == "fd" else [by_mss, by_tau]


def _evaluate(q, d, t, correction, fixed_fd=0.0) -> tuple[float, list[float], list[list[float]]]:
    """Cost (sum of squares), residuals predicted − observed, and the Jacobian's columns; inf where
    the model cannot be evaluated (parameters run off to overflow)."""
    try:
        predicted, jac = _model(q, d, correction, fixed_fd)
    except (OverflowError, ZeroDivisionError, ValueError):
        return math.inf, [], []
    r = [p - ti for p, ti in zip(predicted, t)]
    cost = sum(map(mul, r, r))
    return (cost if math.isfinite(cost) else math.inf), r, jac


def _levenberg_marquardt(q: list[float], d, t, correction, fixed_fd=0.0) -> tuple[list[float], int]:
    """Marquardt's damping of the Gauss-Newton step (scaled by diag(JᵀJ)), until the step or the
    reduction it promises is negligible; minpack's nls.lm (which shorts calls) works the same way."""
    cost, r, jac = _evaluate(q, d, t, correction, fixed_fd)
    if not math.isfinite(cost):
        raise FitError("the splits do not fit the sprint model")
    lam = 1e-3
    for iteration in range(1, MAX_ITERATIONS + 1):
        a = [[sum(map(mul, ci, cj)) for cj in jac] for ci in jac]
        g = [sum(map(mul, ci, r)) for ci in jac]
        while True:
            delta = _solve([[x * (1.0 + lam) + 1e-30 if i == j else x for j, x in enumerate(row)]
                            for i, row in enumerate(a)], [-gi for gi in g])
            if delta is not None:
                # what the linearised model promises: cost − ‖r + Jδ‖² = −(2gᵀδ + δᵀAδ)
                promised = -sum(di * (2.0 * gi + sum(map(mul, row, delta))) for di, gi, row in zip(delta, g, a))
                if promised <= 1e-15 * cost or max(map(abs, delta)) < 1e-12:
                    return q, iteration
                trial = [qi + di for qi, di in zip(q, delta)]
                trial_cost, trial_r, trial_jac = _evaluate(trial, d, t, correction, fixed_fd)
                if trial_cost < cost:
                    break
            lam *= 10.0
            if lam > 1e12:
                return q, iteration  # no step lowers the cost any more: this is the minimum
        q, cost, r, jac = trial, trial_cost, trial_r, trial_jac
        lam = max(lam / 10.0, 1e-12)
        if correction == "fd" and q[2] <= LN_FD_AT_BOUND:
            return q, iteration
    raise FitError(f"the fit did not converge within {MAX_ITERATIONS} iterations")


def _solve(a: list[list[float]], b: list[float]) -> list[float] | None:
    """Cramer's rule for the 2×2 or 3×3 (damped, so well-posed) normal equations; None if singular."""
    if len(b) == 2:
        (a00, a01), (a10, a11) = a
        det = a00 * a11 - a01 * a10
        x = [(b[0] * a11 - a01 * b[1]) / det, (a00 * b[1] - b[0] * a10) / det] if det else None
    else:
        (a00, a01, a02), (a10, a11, a12), (a20, a21, a22) = a
        c0, c1, c2 = a11 * a22 - a12 * a21, a12 * a20 - a10 * a22, a10 * a21 - a11 * a20
        det = a00 * c0 + a01 * c1 + a02 * c2
        if not det:
            return None
        b0, b1, b2 = b
        x = [(b0 * c0 + a01 * (a12 * b2 - b1 * a22) + a02 * (b1 * a21 - a11 * b2)) / det,
             (a00 * (b1 * a22 - a12 * b2) + b0 * c1 + a02 * (a10 * b2 - b1 * a20)) / det,
             (a00 * (a11 * b2 - b1 * a21) + a01 * (b1 * a20 - a10 * b2) + b0 * c2) / det]
    return x if x is not None and all(map(math.isfinite, x)) else None


def _check_plausible(mss: float, tau: float, tc: float | None, fd: float | None) -> None:
    """Refuse, without the numbers, a minimum that no sprinter could have produced."""
    if not MSS_RANGE[0] <= mss <= MSS_RANGE[1]:
        raise FitError(f"the fit did not converge to a sprint: MSS outside {MSS_RANGE[0]:g}–{MSS_RANGE[1]:g} m/s")
    if not TAU_RANGE[0] <= tau <= TAU_RANGE[1]:
        raise FitError(f"the fit did not converge to a sprint: τ outside {TAU_RANGE[0]:g}–{TAU_RANGE[1]:g} s")
    if tc is not None and abs(tc) > MAX_ABS_TC:
        raise FitError(f"the fit did not converge to a sprint: time correction beyond ±{MAX_ABS_TC:g} s")
    if fd is not None and fd > MAX_FD:
        raise FitError(f"the fit did not converge to a sprint: flying distance beyond {MAX_FD:g} m")
