"""Simulated athletes: a sprint profile (MSS, τ), a reaction time, and how they tire over a session.

Fatigue follows the shape coaches see in repeated-sprint work (Girard et al. 2011, Sports Med 41:673):
the first reps hold their speed, then top speed falls by a roughly constant fraction per rep. Here the
work done is counted in "load" units (one maximal 30 m sprint = 1; a stride less, a 150 m more); the
first `fresh_load` units cost nothing and every unit after it costs `loss_pct` of MSS. On top come
rep-to-rep noise (~0.5–1 % of MSS, the typical error of repeated sprint times) and, rarely, a stumble
that costs a few tenths of a second somewhere on the course.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

NAMES = ("Ada", "Ben", "Cleo", "Dev", "Eva", "Finn", "Gus", "Hana", "Ivo", "Jade", "Kofi", "Lena")
MSS_RANGE = (7.0, 11.0)  # m/s: a slow youth team player to a fast sprinter


@dataclass(frozen=True, slots=True)
class Fatigue:
    """No loss for the first `fresh_load` units of work, then `loss_pct` % of MSS per unit."""

    fresh_load: float = 3.0
    loss_pct: float = 1.5

    def factor(self, load: float) -> float:
        """Fraction of fresh MSS left after `load` units of work (never below half)."""
        return max(0.5, 1.0 - self.loss_pct / 100.0 * max(0.0, load - self.fresh_load))


@dataclass(frozen=True, slots=True)
class Stumble:
    at_m: float  # where on the course (metres after the start gate)
    lost_s: float  # time lost from there on


@dataclass(frozen=True, slots=True)
class RepForm:
    """How one athlete is on one rep: the speed they can reach and what goes wrong."""

    mss: float  # effective MSS for this rep (fatigue, noise and effort applied)
    tau: float
    reaction_s: float
    load: float  # work done before this rep
    fatigue_factor: float
    stumble: Stumble | None


@dataclass(frozen=True, slots=True)
class AthleteProfile:
    name: str
    mss: float  # fresh maximal sprint speed, m/s
    tau: float  # acceleration time constant, s
    reaction_s: float = 0.15  # mean reaction to the gun from blocks
    fatigue: Fatigue = Fatigue()
    noise_pct: float = 0.7  # rep-to-rep standard deviation of MSS, %
    stumble_rate: float = 0.02  # chance per rep

    @property
    def mac(self) -> float:
        from gates.sprint_model import mac  # here: numpy, under it, is not loaded before the demo's first frame

        return mac(self.mss, self.tau)

    def form(self, rng: random.Random, load: float, effort: float, course_m: float) -> RepForm:
        """Draw this athlete's form for a rep after `load` units of work, at `effort` (1 = maximal)."""
        factor = self.fatigue.factor(load)
        noise = 1.0 + rng.gauss(0.0, self.noise_pct / 100.0)
        reaction = max(0.10, rng.gauss(self.reaction_s, 0.015))
        stumble = None
        if rng.random() < self.stumble_rate:
            stumble = Stumble(at_m=rng.uniform(0.1, 0.9) * course_m, lost_s=rng.uniform(0.1, 0.4))
        return RepForm(self.mss * factor * noise * effort, self.tau, reaction, load, factor, stumble)


def presets(count: int | None = None, names: list[str] | None = None) -> list[AthleteProfile]:
    """A group with distinct, plausible profiles: MSS spread evenly from fast to slow over 7–11 m/s.

    τ grows with MSS (faster sprinters accelerate for longer: ~0.85 s for a 7 m/s player, ~1.25 s for
    an 11 m/s sprinter, so MAC stays ~8–9 m/s²); fatigue and reaction vary in a fixed pattern so that
    the same count always gives the same group.
    """
    if names is None:
        if count is None or count < 1:
            raise ValueError("need at least one athlete")
        names = [NAMES[i] if i < len(NAMES) else f"Athlete{i + 1}" for i in range(count)]
    n = len(names)
    lo, hi = MSS_RANGE
    group = []
    for i, name in enumerate(names):
        mss = (hi + lo) / 2 if n == 1 else hi - (hi - lo) * i / (n - 1)
        tau = 0.85 + 0.1 * (mss - lo)
        fatigue = Fatigue(fresh_load=(2.0, 3.0, 4.0, 5.0)[i % 4], loss_pct=(2.0, 1.2, 1.6, 0.8, 2.5)[i % 5])
        group.append(AthleteProfile(
            name=name, mss=round(mss, 3), tau=round(tau, 3), reaction_s=(0.14, 0.17, 0.13, 0.16, 0.19)[i % 5],
            fatigue=fatigue, noise_pct=(0.6, 0.8, 0.5, 1.0, 0.7)[i % 5],
        ))
    return group


def group(spec: str) -> list[AthleteProfile]:
    """`6` for six preset athletes, or `Ada,Ben,Cleo` for presets under those names."""
    spec = spec.strip()
    if spec.isdigit():
        count = int(spec)
        if not 1 <= count <= 255:
            raise ValueError(f"{spec!r}: give 1 to 255 athletes")
        return presets(count)
    names = [name.strip() for name in spec.split(",")]
    if not spec or any(not name for name in names):
        raise ValueError(f"{spec!r} is neither a count nor a list of names A,B,C")
    if len(set(names)) != len(names):
        raise ValueError(f"{spec!r}: athlete names must differ")
    return presets(names=names)
