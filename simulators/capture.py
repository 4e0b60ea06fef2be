"""Write a simulated session as a capture file (the port's bytes) and its ground truth as JSON.

Truth shape (scripts rely on it; extra keys may be added, these never change):
    {"protocol": str, "course_m": [..], "seed": int,
     "athletes": [{"name": str, "mss": float, "mac": float, ...}],
     "reps": [{"rep": n | null, "athlete": str, "time_s": float, "splits_s": [..], "faults": [..], ...}]}
Reps are in finish order. `rep` is the number `gates analyze` gives the rep: finished reps count
1, 2, 3, ... in finish order; a rep whose start or finish break never reached the host is no rep to
the analyzer and has `rep: null`. `splits_s` are the true cumulative seconds from the start gate's
break to each later gate's break, whatever the gates reported; `seen_s` says, per gate from the
start, how late after the torso's crossing the first break of this rep the host got was (0 for the
torso itself, the arm swing's delay if only a double trigger got through, null if none did).
`untimed` lists the runs made off the gates (a plan's 150 m, say): no events, but they tire.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from simulators.session import SimSession


def truth_json(session: SimSession) -> str:
    return json.dumps(session.truth, indent=1) + "\n"


def write_capture(session: SimSession, path: str) -> None:
    """Write the capture to `path` (`-` for stdout)."""
    data = session.capture()
    if path == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    else:
        Path(path).write_bytes(data)


def write_truth(session: SimSession, path: str) -> None:
    Path(path).write_text(truth_json(session), encoding="utf-8")
