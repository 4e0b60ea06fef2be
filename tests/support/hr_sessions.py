"""A stored session with heart rate, for the after-the-session views' tests (review, export, report).

A simulated session's gate events (the real gateline decoder) and the same athletes' hearts
(simulators/heart.py, from the same schedule) written to a real SQLite store as the live pipeline
writes them: events with the host time they would have arrived at (when they happened, plus a few ms),
and one strap notification a second per athlete, stamped on that host clock. The last athlete wears
no strap; the first loses skin contact for a few seconds after their first rep.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from gates.course import Course
from gates.gateline import GatelineDecoder
from gates.heartrate import Contact, HrSample
from monitor.session.model import Settings
from monitor.store import db as st
from simulators.athletes import presets
from simulators.heart import heart_traces, heart_truth
from simulators.plans import get_plan
from simulators.session import SessionConfig, simulate

COURSE = "0,10,20,30"
HOST_NS = 3_600 * 10**9  # the host's monotonic clock when the gates' clocks read 0
ARRIVAL_NS = 4_000_000  # each event reaches the host this long after it happened
LOSS_S = 8.0  # the first athlete's strap slips this long, starting 20 s after their first finish


def make_hr_session(path: Path, reps: int = 3, athletes: int = 3, seed: int = 4) -> tuple[int, list[dict]]:
    """Store the session at `path`: (its id, the heart model's truth per timed run, strapped athletes only)."""
    config = SessionConfig(course=Course.parse(COURSE), athletes=tuple(presets(athletes)),
                           plan=get_plan("rsa").with_reps(reps), seed=seed, cooldown_s=70.0)
    session = simulate(config)
    clocks = {d.gate: d.clock for d in session.devices}

    def happened_ns(gate: int, device_us: int) -> int:  # session time of a gate clock's reading
        clock = clocks[gate]
        return round((device_us - clock.offset_us) / (1.0 + clock.drift_ppm * 1e-6) * 1000)

    events = [replace(e, host_ns=HOST_NS + happened_ns(e.gate, e.device_us) + ARRIVAL_NS)
              for e in GatelineDecoder().feed(session.capture())]
    end_s = session.end_us / 1e6
    traces = heart_traces(config, end_s)
    names = [a.name for a in config.athletes]
    strapped = names[:-1]
    truth = [t for t in heart_truth(config, traces) if t["athlete"] in strapped]
    first = next(t["finish_s"] for t in truth if t["athlete"] == names[0])
    traces[names[0]].losses[:] = [(first + 20.0, first + 20.0 + LOSS_S)]
    rows = []
    for i, name in enumerate(strapped):
        trace, strap = traces[name], f"C0:FF:EE:00:10:{i + 1:02X}"
        t = 0.3 + 0.37 * i  # each strap on its own phase
        while t < end_s:
            contact = trace.in_contact(t)
            rows.append((name, HrSample(strap, HOST_NS + round(t * 1e9), trace.reading(t) if contact else 0,
                                        Contact.OK if contact else Contact.LOST)))
            t += 1.0
    with st.SessionStore(path) as store:
        sid = store.start_session(course=COURSE, athletes=names, sources=["ble:name=GATE-*"],
                                  settings=Settings().as_dict(), name="HR day")
        store.append(sid, "ble:name=GATE-*", events)
        store.append_hr(sid, rows)
        store.end_session(sid)
    return sid, truth
