"""Heart rate in the review: a rep's HR at finish and HRR60 as table cells and as words for the rep's
detail line (the figures are monitor.session.heart's, from the stored samples)."""

from __future__ import annotations

from monitor.present.heart import fmt_bpm
from monitor.session.heart import RepHeart

COLUMNS = (("HR fin", "hr_finish"), ("HRR60", "hrr60"))


def cells(heart: RepHeart | None) -> list[str]:
    if heart is None:
        return ["—", "—"]
    return [fmt_bpm(heart.hr.finish_bpm), fmt_bpm(heart.hr.hrr60)]


def words(heart: RepHeart | None) -> str:
    """` · HR 171 at the finish · HRR60 23 (peak 180)`, or nothing without a strap."""
    if heart is None or heart.hr.finish_bpm is None:
        return ""
    text = f" · HR {heart.hr.finish_bpm} at the finish"
    if heart.hr.hrr60 is not None:
        text += f" · HRR60 {heart.hr.hrr60} (peak {fmt_bpm(heart.hr.peak_bpm)})"
    return text
