"""Progress on standard error for long work (deriving years of sessions after an upgrade): drawn on a
terminal only, so a script reading a command's output gets its output and nothing else."""

from __future__ import annotations

import sys
from collections.abc import Callable

MANY = 10  # fewer sessions to derive than this take no time worth a line


def bar(what: str, done: int, total: int) -> None:
    """`what [#####.....] 412/1040`, redrawn in place; a newline once done."""
    if not sys.stderr.isatty() or not total:
        return
    width = 30
    filled = width * done // total
    sys.stderr.write(f"\r{what} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
    if done == total:
        sys.stderr.write("\n")
    sys.stderr.flush()


def progress_line(what: str, things: str) -> Callable[[int, int], None]:
    """A callback (done, total) drawing `deriving 412/1040 sessions…` in place, when there are MANY."""

    def show(done: int, total: int) -> None:
        if total < MANY or not sys.stderr.isatty():
            return
        sys.stderr.write(f"\r{what} {done}/{total} {things}…" + ("\n" if done == total else ""))
        sys.stderr.flush()

    return show
