"""What heart rate says about a rep and the rest after it: HR at the finish, HRR60, and READY.

All of it reads host-stamped samples (gates.heartrate.HrSample, sorted by `host_ns`) and the rep's
finish on the same host clock; heart rate is not a split, so the current reading is simply the
strap's latest usable one, no older than `MAX_AGE_NS`. The figures of a rep interpolate between the
readings either side of the moment (`hr_near`): a strap speaks once a second, and as a sprint ends HR
climbs some 4 bpm a second, so the reading before the finish alone would be up to 5 bpm low.

- **HR at finish** and **HRR60**: the drop from the finish to 60 s later (the one-minute heart-rate
  recovery of exercise testing, HR at the end of exercise minus HR one minute after; Cole et al. 1999,
  N Engl J Med 341:1351). After a short sprint HR keeps rising for a while, so HRR60 after a 30 m rep
  is small or even negative; the peak in that minute is reported beside it.
- **READY threshold**: by default the Karvonen fraction of the athlete's heart-rate reserve,
  resting + 50 % x (peak - resting), the lower edge of the usual recovery zone (Karvonen's formula
  as Polar documents it, support.polar.com "Heart Rate Reserve, HRR"; ACSM's 50-65 % recovery band).
  It is a default: the fraction, or a fixed bpm, is the coach's to set.
- **READY** needs the block's minimum rest to be over *and* HR below the threshold. HR never shortens
  a rest and never changes a verdict; an athlete without a strap is ready when the rest is over.
"""

from __future__ import annotations

import bisect
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from gates.heartrate import Contact, HrSample

S = 1_000_000_000
MAX_AGE_NS = 5 * S  # a strap notifies every second; five silent seconds and there is no current reading
HRR_DELAY_NS = 60 * S
READY_FRACTION = 0.5
PLAUSIBLE_BPM = (25, 250)  # outside this a strap is reporting noise (0 is what many send without contact)
TRACE_BEFORE_NS, TRACE_AFTER_NS = 15 * S, 90 * S


def usable(sample: HrSample) -> bool:
    """A reading to believe: the strap touches skin (or cannot tell) and the value is a heart's."""
    return sample.contact is not Contact.LOST and PLAUSIBLE_BPM[0] <= sample.bpm <= PLAUSIBLE_BPM[1]


def finish_host_ns(finish_device_us: int, seen: Iterable[tuple[int, int]]) -> int:
    """A rep's finish on the host clock, from the (device_us, host_ns) of the rep's own events (their
    device times on the session clock the rep is timed on): the least-delayed arrival pins the offset,
    as the lower envelope does in ClockSync, so a finish that came late by resend does not move it.
    Stored facts only, so live and review place the finish alike."""
    return finish_device_us * 1000 + min(host_ns - device_us * 1000 for device_us, host_ns in seen)


def hr_at(samples: Sequence[HrSample], at_ns: int, max_age_ns: int = MAX_AGE_NS) -> int | None:
    """The latest usable bpm at or before `at_ns`, if it is no older than `max_age_ns`."""
    i = bisect.bisect_right(samples, at_ns, key=lambda s: s.host_ns)
    sample = _usable_from(samples, range(i - 1, -1, -1), at_ns, max_age_ns)
    return None if sample is None else sample.bpm


def hr_near(samples: Sequence[HrSample], at_ns: int, max_age_ns: int = MAX_AGE_NS) -> int | None:
    """The bpm at `at_ns`, interpolated between the usable readings either side of it when both are
    within `max_age_ns`; the latest before it alone while the next has not come (live, for a second)."""
    i = bisect.bisect_right(samples, at_ns, key=lambda s: s.host_ns)
    before = _usable_from(samples, range(i - 1, -1, -1), at_ns, max_age_ns)
    if before is None:
        return None
    after = _usable_from(samples, range(i, len(samples)), at_ns, max_age_ns)
    if after is None or before.host_ns == at_ns:
        return before.bpm
    share = (at_ns - before.host_ns) / (after.host_ns - before.host_ns)
    return round(before.bpm + share * (after.bpm - before.bpm))


def _usable_from(samples: Sequence[HrSample], order: range, at_ns: int, max_age_ns: int) -> HrSample | None:
    for i in order:
        sample = samples[i]
        if abs(sample.host_ns - at_ns) > max_age_ns:
            return None
        if usable(sample):
            return sample
    return None


@dataclass(frozen=True, slots=True)
class LiveHr:
    """What the dashboard shows for a strap now: the current bpm (None: no usable reading) and the
    contact state of its latest notification (None: nothing heard for MAX_AGE_NS)."""

    bpm: int | None
    contact: Contact | None


def live(samples: Sequence[HrSample], now_ns: int) -> LiveHr:
    i = bisect.bisect_right(samples, now_ns, key=lambda s: s.host_ns)
    if i == 0 or now_ns - samples[i - 1].host_ns > MAX_AGE_NS:
        return LiveHr(None, None)
    return LiveHr(hr_at(samples, now_ns), samples[i - 1].contact)


@dataclass(frozen=True, slots=True)
class RepHr:
    """Heart rate around one rep's finish. `after60_bpm` and `peak_bpm` wait until 60 s have passed."""

    finish_bpm: int | None
    after60_bpm: int | None
    peak_bpm: int | None  # highest usable reading from the finish to 60 s after it

    @property
    def hrr60(self) -> int | None:
        if self.finish_bpm is None or self.after60_bpm is None:
            return None
        return self.finish_bpm - self.after60_bpm


def rep_hr(samples: Sequence[HrSample], finish_ns: int, now_ns: int | None = None) -> RepHr:
    """HR at the finish and 60 s later. `now_ns` (live) holds back what is not yet known; in review it
    defaults to the last sample's time, so both give the same figures once the minute is over."""
    if now_ns is not None:
        samples = samples[:bisect.bisect_right(samples, now_ns, key=lambda s: s.host_ns)]
    finish = hr_near(samples, finish_ns)
    if now_ns is None:
        now_ns = samples[-1].host_ns if samples else finish_ns
    later = finish_ns + HRR_DELAY_NS
    if now_ns < later:
        return RepHr(finish, None, None)
    lo = bisect.bisect_left(samples, finish_ns, key=lambda s: s.host_ns)
    hi = bisect.bisect_right(samples, later, key=lambda s: s.host_ns)
    peak = max((s.bpm for s in samples[lo:hi] if usable(s)), default=None)
    if finish is not None and (peak is None or finish > peak):
        peak = finish
    return RepHr(finish, hr_near(samples, later), peak)


def trace(samples: Sequence[HrSample], finish_ns: int, before_ns: int = TRACE_BEFORE_NS,
          after_ns: int = TRACE_AFTER_NS) -> list[tuple[float, int]]:
    """The usable readings around a finish as (seconds from the finish, bpm), for the report's small
    per-rep plot."""
    lo = bisect.bisect_left(samples, finish_ns - before_ns, key=lambda s: s.host_ns)
    hi = bisect.bisect_right(samples, finish_ns + after_ns, key=lambda s: s.host_ns)
    return [((s.host_ns - finish_ns) / S, s.bpm) for s in samples[lo:hi] if usable(s)]


def ready_threshold(resting_bpm: int, peak_bpm: int, fraction: float = READY_FRACTION) -> int:
    """Karvonen: resting + fraction x (peak - resting), in whole beats rounded down (as Polar's worked
    example; a lower threshold only asks for more recovery)."""
    if not 0.0 < fraction < 1.0:
        raise ValueError(f"the READY fraction of heart-rate reserve is between 0 and 1, not {fraction}")
    if not PLAUSIBLE_BPM[0] <= resting_bpm < peak_bpm <= PLAUSIBLE_BPM[1]:
        raise ValueError(f"resting HR {resting_bpm} and peak HR {peak_bpm} do not make a heart-rate reserve")
    return resting_bpm + int(fraction * (peak_bpm - resting_bpm) + 1e-9)


def sustained_range(samples: Sequence[HrSample], window: int = 5) -> tuple[int, int] | None:
    """The lowest and highest median over `window` consecutive usable readings: an athlete's own low
    and peak in a session, robust to a strap's single-beat glitches. The monitor takes resting HR from
    the athlete's log where there is one and the peak from their history, and this where there is not."""
    values = [s.bpm for s in samples if usable(s)]
    if len(values) < window:
        return None
    medians = [statistics.median_low(values[i:i + window]) for i in range(len(values) - window + 1)]
    return min(medians), max(medians)


class Readiness(StrEnum):
    RESTING = "resting"  # the block's minimum rest is not over
    HR_HIGH = "hr-high"  # rest over, HR still at or above the threshold
    NO_HR = "no-hr"  # rest over, the strap gives no current reading: HR cannot confirm
    READY = "ready"


def readiness(now_ns: int, rest_until_ns: int, current_bpm: int | None, threshold_bpm: int | None) -> Readiness:
    """READY when the rest is over and HR is below the threshold; no threshold (no strap): rest alone."""
    if now_ns < rest_until_ns:
        return Readiness.RESTING
    if threshold_bpm is None:
        return Readiness.READY
    if current_bpm is None:
        return Readiness.NO_HR
    return Readiness.READY if current_bpm < threshold_bpm else Readiness.HR_HIGH
