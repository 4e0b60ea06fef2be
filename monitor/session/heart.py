"""Heart rate beside the reps: where each finish falls on the host clock, its HR figures, and READY.

One place for what every view shows (the dashboard live, review, export and the report after): the
figures themselves are gates.hr_recovery's; this module ties them to the session's reps.

- A rep's finish on the host clock comes from stored facts: the lower envelope of host_ns - device_us
  over the gate events timed within the rep (`finish_ns`), so live and review place it alike.
- The READY threshold is the athlete's own: a fixed bpm the coach set, else Karvonen's fraction of
  the heart-rate reserve between their resting HR (the coach's figure from the athlete's log, else
  the lowest sustained reading of the session) and their peak (the higher of their earlier sessions'
  and today's sustained peak). A reserve narrower than MIN_RESERVE_BPM (nothing hard run yet) gives
  no threshold, and READY then rests on the rest alone, as for an athlete without a strap.
- HR never shortens a rest and never changes a verdict: it is read here, never fed to the analyzer.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from gates.course import Course
from gates.heartrate import Contact, HrSample
from gates.hr_recovery import (
    READY_FRACTION,
    Readiness,
    RepHr,
    finish_host_ns,
    live,
    readiness,
    ready_threshold,
    rep_hr,
    sustained_range,
)
from gates.rep import Rep
from monitor.session.analyzer import RepResult, StopRule
from monitor.session.facts import StoredEvent

S = 1_000_000_000
REST_S_PER_M = 6.0  # without a plan's rest: a minute per 10 m (Charlie Francis), as the athlete table counts
MIN_RESERVE_BPM = 30  # peak - resting narrower than this: no hard effort seen yet, no threshold


@dataclass(frozen=True, slots=True)
class HeartSettings:
    """The coach's word on thresholds: `fraction` of heart-rate reserve, per-athlete resting HR (from
    their log), fixed thresholds, and peaks known from earlier sessions."""

    fraction: float = READY_FRACTION
    resting: Mapping[str, int] = field(default_factory=dict)
    fixed: Mapping[str, int] = field(default_factory=dict)
    peaks: Mapping[str, int] = field(default_factory=dict)


def minimum_rest_s(rule: StopRule, course: Course) -> float:
    """The block's minimum rest; without a plan, the athlete table's a-minute-per-10-m."""
    return rule.min_rest_s or REST_S_PER_M * course.length_m


def threshold(athlete: str, samples: Sequence[HrSample], settings: HeartSettings) -> int | None:
    if athlete in settings.fixed:
        return settings.fixed[athlete]
    seen = sustained_range(samples)
    resting = settings.resting.get(athlete, seen[0] if seen else None)
    peaks = [p for p in (settings.peaks.get(athlete), seen[1] if seen else None) if p is not None]
    if resting is None or not peaks or max(peaks) - resting < MIN_RESERVE_BPM:
        return None
    return ready_threshold(resting, max(peaks), settings.fraction)


# -- reps on the host clock ---------------------------------------------------------------------------

def clock_points(events: Iterable[StoredEvent]) -> list[tuple[int, int]]:
    """(device_us, host_ns) of every gate event, sorted by device time: what `finish_ns` searches."""
    return sorted((s.event.device_us, s.event.host_ns) for s in events)


def finish_ns(rep: Rep, points: Sequence[tuple[int, int]]) -> int | None:
    """The rep's finish on the host clock, from the events timed within it (None: no time, or no events)."""
    if rep.time_us is None:
        return None
    finish_us = rep.start_us + rep.time_us
    lo = bisect.bisect_left(points, (rep.start_us, -1 << 63))
    hi = bisect.bisect_right(points, (finish_us, 1 << 63))
    seen = points[lo:hi]
    return finish_host_ns(finish_us, seen) if seen else None


@dataclass(frozen=True, slots=True)
class RepHeart:
    """One rep's heart rate: its finish on the host clock and the figures around it."""

    number: int
    athlete: str
    finish_ns: int
    hr: RepHr


def rep_heart(result: RepResult, finish: int, samples: Sequence[HrSample], now_ns: int | None = None) -> RepHeart:
    return RepHeart(result.rep.number, result.rep.athlete, finish, rep_hr(samples, finish, now_ns))


def rep_hearts(results: Iterable[RepResult], points: Sequence[tuple[int, int]],
               samples: Mapping[str, Sequence[HrSample]]) -> dict[int, RepHeart]:
    """rep number -> its HR, for every timed rep of an athlete who wore a strap (review, export, report)."""
    out = {}
    for result in results:
        worn = samples.get(result.rep.athlete)
        finish = finish_ns(result.rep, points) if worn else None
        if finish is not None:
            out[result.rep.number] = rep_heart(result, finish, worn)
    return out


# -- the dashboard's view of one athlete ----------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class AthleteHeart:
    """What the dashboard shows for one athlete with a strap, now."""

    athlete: str
    bpm: int | None  # None: no usable current reading
    contact: Contact | None  # of the latest notification; None: nothing heard lately
    threshold_bpm: int | None
    readiness: Readiness | None  # None: no rep yet, so no rest to wait for
    last: RepHeart | None  # the athlete's latest rep


def athlete_heart(athlete: str, samples: Sequence[HrSample], now_ns: int, *, threshold_bpm: int | None,
                  last: tuple[RepResult, int] | None, rest_s: float | None) -> AthleteHeart:
    """`last`: the athlete's latest rep and its finish on the host clock; `rest_s`: its block's minimum rest."""
    now = live(samples, now_ns)
    heart = ready = None
    if last is not None:
        result, finish = last
        heart = rep_heart(result, finish, samples, now_ns)
        rest_until = finish + round((rest_s or 0.0) * S)
        ready = readiness(now_ns, rest_until, now.bpm, threshold_bpm)
    return AthleteHeart(athlete, now.bpm, now.contact, threshold_bpm, ready, heart)


@dataclass(frozen=True, slots=True)
class HeartChanged:
    """The live message for one athlete's strap (monitor/live/heart.py publishes it)."""

    heart: AthleteHeart
    strap: str  # the pairing's spec, e.g. hr:name=Polar*
    link: str  # the strap source's state (drivers.source.State's value)
    at_ns: int  # when, on the pipeline's clock
