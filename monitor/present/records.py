"""Reps and verdicts as plain records: the JSON lines scripts rely on (`gates analyze --json`,
`gates monitor --headless --json`) and the rows of the readable tables."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the engine is loaded where its changes are printed, not by the fmt_ helpers
    from gates.rep import Rep
    from monitor.session.analyzer import RepResult
    from monitor.session.blocks import BlockChanged
    from monitor.session.model import Change


def _seconds(us: int | None) -> float | None:
    return None if us is None else round(us / 1e6, 6)


def _figure(value: float | None) -> float | None:  # a percentage, MSS (m/s), MAC (m/s²)
    return None if value is None else round(value, 3)


def rep_record(result: RepResult) -> dict[str, Any]:
    rep = result.rep
    return {
        "type": "rep",
        "rep": rep.number,
        "athlete": rep.athlete,
        "course_m": list(rep.course.distances_m),
        "time_s": _seconds(rep.time_us),
        "splits_s": [_seconds(s) for s in rep.splits_us],
        "valid": rep.valid,
        "flags": sorted(rep.flags),
        "best_s": _seconds(result.best_us),
        "dropoff_pct": _figure(result.dropoff_pct),
        "intensity_pct": _figure(result.intensity_pct),
        "sdec_pct": _figure(result.sdec_pct),
        "verdict": None if result.verdict is None else result.verdict.value,
        "reason": result.reason,
        "mss": _figure(result.mss),
        "mac": _figure(result.mac),
        "mss_dropoff_pct": _figure(result.mss_dropoff_pct),
        "pb_s": _seconds(result.pb_us),
        "intensity_pb_pct": _figure(result.intensity_pb_pct),
        "new_pb": result.new_pb,
        "block": result.block.index,
        "block_name": result.block.name,
        "rep_type": result.block.rep_type,
        "start": result.block.start,
        "floor_pct": _figure(result.floor_pct),
        "reference": result.reference,
        "reference_s": _seconds(result.reference_us),
        "rest_s": _seconds(result.rest_us),
    }


def block_record(change: BlockChanged) -> dict[str, Any]:
    """The session moved on to another block of its plan: where the gates go, who is out."""
    return {"type": "block", "block": change.index, "block_name": change.name,
            "course_m": list(change.course.distances_m), "moves": list(change.moves), "out": list(change.out),
            "reason": change.reason}


def incomplete_record(rep: Rep) -> dict[str, Any]:
    """A start that never reached the finish: not a rep, but the coach should know it happened."""
    return {
        "type": "incomplete",
        "athlete": rep.athlete,
        "course_m": list(rep.course.distances_m),
        "start_s": _seconds(rep.start_us),
        "splits_s": [_seconds(s) for s in rep.splits_us],
        "flags": sorted(rep.flags),
    }


def change_records(change: Change) -> list[dict[str, Any]]:
    """The JSON lines one engine change prints, the same from `gates analyze` and `gates monitor`:
    a finished rep, every result a revision touched, or an abandoned start."""
    from monitor.session.blocks import BlockChanged
    from monitor.session.model import RepFinished, RepsRevised, StartAbandoned

    if isinstance(change, RepFinished):
        return [rep_record(change.result)]
    if isinstance(change, RepsRevised):
        return [rep_record(result) for result in change.results]
    if isinstance(change, StartAbandoned):
        return [incomplete_record(change.rep)]
    if isinstance(change, BlockChanged):
        return [block_record(change)]
    return []


def fmt_time(us: int | None) -> str:
    return "—" if us is None else f"{us / 1e6:.2f}"


def fmt_speed(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def fmt_pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"
