"""Regenerate docs/dashboard.svg, the README's picture of the dashboard: `python3 scripts/screenshot.py`.

The same deterministic state as the END snapshot test (a simulated session with a fixed seed, the
clock frozen on the session's time), taken by Textual's own SVG export, so the picture only changes
when the dashboard or the simulator does.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from monitor.session.analyzer import Verdict  # noqa: E402
from monitor.tui.app import DashboardApp  # noqa: E402
from monitor.tui.sample import FrozenClock, post, sample  # noqa: E402


async def shoot(out: Path, size: tuple[int, int], verdict: Verdict, theme: str = "dark") -> None:
    data = sample()
    clock = FrozenClock()
    app = DashboardApp(None, course=data.course, roster=data.roster, clock=clock, where="gates demo", theme=theme)
    async with app.run_test(size=size) as pilot:
        post(app.post_message, clock, data, data.upto(verdict))
        await pilot.pause()
        await pilot.wait_for_scheduled_animations()
        await pilot.pause()
        svg = re.sub(r"\bterminal-\d+-", "terminal-gates-", app.export_screenshot())  # stable ids: clean diffs
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(svg, encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--out", type=Path, default=ROOT / "docs" / "dashboard.svg")
    parser.add_argument("--size", default="120x40", help="terminal columns x rows (default 120x40)")
    parser.add_argument("--verdict", default="END", choices=[v.value for v in Verdict])
    parser.add_argument("--theme", default="dark", choices=("dark", "light"))
    args = parser.parse_args()
    try:
        columns, rows = (int(x) for x in args.size.lower().split("x"))
    except ValueError:
        parser.error(f"--size {args.size!r}: expected COLUMNSxROWS, e.g. 120x40")
    asyncio.run(shoot(args.out, (columns, rows), Verdict(args.verdict), args.theme))
    print(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
