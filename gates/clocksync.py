"""ClockSync: maps each gate's own clock onto the session (host monotonic) clock.

Source: ../shared/DESIGN.md ("Time"); the estimator is the convex-hull method of Moon, Skelly and
Towsley, "Estimation and removal of clock skew from network delay measurements" (IEEE INFOCOM 1999),
as NTP-style one-way estimators use it. Every (device_us, host_ns) pair from a gate (events and
status heartbeats) satisfies

    host_us = device_us + offset + drift * device_us + delay,     delay >= the link's minimum

so the line we want lies under every sample and touches the fastest deliveries: the lower envelope.
Of the lines under all samples in the window we take the one closest to them on average (the hull
edge over the mean device time, drift clamped to what a crystal can do). Late deliveries (BLE
retries, resends after a drop) only lie higher and never move it. The constant minimum delay stays
in the mapping, the same for every gate on the same kind of link, so it cancels out of splits.

A gate that reboots restarts its clock: a fresh sample (a heartbeat, whose device time is "now")
whose clock went backwards, or that no delivery delay can explain, opens a candidate epoch, and
`confirm` consecutive fresh samples that agree with each other make it the new epoch; a lone wild
sample is dropped as an outlier.

Gates that share one clock (wired gates on one timer) are one clock here: give them the same `clock`
key and they share one fit. A session whose gates all share one clock needs no ClockSync at all.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Hashable
from dataclasses import dataclass, field, replace
from statistics import median

from gates.events import GateEvent

DEFAULT_WINDOW_US = 300_000_000  # long enough to pin the drift; a crystal's wanders over longer
DEFAULT_MAX_SAMPLES = 8192
TRIM_SLACK = 1.1  # the window may grow this much before old samples go, a batch at a time
DEFAULT_MAX_DRIFT_PPM = 500.0  # common crystals are within +-100 ppm; leave room
DEFAULT_MAX_DELAY_US = 32_000_000  # BLE's longest supervision timeout: later than this is no delay
DEFAULT_TOLERANCE_US = 250_000  # earlier than the envelope by more than any jitter: a clock step
SYNCED_SAMPLES = 16
SYNCED_SPAN_US = 10_000_000


@dataclass(frozen=True, slots=True)
class ClockState:
    """What the dashboard's gate strip shows about one clock."""

    clock: Hashable
    epoch: int  # 0 at first, +1 at every detected clock reset
    samples: int  # in the current window
    span_s: float  # device time the window covers
    drift_ppm: float  # how fast the gate's clock runs against the host's (+: gate fast)
    residual_us: float  # median delivery delay above the envelope: the link's jitter
    error_us: float  # estimated error of the mapping, from the spacing of the fastest deliveries
    outliers: int  # samples dropped as no clock could explain them
    synced: bool  # enough samples over enough time to trust splits to about error_us


@dataclass(slots=True)
class _Clock:
    x0: int = 0  # device_us of the epoch's first sample (reference for small numbers)
    r0_ns: int = 0  # host_ns - 1000 * device_us of that sample
    points: list[tuple[int, float]] = field(default_factory=list)  # (x, r) sorted by x
    hull: list[tuple[int, float]] | None = None  # lower hull of points; None: to recompute
    sum_x: int = 0
    pending: list[tuple[int, int]] = field(default_factory=list)  # fresh (device_us, host_ns) off-line
    epoch: int = 0
    outliers: int = 0
    fit: tuple[float, float] | None = None  # (a, b): r = a + b*x; None: to recompute
    last_fresh_x: int = 0


class ClockSync:
    """Per-clock offset and drift, fitted continuously; see the module docstring."""

    def __init__(self, *, window_us: int = DEFAULT_WINDOW_US, max_samples: int = DEFAULT_MAX_SAMPLES,
                 max_drift_ppm: float = DEFAULT_MAX_DRIFT_PPM, max_delay_us: int = DEFAULT_MAX_DELAY_US,
                 tolerance_us: int = DEFAULT_TOLERANCE_US, confirm: int = 2) -> None:
        self.window_us = window_us
        self.max_samples = max_samples
        self.max_drift = max_drift_ppm * 1e-6
        self.max_delay_us = max_delay_us
        self.tolerance_us = tolerance_us
        self.confirm = max(1, confirm)
        self._clocks: dict[Hashable, _Clock] = {}

    # -- feeding ---------------------------------------------------------------------------------

    def add(self, clock: Hashable, device_us: int, host_ns: int, *, fresh: bool = True) -> None:
        """One sample. `fresh`: device_us was read as the record was sent (a heartbeat or time
        sample), so it also tells whether the clock was reset. Events are not fresh: a resent one is
        old, which only makes it a late delivery, never an early one."""
        c = self._clocks.get(clock)
        if c is None:
            c = self._clocks[clock] = _Clock()
            self._restart(c, [(device_us, host_ns)])
            return
        excess = self._excess(c, device_us, host_ns)
        too_early = excess < -self._tolerance(c, device_us)
        if fresh and (too_early or excess > self.max_delay_us
                      or device_us < c.last_fresh_x - self.tolerance_us):  # the clock went back
            self._candidate(c, device_us, host_ns)
            return
        if too_early or device_us - c.x0 < c.points[0][0]:  # an old event before the window adds nothing
            c.outliers += too_early
            return
        if fresh:
            c.outliers += len(c.pending)
            c.pending.clear()
            c.last_fresh_x = device_us
        self._insert(c, device_us, host_ns)

    def align(self, clock: Hashable, event: GateEvent) -> GateEvent:
        """The event as a sample, and a copy whose device_us is on the session clock (host µs)."""
        self.add(clock, event.device_us, event.host_ns, fresh=False)
        return replace(event, device_us=self.session_us(clock, event.device_us))

    # -- mapping ---------------------------------------------------------------------------------

    def session_us(self, clock: Hashable, device_us: int) -> int:
        """Device time -> session time (host monotonic µs, plus the link's constant minimum delay).

        Between a gate's reboot and its confirmation, device times nearer the new epoch's samples
        than the current window are mapped through the new epoch (its fastest sample so far).
        """
        c = self._clocks[clock]
        if c.pending and abs(device_us - c.pending[-1][0]) < abs(device_us - c.x0 - c.points[-1][0]):
            px, ph = min(c.pending, key=lambda p: p[1] - 1000 * p[0])
            return device_us + (ph - 1000 * px) // 1000
        a, b = self._line(c)
        whole_us, part_ns = divmod(c.r0_ns, 1000)  # big numbers stay integers: a 64-bit clock keeps its µs
        return device_us + whole_us + round(part_ns / 1000 + a + b * (device_us - c.x0))

    def state(self, clock: Hashable) -> ClockState:
        c = self._clocks[clock]
        a, b = self._line(c)
        residuals = sorted(r - (a + b * x) for x, r in c.points)
        n = len(residuals)
        k = max(1, min(8, n // 4))
        # the k-th fastest delivery over k is the spacing of the fastest ones, about how far the
        # envelope sits above the true floor; measured against truth, the median error at the
        # window's end (extrapolating the drift) is about three times that
        error = 3 * residuals[k] / k if n > k else float(self.max_delay_us)
        span = c.points[-1][0] - c.points[0][0]
        return ClockState(clock=clock, epoch=c.epoch, samples=n, span_s=span / 1e6,
                          drift_ppm=(1 / (1 + b) - 1) * 1e6,
                          residual_us=median(residuals), error_us=error, outliers=c.outliers,
                          synced=n >= SYNCED_SAMPLES and span >= SYNCED_SPAN_US)

    def clocks(self) -> list[Hashable]:
        return list(self._clocks)

    # -- internals -------------------------------------------------------------------------------

    def _restart(self, c: _Clock, samples: list[tuple[int, int]]) -> None:
        x0, h0 = samples[0]
        c.x0, c.r0_ns = x0, h0 - 1000 * x0
        c.points, c.pending, c.hull, c.fit, c.sum_x = [], [], [], None, 0
        for x, h in samples:
            self._insert(c, x, h)
        c.last_fresh_x = samples[-1][0]

    def _insert(self, c: _Clock, device_us: int, host_ns: int) -> None:
        """Add a point; the hull follows appends in amortised O(1), anything else recomputes it."""
        point = (device_us - c.x0, (host_ns - 1000 * device_us - c.r0_ns) / 1000)
        points = c.points
        if not points or point >= points[-1]:
            points.append(point)
            if c.hull is not None:
                _push(c.hull, point)
        else:
            insort(points, point)
            c.hull = None
        c.sum_x += point[0]
        c.fit = None
        newest = points[-1][0]
        if newest - points[0][0] > self.window_us * TRIM_SLACK or len(points) > self.max_samples * TRIM_SLACK:
            drop = 0
            while drop < len(points) - 1 and (newest - points[drop][0] > self.window_us
                                              or len(points) - drop > self.max_samples):
                drop += 1
            c.sum_x -= sum(x for x, _ in points[:drop])
            del points[:drop]
            c.hull = None

    def _candidate(self, c: _Clock, device_us: int, host_ns: int) -> None:
        """A fresh sample off the current line: a new epoch once `confirm` of them agree."""
        if c.pending and not self._agree(c.pending[-1], (device_us, host_ns)):
            c.outliers += len(c.pending)
            c.pending.clear()
        c.pending.append((device_us, host_ns))
        if len(c.pending) >= self.confirm:
            samples = c.pending
            self._restart(c, samples)
            c.epoch += 1

    def _agree(self, earlier: tuple[int, int], later: tuple[int, int]) -> bool:
        """Could one clock, with a delivery delay each, have produced both fresh samples?"""
        (x1, h1), (x2, h2) = earlier, later
        dx, dh = x2 - x1, (h2 - h1) / 1000
        slack = self.max_delay_us + self.max_drift * abs(dx) + self.tolerance_us
        return dx >= 0 and abs(dh - dx) <= slack

    def _excess(self, c: _Clock, device_us: int, host_ns: int) -> float:
        """How much later than the envelope this sample arrived (negative: earlier than possible)."""
        a, b = self._line(c)
        x = device_us - c.x0
        return (host_ns - 1000 * device_us - c.r0_ns) / 1000 - (a + b * x)

    def _tolerance(self, c: _Clock, device_us: int) -> float:
        """How far below the envelope a sample may lie: fit error plus drift over the gap to the window."""
        x = device_us - c.x0
        first, last = c.points[0][0], c.points[-1][0]
        gap = first - x if x < first else max(0, x - last)
        return self.tolerance_us + 2 * self.max_drift * gap

    def _line(self, c: _Clock) -> tuple[float, float]:
        """The line under every point maximising its height at the mean x (Moon et al.'s LP): the
        hull edge over the mean, its slope clamped to what a crystal can drift."""
        if c.fit is None:
            if c.hull is None:
                c.hull = []
                for point in c.points:
                    _push(c.hull, point)
            hull = c.hull
            mean_x = c.sum_x / len(c.points)
            i = bisect_left(hull, (mean_x,))
            slope = 0.0
            if 0 < i < len(hull):
                (x1, r1), (x2, r2) = hull[i - 1], hull[i]
                slope = (r2 - r1) / (x2 - x1)
            elif i == 0 and len(hull) > 1:  # the mean sits on the first vertex
                (x1, r1), (x2, r2) = hull[0], hull[1]
                slope = (r2 - r1) / (x2 - x1)
            slope = min(self.max_drift, max(-self.max_drift, slope))
            c.fit = (min(r - slope * x for x, r in hull), slope)
        return c.fit


def _push(hull: list[tuple[int, float]], point: tuple[int, float]) -> None:
    """One step of Andrew's monotone chain (lower half): `point` is at or right of the hull's end."""
    x, r = point
    if hull and hull[-1][0] == x:
        if r >= hull[-1][1]:
            return
        hull.pop()
    while len(hull) >= 2:
        (x1, r1), (x2, r2) = hull[-2], hull[-1]
        if (x2 - x1) * (r - r1) - (r2 - r1) * (x - x1) > 0:
            break
        hull.pop()
    hull.append(point)
