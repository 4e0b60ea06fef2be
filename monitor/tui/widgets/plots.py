"""One small plot per athlete: rep times against the floor line (the slowest time still at the
intensity floor, best / floor %), redrawn only when that athlete's reps change.

textual-plotext (and plotext under it) is imported when the first plot is mounted, after the first
frame, so start-up does not pay for it.
"""

from __future__ import annotations

from functools import cache

from textual.containers import Grid
from textual.widget import Widget

from monitor.session.analyzer import floor_time_s
from monitor.tui.board import AthleteBoard


@cache
def _plot_class() -> type[Widget]:
    from textual_plotext import PlotextPlot

    class AthletePlot(PlotextPlot):
        floor_s: float | None = None  # the floor line: the one the athlete's verdict applied

        def draw(self, board: AthleteBoard) -> None:
            plt = self.plt
            plt.clear_data()
            plt.clear_figure()
            valid = [(i, r.rep.time_us / 1e6) for i, r in enumerate(board.recent, 1)
                     if r.rep.valid and r.rep.time_us]
            self.floor_s = floor = floor_time_s(board.judged)
            title = board.name if floor is None else f"{board.name} · floor {floor:.2f} s"
            plt.title(title)
            count = max(len(board.recent), 2)
            plt.xlim(0.5, count + 0.5)
            plt.xticks(list(range(1, count + 1, max(1, count // 6))))
            if valid:
                xs, ys = zip(*valid)
                plt.scatter(xs, ys, marker="●", color="cyan")
                top = max(max(ys), floor or 0.0)
                low = min(ys)
                pad = max(0.02, (top - low) * 0.15)
                plt.ylim(low - pad, top + pad)
                plt.yfrequency(3)
            if floor is not None:
                plt.hline(floor, color="red")
            self.refresh()

    return AthletePlot


PLOT_WIDTH = 26  # narrowest plot that still shows its axis labels and a few reps


class PlotGrid(Grid):
    """Plots side by side, in the order athletes first ran; as many per row as fit."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._plots: dict[str, Widget] = {}

    def show(self, board: AthleteBoard) -> None:
        plot = self._plots.get(board.name)
        if plot is None:
            plot = self._plots[board.name] = _plot_class()(classes="athlete-plot")
            self.mount(plot)
            self._fit()
        plot.draw(board)  # type: ignore[attr-defined]

    def drop(self, name: str) -> None:
        """No plot for `name` (they have no rep in the running block)."""
        plot = self._plots.pop(name, None)
        if plot is not None:
            plot.remove()
            self._fit()

    def on_resize(self) -> None:
        self._fit()

    def _fit(self) -> None:
        self.styles.grid_size_columns = max(1, min(len(self._plots), self.size.width // PLOT_WIDTH))
