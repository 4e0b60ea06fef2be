"""Start-up of the dashboard: `gates demo` to its first full frame, and the import cost behind it.

Goal: first frame within 0.5 s. The demo runs in a real pseudo-terminal (120x40) as a person would
start it; the time is taken from spawning the process to the window title the dashboard sets once
Textual reports its first frame displayed (`DashboardApp.on_ready`, `WINDOW_TITLE`): a marker the
app sets for this, not words on the screen that may change. Each run gets its own throw-away database.

The code runs from bytecode, as an installed package does (pip compiles it at install): the runs
write theirs to a throw-away cache (PYTHONPYCACHEPREFIX), filled by one run before the timed ones,
even when PYTHONDONTWRITEBYTECODE is set. Also printed, so a regression can be told apart from a slow
machine: the floor (a bare Textual app with one Label, to its first frame, measured the same way),
what importing the dashboard costs, and `gates --help` wall time.
"""

from __future__ import annotations

import os
import pty
import select
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import fcntl
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from results import result  # noqa: E402

from monitor.tui.app import WINDOW_TITLE  # noqa: E402

RUNS = 5
GOAL_S = 0.5
MARKER = f"\x1b]2;{WINDOW_TITLE}\x07".encode()  # the title escape the app writes once its first frame is up
TIMEOUT_S = 20.0


FLOOR_APP = f"""
from textual.app import App
from textual.widgets import Label

class Floor(App):
    def compose(self):
        yield Label("gates")

    def on_ready(self):
        self._driver.write({MARKER.decode()!r})
        self._driver.flush()

Floor().run()
"""


def _first_frame_s(argv: list[str], env: dict[str, str]) -> float:
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    started = time.perf_counter()
    proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=env, cwd=ROOT,
                            start_new_session=True)
    os.close(slave)
    seen = b""
    try:
        while time.perf_counter() - started < TIMEOUT_S:
            ready, _, _ = select.select([master], [], [], 0.05)
            if ready:
                try:
                    seen = (seen + os.read(master, 65536))[-65536:]
                except OSError:
                    break
                if MARKER in seen:
                    return time.perf_counter() - started
            if proc.poll() is not None:
                break
        raise RuntimeError(f"no first frame within {TIMEOUT_S:g} s; last output: {seen[-300:]!r}")
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        os.close(master)


def _wall_s(argv: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(argv, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> int:
    py = sys.executable
    frames, floors = [], []
    with tempfile.TemporaryDirectory() as tmp:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env.update(TERM="xterm-256color", COLUMNS="120", LINES="40", PYTHONPYCACHEPREFIX=str(Path(tmp) / "pycache"))
        demo = [py, "-m", "monitor", "demo", "--db"]
        floor = [py, "-c", FLOOR_APP]
        _first_frame_s([*demo, str(Path(tmp) / "warm.sqlite3")], env)  # fills the bytecode cache
        _first_frame_s(floor, env)
        for run in range(RUNS):
            frames.append(_first_frame_s([*demo, str(Path(tmp) / f"run{run}.sqlite3")], env))
            floors.append(_first_frame_s(floor, env))
        baseline = statistics.median(_wall_s([py, "-c", "pass"], env) for _ in range(RUNS))
        imports = statistics.median(_wall_s([py, "-c", "import monitor.tui.app"], env) for _ in range(RUNS))
        help_s = statistics.median(_wall_s([py, "-m", "monitor", "--help"], env) for _ in range(RUNS))
    p50, worst = statistics.median(frames), max(frames)
    print(f"gates demo to first frame: p50 {p50 * 1000:.0f} ms, max {worst * 1000:.0f} ms over {RUNS} runs "
          f"(goal <= {GOAL_S * 1000:.0f} ms: {'met' if worst <= GOAL_S else 'MISSED'})")
    print(f"floor, a bare Textual app to its first frame: p50 {statistics.median(floors) * 1000:.0f} ms, "
          f"max {max(floors) * 1000:.0f} ms")
    print(f"import monitor.tui.app: {(imports - baseline) * 1000:.0f} ms above a bare interpreter "
          f"({baseline * 1000:.0f} ms)")
    print(f"gates --help: {help_s * 1000:.0f} ms wall (median of {RUNS})")
    result("startup.demo_first_frame_max", worst, "s", f"<={GOAL_S:g}")
    result("startup.textual_floor_max", max(floors), "s")
    result("startup.help_wall", help_s, "s", "<=0.1")
    return 0


if __name__ == "__main__":
    sys.exit(main())
