"""The real dashboard app with a memory, for tests that check every banner a session showed."""

from __future__ import annotations

import time

import pytest
from textual.screen import Screen
from textual.widget import Widget

from gates.heartrate import Contact
from monitor.session.heart import AthleteHeart, HeartChanged
from monitor.tui.app import DashboardApp

LIMIT_S = 120.0  # generous: only a wedged test ever waits this long


class Recording(DashboardApp):
    """The real app, keeping every banner it showed (the banner changes with every rep)."""

    def on_mount(self) -> None:
        self.banners = []
        super().on_mount()

    def _show_banner(self) -> None:
        super()._show_banner()
        self.banners.append(self.verdict.banner)


def typed(app: DashboardApp, *keys: str) -> None:
    """Keys as the terminal sends them, in order, without Pilot's `press` waiting after each one for the
    process to go idle: with a live session streaming in it never is, and each key waited out most of
    Textual's 1 s limit (11 s to type a 21-key order). The test then waits for what the keys did."""
    for key in keys:
        app.simulate_key(key)


async def until(pilot, condition, what: str) -> None:
    """Wait, a frame at a time, for what the keys or the session did; on giving up, say what was on screen."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > LIMIT_S:
            app = pilot.app
            reps = {name: board.reps for name, board in app.board.athletes.items()} if hasattr(app, "board") else {}
            pytest.fail(f"gave up waiting for {what} ({app.screen}, {[n.message for n in app._notifications]}, "
                        f"reps shown {reps})")
        await pilot.pause(0.05)


def footer_keys(app) -> set[str]:
    """The keys the footer shows now: it recomposes them a few frames after the bindings change."""
    from textual.widgets import Footer

    return {key.key for key in app.query_one(Footer).query("FooterKey")}


def prompting(app, screen: type[Screen], widget: type[Widget]) -> bool:
    """That prompt is up and its widget has the keyboard. Asked of `app.focused`, never by querying the
    screen: a prompt is the screen a frame before its widgets are mounted."""
    return isinstance(app.screen, screen) and isinstance(app.focused, widget)


def strap_reading(athlete: str, bpm: int = 120, readiness=None, threshold_bpm: int | None = None):
    """An athlete's strap as the dashboard hears it: on skin, connected, no rep yet (unless a
    `readiness` after one is given)."""
    heart = AthleteHeart(athlete, bpm, Contact.OK, threshold_bpm, readiness, None)
    return HeartChanged(heart, "hr:name=Polar*", "connected", 0)
