"""Heart rate as every view words it: a rep's HR at finish and HRR60 as cells and records, and the
stored samples as export rows (the figures are monitor.session.heart's)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from gates.heartrate import HrSample
from monitor.session.analyzer import RepResult
from monitor.session.facts import StoredEvent
from monitor.session.heart import RepHeart, clock_points, rep_hearts


def hearts_of(results: Iterable[RepResult], events: Iterable[StoredEvent],
              samples: Mapping[str, Sequence[HrSample]]) -> dict[int, RepHeart]:
    """rep number -> its HR, for a stored session (nothing to do without samples)."""
    return rep_hearts(results, clock_points(events), samples) if samples else {}


def fmt_bpm(bpm: int | None) -> str:
    return "—" if bpm is None else f"{bpm}"


def csv_cells(heart: RepHeart | None) -> tuple[str, str]:
    """hr_finish_bpm, hrr60_bpm: empty where there is no figure."""
    if heart is None:
        return "", ""
    hr = heart.hr
    return ("" if hr.finish_bpm is None else str(hr.finish_bpm)), ("" if hr.hrr60 is None else str(hr.hrr60))


def rep_hr_record(heart: RepHeart) -> dict:
    hr = heart.hr
    return {"rep": heart.number, "athlete": heart.athlete, "finish_ns": heart.finish_ns, "finish_bpm": hr.finish_bpm,
            "after60_bpm": hr.after60_bpm, "peak_bpm": hr.peak_bpm, "hrr60": hr.hrr60}


def sample_rows(samples: Mapping[str, Sequence[HrSample]]) -> list[dict]:
    return [{"athlete": athlete, "strap": s.strap, "host_ns": s.host_ns, "bpm": s.bpm, "contact": s.contact.value,
             "rr_1024": list(s.rr_1024), "energy_kj": s.energy_kj}
            for athlete, samples_of in samples.items() for s in samples_of]
