"""The report names the reference each verdict used, as the engine's results carry it: under
`--against pb` and in a plan block judged against the PB it says "of PB 3.60 s", never "of best",
and its floor line is drawn from that PB. Sessions stored from the bytes gateline gates send."""

from __future__ import annotations

from html.parser import HTMLParser

from support.stored_sessions import reps_bytes, store_parts

from monitor.cli.options import load_plan
from monitor.report.page import render
from monitor.session.analyzer import StopRule, Verdict
from monitor.session.model import Settings
from monitor.store import saved as saved_session


class Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data):
        self.parts.append(data)


def text_of(html: str) -> str:
    parser = Text()
    parser.feed(html)
    return " ".join(parser.parts)


def stored(path, settings: Settings, course: str, parts: list[bytes | tuple[str, dict]]) -> str:
    return render(saved_session.load(str(path), str(store_parts(path, settings, course, parts))))


def test_against_pb_the_report_says_of_pb_with_its_time(tmp_path):
    pbs = (("Ada", "0,10,20,30", None, 3_600_000),)
    settings = Settings(rule=StopRule(against="pb"), pbs=pbs)
    four = (1, 2, 3, 4)
    html = stored(tmp_path / "g.sqlite3", settings, "0,10,20,30",
                  [reps_bytes([(four, 3.70), (four, 3.90), (four, 3.95)], {}, 60)])
    text = text_of(html)
    assert "floor 95 % of PB" in text  # the header's rule
    assert "floor 95 % of PB 3.60 s" in text  # the athlete's card
    assert "PB 3.60 s" in text and f"floor: 95 % of PB = {3.6 / 0.95:.2f} s" in text  # the chart's lines
    assert "END" in text and "of PB 3.60 s" in text  # the verdict's own reason
    assert "of best" not in text and "slower than best" not in text


def test_a_plan_block_against_the_pb_is_reported_against_that_pb(tmp_path):
    from monitor.session import facts

    plan = load_plan("micro-dosed")  # block 1: 30 m against the session best; block 2: 150 m against the PB
    pbs = (("Ada", "0,150", "standing", 18_500_000),)
    settings = Settings(rule=StopRule(), plan=plan, pbs=pbs)
    seq: dict[int, int] = {}
    four = (1, 2, 3, 4)
    block1 = reps_bytes([(four, 3.70), (four, 3.72)], seq, 60)
    block2 = reps_bytes([((1, 2), 20.0)], seq, 600)
    html = stored(tmp_path / "g.sqlite3", settings, "0,10,20,30", [block1, (facts.BLOCK, {"block": 2}), block2])
    text = text_of(html)
    assert "floor 98 % of session best 3.70 s" in text  # block 1, judged against today's best
    assert "floor: 98 % of session best = " in text
    assert "floor 95 % of PB 18.50 s" in text  # block 2, its one rep judged against the PB
    assert f"floor: 95 % of PB = {18.5 / 0.95:.2f} s" in text
    assert "verdicts against the PB 18.50 s: see the rep times" in text  # no session-best floor on drop-off
    saved = saved_session.load(str(tmp_path / "g.sqlite3"), "1")
    (long,) = [r for r in saved.model.ordered_results() if r.rep.course.label() == "0,150"]
    assert (long.reference, long.reference_us, long.verdict) == ("pb", 18_500_000, Verdict.END)
    assert "of best" not in text


def test_strides_against_a_target_are_reported_against_that_target(tmp_path):
    plan = load_plan("strides")  # judged against a band around 85 % of the PB, never against today's best
    block = plan.blocks[0]
    gates = block.gates or tuple(range(1, block.course.gates + 1))
    pbs = (("Ada", block.course.label(), block.start.value, 3_000_000),)
    html = stored(tmp_path / "g.sqlite3", Settings(rule=StopRule(), plan=plan, pbs=pbs), block.course.label(),
                  [reps_bytes([(gates, 3.5), (gates, 3.6), (gates, 3.3)], {}, 60)])
    text = text_of(html)
    target_s = 3.0 / (block.target_pct / 100)
    assert f"against the target {target_s:.2f} s" in text
    assert f"verdicts against the target {target_s:.2f} s: see the rep times" in text
    assert "of PB (band" in text  # the engine's reason says where the band is
    assert "of best" not in text and "floor:" not in text
