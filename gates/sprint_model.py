"""The mono-exponential sprint model: how far and how fast an athlete is at any time after starting.

Source: Samozino et al. 2016 (Scand J Med Sci Sports 26:648) and the `shorts` R package
(Jovanovic, R/predict_functions.R): v(t) = MSS·(1 − e^(−t/τ)), d(t) = MSS·(t + τ·e^(−t/τ) − τ), and the
closed form of the time at a distance,

    t(d) = τ·W0(−e^(−d/(MSS·τ) − 1)) + d/MSS + τ,

with W0 the principal branch of the Lambert W function. W0 is implemented here (Halley's iteration)
so the simulator needs numpy only; MAC = MSS/τ is the initial acceleration.
"""

from __future__ import annotations

import math

import numpy as np

_INV_E = math.exp(-1.0)


def lambert_w0(z: np.ndarray | float) -> np.ndarray | float:
    """Principal branch W0 of the Lambert W function (w·e^w = z, w ≥ −1) for real z ≥ −1/e.

    Starting points: the branch-point series near −1/e (Corless et al. 1996, eq. 4.22), log1p in the
    middle and the asymptotic series for large z; then Halley steps until they stop changing w.
    """
    zs = np.asarray(z, dtype=float)
    if np.any(zs < -_INV_E - 1e-15) or np.any(np.isnan(zs)):
        raise ValueError("lambert_w0 is real only for z >= -1/e")
    zs = np.maximum(zs, -_INV_E)
    p = np.sqrt(np.maximum(2.0 * (math.e * zs + 1.0), 0.0))
    near_branch = -1.0 + p - p * p / 3.0 + 11.0 / 72.0 * p ** 3
    big = np.log(np.maximum(zs, 3.0))
    asymptotic = big - np.log(big) + np.log(big) / big
    w = np.where(zs < -0.25, near_branch, np.where(zs < 3.0, np.log1p(np.maximum(zs, -0.25)), asymptotic))
    for _ in range(30):
        ew = np.exp(w)
        f = w * ew - zs
        wp1 = w + 1.0
        denom = ew * wp1 - (w + 2.0) * f / (2.0 * wp1 + (wp1 == 0))
        step = np.where((wp1 == 0) | (denom == 0), 0.0, f / np.where(denom == 0, 1.0, denom))
        w = np.maximum(w - step, -1.0)
        if np.all(np.abs(step) <= 4e-16 * np.maximum(1.0, np.abs(w))):
            break
    return float(w) if np.ndim(w) == 0 else w


def velocity_at_time(t: float, mss: float, tau: float) -> float:
    return mss * -math.expm1(-t / tau)


def distance_at_time(t: float, mss: float, tau: float) -> float:
    # MSS·(t − τ(1 − e^(−t/τ))), written with expm1 so small t keeps its precision
    return mss * (t + tau * math.expm1(-t / tau))


def time_at_distance(d: np.ndarray | float, mss: float, tau: float) -> np.ndarray | float:
    """Seconds from the first movement until the athlete has covered `d` metres (d ≥ 0)."""
    x = np.asarray(d, dtype=float) / (mss * tau)
    if np.any(x < 0):
        raise ValueError("distance must not be negative")
    u = lambert_w0(-np.exp(-x - 1.0)) + x + 1.0  # t/τ
    # one Newton step on u − 1 + e^(−u) = x polishes the last bits lost near the branch point
    u = np.asarray(u, dtype=float)
    slope = -np.expm1(-u)
    safe = slope > 1e-12
    u = np.where(safe, u - (u + np.expm1(-u) - x) / np.where(safe, slope, 1.0), u)
    t = tau * u
    return float(t) if np.ndim(t) == 0 else t


def mac(mss: float, tau: float) -> float:
    """Maximal acceleration (m/s²) at the first instant of the sprint."""
    return mss / tau


def reduced_time(x: float) -> tuple[float, float]:
    """u = t/τ at the reduced distance x = d/(MSS·τ) ≥ 0, and v/MSS = 1 − e^(−u) there.

    The same closed form as `time_at_distance` (u = W0(−e^(−x−1)) + x + 1), but for one float and in
    plain Python: the fitter calls it for every split on every iteration, and numpy's per-call cost
    dominates at five or six points. Starts from the branch-point series (small x) or W0(z) ≈ z − z²
    (large x), then Halley steps on u − 1 + e^(−u) = x: one or two suffice.
    Accurate to ~1e-12 relative (against mpmath) for every x ≥ 0, down to the tiny x of a short flying
    distance.
    """
    if x < 2.0:
        p = math.sqrt(-2.0 * math.expm1(-x))
        u = x + p * (1.0 - p * (1.0 / 3.0 - p * (11.0 / 72.0 - p * 43.0 / 540.0)))
        if x < 1e-8:  # the series is exact to rounding here; u − (1 − e^(−u)) ≈ u²/2 is below u's precision
            return u, -math.expm1(-u)
    else:
        z = -math.exp(-x - 1.0)
        u = x + 1.0 + z - z * z
    for _ in range(8):
        s = -math.expm1(-u)  # 1 − e^(−u), exact for small u where the fit's flying distance lives
        e = 1.0 - s
        g = u - s - x  # u − 1 + e^(−u) − x
        step = g / (s - g * e / (2.0 * s)) if s > 0.0 else 0.0
        u -= step
        if u < 0.0:
            u = 0.0
        if abs(step) <= 1e-6 * u:  # cubic convergence: the next step would be below 1e-16
            break
    return u, -math.expm1(-u)
