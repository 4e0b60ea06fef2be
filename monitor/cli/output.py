"""Where a command's file goes: stdout, or the `-o` path, with one clear line when that path cannot be written."""

from __future__ import annotations

import sys
from pathlib import Path

from monitor.cli.options import UsageError
from monitor.store import db as st


def write(path: str | None, text: str, *, database: Path) -> None:
    """The whole text to `path` (UTF-8, newlines as given), or to stdout without one; never over the
    session `database` the text was read from (or its WAL files)."""
    if path is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    target = Path(path)
    if target.is_dir():
        raise UsageError(f"-o {path}: is a directory; name a file")
    if target.exists() and any(f.exists() and target.samefile(f) for f in st.files(database)):
        raise UsageError(f"-o {path}: is the session database; name another file")
    if not target.parent.is_dir():
        what = "is not a directory" if target.parent.exists() else "does not exist"
        raise UsageError(f"-o {path}: {target.parent} {what}")
    try:
        with open(target, "w", encoding="utf-8", newline="") as out:
            out.write(text)
    except OSError as err:
        raise UsageError(f"-o {path}: {err.strerror or err}") from None
