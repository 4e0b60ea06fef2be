"""The real captures and published split times the tests check against. They live beside the
repository (../shared/fixtures), not in it, and GATES_FIXTURES=DIR points elsewhere; in a clone
without them the tests that need them are skipped, saying where they were looked for, not failed."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(os.environ.get("GATES_FIXTURES") or Path(__file__).resolve().parents[3] / "shared" / "fixtures")
ALGE_CAPTURES = sorted((ROOT / "alge-timy").glob("*.dump"))
ALGE_CLASSEMENTS = sorted((ROOT / "alge-classement").glob("ALGEClassement_*.txt"))
BROWER_SPLITS = ROOT / "split-times" / "vescovi-brower-gates.csv"
_WHERE = "(the shared fixtures live beside the repository; GATES_FIXTURES=DIR points elsewhere)"

needs_alge_captures = pytest.mark.skipif(not ALGE_CAPTURES, reason=f"no ALGE captures in {ROOT / 'alge-timy'} {_WHERE}")
needs_alge_classements = pytest.mark.skipif(not ALGE_CLASSEMENTS,
                                            reason=f"no classement prints in {ROOT / 'alge-classement'} {_WHERE}")
needs_brower_splits = pytest.mark.skipif(not BROWER_SPLITS.is_file(), reason=f"no {BROWER_SPLITS} {_WHERE}")
