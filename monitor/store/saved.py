"""One stored session read back whole, for the commands that work after the session (export, report).

Reads the database read-only, so it is safe beside a live monitor still writing; a database that is
not ours, or a session that is not in it, is a StoreError whose text names what is wrong.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from gates.heartrate import HrSample
from monitor.session import facts
from monitor.session.model import SessionModel
from monitor.store import db as st


@dataclass(frozen=True, slots=True)
class SavedSession:
    path: Path  # the database it was read from
    info: st.SessionInfo
    events: list[facts.StoredEvent]
    annotations: list[facts.Annotation]  # all of them, UNDOs included, in the order taken
    baselines: list[tuple[str, int, int]]  # (source, gate, seq)
    model: SessionModel  # the reps and verdicts derived from the rows above
    hr: dict[str, list[HrSample]] = field(default_factory=dict)  # athlete -> heart-rate samples (store/hr.py)


def load(path: Path, sid: int) -> SavedSession:
    with st.SessionStore(path, readonly=True) as store:
        info = store.session(sid)
        events = list(store.events(sid))
        annotations = store.annotations(sid)
        baselines = store.all_baselines(sid)
        hr = store.hr_samples(sid)
    return SavedSession(path, info, events, annotations, baselines, SessionModel.derive(events, annotations), hr)
