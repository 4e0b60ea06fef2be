"""`gates analyze` as scripts use it: the JSON contract, the table, and one-line errors."""

import json

import pytest
from support.cli import gates

from gates.gateline import encode_event

SEGMENTS = [(1, 0.0), (2, 0.45), (3, 0.75), (4, 1.0)]


def capture(times, gap_s=60.0, doubles=()):
    out, seq, t = b"", {}, 0
    for k, total in enumerate(times):
        t += int(gap_s * 1e6)
        for gate, frac in SEGMENTS:
            at = t + round(total * frac * 1e6)
            out += encode_event(gate, seq.setdefault(gate, 0), at)
            seq[gate] += 1
            if (k, gate) in doubles:
                out += encode_event(gate, seq[gate], at + 90_000)
                seq[gate] += 1
    return out


@pytest.fixture
def session(tmp_path):
    path = tmp_path / "session.cap"
    path.write_bytes(b"\x00garbage\r\n" + capture([4.00, 4.10, 4.30, 4.05, 4.25, 4.30], doubles={(2, 2)}))
    return path


def test_json_lines_contract(session):
    proc = gates("analyze", str(session), "--json")
    assert proc.returncode == 0, proc.stderr
    assert "detected protocol gateline" in proc.stderr
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    reps, summary = lines[:-1], lines[-1]
    assert [r["rep"] for r in reps] == [1, 2, 3, 4, 5, 6]
    assert [r["verdict"] for r in reps] == [None, "GO", "CAUTION", "GO", "CAUTION", "END"]
    first = reps[0]
    assert set(first) >= {"type", "rep", "athlete", "course_m", "time_s", "splits_s", "valid", "flags", "best_s",
                          "dropoff_pct", "intensity_pct", "sdec_pct", "verdict"}
    assert first["course_m"] == [0, 10, 20, 30] and first["time_s"] == 4.0 and first["splits_s"] == [1.8, 3.0, 4.0]
    assert reps[-1]["reason"] == "2 reps under 95 % of session best 4.00 s"
    assert summary == {"type": "summary", "events": 25, "reps": 6, "incomplete": 0, "debounced": 1, "strays": 0,
                       "dropped_bytes": 8, "dropped_frames": 1, "protocol": "gateline"}


def test_readable_table_per_athlete(session):
    proc = gates("analyze", str(session), "--athletes", "Ann,Bob", "--protocol", "gateline")
    assert proc.returncode == 0 and proc.stderr == ""
    assert "Ann — course 0,10,20,30 m — best 4.00 s" in proc.stdout
    assert "Bob — course 0,10,20,30 m — best 4.05 s" in proc.stdout
    assert "@10m" in proc.stdout and "25 events, 6 reps" in proc.stdout


def test_rule_options_change_the_verdicts(session):
    proc = gates("analyze", str(session), "--json", "--floor", "90", "--max-reps", "4")
    verdicts = [json.loads(line)["verdict"] for line in proc.stdout.splitlines()[:-1]]
    assert verdicts == [None, "GO", "GO", "END", "END", "END"]


@pytest.mark.parametrize("args, message", [
    (["/no/such/file"], "cannot read /no/such/file"),
    (["{session}", "--protocol", "morse"], "unknown protocol 'morse'"),
    (["{session}", "--course", "0,20,10"], "--course '0,20,10': gate distances must increase strictly"),
    (["{session}", "--course", "zero,ten"], "--course 'zero,ten' is not a comma-separated list"),
    (["{session}", "--floor", "120"], "floor must be a percentage"),
    (["{session}", "--floor", "abc"], "invalid float value: 'abc'"),
    (["{empty}"], "the capture is empty"),
])
def test_bad_input_is_one_line_and_exit_2(tmp_path, session, args, message):
    empty = tmp_path / "empty.cap"
    empty.write_bytes(b"")
    proc = gates("analyze", *(a.format(session=session, empty=empty) for a in args))
    assert proc.returncode == 2
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
