"""Plain-text tables of a session, one per athlete (and block, with a plan): what `gates analyze`
prints for a person."""

from __future__ import annotations

from monitor.present.records import fmt_pct, fmt_time
from monitor.session.model import SessionModel


def athlete_tables(model: SessionModel) -> str:
    by_block = model.results_by_block()
    if not by_block:
        return "no reps found\n"
    blocks = []
    planned = model.blocks.plan is not None
    for (block, athlete, course), rows in by_block.items():
        split_heads = [f"@{d:g}m" for d in course.distances_m[1:]]
        heads = ["rep", "time s", *split_heads, "drop %", "int %", "Sdec %", "verdict", "notes"]
        table = [heads]
        for r in rows:
            rep = r.rep
            notes = ", ".join(sorted(rep.flags))
            if r.new_best and rep.valid:
                notes = ", ".join(filter(None, ["best", notes]))
            if r.reason:
                notes = ", ".join(filter(None, [notes, r.reason]))
            table.append([str(rep.number), fmt_time(rep.time_us), *(fmt_time(s) for s in rep.splits_us),
                          fmt_pct(r.dropoff_pct), fmt_pct(r.intensity_pct), fmt_pct(r.sdec_pct),
                          r.verdict.value if r.verdict else "—", notes])
        best_us, verdict, _ = model.standing(athlete, course, block)
        title = f"{athlete} — course {course.label()} m — best {fmt_time(best_us)} s — {verdict.value if verdict else 'no verdict yet'}"
        if planned:
            title = f"block {block} ({rows[0].block.name}) — {title}"
        blocks.append(title + "\n" + _render(table))
    return "\n".join(blocks) + "\n"


def _render(rows: list[list[str]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for row in rows:
        cells = [cell.rjust(w) if i < len(row) - 1 else cell for i, (cell, w) in enumerate(zip(row, widths))]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines) + "\n"
