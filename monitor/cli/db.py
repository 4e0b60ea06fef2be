"""`gates db check` and `gates db rebuild`: the derived rows and event packs against the facts they come from.

`check` derives every session again in memory and compares it with the row the store keeps (a stale
row, one whose session's facts or engine changed since, is only reported: it is derived again when
next needed); a row that differs from its own facts is an error (exit 1). Each event pack is read
back whole and compared with the rows it stands for: one of another format, or whose rows the table
no longer holds, is stale (never read: the rows are); one that reads otherwise than its rows is an
error. `rebuild` drops every derived row and pack and derives them again from the events and
annotations, with a progress bar.
"""

from __future__ import annotations

import argparse
import sys

from monitor.cli.options import UsageError, database_path
from monitor.cli.progress import bar


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=("check", "rebuild"), help="check the derived rows and event packs, or derive and pack them again")
    parser.add_argument("--db", metavar="PATH", help="session database (default: gates.sqlite3 in your data directory)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from monitor.store import db as st

    path = database_path(args.db)
    try:
        with st.SessionStore(path, readonly=args.action == "check" and not _writable(path)) as store:
            return _rebuild(store) if args.action == "rebuild" else _check(store)
    except st.StoreError as err:
        raise UsageError(f"--db {err}") from None


def _writable(path) -> bool:
    import os

    return os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)


def _check(store) -> int:
    from monitor.store import db as st
    from monitor.store.summaries import row, summary_of

    rows = store.summary_rows()
    athlete_rows = store.athlete_rows()
    listed = store.listing_rows()
    notes = store.all_annotations()
    marks = store.marks()
    fresh = stale = wrong = 0
    for done, (sid, created, name, last_event, last_note) in enumerate(marks, 1):
        bar("checking", done, len(marks))
        kept = rows.get(sid)
        if kept is None:
            stale += 1
            continue
        kept_event, kept_note = kept[0], kept[1]
        kept_notes = [n for n in notes.get(sid, ()) if n.id <= kept_note]
        again = row(st.session_info(sid, created, name, store.event_count(sid, kept_event), kept_notes), kept_event,
                    kept_note, summary_of(store, sid, kept_event, kept_notes))
        if (kept_event, kept_note) != (last_event, last_note) or kept[2] != again[3]:
            stale += 1
        elif (tuple(kept) == again[1:6] and athlete_rows.get(sid, ([], [])) == (list(again[6]), list(again[7]))
              and listed.get(sid) == again[8]):
            fresh += 1
        else:
            wrong += 1
            print(f"session {sid}: its derived row differs from its facts", file=sys.stderr)
    print(f"{len(marks)} sessions: {fresh} derived rows up to date, {stale} missing or stale "
          f"(derived when next needed), {wrong} wrong")
    packed, wrong_packs = _check_packs(store)
    print(f"{len(marks)} sessions: {packed} event packs up to date, {len(marks) - packed - wrong_packs} missing or "
          f"stale (their rows are read), {wrong_packs} wrong")
    return 1 if wrong or wrong_packs else 0


def _check_packs(store) -> tuple[int, int]:
    """(packs that read back as their rows, packs the store would serve that do not): each is read whole,
    bytes included, beside the same rows read from the table."""
    from monitor.store import packs

    packed = wrong = 0
    sessions = [m[0] for m in store.marks()]  # a pack is read only where one is served
    for done, sid in enumerate(sessions, 1):
        bar("checking event packs", done, len(sessions))
        served = store.served_pack(sid)
        if served is None:
            continue
        _, last, count, data = served
        got = packs.read(data, sid, last, count)
        rows = list(store.events(sid, until=last, packed=False))
        if got is not None and [(e, e.event.raw) for e in got] == [(e, e.event.raw) for e in rows]:
            packed += 1
        else:
            wrong += 1
            print(f"session {sid}: its event pack differs from its events", file=sys.stderr)
    return packed, wrong


def _rebuild(store) -> int:
    from monitor.store.summaries import summarized

    dropped, packs = store.drop_summaries(), store.drop_packs()
    count = sum(1 for _ in summarized(store, progress=lambda done, total: bar("deriving", done, total)))
    print(f"{count} sessions derived again from their facts ({dropped} derived rows dropped, {packs} event packs "
          "dropped and packed again)")
    return 0
