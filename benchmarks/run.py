"""Run every benchmark: `python3 benchmarks/run.py [NAME ...]`.

Each `bench_*.py` beside this file is a standalone script that prints its figures and the ratio to its
goal. Targets live here, never in timed unit tests: the machines are shared and noisy.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path


def main(names: list[str]) -> int:
    here = Path(__file__).parent
    scripts = sorted(here.glob("bench_*.py"))
    if names:
        scripts = [s for s in scripts if any(n in s.stem for n in names)]
    failed = 0
    for script in scripts:
        print(f"== {script.stem}", flush=True)
        started = time.perf_counter()
        code = subprocess.call([sys.executable, str(script)], cwd=here.parent)
        print(f"   ({time.perf_counter() - started:.1f} s{'' if code == 0 else f', exit {code}'})\n", flush=True)
        failed += code != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
