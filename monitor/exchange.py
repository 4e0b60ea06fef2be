"""A stored session as files: CSV of the splits for spreadsheets and R, JSON of everything for a round trip.

CSV is long format, one row per split, so it loads as it is into a spreadsheet, pandas or
`shorts::model_timing_gates(distance, time)`: the distance is measured from the start gate and the
time is cumulative from the start, and the start itself is no row (it is the origin, 0 m at 0 s). A
gate that saw nothing has an empty time.

JSON carries the session whole: its raw events (bytes as hex), the coach's annotations with the event
each applies after, the gates' baselines, and, for readers who want no re-derivation, the reps and
verdicts as `gates analyze --json` prints them. `gates import` takes such a file back into a store;
the rows, not the derived reps, are what it imports, so the reps come out of the same code again.
"""

from __future__ import annotations

import csv
import io
import json
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from gates import protocols
from gates.course import Course, CourseError
from gates.events import GateEvent, Kind
from gates.heartrate import Contact, HrSample
from monitor.present import heart
from monitor.present.records import incomplete_record, rep_record
from monitor.session import facts
from monitor.session import log as athlete_log
from monitor.session.model import Settings
from monitor.store.saved import SavedSession

FORMAT = "gates-session"
ATHLETE_FORMAT = "gates-athlete"  # one athlete across sessions (read-only: import takes sessions)
VERSION = 1
CSV_HEADER = ("session", "date", "athlete", "rep", "course", "gate", "distance_m", "time_s", "valid", "flags",
              "hr_finish_bpm", "hrr60_bpm")


class ExchangeError(Exception):
    """A file that is not a gates session export this program can read, with where it is wrong."""


def _date(ns: int) -> str:
    return time.strftime("%Y-%m-%d", time.localtime(ns / 1e9))


def _seconds(us: int) -> str:
    """Exact (gate clocks count whole microseconds), with at least three decimals: 4.810, 4.8105."""
    fraction = f"{us % 1_000_000:06d}".rstrip("0")
    return f"{us // 1_000_000}.{fraction:0<3}"


def csv_text(saved: SavedSession) -> str:
    return athlete_csv_text([saved])


def athlete_csv_text(sessions: Iterable[SavedSession], athlete: str | None = None) -> str:
    """The sessions' splits in one table, oldest first (the session and date columns tell them apart);
    with `athlete`, that athlete's rows only: the same long format, so shorts reads it the same way."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")  # RFC 4180
    writer.writerow(CSV_HEADER)
    for saved in sessions:
        date = _date(saved.info.created_ns)
        hearts = heart.hearts_of(saved.model.ordered_results(), saved.events, saved.hr)
        for result in saved.model.ordered_results():
            rep = result.rep
            if athlete is not None and rep.athlete != athlete:
                continue
            hr = heart.csv_cells(hearts.get(rep.number))
            start = rep.course.distances_m[0]
            flags = ";".join(sorted(rep.flags))
            for gate, (distance, split) in enumerate(zip(rep.course.distances_m[1:], rep.splits_us), start=1):
                writer.writerow((saved.info.id, date, rep.athlete, rep.number, rep.course.label(), gate,
                                 f"{distance - start:g}", "" if split is None else _seconds(split),
                                 "true" if rep.valid else "false", flags, *hr))
    return out.getvalue()


def athlete_json_text(sessions: Iterable[SavedSession], athlete: str, since: str | None = None) -> str:
    """One athlete across sessions: each session's date, course and settings, the athlete's reps and
    verdicts (as `gates analyze --json` prints them) and their log. For reading, not for `gates import`:
    a session's other athletes are left out, so it is no longer the session whole."""
    items = []
    for saved in sessions:
        info = saved.info
        entry = athlete_log.entries(saved.annotations).get(athlete)
        items.append({"session": {"id": info.id, "name": info.name, "created_ns": info.created_ns,
                                  "date": _date(info.created_ns), "ended_ns": info.ended_ns, "course": info.course},
                      "settings": {k: v for k, v in saved.model.settings.as_dict().items() if k not in ("pbs", "recent")},
                      "pbs": [list(pb) for pb in saved.model.settings.pbs if pb[0] == athlete],
                      "reps": [rep_record(r) for r in saved.model.ordered_results() if r.rep.athlete == athlete],
                      "log": None if entry is None else entry.as_data()})
    doc = {"format": ATHLETE_FORMAT, "version": VERSION, "exported_ns": time.time_ns(), "athlete": athlete,
           "since": since, "sessions": items}
    return json.dumps(doc, ensure_ascii=False, indent=1) + "\n"


def document(saved: SavedSession) -> dict[str, Any]:
    info, model = saved.info, saved.model
    return {
        "format": FORMAT,
        "version": VERSION,
        "exported_ns": time.time_ns(),
        "session": {"id": info.id, "name": info.name, "created_ns": info.created_ns, "date": _date(info.created_ns),
                    "ended_ns": info.ended_ns, "course": info.course, "athletes": list(info.athletes),
                    "sources": list(info.sources)},
        "settings": model.settings.as_dict(),
        "events": [_event_row(stored) for stored in saved.events],
        "annotations": [{"id": n.id, "after_event": n.after_event, "created_ns": n.created_ns, "kind": n.kind,
                         "data": n.data} for n in saved.annotations],
        "baselines": [{"source": source, "gate": gate, "seq": seq} for source, gate, seq in saved.baselines],
        "reps": [rep_record(r) for r in model.ordered_results()],
        "incomplete": [incomplete_record(rep) for rep in model.abandoned],
        "hr_samples": heart.sample_rows(saved.hr),
        "rep_hr": [heart.rep_hr_record(h) for h in heart.hearts_of(model.ordered_results(), saved.events,
                                                                   saved.hr).values()],
    }


def _event_row(stored: facts.StoredEvent) -> dict[str, Any]:
    e = stored.event
    return {"id": stored.id, "source": stored.source, "gate": e.gate, "seq": e.seq, "device_us": e.device_us,
            "host_ns": e.host_ns, "kind": e.kind.value, "start_number": e.start_number, "channel": e.channel,
            "flag": e.flag, "raw_hex": e.raw.hex()}


def json_text(saved: SavedSession) -> str:
    """The document with one line per event, annotation and rep: readable, greppable, diffable."""
    def dumps(value: Any) -> str:
        return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))

    members = []
    for key, value in document(saved).items():
        if isinstance(value, list) and value:
            value_text = "[\n  " + ",\n  ".join(map(dumps, value)) + "\n ]"
        else:
            value_text = dumps(value)
        members.append(f" {dumps(key)}: {value_text}")
    return "{\n" + ",\n".join(members) + "\n}\n"


# -- reading an export back -----------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Imported:
    """The rows of an exported session, ids as they were in the store it came from."""

    session: int
    created_ns: int
    name: str
    events: list[facts.StoredEvent]
    annotations: list[facts.Annotation]
    baselines: list[tuple[str, int, int]]
    hr_rows: list = field(default_factory=list)  # (athlete, HrSample): monitor/store/hr.py


_INT, _NUMBER, _TEXT, _TEXTS = "a whole number", "a number", "text", "a list of text"
_OBJECT, _LIST = "an object", "a list"
_KINDS_OF = {_INT: (int,), _NUMBER: (int, float), _TEXT: (str,), _TEXTS: (list,), _OBJECT: (dict,), _LIST: (list,)}
_INT64 = 2 ** 63  # what SQLite stores
# what each annotation kind carries (store.py documents them): key -> expected type
_NOTE_DATA = {
    facts.START: {"sources": _TEXTS, "settings": _OBJECT}, facts.RESUME: {"sources": _TEXTS, "settings": _OBJECT},
    facts.COURSE: {"course": _TEXT}, facts.ROSTER: {"athletes": _TEXTS}, facts.SKIP: {}, facts.NEXT_UP: {"athlete": _TEXT},
    facts.OUT_OF_TURN: {"athlete": _TEXT}, facts.ADD_ATHLETE: {"athlete": _TEXT}, facts.REMOVE_ATHLETE: {"athlete": _TEXT},
    facts.BRING_BACK: {"athlete": _TEXT}, facts.VOID: {"rep": _INT},
    facts.REASSIGN: {"rep": _INT, "athlete": _TEXT}, facts.UNDO: {"annotation": _INT}, facts.END: {},
    facts.BLOCK: {"block": _INT}, facts.TIMEOUT: {"at_us": _INT},
    facts.LOG: {"athlete": _TEXT},
}

_SETTINGS = {"protocol": _TEXT, "floor_pct": _NUMBER, "consecutive": _INT, "min_reps": _INT, "max_reps": _INT,
             "debounce_us": _INT}


def _get(obj: dict, key: str, kind: str, where: str, *, optional: bool = False) -> Any:
    if key not in obj:
        raise ExchangeError(f"{where} has no {key!r}")
    value = obj[key]
    if value is None and optional:
        return None
    out_of_range = kind == _INT and isinstance(value, int) and not -_INT64 <= value < _INT64
    not_texts = kind == _TEXTS and isinstance(value, list) and not all(isinstance(v, str) for v in value)
    if isinstance(value, bool) or not isinstance(value, _KINDS_OF[kind]) or out_of_range or not_texts:
        raise ExchangeError(f"{where}: {key!r} must be {kind}{' or null' if optional else ''}, got {value!r:.40}")
    return value


def _list(doc: dict, key: str) -> list[dict]:
    items = _get(doc, key, _LIST, "the file")
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise ExchangeError(f"{key}[{i}] must be an object")
    return items


def _event(item: dict, i: int) -> facts.StoredEvent:
    where = f"events[{i}]"
    try:
        kind = Kind(_get(item, "kind", _TEXT, where))
    except ValueError:
        raise ExchangeError(f"{where}: unknown event kind {item['kind']!r}") from None
    try:
        raw = bytes.fromhex(_get(item, "raw_hex", _TEXT, where))
    except ValueError:
        raise ExchangeError(f"{where}: 'raw_hex' is not hexadecimal") from None
    event = GateEvent(_get(item, "gate", _INT, where), _get(item, "seq", _INT, where),
                      _get(item, "device_us", _INT, where), _get(item, "host_ns", _INT, where), kind,
                      _get(item, "start_number", _INT, where, optional=True),
                      _get(item, "channel", _TEXT, where, optional=True), _get(item, "flag", _TEXT, where), raw)
    return facts.StoredEvent(_get(item, "id", _INT, where), _get(item, "source", _TEXT, where), event)


def _annotation(item: dict, i: int, session: int) -> facts.Annotation:
    where = f"annotations[{i}]"
    kind = _get(item, "kind", _TEXT, where)
    if kind not in _NOTE_DATA:
        raise ExchangeError(f"{where}: unknown annotation kind {kind!r}")
    data = _get(item, "data", _OBJECT, where)
    for key, expected in _NOTE_DATA[kind].items():
        _get(data, key, expected, f"{where} ({kind})")
    try:
        if kind == facts.COURSE:
            Course.parse(data["course"])
        elif kind in (facts.START, facts.RESUME):
            settings = data["settings"]
            for key, expected in _SETTINGS.items():
                if key in settings:
                    _get(settings, key, expected, f"{where} ({kind}) settings", optional=key == "max_reps")
            protocols.get(Settings.from_dict(settings).protocol)
        elif kind == facts.LOG:
            athlete_log.LogEntry.from_data(data)
    except (CourseError, protocols.UnknownProtocol, ValueError) as err:
        raise ExchangeError(f"{where} ({kind}): {err}") from None
    return facts.Annotation(_get(item, "id", _INT, where), session, _get(item, "after_event", _INT, where),
                         _get(item, "created_ns", _INT, where), kind, data)


def _hr_sample(item: dict, i: int) -> tuple[str, HrSample]:
    """A heart-rate sample row (an export before heart rate has none: the key is optional)."""
    where = f"hr_samples[{i}]"
    try:
        contact = Contact(_get(item, "contact", _TEXT, where))
    except ValueError:
        raise ExchangeError(f"{where}: unknown contact state {item['contact']!r}") from None
    rr = _get(item, "rr_1024", _LIST, where)
    if not all(isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= 0xFFFF for v in rr):
        raise ExchangeError(f"{where}: 'rr_1024' must be whole numbers from 0 to 65535")
    bpm = _get(item, "bpm", _INT, where)
    if not 0 <= bpm <= 0xFFFF:
        raise ExchangeError(f"{where}: 'bpm' must be from 0 to 65535, got {bpm}")
    return _get(item, "athlete", _TEXT, where), HrSample(
        _get(item, "strap", _TEXT, where), _get(item, "host_ns", _INT, where), bpm, contact, tuple(rr),
        _get(item, "energy_kj", _INT, where, optional=True))


def parse(text: str) -> Imported:
    """The rows of an export, checked field by field; ExchangeError names the first thing wrong."""
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as err:
        if err.pos == 0:
            raise ExchangeError("not a gates session export (not JSON)") from None
        if err.pos >= len(text.rstrip()) or err.msg.startswith("Unterminated string"):  # runs into the end
            last_line = text.rstrip().count("\n") + 1
            raise ExchangeError(f"cut short: the JSON stops at line {last_line} before it is complete") from None
        raise ExchangeError(f"damaged JSON: {err.msg} at line {err.lineno} column {err.colno}") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ExchangeError(f"not a gates session export (no \"format\": \"{FORMAT}\")")
    if doc.get("version") != VERSION:
        raise ExchangeError(f"export version {doc.get('version')!r}; this program reads version {VERSION}")
    session = _get(doc, "session", _OBJECT, "the file")
    sid = _get(session, "id", _INT, "session")
    baselines = [(_get(b, "source", _TEXT, f"baselines[{i}]"), _get(b, "gate", _INT, f"baselines[{i}]"),
                  _get(b, "seq", _INT, f"baselines[{i}]")) for i, b in enumerate(_list(doc, "baselines"))]
    return Imported(sid, _get(session, "created_ns", _INT, "session"), _get(session, "name", _TEXT, "session"),
                    [_event(item, i) for i, item in enumerate(_list(doc, "events"))],
                    [_annotation(item, i, sid) for i, item in enumerate(_list(doc, "annotations"))], baselines,
                    [_hr_sample(item, i) for i, item in enumerate(_list(doc, "hr_samples") if "hr_samples" in doc else [])])
