"""The event packs a store keeps, row by row: what the pack tests compare before and after a rebuild."""

from __future__ import annotations

from monitor.store import db as st


def packs_kept(store: st.SessionStore) -> dict[int, tuple[int, int, int, bytes]]:
    """session -> (format, last event id, events, data) of every pack kept."""
    return {sid: tuple(rest) for sid, *rest in store._db.execute(
        "SELECT session_id, format, last_event_id, events, data FROM event_packs")}
