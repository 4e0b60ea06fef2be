"""Snapshots of the review (pytest-textual-snapshot) on a stored session with a fixed seed.

The session is made as in the other review tests (simulated gates → `gates monitor --headless` →
SQLite, one rep voided); its start time is set to a fixed instant and shown in UTC, so nothing in the
picture depends on when the test runs. After a deliberate change to the look, regenerate with
`python3 -m pytest tests/test_review_snapshots.py --snapshot-update` and inspect the SVGs in
tests/__snapshots__/test_review_snapshots/.
"""

from __future__ import annotations

import sqlite3
import time

import pytest
from support.review_store import stored_session

from monitor.cli.review import load
from monitor.review.app import ReviewApp

STARTED_NS = 1_764_612_000 * 10**9  # 2025-12-01 18:00 UTC


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    db = stored_session(tmp_path_factory.mktemp("review-snap"))
    with sqlite3.connect(db) as raw:  # a fixed start, so the title is the same on every run
        raw.execute("UPDATE sessions SET created_ns = ?", (STARTED_NS,))
    return db


@pytest.fixture
def app(db, monkeypatch):
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield ReviewApp(load(str(db), None))
    monkeypatch.undo()
    time.tzset()


def test_review_first_athlete(snap_compare, app):
    assert snap_compare(app, terminal_size=(120, 40))


def test_review_a_rep_with_a_missed_gate(snap_compare, app):
    # Cleo (third), her first rep: the 10 m gate missed her, so there is no profile to draw
    assert snap_compare(app, terminal_size=(120, 40), press=["down", "down", "enter"])


def test_review_on_80_by_24(snap_compare, app):
    assert snap_compare(app, terminal_size=(80, 24), press=["enter", "down"])


def test_review_help(snap_compare, app):
    assert snap_compare(app, terminal_size=(120, 40), press=["question_mark"])
