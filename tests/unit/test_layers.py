"""The layers hold: import-linter's contracts in pyproject.toml, run as part of the suite."""

from __future__ import annotations

import os
from pathlib import Path

from importlinter import cli

ROOT = Path(__file__).resolve().parents[2]


def test_every_import_linter_contract_is_kept(capsys):
    here = os.getcwd()
    os.chdir(ROOT)
    try:
        code = cli.lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True)
    finally:
        os.chdir(here)
    assert code == cli.EXIT_STATUS_SUCCESS, capsys.readouterr().out[-3000:]
