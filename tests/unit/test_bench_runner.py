"""benchmarks/run.py cannot pass silently: a benchmark that fails or prints no figure is a FAILED row
in its table and makes it exit 1, after the others have run."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


def runner_with(tmp_path: Path, scripts: dict[str, str]) -> subprocess.CompletedProcess:
    for name in ("run.py", "results.py"):
        shutil.copy(BENCHMARKS / name, tmp_path / name)
    for name, text in scripts.items():
        (tmp_path / f"bench_{name}.py").write_text(text, encoding="utf-8")
    return subprocess.run([sys.executable, str(tmp_path / "run.py")], capture_output=True, text=True, timeout=60)


def test_a_failing_or_silent_benchmark_fails_the_run(tmp_path):
    done = runner_with(tmp_path, {"crash": "raise SystemExit(3)\n", "silent": "print('no figure')\n",
                                  "fine": "print('RESULT x.fine 1 ms <=2')\n"})
    assert done.returncode == 1
    rows = {line.split()[0]: line for line in done.stdout.splitlines() if line.strip()}
    assert rows["bench_crash"].endswith("FAILED") and rows["bench_silent"].endswith("FAILED")
    assert rows["x.fine"].endswith("met")
    assert "FAILED: bench_crash, bench_silent" in done.stderr


def test_all_benchmarks_passing_exit_zero(tmp_path):
    done = runner_with(tmp_path, {"fine": "print('RESULT x.fine 3 ms <=2')\n"})
    assert done.returncode == 0  # a missed goal is a figure in the table, not a failure to measure
    assert "MISSED" in done.stdout
