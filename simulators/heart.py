"""Simulated heart rate, driven by the same runs as the simulated gates, so HR and times share one truth.

The shape is the one sprint coaches see on a strap:
- a run drives HR towards the athlete's peak, the harder and longer the run the closer
  (drive = effort x (1 - exp(-t / WORK_S)) over the run, so a 30 m sprint gets about half way and a
  150 m nearly all the way);
- the drive lingers after the finish (AFTERDRIVE_S: the sympathetic response outlasts a sprint), so HR
  keeps rising for some seconds after it and peaks 5-15 s later;
- HR follows the drive up quickly (RISE_S) and comes down slowly: recovery is exponential towards the
  between-reps baseline with the athlete's time constant `recovery_s` (40-62 s here: first-order fits
  of post-exercise HR put fit subjects under ~55 s; Wang, Su & Celler 2006, IEEE EMBS "Time constant
  of heart rate recovery after low level exercise"), which is what a fit of the tail gives back;
- fatigue: every load unit (one maximal 30 m = 1, as simulators.athletes) lifts the baseline by
  `drift_bpm` (cardiovascular drift) and lengthens recovery by `slowing` of it;
- the strap loses skin contact now and then (`losses_per_hour`, each for a few seconds), notifying
  contact lost and 0 bpm meanwhile, as chest straps do.

A trace is computed once on a fixed step; beats (and so RR intervals) come from integrating HR. In a
session made run by run (simulators/turns.py) nobody knows the runs in advance: `HeartSoFar` makes
the athlete's trace again from their runs so far whenever they run again or time nears its end.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from simulators.athletes import AthleteProfile
from simulators.session import Run, SessionConfig, schedule

STEP_S = 0.1
WORK_S = 4.0
AFTERDRIVE_S = 20.0
RISE_S = 3.0
ON_TRACK_BPM = 30.0  # between reps the athlete walks back and stands: HR this far above resting
NOISE_BPM = 1.0  # beat-to-beat variation a strap's 1 Hz figure shows
LOSS_S = (3.0, 12.0)
HORIZON_S = 600.0  # how far ahead of now a trace made as it goes reaches


@dataclass(frozen=True, slots=True)
class HeartProfile:
    resting_bpm: float
    peak_bpm: float
    recovery_s: float  # time constant of the fall back to baseline, fresh
    drift_bpm: float = 1.5  # baseline rise per load unit
    slowing: float = 0.03  # recovery time constant grows by this fraction per load unit
    losses_per_hour: float = 4.0


def heart_profiles(athletes: Sequence[AthleteProfile]) -> dict[str, HeartProfile]:
    """Distinct, plausible hearts for a group, the same for the same roster (as presets does)."""
    return {a.name: HeartProfile(resting_bpm=(52, 58, 47, 63, 55)[i % 5], peak_bpm=(196, 190, 201, 187, 193)[i % 5],
                                 recovery_s=(45.0, 55.0, 40.0, 62.0, 50.0)[i % 5],
                                 drift_bpm=(1.5, 2.0, 1.0, 2.5, 1.8)[i % 5])
            for i, a in enumerate(athletes)}


class HeartTrace:
    """One athlete's true HR over the session (session seconds), their beats, and contact losses."""

    def __init__(self, profile: HeartProfile, runs: Sequence[Run], end_s: float, rng: random.Random) -> None:
        self.profile = profile
        self.end_s = end_s
        n = int(end_s / STEP_S) + 2
        self.t = np.arange(n) * STEP_S
        self.hr = self._integrate(runs, n)
        phase = np.concatenate(([0.0], np.cumsum(self.hr[:-1] / 60.0 * STEP_S)))
        self.beats_s = np.interp(np.arange(1, math.floor(phase[-1]) + 1), phase, self.t)
        self.losses = self._losses(rng)
        self._noise = random.Random(rng.random())

    def _integrate(self, runs: Sequence[Run], n: int) -> np.ndarray:
        p = self.profile
        drive = np.zeros(n)
        base = np.full(n, p.resting_bpm + ON_TRACK_BPM)
        tau = np.full(n, p.recovery_s)
        for run in runs:
            go, finish = run.go_us / 1e6, run.finish_us / 1e6
            i0, i1 = int(go / STEP_S), min(n, int(finish / STEP_S) + 1)
            during = run.block.effort * -np.expm1(-(self.t[i0:i1] - go) / WORK_S)
            drive[i0:i1] = np.maximum(drive[i0:i1], during)
            left = run.block.effort * -math.expm1(-(finish - go) / WORK_S)
            after = left * np.exp(-(self.t[i1:] - finish) / AFTERDRIVE_S)
            drive[i1:] = np.maximum(drive[i1:], after)
            done = run.form.load + run.block.load  # load after this run counts from its finish on
            base[i1:] = p.resting_bpm + ON_TRACK_BPM + p.drift_bpm * done
            tau[i1:] = p.recovery_s * (1.0 + p.slowing * done)
        hr = np.empty(n)
        x = base[0]
        for i in range(n):
            target = base[i] + drive[i] * (p.peak_bpm - base[i])
            x += (target - x) * STEP_S / (RISE_S if target > x else tau[i])
            hr[i] = x
        return hr

    def _losses(self, rng: random.Random) -> list[tuple[float, float]]:
        losses, t = [], 0.0
        rate = self.profile.losses_per_hour / 3600.0
        while rate > 0:
            t += rng.expovariate(rate)
            if t >= self.end_s:
                break
            length = rng.uniform(*LOSS_S)
            losses.append((t, t + length))
            t += length
        return losses

    def bpm(self, t_s: float) -> float:
        return float(np.interp(t_s, self.t, self.hr))

    def in_contact(self, t_s: float) -> bool:
        return not any(a <= t_s < b for a, b in self.losses)

    def reading(self, t_s: float) -> int:
        """What the strap's 1 Hz figure says at `t_s`: true HR plus a beat of noise."""
        return max(0, round(self.bpm(t_s) + self._noise.gauss(0.0, NOISE_BPM)))

    def beats_between(self, t0_s: float, t1_s: float) -> list[float]:
        """Beat times in (t0, t1]: the R waves a strap would time."""
        lo, hi = np.searchsorted(self.beats_s, [t0_s, t1_s], side="right")
        return [float(b) for b in self.beats_s[lo:hi]]

    def rr_before(self, beat_s: float) -> float:
        """The interval ending at a beat (its predecessor, or one at resting rate for the first)."""
        i = int(np.searchsorted(self.beats_s, beat_s))
        return beat_s - float(self.beats_s[i - 1]) if i > 0 else 60.0 / self.profile.resting_bpm


class HeartSoFar:
    """One athlete's heart in a session made as it goes, asked as a HeartTrace is: the trace of
    `runs()` (every run so far, anyone's) made again when the athlete has run since, or when asked
    about a time near its end. The contact losses stay where they were (one stream from the seed)."""

    def __init__(self, name: str, profile: HeartProfile, runs: Callable[[], Sequence[Run]], seed: str) -> None:
        self.name = name
        self.profile = profile
        self._runs = runs
        self._seed = seed
        self._mine: list[Run] = []
        self._trace: HeartTrace | None = None

    def at(self, t_s: float) -> HeartTrace:
        """The trace to read at session time `t_s`, the athlete's latest run in it."""
        mine = [r for r in self._runs() if r.athlete.name == self.name]
        trace = self._trace
        if trace is None or len(mine) != len(self._mine) or t_s + 1.0 > trace.end_s:
            end_s = max([t_s] + [r.finish_us / 1e6 for r in mine]) + HORIZON_S
            self._trace = trace = HeartTrace(self.profile, mine, end_s, random.Random(self._seed))
            self._mine = mine
        return trace

    def bpm(self, t_s: float) -> float:
        return self.at(t_s).bpm(t_s)

    def in_contact(self, t_s: float) -> bool:
        return self.at(t_s).in_contact(t_s)

    def reading(self, t_s: float) -> int:
        return self.at(t_s).reading(t_s)

    def beats_between(self, t0_s: float, t1_s: float) -> list[float]:
        return self.at(t1_s).beats_between(t0_s, t1_s)

    def rr_before(self, beat_s: float) -> float:
        return self.at(beat_s).rr_before(beat_s)


def hearts_so_far(config: SessionConfig, runs: Callable[[], Sequence[Run]]) -> dict[str, HeartSoFar]:
    """Every athlete's heart for a session made as it goes, `runs()` its runs so far: the same hearts
    as `heart_traces` gives the roster."""
    profiles = heart_profiles(config.athletes)
    return {a.name: HeartSoFar(a.name, profiles[a.name], runs, f"{config.seed}/heart/{a.name}")
            for a in config.athletes}


def heart_traces(config: SessionConfig, end_s: float) -> dict[str, HeartTrace]:
    """Every athlete's trace for the session that `simulate(config)` plays: the same schedule, so the
    same runs at the same times."""
    runs = schedule(config)
    profiles = heart_profiles(config.athletes)
    return {a.name: HeartTrace(profiles[a.name], [r for r in runs if r.athlete.name == a.name], end_s,
                               random.Random(f"{config.seed}/heart/{a.name}"))
            for a in config.athletes}


def heart_truth(config: SessionConfig, traces: dict[str, HeartTrace]) -> list[dict]:
    """Per timed run, in finish order: true HR at the finish, a minute later, and HRR60 (None for a
    minute that outlasts the session)."""
    out = []
    for run in sorted((r for r in schedule(config) if r.block.timed), key=lambda r: r.finish_us):
        trace = traces[run.athlete.name]
        finish_s = run.finish_us / 1e6
        at_finish = trace.bpm(finish_s)
        after = trace.bpm(finish_s + 60.0) if finish_s + 60.0 <= trace.end_s else None
        out.append({"athlete": run.athlete.name, "finish_s": round(finish_s, 3), "finish_bpm": round(at_finish, 1),
                    "after60_bpm": None if after is None else round(after, 1),
                    "hrr60": None if after is None else round(at_finish - after, 1)})
    return out
