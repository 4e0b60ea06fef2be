"""The dashboard's plain parts: the board model (bounded, exact after revisions), the banner's words,
the gate chips and the block letters. No terminal needed."""

from __future__ import annotations

from dataclasses import replace

from drivers.source import SourceStatus, State
from gates.course import Course
from gates.rep import IMPOSSIBLE, VOIDED, Rep
from monitor.session.analyzer import Analyzer, BlockLabel, StopRule, Verdict
from monitor.tui import bigtext
from monitor.tui.board import Board
from monitor.tui.widgets.athletes import fmt_rest
from monitor.tui.widgets.gates import chip_text
from monitor.tui.widgets.last_rep import best_line
from monitor.tui.widgets.verdict import banner_for

COURSE = Course.parse("0,10,20,30")


def rep(number: int, athlete: str, seconds: float, flags: frozenset[str] = frozenset()) -> Rep:
    t = int(seconds * 1e6)
    return Rep(number, athlete, COURSE, number * 60_000_000, (t // 3, 2 * t // 3, t), flags)


def test_board_keeps_a_bounded_window_but_exact_counts():
    board, analyzer = Board(keep=5), Analyzer()
    for n in range(1, 201):
        board.add(analyzer.add(rep(n, "Ada", 4.0 + (n % 3) / 100)), at=float(n))
    ada = board.athletes["Ada"]
    assert len(ada.recent) == 5 and ada.reps == 200 and ada.valid == 200
    assert [r.rep.number for r in ada.recent] == [196, 197, 198, 199, 200]
    assert len(board._stamps) <= 5
    assert board.rest_s("Ada", 230.0) == 30.0


def test_a_new_block_starts_each_athletes_rows_again_and_keeps_an_end():
    board, analyzer = Board(), Analyzer(StopRule(min_reps=1))
    for n, (name, t) in enumerate([("Ada", 4.0), ("Ben", 4.2), ("Ada", 4.4), ("Ben", 4.2), ("Ada", 4.5)], 1):
        board.add(analyzer.add(rep(n, name, t)), at=float(n))
    assert board.athletes["Ada"].verdict is Verdict.END
    long = replace(analyzer.add(rep(6, "Ben", 18.0)), block=BlockLabel(2, "150 m"))
    board.add(long, at=100.0)
    ben, ada = board.athletes["Ben"], board.athletes["Ada"]
    assert [r.rep.number for r in ben.recent] == [6] and ben.reps == 1 and ben.best_us == long.best_us
    assert not ada.recent and ada.reps == 0 and ada.verdict is Verdict.END  # out, and shown so
    assert board.rest_s("Ada", 105.0) == 100.0  # rest runs on across the move
    assert board.revise([analyzer.add(rep(7, "Ada", 4.0))]) == {"Ada"} and not ada.recent  # block 1: not shown


def test_revision_moves_a_rep_to_another_athlete_and_back():
    board, analyzer = Board(), Analyzer()
    board.add(analyzer.add(rep(1, "Ada", 4.00)), at=10.0)
    board.add(analyzer.add(rep(2, "Ben", 4.50)), at=20.0)
    board.add(analyzer.add(rep(3, "Ada", 4.10)), at=30.0)
    moved = replace(board.last.rep, athlete="Ben")
    changed = board.revise(analyzer.revise(moved))
    assert changed == {"Ada", "Ben"}
    assert board.athletes["Ada"].reps == 1 and board.athletes["Ben"].reps == 2
    assert board.last.rep.athlete == "Ben"  # the card follows the revised rep
    assert board.rest_s("Ben", 40.0) == 10.0 and board.rest_s("Ada", 40.0) == 30.0


def test_an_athlete_who_loses_their_only_rep_shows_empty():
    board, analyzer = Board(), Analyzer()
    board.add(analyzer.add(rep(1, "Ada", 4.00)), at=1.0)
    board.revise(analyzer.revise(replace(board.last.rep, athlete="Ben")))
    assert board.athletes["Ada"].reps == 0 and board.athletes["Ada"].latest is None
    assert board.athletes["Ben"].reps == 1


def test_voided_rep_keeps_its_place_but_stops_counting():
    board, analyzer = Board(), Analyzer()
    for n, t in enumerate([4.0, 4.1, 4.3], 1):
        board.add(analyzer.add(rep(n, "Ada", t)), at=float(n))
    board.revise(analyzer.revise(replace(board.last.rep, flags=frozenset({VOIDED}))))
    ada = board.athletes["Ada"]
    assert ada.reps == 3 and ada.valid == 2
    assert ada.judged.rep.number == 2 and ada.verdict is Verdict.GO


def test_banner_words_for_every_state():
    analyzer = Analyzer(StopRule())
    first = analyzer.add(rep(1, "Ada", 4.00))
    assert banner_for(None, next_up="Ada", min_reps=2).word == "READY"
    assert banner_for(first, next_up=None, min_reps=2).word == "BASELINE"
    assert banner_for(first, next_up=None, min_reps=2).detail == "Ada · rep 1 · no verdict before 2 valid reps"
    against_pb = Analyzer(StopRule(against="pb")).add(rep(1, "Ada", 4.00))  # and no PB: a single-rep block's lot
    assert banner_for(against_pb, next_up=None, min_reps=2, against="pb").detail == \
        "Ada · rep 1 · no PB on this course yet: nothing to judge it against"
    go = analyzer.add(rep(2, "Ada", 4.05))
    assert (banner_for(go, next_up=None, min_reps=2).word, go.verdict) == ("GO", Verdict.GO)
    caution = banner_for(analyzer.add(rep(3, "Ada", 4.30)), next_up=None, min_reps=2)
    assert (caution.word, caution.tone) == ("CAUTION", "-caution")
    end = banner_for(analyzer.add(rep(4, "Ada", 4.40)), next_up=None, min_reps=2)
    assert (end.word, end.tone) == ("END SESSION", "-end")
    assert end.detail == "Ada · 2 reps under 95 % of session best 4.00 s"
    impossible = analyzer.add(rep(5, "Ada", 1.0, frozenset({IMPOSSIBLE})))
    assert "impossible" in banner_for(impossible, next_up=None, min_reps=2).detail
    over = banner_for(go, next_up=None, min_reps=2, ended="ended by the coach")
    assert (over.word, over.detail) == ("SESSION ENDED", "ended by the coach")


def test_every_banner_word_has_block_letters():
    for word in ("READY", "BASELINE", "GO", "CAUTION", "END SESSION", "NOT COUNTED", "SESSION ENDED"):
        rows = bigtext.render(word)
        assert len(rows) == bigtext.ROWS and {len(r) for r in rows} == {bigtext.width(word)}


def test_gate_chip_says_in_words_what_is_wrong():
    ok = SourceStatus("serial:/dev/ttyUSB0", State.CONNECTED, gate=2, last_heartbeat_ns=9_000_000_000,
                      battery_pct=80)
    text, tone = chip_text(ok, "±0.4 ms", now_s=10.0)
    assert tone == "-ok" and text.plain == "gate 2 OK · hb 1.0 s · bat 80 % · clock ±0.4 ms"
    text, tone = chip_text(ok, None, now_s=20.0)
    assert tone == "-warn" and "SILENT" in text.plain
    lost = SourceStatus("serial:/dev/ttyUSB0", State.ERROR, reason="port vanished", dropped_frames=3,
                        lost_events=2)
    text, tone = chip_text(lost, None, now_s=0.0)
    assert tone == "-bad"
    assert text.plain == "serial:/dev/ttyUSB0 LOST (port vanished) · 3 bad frames · 2 LOST EVENTS"


def test_small_formatters():
    assert fmt_rest(None) == "—" and fmt_rest(59.9) == "0:59" and fmt_rest(185) == "3:05"


def test_the_go_banner_and_the_best_line_name_the_session_best_and_the_pb():
    pbs = {("Ada", COURSE): 3_900_000}
    analyzer = Analyzer(StopRule(against="pb"), pbs=pbs)
    analyzer.add(rep(1, "Ada", 4.00))
    go = analyzer.add(rep(2, "Ada", 3.95))
    assert banner_for(go, next_up=None, min_reps=2, against="pb").detail == "Ada · rep 2 · 98.7 % of PB 3.90 s"
    assert banner_for(go, next_up=None, min_reps=2).detail == "Ada · rep 2 · 100.0 % of session best 3.95 s"
    assert best_line(go) == "best 3.95 s · PB 3.90 s (98.7 %)"
    newcomer = Analyzer(StopRule(against="pb")).add(rep(1, "Ben", 4.00))
    assert best_line(newcomer) == "best 4.00 s"


def test_the_board_knows_a_pb_before_the_first_rep_and_keeps_it_after_revisions():
    board, analyzer = Board(), Analyzer(pbs={("Ada", COURSE): 3_900_000})
    board.set_pbs({"Ada": 3_900_000})
    assert board.athletes["Ada"].pb_us == 3_900_000
    board.add(analyzer.add(rep(1, "Ada", 4.0)), at=1.0)
    board.revise(analyzer.revise(replace(board.last.rep, athlete="Ben")))
    assert board.athletes["Ben"].pb_us is None and board.athletes["Ada"].pb_us == 3_900_000


def test_the_help_says_what_the_rule_judges_against():
    from monitor.tui.screens.help import HelpScreen

    pb = HelpScreen([], consecutive=2, min_reps=2, against="pb")
    assert dict(pb.verdicts)["GO"].startswith("intensity (PB / time)") and "earlier sessions" in pb.judged
    session = HelpScreen([], consecutive=2, min_reps=2)
    assert dict(session.verdicts)["GO"].startswith("intensity (best / time)") and "this session" in session.judged
