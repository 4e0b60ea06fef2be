"""The words for what a rep's flags mean, said the same on the dashboard, in review and in the report."""

from __future__ import annotations

from gates.rep import CANCELLED, IMPOSSIBLE, INCOMPLETE, VOIDED, Rep

# the most telling flag first: (flag, why the rep does not count)
_NOT_COUNTED = ((VOIDED, "voided by the coach"), (CANCELLED, "cancelled by the timer"),
                (IMPOSSIBLE, "impossible time: check the gates"), (INCOMPLETE, "no finish time"))


def not_counted_flag(rep: Rep) -> str:
    """Why a rep counts for nothing, in a word: the most telling of its flags."""
    return next((flag for flag, _ in _NOT_COUNTED if flag in rep.flags), "no finish")


def why_not_counted(rep: Rep) -> str:
    """Why a rep counts for nothing, as a sentence for the coach."""
    return next((why for flag, why in _NOT_COUNTED if flag in rep.flags), "no finish time")
