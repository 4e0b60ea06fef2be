"""The rep that just finished, large: athlete, time in big digits with its sprint profile (MSS, MAC)
beside them, drop-off and intensity against the athlete's session best, the splits, the session best
and personal best, and a highlight when it is a new best or a new PB."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Digits, Label

from monitor.present.records import fmt_pct, fmt_speed, fmt_time
from monitor.session.analyzer import SHORT_REST, RepResult
from monitor.tui.widgets.athletes import fmt_rest


def splits_line(result: RepResult) -> str:
    rep = result.rep
    gates = rep.course.distances_m[1:]
    return "   ".join(f"{d:g} m {fmt_time(t)}" for d, t in zip(gates, rep.splits_us))


def best_line(result: RepResult) -> str:
    """The session best, and the PB with the rep's intensity against it (when there is one)."""
    line = f"best {fmt_time(result.best_us)} s"
    if result.pb_us is not None:
        line += f" · PB {fmt_time(result.pb_us)} s"
        if result.intensity_pb_pct is not None:
            line += f" ({result.intensity_pb_pct:.1f} %)"
    return line


class LastRep(Vertical):
    def compose(self) -> ComposeResult:
        yield Label("no rep yet", id="rep-title")
        with Horizontal(id="rep-big"):
            yield Digits("-.--", id="rep-time")
            with Vertical(id="rep-profile"):
                yield Label("", id="rep-mss")
                yield Label("", id="rep-mac")
                yield Label("", id="rep-mss-drop")
        yield Label("", id="rep-metrics")
        yield Label("", id="rep-splits")
        yield Label("", id="rep-best")

    def show(self, result: RepResult) -> None:
        rep = result.rep
        block = f" · {result.block.name}" if result.block.name else ""
        short = f" · SHORT REST {fmt_rest(result.rest_us / 1e6)}" if SHORT_REST in rep.flags and result.rest_us else ""
        self.query_one("#rep-title", Label).update(f"Rep {rep.number} · {rep.athlete}{block}{short}")
        self.query_one("#rep-time", Digits).update(f"{rep.time_us / 1e6:.2f}" if rep.time_us else "-.--")
        profile = result.profile
        self.query_one("#rep-mss", Label).update(f"MSS {fmt_speed(result.mss)} m/s" if profile else "")
        self.query_one("#rep-mac", Label).update(f"MAC {fmt_speed(result.mac)} m/s²" if profile else "")
        self.query_one("#rep-mss-drop", Label).update(
            f"MSS drop {fmt_pct(result.mss_dropoff_pct)} %" if profile else "")
        if rep.valid:
            drop = "—" if result.dropoff_pct is None else f"{result.dropoff_pct:+.1f}"
            metrics = f"drop-off {drop} %   intensity {fmt_pct(result.intensity_pct)} %"
        else:
            metrics = "not counted: " + ", ".join(sorted(rep.flags))
        self.query_one("#rep-metrics", Label).update(metrics)
        self.query_one("#rep-splits", Label).update(splits_line(result))
        best = self.query_one("#rep-best", Label)
        new_pb, new_best = result.new_pb and rep.valid, result.new_best and rep.valid
        best.update("★ NEW PB ★" if new_pb else "★ NEW BEST ★" if new_best else best_line(result))
        best.set_class(new_best or new_pb, "-new-best")
        self.set_class(not rep.valid, "-void")
