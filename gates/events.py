"""The one event every source produces: a gate saw something, at a time on its own clock."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Kind(StrEnum):
    """What a gate reported. Only BREAK drives rep assembly; the rest is kept as raw data."""

    BREAK = "B"  # beam broken (the athlete's torso crossed the line)
    RESTORE = "R"  # beam restored
    CANCEL = "C"  # the timer cancelled an earlier impulse (ALGE `c` lines)
    RUN_TIME = "RT"  # a run time the timer computed itself (ALGE `RT`): device_us is a duration
    TOTAL_TIME = "TT"  # a total over runs the timer computed itself (ALGE `TT`)
    LAP = "SQ"  # a lap/sequence time the timer computed itself (ALGE `SQ`)


DURATION_KINDS = frozenset({Kind.RUN_TIME, Kind.TOTAL_TIME, Kind.LAP})


@dataclass(slots=True)
class GateEvent:
    """One impulse from one gate. Treat it as immutable (`dataclasses.replace` for a changed copy): it
    is not frozen only because frozen construction costs twice as much on the decoders' hot path.

    `device_us` is the gate's own clock in integer microseconds (a duration for DURATION_KINDS);
    `host_ns` is the host's monotonic receive time, never a split time. Vendor formats fill in
    `channel` (their own label, e.g. ALGE `C1`, Microgate `255`), `start_number` and `flag`. `raw` holds
    the frame's bytes as received, for the session store.
    """

    gate: int
    seq: int
    device_us: int
    host_ns: int = 0
    kind: Kind = Kind.BREAK
    start_number: int | None = None
    channel: str | None = None
    flag: str = ""
    raw: bytes = field(default=b"", compare=False, repr=False)
