"""`gates demo` and the dashboard mode of `gates monitor` refuse bad input with one line and exit 2,
and refuse to draw without a terminal (pytest's stdin is not one) before they store anything."""

from __future__ import annotations

import pytest

from monitor.cli.main import main


def gates(argv: list[str]) -> int:
    """The exit status, whether the command returned it or argparse exited with it."""
    try:
        return main(argv)
    except SystemExit as exit:
        return exit.code

@pytest.mark.parametrize("args, says", [
    (["--athletes", "0"], "--athletes '0': give 1 to 255 athletes"),
    (["--athletes", "Ada,Ada"], "athlete names must differ"),
    (["--plan", "marathon"], "--plan: unknown plan 'marathon'"),
    (["--speed", "0"], "--speed must be a number above 0"),
    (["--speed", "inf"], "--speed must be a number above 0"),
    (["--seed", "-3"], "--seed must not be negative"),
    (["--course", "0,10,10"], "--course '0,10,10': gate distances must increase strictly"),
    (["--speed", "fast"], "argument --speed: invalid float value: 'fast'"),
    (["--against", "yesterday"], "argument --against: invalid choice: 'yesterday'"),
])
def test_demo_bad_options(capsys, tmp_path, args, says):
    assert gates(["demo", "--db", str(tmp_path / "g.sqlite3"), *args]) == 2
    err = capsys.readouterr().err
    assert says in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert not (tmp_path / "g.sqlite3").exists()


def test_dashboards_need_a_terminal(capsys, tmp_path):
    db = tmp_path / "g.sqlite3"
    assert gates(["demo", "--db", str(db)]) == 2
    assert "the dashboard needs a terminal" in capsys.readouterr().err
    assert not db.exists()
    capture = tmp_path / "cap.bin"
    capture.write_bytes(b"")
    assert gates(["monitor", "--source", f"replay:{capture}", "--db", str(db)]) == 2
    err = capsys.readouterr().err
    assert "the dashboard needs a terminal" in err and "--headless" in err
