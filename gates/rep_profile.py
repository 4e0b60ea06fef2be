"""The sprint profile of one rep: its splits fitted to the mono-exponential model (`gates.sprint_fit`).

One function, so the live analyzer, the review app and the report fit a rep the same way: distances
measured from the start gate, only the gates that saw the athlete, the `shorts` default model (no
correction), and no profile at all (None) for a rep that does not count or has too few splits to fit.
"""

from __future__ import annotations

from gates.rep import Rep
from gates.sprint_fit import FitError, SprintProfile, fit


def rep_profile(rep: Rep, correction: str = "none") -> SprintProfile | None:
    if not rep.valid:
        return None
    start = rep.course.distances_m[0]
    seen = [(d - start, t / 1e6) for d, t in zip(rep.course.distances_m[1:], rep.splits_us) if t is not None]
    try:
        return fit([d for d, _ in seen], [t for _, t in seen], correction)
    except FitError:
        return None
