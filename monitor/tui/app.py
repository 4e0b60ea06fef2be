"""The live dashboard: verdict banner, last rep, athlete table, plots, gate strip, and the coach's keys.

It shows what the pipeline tells it (messages, see `monitor.tui.messages`) and hands every coach
decision to a `Controls` object that stores it as an annotation and applies it; the board changes
only when the pipeline reports the consequence, so what is shown is always what is stored.

The clock is injected (default: the monotonic clock) so tests and snapshots are deterministic; it
drives only the rest timers and heartbeat ages. The theme is given (`--theme`, see
`monitor.tui.config`); `remember_theme`, when given, keeps a theme chosen in the command palette for
the next run.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, TypeVar

from textual import events
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Label

from gates.course import Course
from monitor.session.analyzer import RepResult, StopRule, Verdict
from monitor.tui import config
from monitor.tui.collector import release_at_first_frame
from monitor.tui import messages as msg
from monitor.tui.board import Board
from monitor.tui.frames import draw_now
from monitor.tui.screens.dashboard import DashboardScreen
from monitor.tui.widgets.athletes import AthleteTable, minimum_rest_s
from monitor.tui.widgets.gates import GateStrip
from monitor.tui.widgets.last_rep import LastRep
from monitor.tui.widgets.plots import PlotGrid
from monitor.tui.widgets.spacing import SpacingLine
from monitor.tui.widgets.title import TitleBar
from monitor.tui.widgets.verdict import Banner, VerdictBanner, banner_for

if TYPE_CHECKING:  # the pipeline is loaded after the first frame (messages carry its dataclasses)
    from monitor.session.log import LogEntry
    from monitor.live import pipeline as pl
    from monitor.session.blocks import BlockChanged
    from monitor.tui.widgets.heart import HeartTable
    from monitor.session.plans import Plan


class Controls(Protocol):
    """What the dashboard needs from the live session: a run loop posting messages, and the coach's
    decisions, each stored as an annotation before it takes effect."""

    async def run(self, post: Callable[[msg.PipelineEvent], object]) -> None: ...
    def void(self, rep: int) -> None: ...
    def reassign(self, rep: int, athlete: str) -> None: ...
    def skip(self) -> None: ...
    def send_now(self, name: str) -> None: ...
    def set_order(self, names: list[str]) -> None: ...
    def add_athlete(self, name: str) -> None: ...
    def bring_back(self, name: str) -> None: ...
    def end(self) -> None: ...
    def log(self, entry: LogEntry) -> None: ...
    def undo(self) -> str | None: ...
    def next_block(self) -> int | None: ...
    async def assign_strap(self, text: str) -> str: ...


NARROW_COLUMNS = 105  # below this the last-rep card is a strip under the banner (END SESSION needs the width)
SHORT_ROWS = 32  # below this the plots give their rows to the table
TALL = (120, 35)  # from this size on, the athlete's name is in block letters beside the banner
# set as the terminal's window title (OSC 2) once the first frame is on screen: terminal tabs and tmux
# show it, and the start-up benchmark waits for it instead of for words on the screen
WINDOW_TITLE = "gates dashboard"

# key, action, footer label, help text: one table for the bindings, the footer, the palette and help
KEYS: tuple[tuple[str, str, str, str], ...] = (
    ("v", "void", "Void", "void the latest rep (false start, slip): it stops counting; the prompt names it"),
    ("r", "reassign", "Reassign", "give the latest rep to another athlete (the wrong one ran); the prompt names it"),
    ("s", "skip", "Skip", "the athlete up next sits this turn out"),
    ("o", "order", "Order", "set the running order (type the names, the first runs next)"),
    ("n", "next", "Next", "choose who runs next, out of turn; then back to whoever was up"),
    ("a", "add_athlete", "Add", "add a late athlete to the rotation"),
    ("b", "bring_back", "Back", "bring an athlete whose END took them out of the rotation back into it"),
    ("p", "next_block", "Block", "move the session on to the plan's next block (asks first; says which gates to move)"),
    ("u", "undo", "Undo", "take back your latest change (void, reassign, rotation), then the one before"),
    ("e", "end_session", "End", "end the session for everyone (asks first)"),
    ("question_mark", "help", "Help", "this help"),
    ("q", "quit", "Quit", "leave: all is stored (a monitor's session resumes next time)"),
)


H = TypeVar("H", bound=Callable[..., None])


def _while_running(handler: H) -> H:
    """A pipeline message handler that does nothing once the app is closing (its widgets are going)."""
    @functools.wraps(handler)
    def handle(app: DashboardApp, message: msg.PipelineEvent) -> None:
        if app.is_running:
            handler(app, message)
    return handle  # type: ignore[return-value]


class DashboardApp(config.OpensInOurTheme, App):
    CSS_PATH = Path(__file__).with_name("dashboard.tcss")  # absolute: subclasses elsewhere find it too
    TITLE = "gates"
    BINDINGS = [*(Binding(key, action, label, show=action != "bring_back") for key, action, label, _ in KEYS),
                Binding("f1", "help", "Help", show=False), Binding("h", "assign_strap", "Strap", show=False)]

    def __init__(self, controls: Controls | None, *, course: Course, rule: StopRule | None = None,
                 roster: Iterable[str] = (), where: str = "", clock: Callable[[], float] = time.monotonic,
                 speed: float = 1.0, theme: str = config.DEFAULT_THEME,
                 remember_theme: Callable[[str], object] | None = None, spacing: dict | None = None,
                 plan: Plan | None = None) -> None:
        self.opening_theme = config.textual_name(theme)
        super().__init__()
        config.register(self)  # for the command palette
        self.spacing = spacing or {}  # athlete -> monitor.session.week.Spacing as the session starts
        self.remember_theme = remember_theme
        self.controls = controls
        self.course = course
        self.rule = rule or StopRule()
        self.plan = plan
        self.block = 0  # the plan's block running now, 0-based
        self.moves = ""  # after a change of block, until its first rep: which gates go where
        self.clock = clock
        self.speed = speed  # session seconds per clock second: rest is shown in the session's time
        self.board = Board()
        self.out: list[str] = []  # athletes their END took out of the rotation
        names = list(dict.fromkeys(roster))
        self.board.set_rotation(names, names[0] if names else None)
        self.session_label = ""
        self.no_names = ""  # the warning when reps cannot be named
        self.where = where
        self.sub_title = self._sub_title(narrow=False)

    @property
    def floor_pct(self) -> float:
        """The running block's floor (the session's rule without a plan)."""
        return self.plan.blocks[self.block].floor_pct if self.plan else self.rule.floor_pct

    @property
    def of(self) -> str:
        against = self.plan.blocks[self.block].against if self.plan else self.rule.against
        return {"pb": "PB", "target": "target"}.get(against, "session best")

    def rest_target_s(self) -> float:
        """The running block's minimum rest; without a plan a minute per 10 m of the course."""
        return self.plan.blocks[self.block].rest_s if self.plan else minimum_rest_s(self.course)

    def _block_label(self) -> str:
        if self.plan is None:
            return ""
        return f"block {self.block + 1}/{len(self.plan.blocks)}: {self.plan.blocks[self.block].name}"

    def _sub_title(self, narrow: bool) -> str:
        """The header's line; on a narrow terminal only what fits 80 columns beside the title."""
        if narrow:
            parts = [self.session_label.split(" (")[0], f"{self.course.label()} m", f"floor {self.floor_pct:g} %"]
        else:
            parts = [self.session_label, self._block_label(), f"course {self.course.label()} m",
                     f"floor {self.floor_pct:g} % of {self.of}", self.where]
        return " · ".join(filter(None, [self.no_names, *parts]))

    def watch_theme(self, theme: str) -> None:
        """A theme of ours picked in the command palette is the one the next run opens with."""
        name = config.ours(theme)
        if self.remember_theme is not None and name is not None and self.is_running:
            self.remember_theme(name)

    # -- layout --------------------------------------------------------------------------------

    def get_default_screen(self) -> Screen:
        return DashboardScreen(id="_default")

    def compose(self) -> ComposeResult:
        self._fit(self.size)  # before the widgets are first styled: the first frame needs no restyle
        # kept as attributes: updates reach them while a prompt or the help screen is on top
        self.verdict = VerdictBanner(self._banner(), id="verdict")
        self.last_rep = LastRep(id="last-rep")
        self.table = AthleteTable(self.course, self.rest_target_s(), id="athletes")
        self.heart: HeartTable | None = None  # made and mounted when a strap speaks (`on_heart_changed`)
        self.plots = PlotGrid(id="plots")
        self.gates = GateStrip(id="gates")
        self.status_line = Label("", id="status-line")
        self.not_saving = Label("", id="not-saving")  # shown only while the disk refuses writes
        yield TitleBar()
        with Horizontal(id="top"):
            yield self.verdict
            yield self.last_rep
        with Vertical(id="below"):  # its own clip: a frame that changes #top only leaves these alone
            yield self.table
            yield SpacingLine(self.spacing, id="spacing")
            yield self.plots
            yield self.gates
            yield self.not_saving
            yield self.status_line
        yield Footer()

    def _fit(self, size) -> bool:
        """The size classes for `size` (a small terminal keeps what matters most: the banner wide
        enough for its block letters, the last rep as a strip under it, when short the table before
        the plots; a big one has the athlete's name in block letters), set without restyling: whether
        any changed. Each class change restyles the whole screen, so they are set together."""
        wanted = {"-narrow": size.width < NARROW_COLUMNS, "-short": size.height < SHORT_ROWS,
                  "-tall": size.width >= TALL[0] and size.height >= TALL[1]}
        changed = any(self.has_class(name) != on for name, on in wanted.items())
        for name, on in wanted.items():
            self.set_class(on, name, update=False)
        return changed

    def on_resize(self, event: events.Resize) -> None:
        """One restyle for the size classes, none when the size class stays (the first frame was
        composed with them, see `compose`)."""
        if self._fit(event.size):
            self.update_node_styles()
        narrow = self.has_class("-narrow")
        self.sub_title = self._sub_title(narrow)
        footer = self.query_one(Footer)  # narrow: every key still shows, down to `? Help` and `q Quit`
        footer.compact, footer.show_command_palette = narrow, not narrow

    def on_ready(self) -> None:
        """Textual's Ready: the first frame has been displayed."""
        release_at_first_frame()
        driver = self._driver  # Textual's own output path: no public way to write an escape sequence
        if driver is not None:
            driver.write(f"\x1b]2;{WINDOW_TITLE}\x07")
            driver.flush()

    def on_mount(self) -> None:
        table = self.table
        for name in self.board.order:
            table.show(self.board.athlete(name), self.board.next_up, None)
        table.border_title = self._next_title()
        self.last_rep.show_next(self.board.next_up)
        self.set_interval(1.0, self._tick)
        if self.controls is not None:  # after the first frame: a pipeline still to start waits for it
            self.call_after_refresh(self.run_worker, self._run_controls, name="pipeline", exclusive=True)

    async def _run_controls(self) -> None:
        try:
            await self.controls.run(self.post_message)  # type: ignore[union-attr]
        except Exception as err:  # the board stays up with what it has; the reason is shown
            from monitor.live.pipeline import PipelineFailed

            self.post_message(msg.PipelineFailed(PipelineFailed(f"{type(err).__name__}: {err}")))

    def _banner(self) -> Banner:
        if self.moves and not self.board.ended:  # the gates must move before the block's first rep
            return Banner("MOVE GATES", "-idle", self.moves, self.board.next_up)
        if self.board.finished and not self.board.ended:
            return Banner("WORKOUT DONE", "-end", f"{self.board.finished} · e ends the session")
        against = self.plan.blocks[self.block].against if self.plan else self.rule.against
        return banner_for(self.board.last, next_up=self.board.next_up, min_reps=self.rule.min_reps,
                          ended=self.board.ended, against=against)

    def _show_banner(self) -> None:
        self.verdict.show(self._banner())

    def _next_title(self) -> str:
        return f"Athletes · next up: {self.board.next_up}" if self.board.next_up else "Athletes"

    def _rest(self, name: str) -> float | None:
        """Rest so far in session seconds; None (a dash) before a first rep and for an athlete out of
        the rotation (after END, or not in the running block), who has no next rep to be READY for."""
        if name in self.out or (self.board.order and name not in self.board.order):
            return None
        rest = self.board.rest_s(name, self.clock())
        return None if rest is None else rest * self.speed

    # -- messages from the pipeline ------------------------------------------------------------

    @_while_running
    def on_rep_finished(self, message: msg.RepFinished) -> None:
        item = message.event
        self._rep_finished(item.result, item.host_ns / 1e9 if item.host_ns else self.clock())

    @_while_running
    def on_reps_revised(self, message: msg.RepsRevised) -> None:
        self._reps_revised(message.event.results)

    @_while_running
    def on_link_changed(self, message: msg.LinkChanged) -> None:
        self.gates.update_status(message.event.status, self.clock())

    @_while_running
    def on_gate_clock_changed(self, message: msg.GateClockChanged) -> None:
        item = message.event
        self.gates.update_clock(item.source, item.gate, item.state, self.clock())

    @_while_running
    def on_rotation_changed(self, message: msg.RotationChanged) -> None:
        item = message.event
        self.out = list(item.out)
        self.board.finished = item.finished
        self._rotation_changed(item.order, item.next_up)

    @_while_running
    def on_session_opened(self, message: msg.SessionOpened) -> None:
        self._session_opened(message.event)

    @_while_running
    def on_start_abandoned(self, message: msg.StartAbandoned) -> None:
        self._status("a start never reached the finish: timed out, not counted as a rep")

    @_while_running
    def on_session_ended(self, message: msg.SessionEnded) -> None:
        item = message.event
        stopped = [name for name, a in self.board.athletes.items() if a.verdict is Verdict.END]
        self.board.ended = " · ".join(filter(None, [item.reason, stopped and f"END for {', '.join(stopped)}",
                                                    "every rep is stored"]))
        self._show_banner()
        self._status(f"session {item.session} ended: {item.reason}")

    @_while_running
    def on_pipeline_failed(self, message: msg.PipelineFailed) -> None:
        reason = message.event.reason
        self._status(f"STOPPED: {reason}")
        self.notify(reason, title="The pipeline stopped", severity="error", timeout=30)

    @_while_running
    def on_store_failed(self, message: msg.StoreFailed) -> None:
        reason = message.event.reason
        self.not_saving.update(f"NOT SAVING — {reason} · the session goes on in memory; "
                               "it is written as soon as the disk takes it")
        self.not_saving.add_class("-on")
        self.notify(reason, title="NOT SAVING", severity="error", timeout=30)

    @_while_running
    def on_store_saving(self, message: msg.StoreSaving) -> None:
        self.not_saving.remove_class("-on")
        self.notify(f"the {message.event.saved} events kept in memory are stored", title="Saving again")

    @_while_running
    def on_history_loading(self, message: msg.HistoryLoading) -> None:
        done, total = message.event.done, message.event.total
        if done < total:
            self._status(f"loading history: {done}/{total} earlier sessions (reps are judged once it is read)")
        else:
            self._status(f"history read: {total} earlier session{'s' if total != 1 else ''}")

    @_while_running
    def on_block_changed(self, message: msg.BlockChanged) -> None:
        self._block_changed(message.event)

    @_while_running
    def on_heart_changed(self, message: msg.HeartChanged) -> None:
        from monitor.tui.widgets.heart import HeartTable, athlete_table_cell  # a DataTable: it waits for a strap

        if self.heart is None:  # the first strap's reading: the table goes above the plots
            self.heart = HeartTable(id="heart")
            self.plots.parent.mount(self.heart, before=self.plots)  # type: ignore[union-attr]
        self.heart.show(message.event)
        self.table.show_heart(message.event.heart.athlete, athlete_table_cell(message.event))

    def _block_changed(self, change: BlockChanged) -> None:
        """The plan moved on: which gates go where, and who is out, where the coach looks."""
        moves = f"move {', '.join(change.moves)}" if change.moves else "the gates stay"
        out = f" · out: {', '.join(change.out)}" if change.out else ""
        for name, athlete in self.board.athletes.items():  # the PBs that count now: this course, this start
            athlete.pb_us = change.pbs.get(name)
        self._status(f"block {change.index}: {change.name} · {moves}{out}")
        self.notify(f"{moves}{out}", title=f"Block {change.index}: {change.name}", timeout=60)
        if self.plan is not None and 0 < change.index <= len(self.plan.blocks):
            self.block = change.index - 1
        self.board.set_block(change.index)
        if change.moves:
            self.moves = f"block {change.index}: {change.name} · {', '.join(change.moves)}"
        self._show_block(change.course)

    def _show_block(self, course: Course) -> None:
        """The running block's course (the table's split columns), rest target and floor."""
        self.course = course
        self.table.set_course(course)
        self.table.set_rest_target(self.rest_target_s())
        self.sub_title = self._sub_title(self.has_class("-narrow"))
        self._show_banner()
        self._show_athletes(self.board.names())

    def _rep_finished(self, result: RepResult, at: float) -> None:
        """The banner and the rep's name, time and % of best, drawn at once: the rest of the card and
        the table follow in the next frame and the plot in the one after, so the rep just run is on
        screen within one frame of its finish (each widget drawn costs ms; a table repaint several,
        a plot more)."""
        athlete = self.board.add(result, at)
        self.moves = ""  # a rep ran in the block: its gates are in place
        self.last_rep.show_rep(result)
        self._show_banner()
        draw_now(self, self.verdict, self.last_rep)
        self._after_frame(self._rep_detail, athlete.name)

    def _rep_detail(self, name: str) -> None:
        """The latest rep's card in full, and the row of who ran it."""
        if self.board.last is not None:
            self.last_rep.show_detail(self.board.last)
        self._show_athletes([name])

    def _after_frame(self, callback: Callable[..., object], *args: object) -> None:
        """`callback` once the frame showing what was just changed is drawn. `call_after_refresh`
        alone can run before: the changed widgets tell the screen on their own idle, and a screen
        idle before that runs its callbacks at once (the table was drawn in the card's frame, every
        rep). Its second hop comes after the screen has heard of them."""
        self.call_after_refresh(self.call_after_refresh, callback, *args)

    def _reps_revised(self, results: list[RepResult]) -> None:
        changed = self.board.revise(results)
        self._show_athletes(sorted(changed))
        if self.board.last is not None:
            self.last_rep.show(self.board.last)
        self._show_banner()

    def _rotation_changed(self, order: list[str], next_up: str | None) -> None:
        for name in self.board.set_rotation(order, next_up):
            self.table.drop(name)  # they never ran: no plot either
        self.last_rep.show_next(self.board.next_up)
        self._show_banner()  # its "next up" line too
        self.table.border_title = self._next_title()
        for name in order:  # a new athlete's row now; the others' ▶ and rest after the next frame
            if not self.table.has_row(name):
                self.table.show(self.board.athlete(name), self.board.next_up, self._rest(name))
        self._after_frame(self._show_rotation, order)

    def _show_rotation(self, order: list[str]) -> None:
        table = self.table
        for name in order:
            table.show(self.board.athlete(name), self.board.next_up, self._rest(name))
        table.mark_next(self.board.next_up)

    def _session_opened(self, opened: pl.SessionOpened) -> None:
        """Each athlete's PB shows before their first rep; a resumed session shows what it already had
        (its rest timers start unknown)."""
        how = "resumed" if opened.resumed else "new"
        self.session_label = f"session {opened.session} ({how})"
        if self.plan is not None and 0 < opened.block <= len(self.plan.blocks) and opened.block - 1 != self.block:
            self.block = opened.block - 1  # resumed past the plan's first block
            self.board.set_block(opened.block)
            self._show_block(opened.course or self.course)
        self.no_names = (f'no roster, {opened.no_names} has no start numbers: every rep goes to "?" (a adds athletes)'
                         if opened.no_names else "")
        self.sub_title = self._sub_title(self.has_class("-narrow"))
        if opened.not_resumed:
            self._status(opened.not_resumed)
        self.board.set_pbs(opened.pbs)
        self._show_athletes(sorted(opened.pbs))
        if opened.results:
            self._reps_revised(opened.results)
            self.board.last = opened.results[-1]
            self.last_rep.show(self.board.last)
            self._show_banner()

    def _show_athletes(self, names: list[str]) -> None:
        """Their rows now, their plots after the next frame (drawing a plot is the slowest part)."""
        table = self.table
        for name in names:
            table.show(self.board.athlete(name), self.board.next_up, self._rest(name))
        self._after_frame(self._show_plots, names)

    def _show_plots(self, names: list[str]) -> None:
        """A plot of the running block's reps; none for an athlete without one (e.g. out since an
        earlier block, whose 30 m times would sit beside the others' 150 m)."""
        for name in names:
            board = self.board.athlete(name)
            if board.recent:
                self.plots.show(board)
            else:
                self.plots.drop(name)

    def _tick(self) -> None:
        now = self.clock()
        table = self.table
        if not self.board.ended:  # once the session is over nobody is resting for a next rep
            for name in self.board.athletes:
                table.show_rest(name, self._rest(name))
        self.gates.tick(now)

    def _status(self, text: str) -> None:
        self.status_line.update(text)

    # -- the coach's decisions -----------------------------------------------------------------

    def _live(self) -> Controls | None:
        if self.controls is None or self.board.ended:
            self.notify("the session has ended: nothing more is stored", severity="warning")
            return None
        return self.controls

    def _last_rep(self) -> int | None:
        if self.board.last is None:
            self.notify("no rep yet", severity="warning")
            return None
        return self.board.last.rep.number

    def _decide(self, decision: Callable[[], object], done: str) -> None:
        """Store one decision; if the store refuses it (disk full...), say so and carry on."""
        try:
            decision()
        except Exception as err:
            self.notify(f"not stored: {err}", title="Decision not stored", severity="error", timeout=15)
            return
        if done:
            self.notify(done)

    def _named(self) -> str:
        """The latest rep as the prompt names it, taken at the keypress (a rep finishing meanwhile is
        not the one the coach meant)."""
        rep = self.board.last.rep  # type: ignore[union-attr]
        time = "no time" if rep.time_us is None else f"{rep.time_us / 1e6:.2f} s"
        return f"rep {rep.number} ({rep.athlete}, {time})"

    def action_void(self) -> None:
        if not (controls := self._live()) or (rep := self._last_rep()) is None:
            return
        named = self._named()

        def done(yes: bool | None) -> None:
            if yes:
                self._decide(lambda: controls.void(rep), f"{named} voided (u undoes it)")

        from monitor.tui.screens.prompts import Confirm

        self.push_screen(Confirm(f"Void {named}? It stops counting.", "Void"), done)

    def action_reassign(self) -> None:
        if not (controls := self._live()) or (rep := self._last_rep()) is None:
            return
        current = self.board.last.rep.athlete  # type: ignore[union-attr]
        names = [n for n in self.board.names() if n != current]
        named = self._named()

        def done(name: str | None) -> None:
            if name:
                self._decide(lambda: controls.reassign(rep, name), f"rep {rep} now belongs to {name} (u undoes it)")

        from monitor.tui.screens.prompts import PickAthlete

        self.push_screen(PickAthlete(f"{named[0].upper()}{named[1:]} went to {current}. Who really ran it?", names),
                         done)

    def action_skip(self) -> None:
        if (controls := self._live()) and (skipped := self.board.next_up):
            self._decide(controls.skip, f"{skipped} sits this turn out")

    def action_order(self) -> None:
        if not (controls := self._live()):
            return
        order = self.board.order
        if self.board.next_up in order:  # start the text with whoever is up, as the coach sees the queue
            i = order.index(self.board.next_up)
            order = order[i:] + order[:i]

        def done(text: str | None) -> None:
            names = list(dict.fromkeys(n.strip() for n in (text or "").split(",") if n.strip()))
            if names:
                self._decide(lambda: controls.set_order(names), f"running order: {', '.join(names)}")

        from monitor.tui.screens.prompts import AskText

        self.push_screen(AskText("Running order (comma-separated; the first runs next):", ", ".join(order)), done)

    def action_next(self) -> None:
        if not (controls := self._live()):
            return

        def done(name: str | None) -> None:
            if name:
                self._decide(lambda: controls.send_now(name), f"{name} runs next, out of turn")

        from monitor.tui.screens.prompts import PickAthlete

        up = self.board.next_up
        title = f"Who runs next? (out of turn: then back to {up})" if up else "Who runs next?"
        self.push_screen(PickAthlete(title, self.board.order, up), done)

    def action_add_athlete(self) -> None:
        if not (controls := self._live()):
            return

        def done(name: str | None) -> None:
            if name and name in self.board.order:
                self.notify(f"{name} is already in the rotation", severity="warning")
            elif name:
                self._decide(lambda: controls.add_athlete(name), f"{name} joins the rotation")

        from monitor.tui.screens.prompts import AskText

        self.push_screen(AskText("New athlete's name:", placeholder="name"), done)

    def action_bring_back(self) -> None:
        if not (controls := self._live()):
            return
        if not self.out:
            self.notify("nobody is out of the rotation", severity="warning")
            return

        def done(name: str | None) -> None:
            if name:
                self._decide(lambda: controls.bring_back(name), f"{name} is back in the rotation")

        from monitor.tui.screens.prompts import PickAthlete

        self.push_screen(PickAthlete("Bring back into the rotation:", list(self.out)), done)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The next-block key is in the footer only when the session has a plan."""
        return self.plan is not None if action == "next_block" else True

    def action_next_block(self) -> None:
        if not (controls := self._live()):
            return
        plan = self.plan
        if plan is None or self.block + 1 >= len(plan.blocks):
            self.notify("no plan: one block over the course" if plan is None else "this is the plan's last block",
                        severity="warning")
            return
        from monitor.session.blocks import moves
        from monitor.tui.screens.prompts import Confirm

        after = plan.blocks[self.block + 1]
        where = ", ".join(moves(plan.blocks[self.block], after)) or "the gates stay"
        question = f"Move on to block {self.block + 2}: {after.name}? {where}"

        def done(yes: bool | None) -> None:
            if yes:
                self._decide(controls.next_block, "")

        self.push_screen(Confirm(question, "Next block"), done)

    def action_undo(self) -> None:
        if not (controls := self._live()):
            return
        undone: list[tuple[bool, str] | None] = []
        self._decide(lambda: undone.append(controls.undo()), "")
        if not undone:
            return
        if undone[0] is None:
            self.notify("nothing of yours to undo", severity="warning")
        elif undone[0][0]:
            self.notify(f"undone: {undone[0][1]}")
        else:
            self.notify(undone[0][1], title="Not undone", severity="warning", timeout=10)

    def action_end_session(self) -> None:
        if not (controls := self._live()):
            return

        def done(yes: bool | None) -> None:
            if yes:
                self._decide(controls.end, "ending the session…")
                ask_logs(self, [*self.board.order, *self.board.athletes], lambda entry: self._decide(
                    lambda: controls.log(entry), f"{entry.athlete}'s log stored: {entry.describe()}"))

        from monitor.present.log_prompt import ask_logs
        from monitor.tui.screens.prompts import Confirm

        self.push_screen(Confirm("End the session for everyone? Every rep is already stored.", "End session"),
                         done)

    def action_assign_strap(self) -> None:
        if not (controls := self._live()):
            return

        async def assign(text: str) -> None:
            try:
                self.notify(await controls.assign_strap(text), title="Heart-rate strap")
            except ValueError as err:  # drivers.hr_source.PairingError: one line naming what is wrong
                self.notify(str(err), title="Not paired", severity="error", timeout=15)

        def done(text: str | None) -> None:
            if text and text.strip():
                self.run_worker(assign(text.strip()), name="pair a strap")

        from monitor.tui.screens.prompts import AskText

        self.push_screen(AskText("Pair a strap (ATHLETE=hr:name=PATTERN or ATHLETE=hr:ADDRESS):",
                                 placeholder="Ada=hr:name=Polar*"), done)

    def action_help(self) -> None:
        from monitor.tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            keys = [("?" if key == "question_mark" else key, text) for key, action, _, text in KEYS
                    if self.check_action(action, ())]
            keys.append(("Ctrl+P", "command palette: every action by name"))
            if self.heart is not None:  # a strap has spoken
                keys.append(("h", "pair a heart-rate strap with an athlete (Ada=hr:name=Polar*)"))
            self.push_screen(HelpScreen(keys, consecutive=self.rule.consecutive, min_reps=self.rule.min_reps,
                                        against=self.rule.against))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for _, action, label, text in KEYS:
            if action not in ("quit", "help") and self.check_action(action, ()):
                yield SystemCommand(label, text, getattr(self, f"action_{action}"))
        yield SystemCommand("Help", "keys and how to read the dashboard", self.action_help)
