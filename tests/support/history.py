"""Multi-week histories through the real CLI: each session is a `gates export --format json` document
with the date it was run, made from the bytes gateline gates send, then `gates import`ed, and the
athletes' logs written with `gates log`. Rep times are given per athlete in seconds, in the order run.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
from pathlib import Path

from gates.gateline import GatelineDecoder, encode_event
from support.cli import gates as run

COURSE = "0,10,20,30"
SHARES = (0.0, 0.4, 0.71, 1.0)  # where in the rep each gate is crossed


def gates(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return run(*args, env={"TZ": "UTC", **(env or {})}, timeout=120)


def at(day: str, hour: int = 17) -> int:
    """Unix ns of `2026-11-30` at `hour`:00 UTC."""
    return int(dt.datetime.fromisoformat(day).replace(hour=hour, tzinfo=dt.timezone.utc).timestamp()) * 10**9


def export_document(created_ns: int, reps: dict[str, list[float]], *, course: str = COURSE,
                    max_reps: int | None = None, name: str = "", shares: list[float] | None = None) -> dict:
    """A session export: each athlete's reps in turn (A1 B1 A2 B2 …), each sent by NEXT_UP; `shares`
    says where in the rep each gate is crossed (default: evenly, as if at one speed)."""
    distances = [float(x) for x in course.split(",")]
    if shares is None:
        shares = [(d - distances[0]) / (distances[-1] - distances[0]) for d in distances]
    order = [(athlete, times[k]) for k in range(max(map(len, reps.values()), default=0))
             for athlete, times in reps.items() if k < len(times)]
    settings = {"protocol": "gateline", "floor_pct": 95.0, "consecutive": 2, "min_reps": 2, "max_reps": max_reps,
                "against": "session", "debounce_us": 300000}
    notes = [{"kind": "start", "data": {"sources": ["replay:x.cap"], "settings": settings}, "after_event": 0},
             {"kind": "course", "data": {"course": course}, "after_event": 0},
             {"kind": "roster", "data": {"athletes": list(reps)}, "after_event": 0}]
    events, seq = [], {}
    for i, (athlete, seconds) in enumerate(order):
        notes.append({"kind": "next_up", "data": {"athlete": athlete}, "after_event": len(events)})
        go_us = 90_000_000 * (i + 1)
        frames = b""
        for gate, share in enumerate(shares, start=1):
            frames += encode_event(gate, seq.setdefault(gate, 0), go_us + round(seconds * share * 1e6))
            seq[gate] += 1
        for ev in GatelineDecoder().feed(frames):
            events.append({"id": len(events) + 1, "source": "replay:x.cap", "gate": ev.gate, "seq": ev.seq,
                           "device_us": ev.device_us, "host_ns": ev.host_ns, "kind": ev.kind.value,
                           "start_number": ev.start_number, "channel": ev.channel, "flag": ev.flag,
                           "raw_hex": ev.raw.hex()})
    notes.append({"kind": "end", "data": {}, "after_event": len(events)})
    annotations = [{"id": k + 1, "created_ns": created_ns + k, **n} for k, n in enumerate(notes)]
    return {"format": "gates-session", "version": 1, "exported_ns": created_ns,
            "session": {"id": 1, "name": name, "created_ns": created_ns, "ended_ns": None, "course": course,
                        "athletes": list(reps), "sources": ["replay:x.cap"]},
            "settings": settings, "events": events, "annotations": annotations, "baselines": [], "reps": []}


def add_session(db: Path, created_ns: int, reps: dict[str, list[float]], **options: object) -> int:
    """Import one session into `db` with `gates import`; its new id."""
    path = db.with_name(f"s{created_ns}.json")
    path.write_text(json.dumps(export_document(created_ns, reps, **options)), encoding="utf-8")
    proc = gates("import", str(path), "--db", str(db))
    assert proc.returncode == 0, proc.stderr
    return int(proc.stdout.split(" as session ")[1].split()[0])


def add_log(db: Path, session: int, athlete: str, *fields: str) -> None:
    proc = gates("log", str(session), "--athlete", athlete, *fields, "--db", str(db))
    assert proc.returncode == 0, proc.stderr


def week_lines(db: Path, *args: str) -> list[dict]:
    proc = gates("week", "--json", "--db", str(db), *args)
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr
    return [json.loads(line) for line in proc.stdout.splitlines()]
