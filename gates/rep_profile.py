"""The sprint profile of one rep: its splits fitted to the mono-exponential model (`gates.sprint_fit`).

One function, so the live analyzer, the review app and the report fit a rep the same way: distances
measured from the start gate, only the gates that saw the athlete, and no profile at all (None) for a
rep that does not count or has too few splits to fit.

The model follows the start. An athlete starting behind the start beam (blocks or a standing start,
the torso 0.5 m back so the set position does not break it) is already moving when the rep time
starts: the plain model would read that head start as a huge acceleration (MAC ~15 m/s² instead of
~9). So those reps use shorts' flying-distance model (`model_timing_gates_FD`, time = T(d + FD) −
T(FD)), with FD fitted when there are splits enough for three parameters (four or more) and fixed at
the known run-in otherwise. A flying start crosses the beam at speed after a long run-in: the same
model, FD fitted or fixed at that run-in. A start on the beam (run-in 0) is the plain model.
"""

from __future__ import annotations

from dataclasses import dataclass

from gates.rep import Rep
from gates.sprint_fit import FitError, SprintProfile, fit

START_KINDS = ("block", "standing", "flying")


@dataclass(frozen=True, slots=True)
class StartSetup:
    """How the athlete starts relative to the start beam: the kind, and the metres run from the
    first movement to the beam (0.5 m behind it for blocks and standing starts; the run-in of a
    flying start)."""

    kind: str = "block"
    run_in_m: float = 0.5

    def __post_init__(self) -> None:
        if self.kind not in START_KINDS:
            raise ValueError(f"start must be one of {', '.join(START_KINDS)}, not {self.kind!r}")
        if not 0.0 <= self.run_in_m <= 50.0:  # NaN fails this too
            raise ValueError(f"run-in must be 0 to 50 m, got {self.run_in_m:g}")


BEHIND_THE_BEAM = StartSetup("block", 0.5)  # the README's set-up: blocks 0.5 m behind the start beam
FD_SPLITS = 4  # three parameters (MSS, τ, FD) need four splits for a fit with a residual


def rep_profile(rep: Rep, start: StartSetup = BEHIND_THE_BEAM) -> SprintProfile | None:
    if not rep.valid:
        return None
    first = rep.course.distances_m[0]
    seen = [(d - first, t / 1e6) for d, t in zip(rep.course.distances_m[1:], rep.splits_us) if t is not None]
    distances, times = [d for d, _ in seen], [t for _, t in seen]
    if start.run_in_m > 0 and len(seen) >= FD_SPLITS:
        try:
            return fit(distances, times, "fd")
        except FitError:
            pass  # e.g. a stumble the free flying distance cannot explain: the known run-in can
    try:
        return fit(distances, times, flying_m=start.run_in_m)
    except FitError:
        return None
