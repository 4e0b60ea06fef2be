"""The rep that just finished, large: athlete, time in big digits, drop-off and intensity against the
athlete's session best, the splits, and a highlight when it is a new best."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Digits, Label

from monitor.analyzer import RepResult
from monitor.records import fmt_pct, fmt_time


def splits_line(result: RepResult) -> str:
    rep = result.rep
    gates = rep.course.distances_m[1:]
    return "   ".join(f"{d:g} m {fmt_time(t)}" for d, t in zip(gates, rep.splits_us))


class LastRep(Vertical):
    def compose(self) -> ComposeResult:
        yield Label("no rep yet", id="rep-title")
        yield Digits("-.--", id="rep-time")
        yield Label("", id="rep-metrics")
        yield Label("", id="rep-splits")
        yield Label("", id="rep-best")

    def show(self, result: RepResult) -> None:
        rep = result.rep
        self.query_one("#rep-title", Label).update(f"Rep {rep.number} · {rep.athlete}")
        self.query_one("#rep-time", Digits).update(f"{rep.time_us / 1e6:.2f}" if rep.time_us else "-.--")
        if rep.valid:
            drop = "—" if result.dropoff_pct is None else f"{result.dropoff_pct:+.1f}"
            metrics = f"drop-off {drop} %   intensity {fmt_pct(result.intensity_pct)} %"
        else:
            metrics = "not counted: " + ", ".join(sorted(rep.flags))
        self.query_one("#rep-metrics", Label).update(metrics)
        self.query_one("#rep-splits", Label).update(splits_line(result))
        best = self.query_one("#rep-best", Label)
        new_best = result.new_best and rep.valid
        best.update("★ NEW BEST ★" if new_best else f"best {fmt_time(result.best_us)} s")
        best.set_class(new_best, "-new-best")
        self.set_class(not rep.valid, "-void")
