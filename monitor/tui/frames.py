"""A frame drawn now: the finished rep is on screen without waiting for Textual's next update tick.

Textual paints on a timer: a refreshed widget tells its screen on its own idle (a message, a task
switch per widget), the screen resumes its update timer on its idle, and the timer's tick (at most
60 a second) composites the frame. `draw_now` does that pass at once for widgets just changed, as
Textual's own test pilot does (`Pilot.pause` calls `Screen._on_timer_update`). There is no public API
for it, so it relies on Textual privates: `Widget._repaint_required` and `_layout_required`,
`Screen._dirty_widgets`, `_layout_required` and `_on_timer_update`, as in Textual 8.2.
tests/tui/test_tui_frames.py fails if Textual changes them; pyproject pins the range tested.

Anything it cannot draw at once (a change of layout, a prompt or help on top, a batch update under
way) is left to Textual's own pass, a tick later: never drawn wrongly, only later.
"""

from __future__ import annotations

from textual.app import App
from textual.widget import Widget


def draw_now(app: App, *widgets: Widget) -> bool:
    """Draw what changed in `widgets` and their children in one frame, now; whether it was drawn."""
    screen = widgets[0].screen
    if screen is not app.screen or app._batch_count or screen._layout_required:
        return False
    changed = [w for widget in widgets for w in widget.walk_children(with_self=True) if w._repaint_required]
    if any(w._layout_required for w in changed):
        return False
    for widget in changed:  # told to the screen here, not on the widget's idle
        widget._repaint_required = False
        if widget.display:
            screen._dirty_widgets.add(widget)
    if not screen._dirty_widgets:
        return False
    screen._on_timer_update()
    return True
