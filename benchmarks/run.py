"""Run every benchmark: `python3 benchmarks/run.py [NAME ...]`, then one table of every figure.

Each `bench_*.py` beside this file is a standalone script that prints its figures, each also as a
`RESULT` line (see results.py); this collects those lines into one table: figure, value, goal, and
value / goal. NAME picks the scripts whose name contains it (`run.py live soak`). Targets live here,
never in timed unit tests: the machines are shared and noisy. A benchmark that exits non-zero or
prints no figure is a row FAILED in the table and makes this exit 1: it never passes for a table
that only looks complete.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from results import met, parse

FAILED = "failed"  # the goal of a table row that stands for a benchmark that failed


def main(names: list[str]) -> int:
    here = Path(__file__).parent
    scripts = sorted(here.glob("bench_*.py"))
    if names:
        scripts = [s for s in scripts if any(n in s.stem for n in names)]
        if not scripts:
            print(f"no benchmark matches {' '.join(names)} (there are: "
                  f"{', '.join(s.stem.removeprefix('bench_') for s in sorted(here.glob('bench_*.py')))})",
                  file=sys.stderr)
            return 2
    rows: list[tuple[str, float, str, str]] = []
    failed = []
    for script in scripts:
        print(f"== {script.stem}", flush=True)
        started = time.perf_counter()
        proc = subprocess.Popen([sys.executable, str(script)], cwd=here.parent, stdout=subprocess.PIPE, text=True)
        assert proc.stdout is not None
        figures = 0
        for line in proc.stdout:
            print(line, end="", flush=True)
            row = parse(line)
            if row is not None:
                rows.append(row)
                figures += 1
        code = proc.wait()
        print(f"   ({time.perf_counter() - started:.1f} s{'' if code == 0 else f', exit {code}'})\n", flush=True)
        if code or not figures:
            failed.append(script.stem)
            rows.append((script.stem, float(code), "exit", FAILED))
    print(table(rows))
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    if failed:
        print(f"FAILED: {', '.join(failed)} (exit 1)", file=sys.stderr)
    return 1 if failed else 0


def table(rows: list[tuple[str, float, str, str]]) -> str:
    lines = [("figure", "value", "goal", "value/goal", "")]
    for name, value, unit, goal in rows:
        ok = met(value, goal)
        ratio = f"{value / float(goal.lstrip('<>=')):.2f}" if ok is not None and float(goal.lstrip("<>=")) else ""
        if goal == FAILED:
            lines.append((name, f"{value:g} {unit}", "", "", "FAILED"))
            continue
        lines.append((name, f"{value:,.6g} {unit}", "" if goal == "-" else f"{goal} {unit}", ratio,
                      "" if ok is None else "met" if ok else "MISSED"))
    widths = [max(len(row[i]) for row in lines) for i in range(5)]
    out = ["  ".join(cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in enumerate(zip(row, widths)))
           for row in lines]
    return "\n".join([out[0], "-" * len(out[0]), *out[1:]])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
