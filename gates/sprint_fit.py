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

from gates.sprint_model import reduced_time

CORRECTIONS = ("none", "tc", "fd")
MAX_ITERATIONS = 100
# Where a "fit" has run off to values no sprinter has: refused as not converged.
MSS_RANGE = (1.0, 15.0)  # m/s: walking pace to well beyond the fastest human (12.4 m/s)
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
        time_correction: float = 0.0) -> SprintProfile:
    """Fit one set of cumulative splits (distances from the start gate, seconds after the start).

    `time_correction` (s) is added to every split first, as shorts' users add 0.3 s for a standing
    start behind the gate; the estimated corrections (`tc`, `fd`) are fitted on top of it.
    """
    d, t = _checked_splits(distances_m, times_s, correction, time_correction)
    q, iterations = _levenberg_marquardt(_start(d, t, correction), d, t, correction)
    model = correction
    if correction == "fd" and q[2] <= LN_FD_AT_BOUND:
        model = "none"
        q, more = _levenberg_marquardt(q[:2], d, t, model)
        iterations += more
    mss, tau = math.exp(q[0]), math.exp(q[1])
    tc = q[2] if correction == "tc" else None
    fd = (math.exp(q[2]) if model == "fd" else 0.0) if correction == "fd" else None
    _check_plausible(mss, tau, tc, fd)
    predicted, _ = _model(q, d, model)
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
    if not math.isfinite(time_correction):
        raise FitError(f"time correction must be a finite number of seconds, not {time_correction}")
    t = [x + time_correction for x in t]
    if min(t) <= 0:
        raise FitError(f"time correction {time_correction:+g} s makes the first split "
                       f"{t[0] - time_correction:g} s zero or negative")
    if any(b <= a for a, b in zip(d, d[1:])) or any(b <= a for a, b in zip(t, t[1:])):
        raise FitError("distances and times must both increase")
    return d, t


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


def _model(q: list[float], d: list[float], correction: str) -> tuple[list[float], list[list[float]]]:
    """Predicted times and their derivatives by the fitted parameters (ln MSS, ln τ[, TC | ln FD]).

    With u = t/τ at x = d/(MSS·τ) and s = 1 − e^(−u) (so du/dx = 1/s): ∂t/∂ln MSS = −τx/s,
    ∂t/∂ln τ = τ(u − x/s), and ∂t/∂d = 1/(MSS·s), the reciprocal of the speed there.
    """
    mss, tau = math.exp(q[0]), math.exp(q[1])
    k = 1.0 / (mss * tau)
    times, jac = [], []
    if correction == "fd":
        fd = math.exp(q[2])
        x0 = fd * k
        u0, s0 = reduced_time(x0)
        a0 = x0 / s0
        for di in d:
            x = (di + fd) * k
            u, s = reduced_time(x)
            a = x / s
            times.append(tau * (u - u0))
            jac.append([-tau * (a - a0), tau * ((u - a) - (u0 - a0)), fd * (1.0 / s - 1.0 / s0) / mss])
        return times, jac
    tc = q[2] if correction == "tc" else 0.0
    for di in d:
        x = di * k
        u, s = reduced_time(x)
        a = x / s
        times.append(tau * u - tc)
        row = [-tau * a, tau * (u - a)]
        if correction == "tc":
            row.append(-1.0)
        jac.append(row)
    return times, jac


def _evaluate(q, d, t, correction) -> tuple[float, list[float], list[list[float]]]:
    """Cost (sum of squares), residuals predicted − observed, and the Jacobian; inf where the model
    cannot be evaluated (parameters run off to overflow)."""
    try:
        predicted, jac = _model(q, d, correction)
    except (OverflowError, ZeroDivisionError, ValueError):
        return math.inf, [], []
    r = [p - ti for p, ti in zip(predicted, t)]
    cost = sum(x * x for x in r)
    return (cost if math.isfinite(cost) else math.inf), r, jac


def _levenberg_marquardt(q: list[float], d, t, correction) -> tuple[list[float], int]:
    cost, r, jac = _evaluate(q, d, t, correction)
    if not math.isfinite(cost):
        raise FitError("the splits do not fit the sprint model")
    p = len(q)
    lam = 1e-3
    for iteration in range(1, MAX_ITERATIONS + 1):
        a = [[sum(row[i] * row[j] for row in jac) for j in range(p)] for i in range(p)]
        g = [sum(row[i] * ri for row, ri in zip(jac, r)) for i in range(p)]
        while True:
            damped = [[a[i][j] + (lam * (a[i][i] + 1e-12) if i == j else 0.0) for j in range(p)] for i in range(p)]
            delta = _solve(damped, [-gi for gi in g])
            if delta is not None:
                trial = [qi + di for qi, di in zip(q, delta)]
                trial_cost, trial_r, trial_jac = _evaluate(trial, d, t, correction)
                if trial_cost < cost:
                    break
            lam *= 10.0
            if lam > 1e12:
                return q, iteration  # no step lowers the cost any more: this is the minimum
        progress = cost - trial_cost
        q, cost, r, jac = trial, trial_cost, trial_r, trial_jac
        lam = max(lam / 10.0, 1e-12)
        if max(abs(x) for x in delta) < 1e-10 or progress <= 1e-14 * cost:
            return q, iteration
        if correction == "fd" and q[2] <= LN_FD_AT_BOUND:
            return q, iteration
    raise FitError(f"the fit did not converge within {MAX_ITERATIONS} iterations")


def _solve(a: list[list[float]], b: list[float]) -> list[float] | None:
    """Gaussian elimination with partial pivoting for the 2×2 or 3×3 normal equations; None if singular."""
    n = len(b)
    m = [row[:] + [bi] for row, bi in zip(a, b)]
    for col in range(n):
        pivot = max(range(col, n), key=lambda i: abs(m[i][col]))
        if not abs(m[pivot][col]) > 0.0:
            return None
        m[col], m[pivot] = m[pivot], m[col]
        for i in range(col + 1, n):
            f = m[i][col] / m[col][col]
            for j in range(col, n + 1):
                m[i][j] -= f * m[col][j]
    x = [0.0] * n
    for i in reversed(range(n)):
        x[i] = (m[i][n] - sum(m[i][j] * x[j] for j in range(i + 1, n))) / m[i][i]
    return x if all(map(math.isfinite, x)) else None


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
