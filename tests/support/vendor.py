"""A small installed distribution, `acme-gates`, whose entry point registers the `acme:` scheme: how
a vendor's driver plugs in without editing the registry. `installed` puts a copy on sys.path."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

HERE = Path(__file__).with_name("vendor")


def install(into: Path, monkeypatch) -> Path:
    """A copy of the distribution in `into` (so a test may edit its entry points), on sys.path."""
    shutil.copytree(HERE, into, dirs_exist_ok=True)
    monkeypatch.syspath_prepend(str(into))
    return into


def uninstall() -> None:
    sys.modules.pop("acme_gates.driver", None)
    sys.modules.pop("acme_gates", None)
