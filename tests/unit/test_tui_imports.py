"""What the dashboard loads before its first frame: nothing that only later work needs (the heart-rate
code and its table wait for a strap, a gate's clock state for the sources, numpy and the pipeline for the
session)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LATER = ("numpy", "statistics", "monitor.live.pipeline", "monitor.session.heart", "monitor.session.log",
         "gates.heartrate", "gates.hr_recovery", "gates.clocksync", "monitor.tui.widgets.heart",
         "textual.widgets._data_table")


def test_the_dashboard_loads_only_what_its_first_frame_needs():
    code = textwrap.dedent(f"""
        import sys
        import monitor.tui.app, monitor.tui.bridge
        print(sorted(m for m in {LATER!r} if m in sys.modules))
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT).stdout
    assert out.strip() == "[]"
