"""Heart-rate samples as facts of a session, beside its gate events (migration 4 of monitor/store/db.py).

Each row is one strap notification as the host stamped it (gates.heartrate.HrSample) and the athlete
wearing the strap when it came: the pairing is part of the fact, so a strap handed to another athlete
mid-session changes nothing already stored. A strap notifies once a second, so rows go in many at a
time (`append_hr`, one transaction, one `executemany`); they are read back per athlete in time order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING

from gates.heartrate import Contact, HrSample

if TYPE_CHECKING:
    import sqlite3

    from monitor.store.db import _Transaction

MIGRATION = """
    CREATE TABLE hr_samples (
        id INTEGER PRIMARY KEY,
        session_id INTEGER NOT NULL REFERENCES sessions(id),
        athlete TEXT NOT NULL,                -- who wore the strap when the sample came
        strap TEXT NOT NULL,                  -- the strap's Bluetooth address
        host_ns INTEGER NOT NULL,             -- host monotonic receive time (HR is not a split)
        bpm INTEGER NOT NULL,
        contact TEXT NOT NULL,                -- ok | lost | unsupported
        rr TEXT NOT NULL DEFAULT '',          -- RR intervals in 1/1024 s, oldest first, comma-separated
        energy_kj INTEGER
    );
    CREATE INDEX hr_samples_session ON hr_samples(session_id, athlete, host_ns);
"""

Row = tuple[str, HrSample]  # (athlete, sample)
_INSERT = ("INSERT INTO hr_samples (session_id, athlete, strap, host_ns, bpm, contact, rr, energy_kj)"
           " VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
_CONTACT = {c.value: c for c in Contact}


def _values(session: int, athlete: str, s: HrSample) -> tuple:
    return (session, athlete, s.strap, s.host_ns, s.bpm, s.contact.value, ",".join(map(str, s.rr_1024)), s.energy_kj)


def sample_of(strap: str, host_ns: int, bpm: int, contact: str, rr: str, energy_kj: int | None) -> HrSample:
    return HrSample(strap, host_ns, bpm, _CONTACT[contact], tuple(int(v) for v in rr.split(",") if v), energy_kj)


class HrRows:
    """SessionStore's heart-rate rows (a mixin: the store's connection and transactions)."""

    _db: sqlite3.Connection
    _transaction: Callable[[], _Transaction]

    def append_hr(self, session: int, rows: Iterable[Row]) -> int:
        """Commit samples, each with the athlete who wore the strap; how many were written."""
        values = [_values(session, athlete, sample) for athlete, sample in rows]
        if values:
            with self._transaction():
                self._db.executemany(_INSERT, values)
        return len(values)

    def _insert_hr(self, session: int, rows: Sequence[Row]) -> None:
        """Inside a caller's transaction (an import: all or nothing)."""
        self._db.executemany(_INSERT, [_values(session, athlete, sample) for athlete, sample in rows])

    def hr_samples(self, session: int) -> dict[str, list[HrSample]]:
        """athlete -> their samples in time order."""
        out: dict[str, list[HrSample]] = {}
        for athlete, *row in self._db.execute(
                "SELECT athlete, strap, host_ns, bpm, contact, rr, energy_kj FROM hr_samples WHERE session_id = ?"
                " ORDER BY athlete, host_ns, id", (session,)):
            out.setdefault(athlete, []).append(sample_of(*row))
        return out

    def hr_count(self, session: int) -> int:
        return self._db.execute("SELECT count(*) FROM hr_samples WHERE session_id = ?", (session,)).fetchone()[0]

    def event_clock(self, session: int, lo_us: int, hi_us: int) -> list[tuple[int, int]]:
        """(device_us, host_ns) of the session's events timed from `lo_us` to `hi_us`: where a rep's
        finish falls on the host clock (monitor.session.heart.finish_ns)."""
        return self._db.execute("SELECT device_us, host_ns FROM events WHERE session_id = ? AND device_us BETWEEN ? AND ?",
                                (session, lo_us, hi_us)).fetchall()
