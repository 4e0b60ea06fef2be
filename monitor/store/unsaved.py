"""What a live session keeps in memory while the disk refuses writes (full, read-only, failing).

The coach is mid-session: stopping the dashboard because the laptop's disk filled would throw the
session away. So the pipeline carries on from memory and says it is not saving; everything the store
would have written (raw events, the coach's decisions, gate baselines) waits here, in the order it
happened and under the ids the store would have given it, so that once the disk takes writes again
the backlog is written as one transaction and the stored session is the one that was shown, id for
id (monitor/derive.py orders events and annotations by those ids). Nothing is dropped to bound it:
a session is thousands of events, a few hundred bytes each.
"""

from __future__ import annotations

import json
import sqlite3
import time

from gates.events import GateEvent
from monitor.session import facts
from monitor.store import db as st


class Unsaved:
    """The backlog of one session since the store refused a write (`failure`, the latest reason)."""

    def __init__(self, store: st.SessionStore, session: int, failure: st.StoreWriteError) -> None:
        self.store = store
        self.session = session
        self.failure = failure
        self.items: list[facts.StoredEvent | facts.Annotation | tuple[str, int, int]] = []
        self.events: list[facts.StoredEvent] = []
        self.notes: list[facts.Annotation] = []
        self._keys: set[tuple] = set()  # (source, gate, seq, device_us, kind) of the events held here
        self._next_event, self._next_note = store.next_ids()
        self._last_event = store.last_event_id(session)

    def append(self, source: str, batch: list[GateEvent]) -> list[facts.StoredEvent]:
        """Keep the events of `batch` that are new (as the store drops a resent duplicate)."""
        try:
            stored = self.store.stored_keys(self.session, source, batch)
        except sqlite3.Error:  # the disk cannot even be read: the gate's own dedupe has to do
            stored = set()
        kept = []
        for ev in batch:
            key = (ev.gate, ev.seq, ev.device_us, ev.kind.value)
            if key in stored or (source, *key) in self._keys:
                continue
            self._keys.add((source, *key))
            item = facts.StoredEvent(self._next_event, source, ev)
            self._next_event += 1
            self._last_event = item.id
            kept.append(item)
        self.items += kept
        self.events += kept
        return kept

    def annotate(self, kind: str, data: dict) -> facts.Annotation:
        if kind not in facts.KINDS:
            raise ValueError(f"unknown annotation kind {kind!r}")
        data = json.loads(json.dumps(data))  # as the store gives it back
        note = facts.Annotation(self._next_note, self.session, self._last_event, time.time_ns(), kind, data)
        self._next_note += 1
        self.items.append(note)
        self.notes.append(note)
        return note

    def baseline(self, source: str, gate: int, seq: int) -> None:
        self.items.append((source, gate, seq))

    def write(self) -> bool:
        """Try to write the whole backlog; False (and the new reason) if the disk still refuses."""
        try:
            self.store.write_backlog(self.session, self.items)
        except st.StoreWriteError as err:
            self.failure = err
            return False
        return True
