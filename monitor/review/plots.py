"""The review's two plots: an athlete's rep times against the floor, and one rep's velocity curve.

The velocity curve is the fitted model, v(t) = MSS·(1 − e^(−t/τ)) (gates.sprint_model), from the
start gate to the finish. What was measured is drawn beside it honestly: each segment's mean speed
(its length over its time) at the segment's mid-time. On an accelerating curve that point sits a
little under the curve (the mean of a concave rise is below its mid value), so a point far off the
curve means the model fits that rep badly, not a gate error.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from textual_plotext import PlotextPlot

from gates.rep import Rep
from gates.sprint_fit import SprintProfile
from gates.sprint_model import velocity_at_time
from monitor.review.digest import AthleteDigest
from monitor.session.analyzer import floor_time_s

CURVE_POINTS = 80


def segment_points(rep: Rep) -> list[tuple[float, float]]:
    """(mid-time s, mean speed m/s) of each segment whose both ends were seen."""
    bounds = (0, *rep.splits_us)
    return [((a + b) / 2e6, v) for a, b, v in zip(bounds, bounds[1:], rep.segment_speeds())
            if a is not None and b is not None and v is not None]


def _pad(low: float, high: float, share: float = 0.15, least: float = 0.02) -> tuple[float, float]:
    pad = max(least, (high - low) * share)
    return low - pad, high + pad


class TimesPlot(PlotextPlot):
    """Every rep of one athlete by its session number; the floor line is the one their verdict
    applied (`floor_time_s`): the block's floor % of the session best or of the PB."""

    floor_s: float | None = None
    counted: tuple[tuple[int, float], ...] = ()  # (rep number, time s) of the reps that count
    dropped: tuple[tuple[int, float], ...] = ()  # and of those that do not

    def draw(self, athlete: AthleteDigest, selected: int | None) -> None:
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        judged = athlete.judged
        self.floor_s = floor = floor_time_s(judged)
        title = athlete.name
        if floor is not None:
            of = "PB" if judged.reference == "pb" else "best"  # type: ignore[union-attr]
            title += f" · floor {floor:.2f} s ({of} ÷ {judged.floor_pct:g} %)"  # type: ignore[union-attr]
        plt.title(title)
        plt.xlabel("rep")
        timed = [(r.rep.number, r.rep.time_us / 1e6, r.rep.valid) for r in athlete.results if r.rep.time_us]
        numbers = [r.rep.number for r in athlete.results]
        plt.xlim(min(numbers) - 0.5, max(numbers) + 0.5)
        plt.xticks(numbers[:: max(1, len(numbers) // 6)])
        if floor is not None:
            plt.hline(floor, color="red")
        self.counted = counted = tuple((n, t) for n, t, valid in timed if valid)
        self.dropped = dropped = tuple((n, t) for n, t, valid in timed if not valid)
        if counted:
            plt.scatter(*zip(*counted), marker="●", color="cyan", label="counted")
        if dropped:
            plt.scatter(*zip(*dropped), marker="×", color="gray", label="not counted")
        chosen = [(n, t) for n, t, _ in timed if n == selected]
        if chosen:
            plt.scatter(*zip(*chosen), marker="◆", color="yellow")
        if timed:
            ys = [t for _, t, _ in timed]
            plt.ylim(*_pad(min(ys), max(max(ys), floor or 0.0)))
            plt.yfrequency(3)
        self.refresh()


@dataclass(frozen=True, slots=True)
class SpeedSeries:
    """What the velocity plot draws for one rep, as plain numbers."""

    curve: tuple[tuple[float, float], ...]  # (t s, fitted v m/s) from the start gate to the finish
    measured: tuple[tuple[float, float], ...]  # (segment mid-time s, segment mean speed m/s)
    gates: tuple[tuple[float, str], ...]  # (split time s, "10m"): the x ticks


def speed_series(rep: Rep, profile: SprintProfile | None) -> SpeedSeries:
    curve: tuple[tuple[float, float], ...] = ()
    if profile is not None and rep.time_us:
        ts = np.linspace(0.0, rep.time_us / 1e6, CURVE_POINTS)
        curve = tuple((float(t), velocity_at_time(float(t), profile.mss, profile.tau)) for t in ts)
    gates = tuple((t / 1e6, f"{d:g}m") for d, t in zip(rep.course.distances_m[1:], rep.splits_us) if t is not None)
    return SpeedSeries(curve, tuple(segment_points(rep)), gates)


class SpeedPlot(PlotextPlot):
    """One rep: the fitted v(t) and the measured segment mean speeds; x ticks at the split times."""

    series: SpeedSeries | None = None

    def draw(self, rep: Rep | None, profile: SprintProfile | None) -> None:
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        plt.xlabel("time s (ticks: the gates)")
        self.series = series = None if rep is None or not rep.time_us else speed_series(rep, profile)
        if rep is None or series is None:
            plt.title("no rep")
            self.refresh()
            return
        if profile is None:
            why = "too few splits to fit" if rep.valid else "not counted"
            plt.title(f"Rep {rep.number} · no profile: {why}")
        else:
            plt.title(f"Rep {rep.number} · v(t), MSS {profile.mss:.2f} m/s · τ {profile.tau:.2f} s")
            plt.plot(*zip(*series.curve), color="cyan", label="fitted v(t)")
        if series.measured:
            plt.scatter(*zip(*series.measured), marker="●", color="yellow", label="segment mean at mid-time")
        plt.xlim(0.0, rep.time_us / 1e6 * 1.02)
        if series.gates:
            plt.xticks(*map(list, zip(*series.gates)))
        top = max([profile.mss if profile else 0.0, *(v for _, v in series.measured)])
        plt.ylim(0.0, top * 1.1 or 1.0)
        plt.yfrequency(3)
        self.refresh()
