"""The numbering the coach names is the one reps are paired by, from a capture (`gates analyze
--numbering`) and live (`?numbering=` on the source, stored with the session, so a review derives the
same): "start" pairs by number even when the numbers look like the Timy's impulse count, "impulse"
pairs first in, first out even when start and finish share a number (and a Timy3 `C` deletion then
takes back the impulse by its time, not its number)."""

from __future__ import annotations

import json

import pytest

from gates.alge import encode_impulse, encode_short
from monitor.cli.main import main
from monitor.session.model import SessionModel
from monitor.store import db as st
from support.cli import gates

T0 = 10 * 3600 * 1_000_000  # 10:00:00 on the timer's clock
S = 1_000_000
ROSTER = "Ada,Ben"

# Start number 51 runs; 52's start impulse was missed, its finish comes first: 52 after 51 looks like
# the impulse counter ticking on, so "auto" would pair 51's start with 52's finish.
MISSED_START = (encode_impulse(51, "C0", T0) + encode_impulse(52, "C1", T0 + 5 * S)
                + encode_impulse(51, "C1", T0 + 6 * S))
# Two athletes on course whose start and finish share a number (start numbers, to "auto"); the
# second to start finishes first; then the Timy3 deletes memory time 1, the later impulse numbered 1.
SHARED_NUMBERS = (encode_impulse(1, "C0", T0) + encode_impulse(2, "C0", T0 + 2 * S)
                  + encode_impulse(2, "C1", T0 + 5 * S) + encode_impulse(1, "C1", T0 + 6 * S)
                  + encode_short("C", 1))


def latest(records: list[dict]) -> list[tuple]:
    """(rep, athlete, time, flags) as the last record of each rep says it."""
    reps = {r["rep"]: r for r in records if r["type"] == "rep"}
    return [(n, r["athlete"], r["time_s"], r["flags"]) for n, r in sorted(reps.items())]


def analyze(capsys, capture, numbering: str) -> tuple[list[tuple], dict]:
    assert main(["analyze", str(capture), "--athletes", ROSTER, "--course", "0,30", "--json",
                 "--numbering", numbering]) == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    return latest(records), records[-1]


def monitor(capture, numbering: str, db) -> list[tuple]:
    """`gates monitor` on a replay of the capture, in a subprocess as a coach runs it."""
    done = gates("monitor", "--headless", "--json", "--source", f"replay:{capture}?speed=max&numbering={numbering}",
                 "--db", str(db), "--athletes", ROSTER, "--course", "0,30", check=True)
    return latest([json.loads(line) for line in done.stdout.splitlines()])


def rederived(db) -> list[tuple]:
    """The stored session derived again, as review and report read it."""
    with st.SessionStore(db, readonly=True) as store:
        session = store.sessions()[-1].id
        model = SessionModel.derive(list(store.events(session)), store.annotations(session))
    return [(r.rep.number, r.rep.athlete, r.rep.time_us / S, sorted(r.rep.flags)) for r in model.ordered_results()]


@pytest.mark.parametrize(("capture", "numbering", "expected", "strays"), [
    (MISSED_START, "start", [(1, "#51", 6.0, [])], 1),
    (SHARED_NUMBERS, "impulse", [(1, "Ada", 5.0, []), (2, "Ben", 4.0, ["cancelled"])], 0),
], ids=["start-on-an-impulse-looking-count", "impulse-on-shared-numbers"])
def test_the_named_numbering_pairs_the_reps_offline_live_and_in_review(tmp_path, capsys, capture, numbering,
                                                                      expected, strays):
    path = tmp_path / "timy.cap"
    path.write_bytes(capture)
    reps, summary = analyze(capsys, path, numbering)
    assert reps == expected and summary["strays"] == strays
    assert monitor(path, numbering, tmp_path / "g.sqlite3") == expected
    assert rederived(tmp_path / "g.sqlite3") == expected

