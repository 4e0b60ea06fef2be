"""The one machine-readable line a benchmark prints per figure; `run.py` gathers them into its table.

    RESULT <name> <value> <unit> <goal>        goal: >=N, <=N, <N, or - when the figure has none
"""

from __future__ import annotations

import re

_LINE = re.compile(r"RESULT (\S+) (\S+) (\S+) (\S+)$")


def result(name: str, value: float, unit: str, goal: str = "-") -> None:
    print(f"RESULT {name} {value:.6g} {unit} {goal}", flush=True)


def parse(line: str) -> tuple[str, float, str, str] | None:
    m = _LINE.match(line.strip())
    return None if m is None else (m[1], float(m[2]), m[3], m[4])


def met(value: float, goal: str) -> bool | None:
    """Whether `value` meets `goal`; None for a figure without one."""
    for op, test in ((">=", float.__ge__), ("<=", float.__le__), ("<", float.__lt__)):
        if goal.startswith(op):
            return test(value, float(goal[len(op):]))
    return None
