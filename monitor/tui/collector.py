"""Python's garbage collector around the dashboard's start-up.

Starting the dashboard makes a few hundred thousand objects that live as long as the app (Textual's
modules, classes and parsed styles, the first frame's widgets). The collector scans them again at
each of its passes: before the first frame that is ~40 ms of a 0.5 s budget, and later each full
pass over them is a pause a finished rep can wait behind. So the collector is off until the first
frame is on screen; then what exists is frozen (`gc.freeze`: kept out of every later pass) and the
collector is on again for what the session makes.
"""

from __future__ import annotations

import gc


def hold_until_first_frame() -> None:
    """Called by the commands that open a dashboard, before they import it; `gates demo`, always a
    dashboard, from its start (its own imports and options made ~30 passes, ~10 ms, before Textual's)."""
    gc.disable()


def release_at_first_frame() -> None:
    """Called at the first frame; does nothing when the collector was not held (tests, embedders)."""
    if not gc.isenabled():
        gc.freeze()
        gc.enable()
